/**
 * The REST verbs on resource paths (notes §4): /api/v1/… and /apis/<group>/<version>/….
 * Parses the path and query, decodes bodies, negotiates Table/JSON output and calls the
 * registry. No business logic lives here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '../api/errors.js';
import { isJsonObject, type JsonObject, type KubeList, type KubeObject } from '../api/object.js';
import type { FieldLabelRule, Verb } from '../api/resource.js';
import type { FieldValidation, RequestContext, UserInfo } from '../registry/context.js';
import type { Registry } from '../registry/registry.js';
import type { DeleteOptions, FieldMatcher, LabelMatcher, ListQuery } from '../registry/resource-store.js';
import type { ServedResource } from '../registry/served-resource.js';
import { parseApplyPatchBody, patchTypeForContentType, validatePatchOptions } from '../api/patch/index.js';
import { bodyFormat, negotiateResource, parseStructured, readBody, type ResponseFormat } from './media.js';
import { printerFor, printTable, toPartialObjectMetadata, toTable, type IncludeObject } from './table.js';
import { scaleTablePrinter } from '../api/printers/index.js';
import { streamWatch } from './watch-stream.js';

/** Parsed selectors, supplied by the selectors module. */
export interface SelectorParsers {
  label(s: string): LabelMatcher;
  /** Parses against the kind's field-label rule (unsupported labels → 400). */
  field(s: string, rule: FieldLabelRule | undefined, namespaced: boolean): FieldMatcher;
}

/** A request on a resource path, as handlers of subresources and virtual kinds see it. */
export interface ResourceRequest {
  readonly method: string;
  readonly resource: ServedResource;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly subresource: string | undefined;
  /** Path segments after the subresource (proxy paths). */
  readonly subpath: readonly string[];
  readonly query: URLSearchParams;
  readonly ctx: RequestContext;
  readonly incoming: IncomingMessage;
  readonly outgoing: ServerResponse;
  /** Decodes the request body as an object of any kind (JSON, YAML or protobuf). */
  body(): Promise<KubeObject>;
}

export type HandlerResult = { status: number; body: unknown; headers?: Record<string, string> } | 'sent';

/** Extra behaviour registered by kind: subresources (pods/binding …) and create-only kinds. */
export interface ResourceExtensions {
  /** `<group>/<plural>/<subresource>` → handler. */
  readonly subresources: ReadonlyMap<string, (req: ResourceRequest) => Promise<HandlerResult>>;
  /** `<group>/<plural>` → handler of POST for virtual (create-only, never stored) kinds. */
  readonly virtualCreate: ReadonlyMap<string, (req: ResourceRequest) => Promise<HandlerResult>>;
  /** `<group>/<plural>` → reads of virtual kinds computed on each request (componentstatuses). */
  readonly virtualRead?: ReadonlyMap<string, VirtualReader>;
}

/**
 * Answers get and list of a kind that is computed, not stored. Objects come back without
 * apiVersion/kind (the handler sets them); warnings pushed to `req.ctx.warnings` reach the client.
 */
export interface VirtualReader {
  list(req: ResourceRequest): Promise<KubeObject[]>;
  /** Throws ApiError 404 for an unknown name. */
  get(req: ResourceRequest, name: string): Promise<KubeObject>;
}

export interface ResourceHandlerDeps {
  readonly registry: Registry;
  readonly selectors: SelectorParsers;
  readonly decodeProtobuf: (body: Uint8Array) => KubeObject;
  readonly extensions: ResourceExtensions;
  readonly now: () => number;
}

export interface HttpRequestInfo {
  readonly method: string;
  readonly query: URLSearchParams;
  readonly incoming: IncomingMessage;
  readonly outgoing: ServerResponse;
  readonly user: UserInfo;
}

/** RFC 7234 Warning header values, as kube-apiserver writes them (code 299, agent "-"). */
function warningHeader(warnings: readonly string[]): string {
  return warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ');
}

/** Subresources served as views of the stored object (read and written like /status). */
const OBJECT_VIEW_SUBRESOURCES: ReadonlySet<string> = new Set(['ephemeralcontainers', 'approval']);

const methodNotAllowed = () => ApiError.methodNotAllowed('the server does not allow this method on the requested resource');

