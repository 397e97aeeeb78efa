/**
 * OpenAPI v2 (Swagger 2.0) at `/openapi/v2`, as kube-apiserver serves it: one document for every
 * served group version, in JSON or as gnostic protobuf.
 *
 * kubectl needs it where OpenAPI v3 cannot answer: for a `kind: List` file (what
 * `kubectl get -o yaml` writes) it validates every item on the client against the v2 definitions
 * (kubectl pkg/validation, kube-openapi pkg/util/proto/validation), finding each item's schema by
 * the `x-kubernetes-group-version-kind` extension of the definitions.
 *
 * The document is derived from the same source as the v3 documents: each group version is built
 * by openapi.ts's DocumentBuilder from lite's schema DSL and turned into v2 form
 * (`#/definitions/…` references, `$ref` with its description instead of v3's `allOf` wrapper,
 * body parameters, `consumes`/`produces`); CRD kinds are converted from their own schema the way
 * apiextensions-apiserver publishes them in v2 (openapi-v2-crd.ts). It is rebuilt when the
 * registry's served set changes (CRDs created, changed or deleted), like the v3 documents.
 *
 * Negotiation, ETag and caching follow kube-openapi pkg/handler: `application/json` (also for no
 * Accept or wildcards) and the protobuf types, the deprecated `…spec.v2@v1.0+protobuf` included,
 * answered as `application/com.github.proto-openapi.spec.v2.v1.0+protobuf`; one ETag (the SHA-512
 * of the JSON, upper-case hex, quoted) for both forms with `Vary: Accept`; If-None-Match → 304;
 * gzip when the client accepts it.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { ApiError } from '../api/errors.js';
import type { JsonObject, JsonValue } from '../api/object.js';
import type { SchemaRegistry } from '../api/schema/registry.js';
import type { Registry } from '../registry/registry.js';
import { DocumentBuilder } from './openapi.js';
import { crdDefinitionName, crdOpenApiV2Definitions } from './openapi-v2-crd.js';
import { checkOpenApiV2Schema, encodeOpenApiV2, InvalidOpenApiV2Document } from './openapi-v2-protobuf.js';

const V3_PREFIX = '#/components/schemas/';
const V2_PREFIX = '#/definitions/';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';

export const OPENAPI_V2_JSON = 'application/json';
/** What kube-openapi answers for both protobuf Accept types. */
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';
/** The type client-go asks for (kube-openapi's subTypeProtobufDeprecated). */
export const OPENAPI_V2_PROTOBUF_DEPRECATED = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

/** One form of the document, ready to send. */
export interface OpenApiV2Body {
  readonly body: Buffer;
  readonly contentType: string;
  /** Quoted, as sent in the ETag header; the same for JSON and protobuf (Vary: Accept). */
  readonly etag: string;
  readonly lastModified: Date;
  /** The gzip form, made on first use. */
  gzipped(): Buffer;
}

interface Built {
  readonly generation: number;
  readonly doc: JsonObject;
  readonly json: OpenApiV2Body;
  protobuf?: OpenApiV2Body;
}

export class OpenApiV2 {
  readonly #registry: Registry;
  readonly #schemas: SchemaRegistry;
  readonly #k8sVersion: string;
  readonly #now: () => Date;
  #built: Built | undefined;

  constructor(config: { registry: Registry; schemas: SchemaRegistry; kubernetesVersion: string; now?: () => Date }) {
    this.#registry = config.registry;
    this.#schemas = config.schemas;
    this.#k8sVersion = config.kubernetesVersion;
    this.#now = config.now ?? (() => new Date());
  }

  /** The Swagger 2.0 document (rebuilt if the served set changed since the last call). */
  document(): JsonObject {
    return this.#current().doc;
  }

  json(): OpenApiV2Body {
    return this.#current().json;
  }

