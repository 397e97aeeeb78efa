/**
 * An extension API server for tests, after kubernetes/sample-apiserver: it serves the group
 * `wardle.example.com/v1alpha1` with one namespaced resource, `flunders` (kind Flunder), kept in
 * memory, over HTTPS with a certificate from its own CA. It is what lite's aggregator proxies to
 * when an APIService names a Service in front of it.
 *
 * It authenticates callers the way an aggregated server must (apiserver's request-header
 * authenticator, what `--requestheader-client-ca-file` and `--requestheader-allowed-names`
 * configure): it asks for a client certificate, and believes the user named in `X-Remote-User`
 * (groups in `X-Remote-Group`, extras in `X-Remote-Extra-<key>`) only when that certificate
 * verifies against the request-header CA and its CN is an allowed name. Anything else is 401, as
 * upstream answers when no authenticator accepts a request (sample-apiserver would also try a
 * delegated TokenReview; this server does not, so a bearer token never helps). Authorization is
 * left to the aggregator (sample-apiserver would ask kube-apiserver with a SubjectAccessReview);
 * so what this server records shows what lite let through.
 *
 * Every request is recorded (method, path, identity headers, whether an Authorization header came
 * along, the status answered) so tests can check what the aggregator forwarded and what it kept
 * back. Errors are Kubernetes Status objects in upstream's words (`flunders.wardle.example.com "x"
 * not found`); lists answer as FlunderList, or as a meta.k8s.io Table when the Accept header asks
 * for one (kubectl get); `/apis` answers aggregated discovery (apidiscovery.k8s.io v2/v2beta1)
 * when asked for it, as the aggregator does when it merges backends' discovery.
 *
 * Verbs: create, get, list, watch, update, patch (JSON merge and JSON patch), delete; server-side
 * dry run for writes. Not served: deletecollection, OpenAPI documents, status subresource.
 */