/** Splits and decodes the path after `/api/v1` or `/apis/<g>/<v>`. */
export function resolveTarget(registry: Registry, group: string, version: string, segments: readonly string[]) {
  const resources = registry.resources(group, version);
  if (!resources) throw ApiError.pathNotFound();
  let namespace: string | undefined;
  let rest = segments;
  if (segments[0] === 'namespaces' && segments.length >= 3) {
    const candidate = registry.get(group, version, segments[2]);
    if (candidate && candidate.def.namespaced) {
      namespace = segments[1];
      rest = segments.slice(2);
    }
  }
  const resource = registry.get(group, version, rest[0]);
  if (!resource) throw ApiError.pathNotFound();
  if (namespace !== undefined && !resource.def.namespaced) throw ApiError.pathNotFound();
  const name = rest[1];
  if (name !== undefined && resource.def.namespaced && namespace === undefined) throw ApiError.pathNotFound();
  if (name === '') throw ApiError.pathNotFound();
  return { resource, namespace, name, subresource: rest[2], subpath: rest.slice(3) };
}

export async function handleResourceRequest(deps: ResourceHandlerDeps, http: HttpRequestInfo, group: string, version: string, segments: readonly string[]): Promise<HandlerResult> {
  const target = resolveTarget(deps.registry, group, version, segments);
  const { resource, namespace, name, subresource } = target;
  const def = resource.def;
  const query = http.query;
  const warnings: string[] = [];
  const ctx = requestContext(http, query, warnings);
  const method = http.method;
  let bodyCache: Promise<KubeObject> | undefined;
  const req: ResourceRequest = {
    method,
    resource,
    namespace,
    name,
    subresource,
    subpath: target.subpath,
    query,
    ctx,
    incoming: http.incoming,
    outgoing: http.outgoing,
    body: () => (bodyCache ??= decodeObjectBody(deps, http.incoming)),
  };
  const withWarnings = (r: HandlerResult): HandlerResult => {
    if (r === 'sent' || warnings.length === 0) return r;
    return { ...r, headers: { ...(r.headers ?? {}), Warning: warningHeader(warnings) } };
  };

  // Subresources other than status, scale and the object views belong to extensions (binding,
  // eviction, log …). pods/ephemeralcontainers and certificatesigningrequests/approval are
  // GET/PUT/PATCH of the object like status.
  if (subresource !== undefined && subresource !== 'status' && subresource !== 'scale' && !(OBJECT_VIEW_SUBRESOURCES.has(subresource) && def.subresources.some((s) => s.name === subresource))) {
    const handler = deps.extensions.subresources.get(`${def.group}/${def.plural}/${subresource}`);
    if (!handler || !def.subresources.some((s) => s.name === subresource)) throw ApiError.pathNotFound();
    return withWarnings(await handler(req));
  }
  if (subresource === 'status' && !def.hasStatusSubresource) throw ApiError.pathNotFound();
  if (subresource === 'scale' && !def.scale) throw ApiError.pathNotFound();

  if (def.virtual) {
    const reader = deps.extensions.virtualRead?.get(`${def.group}/${def.plural}`);
    if (reader && method === 'GET') {
      const watch = query.get('watch');
      if (watch === 'true' || watch === '1') throw methodNotAllowed();
      const typed = (o: KubeObject): KubeObject => ({ kind: def.kind, apiVersion: resource.apiVersion, ...o });
      if (name === undefined) {
        const items = (await reader.list(req)).map(typed);
        const list: KubeList = { kind: def.listKind, apiVersion: resource.apiVersion, metadata: {}, items };
        return withWarnings({ status: 200, body: (await present(deps, http, resource, items, list.metadata, true)) ?? list });
      }
      let found: KubeObject;
      try {
        found = await reader.get(req, name);
      } catch (e) {
        // Warnings recorded before the failure still reach the client, as upstream's do.
        if (e instanceof ApiError && warnings.length > 0) {
          throw new ApiError(e.code, e.reason, e.message, e.details, { cause: e.cause, headers: { ...(e.headers ?? {}), Warning: warningHeader(warnings) } });
        }
        throw e;
      }
      const obj = typed(found);
      return withWarnings({ status: 200, body: (await present(deps, http, resource, [obj], {}, false)) ?? obj });
    }
    if (name !== undefined || method !== 'POST') throw methodNotAllowed();
    const handler = deps.extensions.virtualCreate.get(`${def.group}/${def.plural}`);
    if (!handler) throw methodNotAllowed();
    return withWarnings(await handler(req));
  }

  const allow = (verb: Verb) => {
    if (!def.verbs.includes(verb)) throw methodNotAllowed();
  };

  if (name === undefined) {
    switch (method) {
      case 'GET': {
        const watch = query.get('watch');
        if (watch === 'true' || watch === '1') {
          allow('watch');
          await serveWatch(deps, http, resource, namespace, query);
          return 'sent';
        }
        allow('list');
        return serveList(deps, http, resource, namespace, query);
      }
      case 'POST': {
        allow('create');
        const obj = await req.body();
        if (def.namespaced && obj.metadata?.namespace !== undefined && obj.metadata.namespace !== '' && obj.metadata.namespace !== namespace) {
          throw ApiError.badRequest('the namespace of the provided object does not match the namespace sent on the request');
        }
        if (def.namespaced && namespace === undefined) throw methodNotAllowed();
        const created = await resource.create(namespace, obj, ctx);
        return withWarnings({ status: 201, body: created });
      }
      case 'DELETE': {
        allow('deletecollection');
        const { options, ctx: deleteCtx } = await deleteRequest(http, query, ctx);
        const list = await resource.list(namespace, listQuery(deps, resource, query));
        const deleted: KubeObject[] = [];
        for (const item of list.items) {
          try {
            const r = await resource.delete(namespace ?? item.metadata.namespace, item.metadata.name ?? '', options, deleteCtx);
            deleted.push(r.object);
          } catch (e) {
            if (!(e instanceof ApiError && e.code === 404)) throw e;
          }
        }
        return withWarnings({ status: 200, body: { ...list, items: deleted } });
      }
      default:
        throw methodNotAllowed();
    }
  }

  switch (method) {
    case 'GET': {
      allow('get');
      if (subresource === 'scale') {
        const scale = await resource.getScale(namespace, name);
        const format = negotiateResource(http.incoming.headers.accept);
        if (format.kind !== 'table') return { status: 200, body: scale };
        const opts = { includeObject: includeObjectParam(http.query), tableVersion: format.version, now: deps.now() };
        // Upstream's ScaleREST prints with its store's convertor: built-ins have a Scale handler
        // (NAME, DESIRED, AVAILABLE, AGE); a custom resource's columns are read off the Scale.
        const scalePrinter = def.crdSchema ? printerFor(def) : scaleTablePrinter;
        return { status: 200, body: printTable(scalePrinter, 'autoscaling/v1', 'Scale', [scale], { resourceVersion: scale.metadata.resourceVersion }, opts) };
      }
      const obj = await resource.get(namespace, name);
      return { status: 200, body: await present(deps, http, resource, [obj], { resourceVersion: obj.metadata.resourceVersion }, false) };
    }
    case 'PUT': {
      allow('update');
      const obj = await req.body();
      if (subresource === 'scale') {
        const scale = await resource.updateScale(namespace, name, ctx, () => obj);
        return withWarnings({ status: 200, body: scale });
      }
      if (obj.metadata?.name !== undefined && obj.metadata.name !== name) {
        throw ApiError.badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
      }
      if (def.namespaced && obj.metadata?.namespace !== undefined && obj.metadata.namespace !== '' && obj.metadata.namespace !== namespace) {
        throw ApiError.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      const res = await resource.update(namespace, name, obj, ctx, subresource);
      return withWarnings({ status: res.created ? 201 : 200, body: res.object });
    }
    case 'PATCH': {
      allow('patch');
      const type = patchTypeForContentType(http.incoming.headers['content-type']?.trim().toLowerCase(), { strategic: def.schema !== undefined });
      const forceParam = query.get('force');
      validatePatchOptions(type, { fieldManager: query.get('fieldManager') ?? undefined, force: forceParam === null ? undefined : forceParam === 'true' });
      const raw = await readBody(http.incoming);
      const body = type === 'apply' ? parseApplyPatchBody(raw) : parseStructured(raw, 'json');
      if (type === 'json' ? !Array.isArray(body) : !isJsonObject(body)) {
        throw ApiError.badRequest(type === 'json' ? 'json: cannot unmarshal object into Go value of type jsonpatch.Patch' : 'the patch must be a JSON object');
      }
      const force = forceParam;
      if (subresource === 'scale') {
        if (type === 'apply') throw ApiError.unsupportedMediaType('apply patches are not supported on the scale subresource');
        const scale = await resource.patchScale(namespace, name, type, body, ctx);
        return withWarnings({ status: 200, body: scale });
      }
      const res = await resource.patch(namespace, name, type, body, ctx, { subresource, force: force === 'true' });
      return withWarnings({ status: res.created ? 201 : 200, body: res.object });
    }
    case 'DELETE': {
      allow('delete');
      if (subresource !== undefined) throw methodNotAllowed();
      const { options, ctx: deleteCtx } = await deleteRequest(http, query, ctx);
      const res = await resource.delete(namespace, name, options, deleteCtx);
      if (!res.deleted) {
        const accepted = options.propagationPolicy === 'Foreground' || options.orphanDependents === false;
        return { status: accepted ? 202 : 200, body: res.object };
      }
      if (resource.store.returnsDeletedObject) return { status: 200, body: res.object };
      const details: JsonObject = { name, kind: def.plural, uid: res.object.metadata.uid ?? '' };
      if (def.group) details.group = def.group;
      return { status: 200, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details } };
    }
    default:
      throw methodNotAllowed();
  }
}