  protobuf(): OpenApiV2Body {
    const built = this.#current();
    built.protobuf ??= body(Buffer.from(encodeOpenApiV2(built.doc)), OPENAPI_V2_PROTOBUF, built.json.etag, built.json.lastModified);
    return built.protobuf;
  }

  #current(): Built {
    const generation = this.#registry.generation;
    if (this.#built?.generation === generation) return this.#built;
    const doc = buildOpenApiV2(this.#registry, this.#schemas, this.#k8sVersion);
    const text = Buffer.from(JSON.stringify(doc));
    const etag = `"${createHash('sha512').update(text).digest('hex').toUpperCase()}"`;
    // HTTP dates have second precision; If-Modified-Since compares at that precision.
    const lastModified = new Date(Math.floor(this.#now().getTime() / 1000) * 1000);
    this.#built = { generation, doc, json: body(text, OPENAPI_V2_JSON, etag, lastModified) };
    return this.#built;
  }
}

function body(data: Buffer, contentType: string, etag: string, lastModified: Date): OpenApiV2Body {
  let gz: Buffer | undefined;
  return {
    body: data,
    contentType,
    etag,
    lastModified,
    gzipped: () => (gz ??= gzipSync(data)),
  };
}

// ---- the document ----------------------------------------------------------------------------

/** Builds the whole Swagger 2.0 document from the registry's served resources. */
export function buildOpenApiV2(registry: Registry, schemas: SchemaRegistry, kubernetesVersion: string): JsonObject {
  const definitions = new Map<string, JsonObject>();
  const paths = new Map<string, JsonObject>();
  for (const g of registry.groups()) {
    for (const v of g.versions) {
      const resources = registry.resources(g.name, v) ?? [];
      const builder = new DocumentBuilder(schemas);
      const v3 = builder.build(g.name, v, resources, kubernetesVersion);
      // List kinds are not referenced by lite's v3 operations; v2 publishes them as upstream does.
      const extra = [`${META}ObjectMeta`, `${META}ListMeta`, ...resources.flatMap((r) => (r.def.schema ? [`${r.def.schema}List`] : []))];
      for (const [name, schema] of builder.typeSchemas(extra)) if (!definitions.has(name)) definitions.set(name, v2Schema(schema));
      for (const r of resources) {
        const d = r.def;
        if (d.schema !== undefined || d.virtual) continue;
        for (const [name, schema] of Object.entries(crdOpenApiV2Definitions(d.crdSchema, d))) definitions.set(name, encodable(schema));
      }
      const v3Paths = v3.paths as JsonObject;
      for (const [p, item] of Object.entries(v3Paths)) paths.set(p, v2PathItem(item as JsonObject));
    }
  }
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: kubernetesVersion },
    paths: sortedObject(paths),
    definitions: sortedObject(definitions),
    securityDefinitions: { BearerToken: { description: 'Bearer Token authentication', type: 'apiKey', name: 'authorization', in: 'header' } },
    security: [{ BearerToken: [] }],
  };
}

/**
 * A CRD's schema comes from users: should it hold something gnostic cannot carry, it is published
 * as an open object (still findable by its GVK) rather than break the whole document, which
 * kubectl needs for every List it validates.
 */
function encodable(schema: JsonObject): JsonObject {
  try {
    checkOpenApiV2Schema(schema);
    return schema;
  } catch (e) {
    if (!(e instanceof InvalidOpenApiV2Document)) throw e;
    return { type: 'object', 'x-kubernetes-group-version-kind': schema['x-kubernetes-group-version-kind'] ?? [] };
  }
}

function sortedObject(m: Map<string, JsonObject>): JsonObject {
  const out: JsonObject = {};
  for (const k of [...m.keys()].sort()) out[k] = m.get(k) ?? {};
  return out;
}

function isObject(v: JsonValue | undefined): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * A v3 schema in v2 form: references point into `#/definitions/`, and the v3 `allOf: [{$ref}]`
 * wrapper (needed there because $ref may not have siblings) becomes a plain `$ref` next to its
 * description, as upstream's v2 has it. kubectl's v2 reader would treat an `allOf` as "any value"
 * and validate nothing below it.
 */
export function v2Schema(s: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === '$ref' && typeof v === 'string') out.$ref = v.startsWith(V3_PREFIX) ? V2_PREFIX + v.slice(V3_PREFIX.length) : v;
    else if (k === 'allOf' && Array.isArray(v) && v.length === 1 && isObject(v[0]) && typeof v[0].$ref === 'string' && Object.keys(v[0]).length === 1) {
      Object.assign(out, v2Schema(v[0]));
    } else if (k === 'allOf' && Array.isArray(v)) out.allOf = v.map((x) => (isObject(x) ? v2Schema(x) : x));
    else if (k === 'properties' && isObject(v)) {
      const props: JsonObject = {};
      for (const [name, p] of Object.entries(v)) props[name] = isObject(p) ? v2Schema(p) : p;
      out.properties = props;
    } else if ((k === 'items' || k === 'additionalProperties') && isObject(v)) out[k] = v2Schema(v);
    else out[k] = v;
  }
  return out;
}