import { createHash, randomInt, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { ApiError, type FieldError } from '../../api/errors.js';
import { deepCopy, isJsonObject, jsonEqual, rfc3339, type JsonObject, type JsonValue } from '../../api/object.js';
import { applyJsonPatch } from '../../api/patch/json-patch.js';
import { applyMergePatch } from '../../api/patch/merge-patch.js';
import { translateTimestampSince } from '../../api/printers/time.js';
import { parseFieldSelector, type FieldSelector } from '../../api/selectors/field-selector.js';
import { parseLabelSelector, type LabelSelector } from '../../api/selectors/label-selector.js';
import { isDNS1123Subdomain } from '../../api/validation/names.js';
import { createCertificateAuthority, issueCertificate } from '../../pki/issue-certificate.js';
import { systemClock, type Clock } from '../../util/clock.js';

export const WARDLE_GROUP = 'wardle.example.com';
export const WARDLE_VERSION = 'v1alpha1';
export const WARDLE_GROUP_VERSION = `${WARDLE_GROUP}/${WARDLE_VERSION}`;
/** Set on every created Flunder to the user the request came from (X-Remote-User). */
export const CREATED_BY_ANNOTATION = 'wardle.example.com/created-by';
/** The CN lite's front-proxy client certificate carries (upstream's `--requestheader-allowed-names` default in kubeadm). */
export const DEFAULT_ALLOWED_NAMES: readonly string[] = ['system:auth-proxy'];

const RESOURCE = 'flunders';
const KIND = 'Flunder';
const GR = { group: WARDLE_GROUP, resource: RESOURCE };
const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const MAX_BODY_BYTES = 3 * 1024 * 1024;
/** Watch events kept for resuming a watch from a resourceVersion; older ones are "too old" (410). */
const HISTORY_LIMIT = 1000;
/** generateName suffix alphabet and length, as apiserver's names.SimpleNameGenerator. */
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const NAME_SUFFIX_LENGTH = 5;

export interface ExtensionApiServerOptions {
  /** PEM of the CA that signs the aggregator's front-proxy client certificate (requestheader-client-ca-file). */
  readonly requestHeaderCaPem: string;
  /**
   * CNs accepted on that certificate (requestheader-allowed-names). Default `['system:auth-proxy']`;
   * an empty list accepts any CN the CA signed, as upstream.
   */
  readonly allowedNames?: readonly string[];
  /** Listen address; default '0.0.0.0' so the aggregator can reach it through a non-loopback endpoint. */
  readonly host?: string;
  /**
   * DNS SANs of the serving certificate, e.g. `wardle-api.<ns>.svc` — the name the aggregator must
   * verify. No IP SANs: an aggregator that checked the dialled address instead of the Service name
   * fails the handshake, as it would against a real extension server.
   */
  readonly serverNames: readonly string[];
  /** For creationTimestamp and table ages; default the system clock. */
  readonly clock?: Clock;
}

/** One request as the server received it. */
export interface ReceivedRequest {
  readonly method: string;
  /** The URL path, without the query. */
  readonly path: string;
  /** The query string without '?', '' when none. */
  readonly query: string;
  readonly accept: string;
  /** CN of the client certificate, when one verified against the request-header CA. */
  readonly clientCommonName: string | undefined;
  /** X-Remote-User (first value), as sent, whether or not it was believed. */
  readonly user: string | undefined;
  /** Every X-Remote-Group value. */
  readonly groups: readonly string[];
  /** X-Remote-Extra-<key> values by (lower-case, unescaped) key. */
  readonly extra: Readonly<Record<string, readonly string[]>>;
  /** Whether an Authorization header came along (an aggregator must drop the user's). */
  readonly authorization: boolean;
  /** The status answered (for a watch, when its stream started); 0 while not answered yet. */
  readonly status: number;
}

export interface TestExtensionApiServer {
  readonly port: number;
  /** base64 of the serving CA's PEM: an APIService's spec.caBundle. */
  readonly caBundle: string;
  /** The serving CA's PEM, for clients that verify the server directly. */
  readonly caPem: string;
  /** Every request, oldest first. */
  readonly requests: readonly ReceivedRequest[];
  /** Stops listening, ends open watches and connections. Idempotent. */
  close(): Promise<void>;
}

type MutableRecord = { -readonly [K in keyof ReceivedRequest]: ReceivedRequest[K] };

interface Caller {
  readonly user: string;
}

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

interface StoredEvent {
  readonly type: EventType;
  readonly object: JsonObject;
  readonly rv: number;
}

type ResponseForm = { readonly kind: 'json' } | { readonly kind: 'table'; readonly version: 'v1' | 'v1beta1' };

interface Watcher {
  readonly namespace: string | undefined;
  readonly labels: LabelSelector;
  readonly fields: FieldSelector;
  send(type: EventType, object: JsonObject): void;
  end(): void;
}

export async function startExtensionApiServer(options: ExtensionApiServerOptions): Promise<TestExtensionApiServer> {
  // Certificates always use the real clock: the peers check validity against the wall clock,
  // whatever clock the objects' timestamps come from.
  const ca = await createCertificateAuthority({ commonName: 'wardle-test-ca', validDays: 1, clock: systemClock });
  const leaf = await issueCertificate({ usage: 'server', commonName: 'wardle-api', dnsNames: [...options.serverNames], validDays: 1, clock: systemClock, issuer: ca });
  const api = new WardleApi(options.clock ?? systemClock);
  const allowed = options.allowedNames ?? DEFAULT_ALLOWED_NAMES;
  const requests: ReceivedRequest[] = [];

  const server: Server = createServer(
    {
      cert: leaf.certPem,
      key: leaf.keyPem,
      // Ask for a client certificate but let the handshake through without one: upstream answers an
      // unauthenticated request with a 401 Status, not a TLS alert.
      requestCert: true,
      rejectUnauthorized: false,
      ca: [options.requestHeaderCaPem],
    },
    (req, res) => {
      const record = recordOf(req);
      requests.push(record);
      const send = (status: number, body: string, contentType: string, headers: Record<string, string> = {}) => {
        record.status = status;
        res.writeHead(status, { 'content-type': contentType, ...headers });
        res.end(body);
      };
      const sendStatus = (e: ApiError) => send(e.code, JSON.stringify(e.toStatus()), 'application/json', e.headers ?? {});
      if (!authenticated(record, allowed)) {
        req.resume();
        sendStatus(ApiError.unauthorized());
        return;
      }
      api.handle(req, res, { user: record.user ?? '' }, (status) => (record.status = status), send).catch((e: unknown) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        sendStatus(e instanceof ApiError ? e : ApiError.internal(e instanceof Error ? e.message : String(e)));
      });
    },
  );
  // A flunder's `echo` subresource takes a connection upgrade (as KubeVirt's console does): it
  // greets the front proxy's user, then echoes every byte back.
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const record = recordOf(req);
    requests.push(record);
    const echo = /^\/apis\/wardle\.example\.com\/v1alpha1\/namespaces\/[^/]+\/flunders\/[^/]+\/echo$/.test(record.path);
    if (!authenticated(record, allowed) || !echo) {
      record.status = authenticated(record, allowed) ? 404 : 401;
      socket.end(`HTTP/1.1 ${record.status} ${record.status === 404 ? 'Not Found' : 'Unauthorized'}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      return;
    }
    record.status = 101;
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${String(req.headers.upgrade)}\r\nConnection: Upgrade\r\n\r\nhello ${record.user ?? ''}\n`);
    if (head.length) socket.write(head);
    socket.on('error', () => socket.destroy());
    socket.pipe(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });

  let closing: Promise<void> | undefined;
  return {
    port: (server.address() as AddressInfo).port,
    caBundle: Buffer.from(ca.certPem).toString('base64'),
    caPem: ca.certPem,
    requests,
    close() {
      closing ??= new Promise<void>((resolve) => {
        api.endWatches();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** What a request carried, before anything is decided about it. */
function recordOf(req: IncomingMessage): MutableRecord {
  const url = new URL(req.url ?? '/', 'https://wardle.invalid');
  const socket = req.socket as TLSSocket;
  const headers = req.headersDistinct;
  const extra: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(headers)) {
    if (!name.startsWith('x-remote-extra-') || !values) continue;
    // Upstream unescapes the key (it is percent-encoded so that any key survives as a header name).
    const key = safeDecode(name.slice('x-remote-extra-'.length)).toLowerCase();
    (extra[key] ??= []).push(...values);
  }
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: url.search.replace(/^\?/, ''),
    accept: req.headers.accept ?? '',
    clientCommonName: socket.authorized ? commonName(socket.getPeerCertificate().subject) : undefined,
    user: headers['x-remote-user']?.find((v) => v !== ''),
    groups: headers['x-remote-group'] ?? [],
    extra,
    authorization: req.headers.authorization !== undefined,
    status: 0,
  };
}

/** The request-header authenticator: a verified certificate with an allowed CN, and a user name. */
function authenticated(record: ReceivedRequest, allowedNames: readonly string[]): boolean {
  if (record.clientCommonName === undefined) return false;
  if (allowedNames.length > 0 && !allowedNames.includes(record.clientCommonName)) return false;
  return record.user !== undefined;
}

function commonName(subject: unknown): string | undefined {
  if (!isJsonObject(subject)) return undefined;
  const cn = subject.CN;
  // Node gives an array when the subject has several CNs; Go's verification looks at the first.
  if (Array.isArray(cn)) return typeof cn[0] === 'string' ? cn[0] : undefined;
  return typeof cn === 'string' ? cn : undefined;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

type Send = (status: number, body: string, contentType: string, headers?: Record<string, string>) => void;

/** The wardle API itself: routing, the in-memory store, watches. */
class WardleApi {
  readonly #clock: Clock;
  readonly #objects = new Map<string, JsonObject>();
  readonly #history: StoredEvent[] = [];
  readonly #watchers = new Set<Watcher>();
  #rv = 1000;
  /** History before this revision is gone. */
  #oldestRv = 1000;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  endWatches(): void {
    for (const w of [...this.#watchers]) w.end();
  }

  async handle(req: IncomingMessage, res: ServerResponse, caller: Caller, started: (status: number) => void, send: Send): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://wardle.invalid');
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const json = (status: number, body: unknown, contentType = 'application/json') => send(status, JSON.stringify(body), contentType);

    if (path === '/healthz' || path === '/readyz' || path === '/livez') {
      send(200, 'ok', 'text/plain; charset=utf-8');
      return;
    }
    if (path === '/apis') {
      onlyGet(method);
      const aggregated = aggregatedVersion(req.headers.accept);
      if (aggregated) {
        json(200, aggregatedDiscovery(aggregated), `application/json;g=apidiscovery.k8s.io;v=${aggregated};as=APIGroupDiscoveryList`);
      } else {
        json(200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [apiGroup()] });
      }
      return;
    }
    if (path === '/openapi/v3') {
      onlyGet(method);
      json(200, { paths: { [`apis/${WARDLE_GROUP_VERSION}`]: { serverRelativeURL: `/openapi/v3/apis/${WARDLE_GROUP_VERSION}` } } });
      return;
    }
    if (path === `/openapi/v3/apis/${WARDLE_GROUP_VERSION}`) {
      onlyGet(method);
      json(200, openApiDocument());
      return;
    }
    if (path === `/apis/${WARDLE_GROUP}`) {
      onlyGet(method);
      json(200, { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup() });
      return;
    }
    if (path === `/apis/${WARDLE_GROUP_VERSION}`) {
      onlyGet(method);
      json(200, resourceList());
      return;
    }
    const prefix = `/apis/${WARDLE_GROUP_VERSION}/`;
    if (!path.startsWith(prefix)) {
      // Outside the API, upstream's mux answers with Go's plain-text 404.
      send(404, '404 page not found\n', 'text/plain; charset=utf-8');
      return;
    }
    const parts = path.slice(prefix.length).split('/').map(safeDecode);
    let namespace: string | undefined;
    let name: string | undefined;
    if (parts.length === 1 && parts[0] === RESOURCE) {
      namespace = undefined;
    } else if (parts.length >= 3 && parts.length <= 4 && parts[0] === 'namespaces' && parts[2] === RESOURCE) {
      namespace = parts[1];
      name = parts[3];
    } else {
      throw ApiError.pathNotFound();
    }
    const dryRun = url.searchParams.getAll('dryRun');
    if (dryRun.some((d) => d !== 'All')) throw ApiError.badRequest(`Invalid dryRun value: ${dryRun.join(',')}`);
    const isDryRun = dryRun.length > 0;

    if (name === undefined) {
      if (method === 'GET') {
        const form = negotiate(req.headers.accept);
        const labels = parseLabelSelector(url.searchParams.get('labelSelector') ?? '');
        const fields = parseFieldSelector(url.searchParams.get('fieldSelector') ?? '');
        for (const t of fields.requirements()) {
          if (t.field !== 'metadata.name' && t.field !== 'metadata.namespace') {
            throw ApiError.badRequest(`field label not supported: ${t.field}`);
          }
        }
        const watch = url.searchParams.get('watch');
        if (watch === 'true' || watch === '1') {
          this.#watch(res, { namespace, labels, fields }, form, url.searchParams, started);
          return;
        }
        const items = this.#list(namespace, labels, fields);
        const rv = String(this.#rv);
        if (form.kind === 'table') json(200, this.#table(items, rv, form.version, url.searchParams.get('includeObject')));
        else json(200, { kind: `${KIND}List`, apiVersion: WARDLE_GROUP_VERSION, metadata: { resourceVersion: rv }, items });
        return;
      }
      if (method === 'POST' && namespace !== undefined) {
        const created = this.#create(namespace, await readJsonBody(req), caller, isDryRun);
        json(201, created);
        return;
      }
      throw methodNotAllowed();
    }

    const key = `${namespace}/${name}`;
    switch (method) {
      case 'GET': {
        const form = negotiate(req.headers.accept);
        const obj = this.#objects.get(key);
        if (!obj) throw ApiError.notFound(GR, name);
        if (form.kind === 'table') json(200, this.#table([obj], String(metadataOf(obj).resourceVersion ?? ''), form.version, url.searchParams.get('includeObject')));
        else json(200, obj);
        return;
      }
      case 'PUT': {
        const body = await readJsonBody(req);
        json(200, this.#update(key, name, body, isDryRun));
        return;
      }
      case 'PATCH': {
        const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
        const patch = parseJson(await readBody(req));
        const current = this.#objects.get(key);
        if (!current) throw ApiError.notFound(GR, name);
        let patched: JsonValue;
        if (contentType === 'application/merge-patch+json') patched = applyMergePatch(current, patch);
        else if (contentType === 'application/json-patch+json') patched = applyJsonPatch(current, patch);
        else {
          throw ApiError.unsupportedMediaType(
            `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json`,
          );
        }
        if (!isJsonObject(patched)) throw ApiError.badRequest('the patch did not produce an object');
        json(200, this.#update(key, name, patched, isDryRun));
        return;
      }
      case 'DELETE': {
        req.resume();
        const obj = this.#objects.get(key);
        if (!obj) throw ApiError.notFound(GR, name);
        const uid = metadataOf(obj).uid;
        if (!isDryRun) {
          this.#objects.delete(key);
          const gone = deepCopy(obj);
          metadataOf(gone).resourceVersion = String(++this.#rv);
          this.#emit('DELETED', gone);
        }
        // As apiserver's generic registry for kinds that do not return the deleted object.
        json(200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, group: WARDLE_GROUP, kind: RESOURCE, uid } });
        return;
      }
      default:
        throw methodNotAllowed();
    }
  }

  #list(namespace: string | undefined, labels: LabelSelector, fields: FieldSelector): JsonObject[] {
    return [...this.#objects.values()].filter((o) => selected(o, namespace, labels, fields)).sort(byNamespaceAndName);
  }

  #create(namespace: string, body: JsonObject, caller: Caller, dryRun: boolean): JsonObject {
    checkTypeMeta(body);
    const meta = isJsonObject(body.metadata) ? deepCopy(body.metadata) : {};
    if (typeof meta.namespace === 'string' && meta.namespace !== '' && meta.namespace !== namespace) {
      throw ApiError.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    let name = typeof meta.name === 'string' ? meta.name : '';
    const generateName = typeof meta.generateName === 'string' ? meta.generateName : '';
    const generated = name === '' && generateName !== '';
    if (generated) name = generateName + randomSuffix();
    validateName(name, generated);
    const key = `${namespace}/${name}`;
    if (this.#objects.has(key)) throw ApiError.alreadyExists(GR, name);
    const annotations = isJsonObject(meta.annotations) ? meta.annotations : {};
    const obj: JsonObject = {
      ...deepCopy(body),
      apiVersion: WARDLE_GROUP_VERSION,
      kind: KIND,
      metadata: {
        ...meta,
        name,
        namespace,
        uid: randomUUID(),
        generation: 1,
        creationTimestamp: rfc3339(this.#clock.now()),
        annotations: { ...annotations, [CREATED_BY_ANNOTATION]: caller.user },
      },
    };
    const m = metadataOf(obj);
    delete m.resourceVersion;
    delete m.deletionTimestamp;
    if (dryRun) return obj;
    m.resourceVersion = String(++this.#rv);
    this.#objects.set(key, obj);
    this.#emit('ADDED', obj);
    return obj;
  }

  #update(key: string, name: string, body: JsonObject, dryRun: boolean): JsonObject {
    checkTypeMeta(body);
    const current = this.#objects.get(key);
    const meta = isJsonObject(body.metadata) ? body.metadata : {};
    if (typeof meta.name === 'string' && meta.name !== '' && meta.name !== name) {
      throw ApiError.badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
    }
    // Flunders are not created by PUT (upstream's strategy does not allow create on update).
    if (!current) throw ApiError.notFound(GR, name);
    const currentMeta = metadataOf(current);
    const wanted = typeof meta.resourceVersion === 'string' ? meta.resourceVersion : '';
    if (wanted !== '' && wanted !== currentMeta.resourceVersion) throw ApiError.staleResourceVersion(GR, name);
    const next: JsonObject = {
      ...deepCopy(body),
      apiVersion: WARDLE_GROUP_VERSION,
      kind: KIND,
      metadata: {
        ...deepCopy(meta),
        name,
        namespace: currentMeta.namespace,
        uid: currentMeta.uid,
        creationTimestamp: currentMeta.creationTimestamp,
        generation: currentMeta.generation,
        resourceVersion: currentMeta.resourceVersion,
      },
    };
    if (jsonEqual(next, current)) return current;
    const m = metadataOf(next);
    if (!jsonEqual(next.spec, current.spec)) m.generation = (typeof currentMeta.generation === 'number' ? currentMeta.generation : 1) + 1;
    if (dryRun) return next;
    m.resourceVersion = String(++this.#rv);
    this.#objects.set(key, next);
    this.#emit('MODIFIED', next);
    return next;
  }

  #emit(type: EventType, object: JsonObject): void {
    const rv = Number(metadataOf(object).resourceVersion);
    this.#history.push({ type, object, rv });
    if (this.#history.length > HISTORY_LIMIT) this.#oldestRv = this.#history.shift()?.rv ?? this.#oldestRv;
    for (const w of this.#watchers) {
      if (selected(object, w.namespace, w.labels, w.fields)) w.send(type, object);
    }
  }

  /**
   * A watch stream: newline-delimited `{"type","object"}` events. Without a resourceVersion (or
   * with "0") it starts with ADDED events for what exists, as upstream; from a resourceVersion it
   * replays later events, or sends a 410 Expired ERROR event when they are no longer kept.
   */
  #watch(
    res: ServerResponse,
    filter: { namespace: string | undefined; labels: LabelSelector; fields: FieldSelector },
    form: ResponseForm,
    params: URLSearchParams,
    started: (status: number) => void,
  ): void {
    const includeObject = params.get('includeObject');
    let first = true;
    const encode = (type: EventType | 'ERROR', object: JsonObject): string => {
      if (type === 'ERROR' || form.kind === 'json') return `${JSON.stringify({ type, object })}\n`;
      // Table watches carry one-row tables; only the first names the columns.
      const table = this.#table([object], String(metadataOf(object).resourceVersion ?? ''), form.version, includeObject);
      if (!first) table.columnDefinitions = null;
      first = false;
      return `${JSON.stringify({ type, object: table })}\n`;
    };
    started(200);
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private' });
    let cancelTimer: (() => void) | undefined;
    const watcher: Watcher = {
      ...filter,
      send: (type, object) => res.write(encode(type, object)),
      end: () => {
        this.#watchers.delete(watcher);
        cancelTimer?.();
        res.end();
      },
    };
    const since = params.get('resourceVersion') ?? '';
    if (since === '' || since === '0') {
      for (const o of this.#list(filter.namespace, filter.labels, filter.fields)) res.write(encode('ADDED', o));
    } else {
      const from = Number(since);
      if (!Number.isInteger(from) || from < 0) {
        res.end(encode('ERROR', statusObject(ApiError.badRequest(`invalid resource version: ${since}`))));
        return;
      }
      if (from < this.#oldestRv) {
        res.end(encode('ERROR', statusObject(ApiError.expired(`too old resource version: ${from} (${this.#oldestRv})`))));
        return;
      }
      for (const e of this.#history) {
        if (e.rv > from && selected(e.object, filter.namespace, filter.labels, filter.fields)) res.write(encode(e.type, e.object));
      }
    }
    this.#watchers.add(watcher);
    const timeoutSeconds = Number(params.get('timeoutSeconds') ?? '');
    if (Number.isFinite(timeoutSeconds) && timeoutSeconds > 0) cancelTimer = this.#clock.setTimer(timeoutSeconds * 1000, () => watcher.end());
    // The response's close (not the request's, which fires once a body-less GET is read) marks the client gone.
    res.on('close', () => watcher.end());
  }

  /** A meta.k8s.io Table: Name and Age, the row objects as includeObject asks (default Metadata). */
  #table(objects: readonly JsonObject[], resourceVersion: string, version: 'v1' | 'v1beta1', includeObject: string | null): JsonObject {
    const include = includeObject === 'None' || includeObject === 'Object' ? includeObject : 'Metadata';
    const now = this.#clock.now();
    return {
      kind: 'Table',
      apiVersion: `meta.k8s.io/${version}`,
      metadata: { resourceVersion },
      columnDefinitions: [
        { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
        { name: 'Age', type: 'string', format: '', description: 'Time elapsed since the object was created.', priority: 0 },
      ],
      rows: objects.map((o) => {
        const meta = metadataOf(o);
        const row: JsonObject = { cells: [typeof meta.name === 'string' ? meta.name : '', translateTimestampSince(meta.creationTimestamp, now)] };
        if (include === 'Object') row.object = o;
        else if (include === 'Metadata') row.object = { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: meta };
        return row;
      }),
    };
  }
}

function apiGroup(): JsonObject {
  const gv = { groupVersion: WARDLE_GROUP_VERSION, version: WARDLE_VERSION };
  return { name: WARDLE_GROUP, versions: [gv], preferredVersion: gv };
}

/**
 * The group version's OpenAPI v3 document, as a generic apiserver publishes it: the Flunder
 * schema (with its group-version-kind, for `kubectl explain`) and the PATCH operation with the
 * fieldValidation parameter (so kubectl leaves validation to the server).
 */
function openApiDocument(): JsonObject {
  const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
  const flunder = 'com.example.wardle.v1alpha1.Flunder';
  const ref = (name: string): JsonObject => ({ allOf: [{ $ref: `#/components/schemas/${name}` }], default: {} });
  return {
    openapi: '3.0.0',
    info: { title: 'wardle', version: WARDLE_VERSION },
    paths: {
      [`/apis/${WARDLE_GROUP_VERSION}/namespaces/{namespace}/${RESOURCE}/{name}`]: {
        patch: {
          description: 'partially update the specified Flunder',
          parameters: [{ name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } }],
          responses: { '200': { description: 'OK', content: { 'application/json': { schema: { $ref: `#/components/schemas/${flunder}` } } } } },
          'x-kubernetes-action': 'patch',
          'x-kubernetes-group-version-kind': { group: WARDLE_GROUP, version: WARDLE_VERSION, kind: KIND },
        },
      },
    },
    components: {
      schemas: {
        [flunder]: {
          description: 'A Flunder, the example kind of the sample API server.',
          type: 'object',
          properties: {
            apiVersion: { description: 'The versioned schema of this object.', type: 'string' },
            kind: { description: 'The REST resource this object represents.', type: 'string' },
            metadata: ref(meta),
            spec: { description: 'What the Flunder should be.', type: 'object', properties: { reference: { description: 'The name of another Flunder or Fischer.', type: 'string' } } },
          },
          'x-kubernetes-group-version-kind': [{ group: WARDLE_GROUP, kind: KIND, version: WARDLE_VERSION }],
        },
        [meta]: {
          description: 'Standard object metadata.',
          type: 'object',
          properties: {
            name: { type: 'string' },
            namespace: { type: 'string' },
            labels: { type: 'object', additionalProperties: { type: 'string', default: '' } },
            annotations: { type: 'object', additionalProperties: { type: 'string', default: '' } },
            uid: { type: 'string' },
            resourceVersion: { type: 'string' },
            generation: { type: 'integer', format: 'int64' },
            creationTimestamp: { type: 'string', format: 'date-time' },
          },
        },
      },
    },
  };
}

function resourceList(): JsonObject {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: WARDLE_GROUP_VERSION,
    resources: [
      {
        name: RESOURCE,
        singularName: 'flunder',
        namespaced: true,
        kind: KIND,
        verbs: [...VERBS],
        // As upstream: base64 of the first 8 bytes of sha256("<group>/<version>/<kind>").
        storageVersionHash: createHash('sha256').update(`${WARDLE_GROUP_VERSION}/${KIND}`).digest().subarray(0, 8).toString('base64'),
      },
    ],
  };
}

function aggregatedDiscovery(version: 'v2' | 'v2beta1'): JsonObject {
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: [
      {
        metadata: { name: WARDLE_GROUP, creationTimestamp: null },
        versions: [
          {
            version: WARDLE_VERSION,
            resources: [
              {
                resource: RESOURCE,
                responseKind: { group: WARDLE_GROUP, version: WARDLE_VERSION, kind: KIND },
                scope: 'Namespaced',
                singularResource: 'flunder',
                verbs: [...VERBS],
              },
            ],
            freshness: 'Current',
          },
        ],
      },
    ],
  };
}

/**
 * Accept headers, parsed here rather than with lite's own negotiation: this server stands for a
 * separate program, and must not share a parsing mistake with the server under test.
 */
function mediaTypes(accept: string | undefined): { type: string; params: Record<string, string> }[] {
  if (!accept) return [];
  return accept.split(',').flatMap((part) => {
    const [head, ...rest] = part.split(';');
    const type = head.trim().toLowerCase();
    if (!type) return [];
    const params: Record<string, string> = {};
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq > 0) params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim();
    }
    return [{ type, params }];
  });
}

/** Which aggregated discovery version `/apis` is asked for first, if any (clients list preferences in order). */
function aggregatedVersion(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  for (const t of mediaTypes(accept)) {
    if (t.type === 'application/json' && t.params.g === 'apidiscovery.k8s.io' && t.params.as === 'APIGroupDiscoveryList' && (t.params.v === 'v2' || t.params.v === 'v2beta1')) return t.params.v;
    if ((t.type === 'application/json' || t.type === '*/*' || t.type === 'application/*') && t.params.as === undefined) return undefined;
  }
  return undefined;
}

/** JSON or a Table, by the first acceptable entry; 406 when nothing offered is served. */
function negotiate(accept: string | undefined): ResponseForm {
  const types = mediaTypes(accept);
  if (types.length === 0) return { kind: 'json' };
  for (const t of types) {
    if (t.type !== 'application/json' && t.type !== '*/*' && t.type !== 'application/*') continue;
    const as = t.params.as;
    if (as === undefined) return { kind: 'json' };
    if (as === 'Table' && t.params.g === 'meta.k8s.io' && (t.params.v === 'v1' || t.params.v === 'v1beta1')) return { kind: 'table', version: t.params.v };
  }
  throw ApiError.notAcceptable('only the following media types are accepted: application/json');
}

function onlyGet(method: string): void {
  if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed();
}

function methodNotAllowed(): ApiError {
  return ApiError.methodNotAllowed('the server does not allow this method on the requested resource');
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_BODY_BYTES) throw ApiError.requestEntityTooLarge(`Request entity too large: limit is ${MAX_BODY_BYTES}`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (e) {
    throw ApiError.badRequest(`the body of the request could not be decoded as JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

async function readJsonBody(req: IncomingMessage): Promise<JsonObject> {
  const contentType = (req.headers['content-type'] ?? 'application/json').split(';')[0].trim().toLowerCase();
  if (contentType !== 'application/json') {
    req.resume();
    throw ApiError.unsupportedMediaType('the body of the request was in an unknown format - accepted media types include: application/json');
  }
  const value = parseJson(await readBody(req));
  if (!isJsonObject(value)) throw ApiError.badRequest('the body of the request must be a JSON object');
  return value;
}

/** apiserver's check that a body is of the kind the URL names. */
function checkTypeMeta(body: JsonObject): void {
  if (body.apiVersion !== undefined && body.apiVersion !== WARDLE_GROUP_VERSION) {
    throw ApiError.badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${WARDLE_GROUP_VERSION})`);
  }
  if (body.kind !== undefined && body.kind !== KIND) {
    throw ApiError.badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (${KIND})`);
  }
}

function validateName(name: string, generated: boolean): void {
  const errors: FieldError[] = [];
  if (name === '') errors.push({ type: 'FieldValueRequired', field: 'metadata.name', detail: 'name or generateName is required' });
  else for (const detail of isDNS1123Subdomain(name)) errors.push({ type: 'FieldValueInvalid', field: generated ? 'metadata.generateName' : 'metadata.name', value: name, detail });
  if (errors.length > 0) throw ApiError.invalid({ group: WARDLE_GROUP, kind: KIND }, name, errors);
}

function randomSuffix(): string {
  let s = '';
  for (let i = 0; i < NAME_SUFFIX_LENGTH; i++) s += NAME_ALPHABET[randomInt(NAME_ALPHABET.length)];
  return s;
}

/** A Status as the JSON value a watch ERROR event carries. */
function statusObject(e: ApiError): JsonObject {
  return JSON.parse(JSON.stringify(e.toStatus())) as JsonObject;
}

function metadataOf(obj: JsonObject): JsonObject {
  if (!isJsonObject(obj.metadata)) obj.metadata = {};
  return obj.metadata as JsonObject;
}

function selected(obj: JsonObject, namespace: string | undefined, labels: LabelSelector, fields: FieldSelector): boolean {
  const meta = metadataOf(obj);
  const ns = typeof meta.namespace === 'string' ? meta.namespace : '';
  if (namespace !== undefined && ns !== namespace) return false;
  const objLabels: Record<string, string> = {};
  if (isJsonObject(meta.labels)) for (const [k, v] of Object.entries(meta.labels)) if (typeof v === 'string') objLabels[k] = v;
  return labels.matches(objLabels) && fields.matches({ 'metadata.name': typeof meta.name === 'string' ? meta.name : '', 'metadata.namespace': ns });
}

function byNamespaceAndName(a: JsonObject, b: JsonObject): number {
  const ka = `${String(metadataOf(a).namespace)}/${String(metadataOf(a).name)}`;
  const kb = `${String(metadataOf(b).namespace)}/${String(metadataOf(b).name)}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * An IPv4 address of this machine for a selector-less Service's EndpointSlice to point at: the
 * interface of the default route (from /proc/net/route), else the first non-loopback one that is
 * no bridge. A bridge address (docker0, a pod bridge) could lie in a node's pod CIDR, and lite
 * dials such addresses through that node's agent.
 */
export function hostAddressForBackends(): string {
  const interfaces = networkInterfaces();
  const ipv4Of = (name: string) => interfaces[name]?.find((a) => String(a.family) === 'IPv4' && !a.internal)?.address;
  try {
    const routes = readFileSync('/proc/net/route', 'utf8').split('\n').slice(1);
    for (const line of routes) {
      const [name, destination] = line.trim().split(/\s+/);
      if (name && destination === '00000000') {
        const address = ipv4Of(name);
        if (address) return address;
      }
    }
  } catch {
    // Not Linux, or no /proc: fall through.
  }
  for (const name of Object.keys(interfaces)) {
    if (/^(docker|cni|flannel|lite|br-|veth|virbr)/.test(name)) continue;
    const address = ipv4Of(name);
    if (address) return address;
  }
  throw new Error('this machine has no non-loopback IPv4 address for the extension API server (see os.networkInterfaces())');
}