// ---- list, get, watch presentation ---------------------------------------------------------

async function present(deps: ResourceHandlerDeps, http: HttpRequestInfo, resource: ServedResource, items: KubeObject[], listMeta: KubeList['metadata'], isList: boolean): Promise<unknown> {
  const format: ResponseFormat = negotiateResource(http.incoming.headers.accept);
  if (format.kind === 'table') {
    return toTable(resource.def, resource.apiVersion, items, listMeta, { includeObject: includeObjectParam(http.query), tableVersion: format.version, now: deps.now() });
  }
  if (format.kind === 'partial-metadata') {
    if (!isList) return toPartialObjectMetadata(items[0]);
    return { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: listMeta, items: items.map(toPartialObjectMetadata) };
  }
  return isList ? undefined : items[0];
}

function includeObjectParam(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject');
  if (v === null || v === '') return 'Metadata';
  if (v === 'None' || v === 'Metadata' || v === 'Object') return v;
  throw ApiError.badRequest(`includeObject: Unsupported value: ${JSON.stringify(v)}: supported values: "Metadata", "None", "Object"`);
}

async function serveList(deps: ResourceHandlerDeps, http: HttpRequestInfo, resource: ServedResource, namespace: string | undefined, query: URLSearchParams): Promise<HandlerResult> {
  const list = await resource.list(namespace, listQuery(deps, resource, query));
  const presented = await present(deps, http, resource, list.items, list.metadata, true);
  return { status: 200, body: presented ?? list };
}

