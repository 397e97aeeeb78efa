/**
 * OpenAPI v3, generated from lite's own type definitions (src/api/schema) and from CRD schemas:
 * `/openapi/v3` (the index of group versions) and `/openapi/v3/<api|apis/g>/<v>` (one document per
 * group version with paths and components.schemas). kubectl uses it to decide on server-side field
 * validation (a PATCH operation with the `fieldValidation` parameter) and for `kubectl explain`.
 */
import { createHash } from 'node:crypto';
import type { FieldDef, TypeDef, TypeRef } from '../api/schema/dsl.js';
import type { SchemaRegistry } from '../api/schema/registry.js';
import { deepCopy, type JsonObject, type JsonValue } from '../api/object.js';
import type { Registry } from '../registry/registry.js';
import type { ServedResource } from '../registry/served-resource.js';
import type { RemoteApis } from './discovery.js';

const SCHEMA_PREFIX = '#/components/schemas/';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';

/** Schemas of the special types (their JSON forms, see dsl.ts). */
const SPECIAL_SCHEMAS: Readonly<Record<string, JsonObject>> = {
  'io.k8s.apimachinery.pkg.api.resource.Quantity': {
    description: 'A fixed-point number with an optional suffix, such as "100m", "2", "1.5Gi" or "1e3".',
    type: 'string',
  },
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': {
    description: 'Either an integer or a string.',
    type: 'string',
    format: 'int-or-string',
  },
  [`${META}Time`]: { description: 'A timestamp in RFC 3339 form with second precision, UTC.', type: 'string', format: 'date-time' },
  [`${META}MicroTime`]: { description: 'A timestamp in RFC 3339 form with microsecond precision, UTC.', type: 'string', format: 'date-time' },
  [`${META}FieldsV1`]: { description: 'The set of fields a manager owns, as a trie of field names.', type: 'object' },
  'io.k8s.apimachinery.pkg.runtime.RawExtension': { description: 'Any embedded object.', type: 'object' },
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON': { description: 'Any JSON value.', 'x-kubernetes-preserve-unknown-fields': true },
  [`${META}Patch`]: { description: 'The body of a PATCH request; its form depends on the content type.', type: 'object' },
};

function specialName(t: Extract<TypeRef, { t: 'special' }>): string | undefined {
  switch (t.special) {
    case 'Quantity':
      return 'io.k8s.apimachinery.pkg.api.resource.Quantity';
    case 'IntOrString':
      return 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
    case 'Time':
      return `${META}Time`;
    case 'MicroTime':
      return `${META}MicroTime`;
    case 'FieldsV1':
      return `${META}FieldsV1`;
    case 'RawExtension':
      return 'io.k8s.apimachinery.pkg.runtime.RawExtension';
    case 'JSON':
      return 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON';
    case 'Duration':
      return undefined;
  }
}

export class OpenApi {
  readonly #registry: Registry;
  readonly #schemas: SchemaRegistry;
  readonly #k8sVersion: string;
  readonly #remote: RemoteApis | undefined;
  #generation = -1;
  #docs = new Map<string, { text: string; hash: string }>();

  /** `remote`: APIServices behind a Service; their backends' documents are served as theirs (kube-aggregator). */
  constructor(config: { registry: Registry; schemas: SchemaRegistry; kubernetesVersion: string; remote?: RemoteApis }) {
    this.#registry = config.registry;
    this.#schemas = config.schemas;
    this.#k8sVersion = config.kubernetesVersion;
    this.#remote = config.remote;
  }

  /** Group versions of APIServices behind a Service, by `<group>/<version>`, with their backend's document if fetched. */
  #remoteDocs(): Map<string, { text: string; hash: string } | undefined> {
    const docs = new Map<string, { text: string; hash: string } | undefined>();
    for (const r of this.#remote?.remoteGroupVersions() ?? []) docs.set(`${r.group}/${r.version}`, r.openApi);
    return docs;
  }

  #refresh(): void {
    if (this.#generation === this.#registry.generation) return;
    this.#generation = this.#registry.generation;
    this.#docs = new Map();
  }

  /** Path key of a group version in the index: `api/v1`, `apis/apps/v1`. */
  static gvPath(group: string, version: string): string {
    return group ? `apis/${group}/${version}` : `api/${version}`;
  }