const RESPONSE_401: JsonObject = { description: 'Unauthorized' };

function v2PathItem(item: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(item)) {
    if (k === 'parameters' && Array.isArray(v)) {
      if (v.length) out.parameters = v.map((p) => v2Parameter(p as JsonObject));
    } else if (isObject(v)) out[k] = v2Operation(v);
  }
  return out;
}

function v2Operation(op: JsonObject): JsonObject {
  const out: JsonObject = {};
  const requestBody = isObject(op.requestBody) ? op.requestBody : undefined;
  const content = requestBody && isObject(requestBody.content) ? requestBody.content : undefined;
  if (content) out.consumes = Object.keys(content);
  const responses = isObject(op.responses) ? op.responses : {};
  const produces = new Set<string>();
  const v2Responses: JsonObject = {};
  for (const [code, r] of Object.entries(responses)) {
    if (!isObject(r)) continue;
    const res: JsonObject = { description: typeof r.description === 'string' ? r.description : '' };
    if (isObject(r.content)) {
      for (const [type, media] of Object.entries(r.content)) {
        produces.add(type);
        if (isObject(media) && isObject(media.schema) && res.schema === undefined) res.schema = v2Schema(media.schema);
      }
    }
    v2Responses[code] = res;
  }
  v2Responses['401'] = RESPONSE_401;
  if (produces.size) out.produces = [...produces];
  out.schemes = ['https'];
  const params: JsonValue[] = [];
  if (content) {
    const first = Object.values(content).find(isObject);
    params.push({ name: 'body', in: 'body', required: true, schema: isObject(first?.schema) ? v2Schema(first.schema) : {} });
  }
  for (const p of Array.isArray(op.parameters) ? op.parameters : []) if (isObject(p)) params.push(v2Parameter(p));
  if (params.length) out.parameters = params;
  out.responses = v2Responses;
  for (const [k, v] of Object.entries(op)) if (k.startsWith('x-')) out[k] = v;
  return out;
}

/** v3 `{name, in, schema: {type, …}}` → v2 `{name, in, type, …}`. */
function v2Parameter(p: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(p)) {
    if (k === 'schema' && isObject(v)) Object.assign(out, v);
    else out[k] = v;
  }
  return out;
}

// ---- HTTP ------------------------------------------------------------------------------------

const ACCEPTED = [
  { type: 'application', subType: 'json', form: 'json' },
  { type: 'application', subType: 'com.github.proto-openapi.spec.v2@v1.0+protobuf', form: 'protobuf' },
  { type: 'application', subType: 'com.github.proto-openapi.spec.v2.v1.0+protobuf', form: 'protobuf' },
] as const;

/**
 * The form an Accept header asks for, as kube-openapi's handler decides it with goautoneg:
 * clauses sorted by q, then by specificity; the first clause that matches an offered type
 * (JSON first, so wildcards get JSON) wins. No Accept means `*∕*`. Undefined: nothing acceptable.
 */