function listQuery(deps: ResourceHandlerDeps, resource: ServedResource, query: URLSearchParams): ListQuery {
  const limitRaw = query.get('limit');
  let limit: number | undefined;
  if (limitRaw !== null && limitRaw !== '') {
    limit = Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 0) throw ApiError.badRequest(`limit: Invalid value: ${JSON.stringify(limitRaw)}: must be a non-negative integer`);
  }
  const rv = query.get('resourceVersion') ?? undefined;
  const match = query.get('resourceVersionMatch') ?? undefined;
  if (match !== undefined && match !== '') {
    if (match !== 'Exact' && match !== 'NotOlderThan') {
      throw ApiError.invalid({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', [
        { type: 'FieldValueNotSupported', field: 'resourceVersionMatch', value: match, supported: ['Exact', 'NotOlderThan'] },
      ]);
    }
    if (!rv) {
      throw ApiError.invalid({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', [
        { type: 'FieldValueForbidden', field: 'resourceVersionMatch', detail: 'resourceVersionMatch is forbidden unless resourceVersion is provided' },
      ]);
    }
  }
  const cont = query.get('continue') ?? undefined;
  return {
    ...selectors(deps, resource, query),
    limit,
    continueToken: cont || undefined,
    resourceVersion: rv,
    resourceVersionMatch: (match || undefined) as ListQuery['resourceVersionMatch'],
  };
}

function selectors(deps: ResourceHandlerDeps, resource: ServedResource, query: URLSearchParams): { labelSelector?: LabelMatcher; fieldSelector?: FieldMatcher } {
  const out: { labelSelector?: LabelMatcher; fieldSelector?: FieldMatcher } = {};
  const ls = query.get('labelSelector');
  if (ls !== null && ls.trim() !== '') out.labelSelector = deps.selectors.label(ls);
  const fs = query.get('fieldSelector');
  if (fs !== null && fs.trim() !== '') out.fieldSelector = deps.selectors.field(fs, resource.def.strategy.fieldLabelRule, resource.def.namespaced);
  return out;
}