  index(): string {
    this.#refresh();
    const paths: JsonObject = {};
    const remote = this.#remoteDocs();
    for (const g of this.#registry.groups()) {
      for (const v of g.versions) {
        if (remote.has(`${g.name}/${v}`)) continue;
        const p = OpenApi.gvPath(g.name, v);
        const doc = this.#doc(g.name, v);
        if (doc) paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${doc.hash}` };
      }
    }
    for (const [gv, doc] of remote) {
      const [group = '', version = ''] = gv.split('/');
      const p = OpenApi.gvPath(group, version);
      if (doc) paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${doc.hash}` };
    }
    return JSON.stringify({ paths });
  }

  /** The document of one group version: `{ text, hash }`, or undefined if not served. */
  document(group: string, version: string): { text: string; hash: string } | undefined {
    this.#refresh();
    const remote = this.#remoteDocs();
    if (remote.has(`${group}/${version}`)) return remote.get(`${group}/${version}`);
    return this.#doc(group, version);
  }

  #doc(group: string, version: string): { text: string; hash: string } | undefined {
    const key = `${group}/${version}`;
    const cached = this.#docs.get(key);
    if (cached) return cached;
    const resources = this.#registry.resources(group, version);
    if (!resources) return undefined;
    const built = new DocumentBuilder(this.#schemas).build(group, version, resources, this.#k8sVersion);
    const text = JSON.stringify(built);
    const doc = { text, hash: createHash('sha512').update(text).digest('hex').slice(0, 64).toUpperCase() };
    this.#docs.set(key, doc);
    return doc;
  }
}

/** Builds one group version's document; also used by the OpenAPI v2 document (openapi-v2.ts). */
export class DocumentBuilder {
  readonly #types: SchemaRegistry;
  readonly #components = new Map<string, JsonObject>();

  constructor(types: SchemaRegistry) {
    this.#types = types;
  }