export function negotiateOpenApiV2(accept: string | undefined): 'json' | 'protobuf' | undefined {
  const clauses: { type: string; subType: string; q: number; i: number }[] = [];
  (accept || '*/*').split(',').forEach((part, i) => {
    const [range, ...params] = part.trim().split(';');
    const sp = range.split('/');
    const type = sp[0].trim();
    let subType: string;
    if (sp.length === 1 && type === '*') subType = '*';
    else if (sp.length === 2) subType = sp[1].trim();
    else return;
    let q = 1;
    for (const p of params) {
      const eq = p.indexOf('=');
      if (eq >= 0 && p.slice(0, eq).trim() === 'q') q = Number.parseFloat(p.slice(eq + 1)) || 0;
    }
    clauses.push({ type, subType, q, i });
  });
  clauses.sort((a, b) => b.q - a.q || Number(a.type === '*') - Number(b.type === '*') || Number(a.subType === '*') - Number(b.subType === '*') || a.i - b.i);
  for (const c of clauses) {
    for (const a of ACCEPTED) {
      if ((c.type === a.type || c.type === '*') && (c.subType === a.subType || c.subType === '*')) return a.form;
    }
  }
  return undefined;
}

export interface OpenApiV2Request {
  readonly method: string;
  readonly accept?: string;
  readonly acceptEncoding?: string;
  readonly ifNoneMatch?: string;
  readonly ifModifiedSince?: string;
}

/** gziphandler's DefaultMinSize: smaller bodies are not worth compressing. */
const GZIP_MIN_SIZE = 1400;

/**
 * Answers a GET/HEAD of /openapi/v2. Nothing acceptable → 406, as upstream, but with a Status body
 * (upstream's is empty) like every other error of lite's API server.
 */
export function openApiV2Response(service: OpenApiV2, req: OpenApiV2Request): Response {
  const form = negotiateOpenApiV2(req.accept);
  if (!form) throw ApiError.notAcceptable(`only the following media types are accepted: ${OPENAPI_V2_JSON}, ${OPENAPI_V2_PROTOBUF}`);
  const b = form === 'json' ? service.json() : service.protobuf();
  const headers: Record<string, string> = { Vary: 'Accept, Accept-Encoding', Etag: b.etag, 'Last-Modified': b.lastModified.toUTCString() };
  if (notModified(b, req)) return new Response(null, { status: 304, headers: { Vary: headers.Vary, Etag: b.etag } });
  headers['Content-Type'] = b.contentType;
  const gzip = b.body.length >= GZIP_MIN_SIZE && acceptsGzip(req.acceptEncoding);
  const data = gzip ? b.gzipped() : b.body;
  if (gzip) headers['Content-Encoding'] = 'gzip';
  headers['Content-Length'] = String(data.length);
  return new Response(req.method === 'HEAD' ? null : new Uint8Array(data.buffer, data.byteOffset, data.length), { status: 200, headers });
}

/** Go's http.ServeContent preconditions for GET/HEAD: If-None-Match, else If-Modified-Since. */
function notModified(b: OpenApiV2Body, req: OpenApiV2Request): boolean {
  if (req.ifNoneMatch !== undefined) {
    const strip = (t: string) => t.trim().replace(/^W\//, '');
    return req.ifNoneMatch.split(',').some((t) => t.trim() === '*' || strip(t) === b.etag);
  }
  if (req.ifModifiedSince !== undefined) {
    const since = Date.parse(req.ifModifiedSince);
    return Number.isFinite(since) && b.lastModified.getTime() <= since;
  }
  return false;
}

function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().split(';');
    if (coding.trim().toLowerCase() !== 'gzip' && coding.trim() !== '*') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number.parseFloat(q.slice(2)) > 0;
  });
}

export { crdDefinitionName };