async function serveWatch(deps: ResourceHandlerDeps, http: HttpRequestInfo, resource: ServedResource, namespace: string | undefined, query: URLSearchParams): Promise<void> {
  const format = negotiateResource(http.incoming.headers.accept);
  const timeoutRaw = query.get('timeoutSeconds');
  let timeoutMs: number | undefined;
  if (timeoutRaw !== null && timeoutRaw !== '') {
    const t = Number(timeoutRaw);
    if (!Number.isFinite(t) || t < 0) throw ApiError.badRequest(`timeoutSeconds: Invalid value: ${JSON.stringify(timeoutRaw)}`);
    timeoutMs = t * 1000;
  }
  const sendInitialRaw = query.get('sendInitialEvents');
  const sendInitialEvents = sendInitialRaw === null ? undefined : sendInitialRaw === 'true';
  if (sendInitialEvents !== undefined && query.get('resourceVersionMatch') !== 'NotOlderThan') {
    throw ApiError.invalid({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', [
      { type: 'FieldValueForbidden', field: 'sendInitialEvents', detail: 'sendInitialEvents is forbidden for watch unless resourceVersionMatch is set to NotOlderThan' },
    ]);
  }
  const rvParam = query.get('resourceVersion') ?? undefined;
  // Checked before the stream starts: once its 200 and headers are out, an error can only end it.
  if (rvParam !== undefined && rvParam !== '' && !/^\d+$/.test(rvParam)) throw ApiError.badRequest(`invalid resource version: ${JSON.stringify(rvParam)}`);
  const allowBookmarks = query.get('allowWatchBookmarks') === 'true';
  const sel = selectors(deps, resource, query);
  const includeObject = includeObjectParam(query);
  const controller = new AbortController();
  const events = resource.watch(namespace, {
    ...sel,
    resourceVersion: rvParam,
    allowWatchBookmarks: allowBookmarks,
    sendInitialEvents,
    signal: controller.signal,
  });
  let first = true;
  const def = resource.def;
  await streamWatch(http.outgoing, events, {
    controller,
    allowBookmarks,
    timeoutMs,
    encodeObject: (ev) => {
      if (format.kind === 'table') {
        const table = toTable(def, resource.apiVersion, [ev.object], { resourceVersion: ev.object.metadata.resourceVersion }, { includeObject, tableVersion: format.version, now: deps.now(), withoutColumns: !first });
        first = false;
        return table;
      }
      if (format.kind === 'partial-metadata') return toPartialObjectMetadata(ev.object);
      return ev.object as unknown as JsonObject;
    },
    bookmarkObject: (rv, initialEventsEnd) => {
      const metadata: JsonObject = { resourceVersion: rv, creationTimestamp: null };
      if (initialEventsEnd) metadata.annotations = { 'k8s.io/initial-events-end': 'true' };
      return { kind: def.kind, apiVersion: resource.apiVersion, metadata };
    },
  });
}

// ---- request decoding ------------------------------------------------------------------------

async function decodeObjectBody(deps: ResourceHandlerDeps, incoming: IncomingMessage): Promise<KubeObject> {
  const format = bodyFormat(incoming.headers['content-type']);
  if (!format) {
    throw ApiError.unsupportedMediaType(`the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`);
  }
  const raw = await readBody(incoming);
  const value = format === 'protobuf' ? deps.decodeProtobuf(raw) : parseStructured(raw, format);
  if (!isJsonObject(value)) throw ApiError.badRequest('the request body must be a JSON object');
  const obj = value as unknown as KubeObject;
  if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
  else if (!isJsonObject(obj.metadata)) throw ApiError.badRequest('json: cannot unmarshal metadata: it must be an object');
  return obj;
}

/**
 * DeleteOptions from the body and the query. kubectl puts `dryRun` (and the rest) in the body,
 * so a body `dryRun: ["All"]` makes the request context a dry run.
 */