  build(group: string, version: string, resources: readonly ServedResource[], k8sVersion: string): JsonObject {
    const paths: JsonObject = {};
    const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
    for (const r of resources) {
      const d = r.def;
      const kindRef = this.#kindSchema(r);
      if (!kindRef) continue;
      const gvk = { group, version, kind: d.kind };
      const ns = d.namespaced ? '/namespaces/{namespace}' : '';
      const coll = `${base}${ns}/${d.plural}`;
      const item = `${coll}/{name}`;
      const pathParams = d.namespaced ? [pathParam('namespace')] : [];
      const isBuiltin = d.schema !== undefined;
      if (d.virtual && d.verbs.includes('create')) {
        // Create-only kinds (reviews, bindings); read-only virtual kinds (componentstatuses) get
        // their get and list below like any other.
        paths[coll] = { parameters: pathParams, post: op('create', gvk, kindRef, writeParams(), 'application/json') };
        continue;
      }
      const collOps: JsonObject = { parameters: pathParams };
      if (d.verbs.includes('list')) collOps.get = op('list', gvk, kindRef, listParams());
      if (d.verbs.includes('create')) collOps.post = op('post', gvk, kindRef, writeParams(), 'application/json');
      if (d.verbs.includes('deletecollection')) collOps.delete = op('deletecollection', gvk, kindRef, []);
      paths[coll] = collOps;
      const itemOps: JsonObject = { parameters: [pathParam('name'), ...pathParams] };
      if (d.verbs.includes('get')) itemOps.get = op('get', gvk, kindRef, []);
      if (d.verbs.includes('update')) itemOps.put = op('put', gvk, kindRef, writeParams(), 'application/json');
      if (d.verbs.includes('patch')) itemOps.patch = patchOp(gvk, kindRef, isBuiltin);
      if (d.verbs.includes('delete')) itemOps.delete = op('delete', gvk, kindRef, []);
      paths[item] = itemOps;
      if (d.hasStatusSubresource) {
        paths[`${item}/status`] = { parameters: [pathParam('name'), ...pathParams], get: op('get', gvk, kindRef, []), put: op('put', gvk, kindRef, writeParams(), 'application/json'), patch: patchOp(gvk, kindRef, isBuiltin) };
      }
      // Subresources that read and write the object itself, like status.
      for (const view of ['ephemeralcontainers', 'approval']) {
        if (!d.subresources.some((sr) => sr.name === view)) continue;
        paths[`${item}/${view}`] = { parameters: [pathParam('name'), ...pathParams], get: op('get', gvk, kindRef, []), put: op('put', gvk, kindRef, writeParams(), 'application/json'), patch: patchOp(gvk, kindRef, isBuiltin) };
      }
      const proxy = d.subresources.find((sr) => sr.name === 'proxy' && sr.kind);
      if (proxy?.kind) {
        // upstream's connect operations of pods/proxy, services/proxy, nodes/proxy: every method, with and without a path.
        const pgvk = { group: proxy.kind.group, version: proxy.kind.version, kind: proxy.kind.kind };
        const what = d.kind === 'Node' ? 'node' : d.kind === 'Service' ? 'service' : 'pod';
        const nameParam = { ...pathParam('name'), description: `name of the ${proxy.kind.kind}` };
        const connect = (): JsonObject => Object.fromEntries(CONNECT_METHODS.map((m) => [m, connectOp(m, pgvk, d.kind)]));
        paths[`${item}/proxy`] = { ...connect(), parameters: [nameParam, ...pathParams, queryParam('path', 'string', `Path is the URL path to use for the current proxy request to ${what}.`)] };
        paths[`${item}/proxy/{path}`] = { ...connect(), parameters: [nameParam, ...pathParams, { ...pathParam('path'), description: 'path to the resource' }] };
      }
      // Action subresources that speak a kind of their own (serviceaccounts/token → TokenRequest).
      for (const sr of d.subresources) {
        if (sr.name !== 'token' || !sr.kind) continue;
        const pkg = sr.kind.group === '' ? 'core' : sr.kind.group.replace(/\.k8s\.io$/, '').split('.')[0];
        const typeName = `io.k8s.api.${pkg}.${sr.kind.version}.${sr.kind.kind}`;
        if (!this.#types.has(typeName)) continue;
        const subRef = this.#addType(typeName);
        paths[`${item}/${sr.name}`] = { parameters: [pathParam('name'), ...pathParams], post: op('create', { ...sr.kind }, subRef, writeParams(), 'application/json') };
      }
      if (d.scale && this.#types.has('io.k8s.api.autoscaling.v1.Scale')) {
        const scaleRef = this.#addType('io.k8s.api.autoscaling.v1.Scale');
        const sgvk = { group: 'autoscaling', version: 'v1', kind: 'Scale' };
        paths[`${item}/scale`] = { parameters: [pathParam('name'), ...pathParams], get: op('get', sgvk, scaleRef, []), put: op('put', sgvk, scaleRef, writeParams(), 'application/json'), patch: patchOp(sgvk, scaleRef, true) };
      }
      if (d.namespaced && d.verbs.includes('list')) {
        paths[`${base}/${d.plural}`] = { get: op('list', gvk, kindRef, listParams()) };
      }
    }
    for (const [name, schema] of Object.entries(SPECIAL_SCHEMAS)) if (name.endsWith('.Patch')) this.#components.set(name, schema);
    const schemas: JsonObject = {};
    for (const name of [...this.#components.keys()].sort()) schemas[name] = this.#components.get(name) ?? {};
    return { openapi: '3.0.0', info: { title: 'Kubernetes', version: k8sVersion }, paths, components: { schemas } };
  }

  /**
   * Adds the named types (those the schema registry knows) and everything they reference to the
   * components; returns every component schema built so far, by name.
   */
  typeSchemas(names: readonly string[]): ReadonlyMap<string, JsonObject> {
    for (const name of names) if (SPECIAL_SCHEMAS[name] || this.#types.has(name)) this.#addType(name);
    return this.#components;
  }

  /** Adds the kind's schema (and everything it references); returns its $ref. */
  #kindSchema(r: ServedResource): string | undefined {
    const d = r.def;
    if (d.schema !== undefined) {
      if (!this.#types.has(d.schema)) return undefined;
      return this.#addType(d.schema);
    }
    if (d.crdSchema) {
      const name = `${d.group.split('.').reverse().join('.')}.${d.version}.${d.kind}`;
      const schema = deepCopy(d.crdSchema) as JsonObject;
      const props = (schema.properties ?? {}) as JsonObject;
      props.apiVersion = { type: 'string', description: 'The versioned schema of this object: group/version.' };
      props.kind = { type: 'string', description: 'The kind of this object.' };
      props.metadata = { description: "Standard object's metadata.", allOf: [{ $ref: SCHEMA_PREFIX + this.#addType(`${META}ObjectMeta`).slice(SCHEMA_PREFIX.length) }] };
      schema.properties = props;
      schema.type ??= 'object';
      schema['x-kubernetes-group-version-kind'] = [{ group: d.group, version: d.version, kind: d.kind }];
      this.#components.set(name, schema);
      return SCHEMA_PREFIX + name;
    }
    return undefined;
  }

  #addType(name: string): string {
    if (this.#components.has(name)) return SCHEMA_PREFIX + name;
    const special = SPECIAL_SCHEMAS[name];
    if (special) {
      this.#components.set(name, special);
      return SCHEMA_PREFIX + name;
    }
    const def = this.#types.get(name);
    const schema: JsonObject = {};
    this.#components.set(name, schema); // placeholder first: types may be recursive
    Object.assign(schema, this.#typeSchema(def));
    return SCHEMA_PREFIX + name;
  }

  #typeSchema(def: TypeDef): JsonObject {
    if (def.listWrapper) {
      const items = def.fields[0];
      return items ? { ...(def.doc ? { description: def.doc } : {}), ...this.#refSchema(items.type) } : { type: 'array' };
    }
    const properties: JsonObject = {};
    const required: string[] = [];
    if (def.gvk?.length) {
      // Kinds carry apiVersion and kind in JSON; they have no protobuf field, so the DSL omits them.
      properties.apiVersion = { description: 'The versioned schema of this object, group/version; the server converts unknown values to the version it serves.', type: 'string' };
      properties.kind = { description: 'The kind of this object, in CamelCase; it matches the endpoint the object was sent to.', type: 'string' };
    }
    for (const f of this.#types.jsonFields(def.name)) {
      properties[f.name] = this.#fieldSchema(f);
      if (f.required) required.push(f.name);
    }
    const out: JsonObject = {};
    if (def.doc) out.description = def.doc;
    out.type = 'object';
    out.properties = properties;
    if (required.length) out.required = required;
    if (def.gvk?.length) out['x-kubernetes-group-version-kind'] = def.gvk.map((g) => ({ group: g.group, version: g.version, kind: g.kind }));
    if (def.structType === 'atomic') out['x-kubernetes-map-type'] = 'atomic';
    return out;
  }

  #fieldSchema(f: FieldDef): JsonObject {
    const base = this.#refSchema(f.type);
    const out: JsonObject = {};
    if (f.doc) out.description = f.doc;
    if (base.$ref !== undefined) {
      // OpenAPI 3.0 forbids siblings of $ref; upstream wraps references in allOf.
      out.allOf = [base];
    } else Object.assign(out, base);
    if (f.type.t === 'list') {
      if (f.listType) out['x-kubernetes-list-type'] = f.listType;
      if (f.listMapKeys?.length) out['x-kubernetes-list-map-keys'] = [...f.listMapKeys];
    }
    if (f.patchMergeKey) out['x-kubernetes-patch-merge-key'] = f.patchMergeKey;
    if (f.patchStrategy) out['x-kubernetes-patch-strategy'] = f.patchStrategy;
    if (f.mapType) out['x-kubernetes-map-type'] = f.mapType;
    return out;
  }

  #refSchema(t: TypeRef): JsonObject {
    switch (t.t) {
      case 'scalar':
        switch (t.scalar) {
          case 'string':
            return t.enum ? { type: 'string', enum: [...t.enum] } : t.format ? { type: 'string', format: t.format } : { type: 'string' };
          case 'boolean':
            return { type: 'boolean' };
          case 'int32':
            return { type: 'integer', format: 'int32' };
          case 'int64':
            return { type: 'integer', format: 'int64' };
          case 'double':
            return { type: 'number', format: 'double' };
          case 'bytes':
            return { type: 'string', format: 'byte' };
        }
        return {};
      case 'ref':
        return { $ref: this.#addType(t.name) };
      case 'list':
        return { type: 'array', items: this.#itemSchema(t.items) };
      case 'map':
        return { type: 'object', additionalProperties: this.#itemSchema(t.values) };
      case 'special': {
        const name = specialName(t);
        return name ? { $ref: this.#addType(name) } : { type: 'string' };
      }
    }
  }

  /** Items and map values: a plain $ref is allowed there (no siblings). */
  #itemSchema(t: TypeRef): JsonObject {
    const s = this.#refSchema(t);
    return s.$ref !== undefined ? { allOf: [s] } : s;
  }
}

function pathParam(name: string): JsonObject {
  return { name, in: 'path', required: true, description: `name of the ${name === 'namespace' ? 'namespace' : 'object'}`, schema: { type: 'string', uniqueItems: true } };
}

function queryParam(name: string, type: 'string' | 'boolean' | 'integer', description: string): JsonObject {
  return { name, in: 'query', description, schema: { type, uniqueItems: true } };
}

function writeParams(): JsonValue[] {
  return [
    queryParam('dryRun', 'string', 'When present, the request is checked and answered but not persisted. The only valid value is All.'),
    queryParam('fieldManager', 'string', 'The name of the actor making this change, recorded in managedFields.'),
    queryParam('fieldValidation', 'string', 'How to treat unknown or duplicate fields: Ignore, Warn (default) or Strict.'),
  ];
}

function listParams(): JsonValue[] {
  return [
    queryParam('labelSelector', 'string', 'Only objects whose labels match this selector.'),
    queryParam('fieldSelector', 'string', 'Only objects whose fields match this selector.'),
    queryParam('limit', 'integer', 'The most items to return in one response; use continue for the rest.'),
    queryParam('continue', 'string', 'The continue token of a previous, limited list.'),
    queryParam('resourceVersion', 'string', 'Which version of the data the request may be served from.'),
    queryParam('resourceVersionMatch', 'string', 'How resourceVersion is applied to lists: Exact or NotOlderThan.'),
    queryParam('watch', 'boolean', 'Stream changes instead of listing.'),
    queryParam('allowWatchBookmarks', 'boolean', 'Allow BOOKMARK events in watch streams.'),
    queryParam('sendInitialEvents', 'boolean', 'Begin a watch with synthetic events for the current state.'),
    queryParam('timeoutSeconds', 'integer', 'End the list or watch after this many seconds.'),
  ];
}

function op(action: string, gvk: JsonObject, ref: string, parameters: JsonValue[], requestType?: string): JsonObject {
  const out: JsonObject = {
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
    parameters,
    responses: { '200': { description: 'OK', content: { 'application/json': { schema: { $ref: ref } } } } },
  };
  if (requestType) out.requestBody = { content: { [requestType]: { schema: { $ref: ref } } }, required: true };
  return out;
}

const CONNECT_METHODS = ['delete', 'get', 'head', 'options', 'patch', 'post', 'put'] as const;

/** A connect operation (proxy): any body, a string answer. */
function connectOp(method: string, gvk: JsonObject, parentKind: string): JsonObject {
  return {
    description: `connect ${method.toUpperCase()} requests to proxy of ${parentKind}`,
    'x-kubernetes-action': 'connect',
    'x-kubernetes-group-version-kind': gvk,
    responses: { '200': { description: 'OK', content: { '*/*': { schema: { type: 'string' } } } } },
  };
}

function patchOp(gvk: JsonObject, ref: string, strategic: boolean): JsonObject {
  const patchRef = { schema: { $ref: `${SCHEMA_PREFIX}${META}Patch` } };
  const content: JsonObject = {
    'application/json-patch+json': patchRef,
    'application/merge-patch+json': patchRef,
    'application/apply-patch+yaml': patchRef,
  };
  if (strategic) content['application/strategic-merge-patch+json'] = patchRef;
  return {
    'x-kubernetes-action': 'patch',
    'x-kubernetes-group-version-kind': gvk,
    parameters: [...writeParams(), queryParam('force', 'boolean', 'Take ownership of conflicting fields (apply patches only).')],
    requestBody: { content, required: true },
    responses: { '200': { description: 'OK', content: { 'application/json': { schema: { $ref: ref } } } } },
  };
}