async function deleteRequest(http: HttpRequestInfo, query: URLSearchParams, ctx: RequestContext): Promise<{ options: DeleteOptions; ctx: RequestContext }> {
  const options = await deleteOptions(http, query);
  const dryRun = (options as { dryRun?: unknown }).dryRun;
  delete (options as { dryRun?: unknown }).dryRun;
  if (dryRun === undefined || dryRun === null) return { options, ctx };
  if (!Array.isArray(dryRun) || dryRun.some((d) => d !== 'All')) {
    throw ApiError.invalid({ group: 'meta.k8s.io', kind: 'DeleteOptions' }, '', [{ type: 'FieldValueNotSupported', field: 'dryRun', value: dryRun, supported: ['All'] }]);
  }
  return { options, ctx: dryRun.length > 0 ? { ...ctx, dryRun: true } : ctx };
}

async function deleteOptions(http: HttpRequestInfo, query: URLSearchParams): Promise<DeleteOptions> {
  let options: DeleteOptions = {};
  const raw = await readBody(http.incoming);
  if (raw.length > 0 && raw.toString('utf8').trim() !== '') {
    const format = bodyFormat(http.incoming.headers['content-type']);
    const parsed = parseStructured(raw, format === 'yaml' ? 'yaml' : 'json');
    if (!isJsonObject(parsed)) throw ApiError.badRequest('DeleteOptions must be a JSON object');
    options = parsed as DeleteOptions;
  }
  const grace = query.get('gracePeriodSeconds');
  if (grace !== null && grace !== '') options.gracePeriodSeconds = Number(grace);
  if (options.gracePeriodSeconds !== undefined && (!Number.isInteger(options.gracePeriodSeconds) || options.gracePeriodSeconds < 0)) {
    throw ApiError.invalid({ group: 'meta.k8s.io', kind: 'DeleteOptions' }, '', [
      { type: 'FieldValueInvalid', field: 'gracePeriodSeconds', value: options.gracePeriodSeconds, detail: 'must be greater than or equal to 0' },
    ]);
  }
  const prop = query.get('propagationPolicy');
  if (prop !== null && prop !== '') options.propagationPolicy = prop as DeleteOptions['propagationPolicy'];
  if (options.propagationPolicy !== undefined && !['Orphan', 'Background', 'Foreground'].includes(options.propagationPolicy)) {
    throw ApiError.invalid({ group: 'meta.k8s.io', kind: 'DeleteOptions' }, '', [
      { type: 'FieldValueNotSupported', field: 'propagationPolicy', value: options.propagationPolicy, supported: ['Foreground', 'Background', 'Orphan'] },
    ]);
  }
  const orphan = query.get('orphanDependents');
  if (orphan !== null && orphan !== '') options.orphanDependents = orphan === 'true';
  return options;
}

function requestContext(http: HttpRequestInfo, query: URLSearchParams, warnings: string[]): RequestContext {
  const dryRun = query.getAll('dryRun');
  for (const d of dryRun) if (d !== 'All') throw ApiError.badRequest(`dryRun: Unsupported value: ${JSON.stringify(d)}: supported values: "All"`);
  const fv = query.get('fieldValidation');
  let fieldValidation: FieldValidation = 'Warn';
  if (fv !== null && fv !== '') {
    const normalised = fv.toLowerCase();
    if (normalised === 'strict') fieldValidation = 'Strict';
    else if (normalised === 'warn') fieldValidation = 'Warn';
    else if (normalised === 'ignore') fieldValidation = 'Ignore';
    else throw ApiError.badRequest(`fieldValidation: Unsupported value: ${JSON.stringify(fv)}: supported values: "Ignore", "Warn", "Strict"`);
  }
  let fieldManager = query.get('fieldManager') ?? undefined;
  if (fieldManager !== undefined) {
    if (fieldManager.length > 128) throw ApiError.badRequest('fieldManager: Too long: may not be longer than 128');
    if (!/^[\x20-\x7e]*$/.test(fieldManager)) throw ApiError.badRequest('fieldManager: Invalid value: must only contain printable characters');
  }
  if (!fieldManager) fieldManager = managerFromUserAgent(http.incoming.headers['user-agent']);
  return { user: http.user, dryRun: dryRun.length > 0, fieldManager, fieldValidation, warnings };
}

/** Upstream's default field manager: the user agent up to its first '/'. */
function managerFromUserAgent(ua: string | undefined): string {
  if (!ua) return 'unknown';
  const slash = ua.indexOf('/');
  const prefix = (slash < 0 ? ua : ua.slice(0, slash)).slice(0, 128);
  return /^[\x20-\x7e]+$/.test(prefix) ? prefix : 'unknown';
}
