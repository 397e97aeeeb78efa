import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { JsonObject } from '../api/object.js';
import { decodeOpenApiV2, encodeOpenApiV2, toGnosticDocument } from './openapi-v2-protobuf.js';

describe('gnostic openapi.v2.Document', () => {
  it('puts fields under gnostic OpenAPIv2.proto numbers (bytes written out by hand from the .proto)', () => {
    const bytes = encodeOpenApiV2({ swagger: '2.0', definitions: { A: { type: 'string', 'x-a': 1 } } });
    const typeItem = [0x0a, 0x06, ...Buffer.from('string')]; // TypeItem.value = 1
    const any = [0x12, 0x02, 0x31, 0x0a]; // Any.yaml = 2: "1\n"
    const namedAny = [0x0a, 0x03, ...Buffer.from('x-a'), 0x12, any.length, ...any]; // NamedAny name = 1, value = 2
    const schema = [0xb2, 0x01, typeItem.length, ...typeItem, 0xfa, 0x01, namedAny.length, ...namedAny]; // Schema.type = 22, vendor_extension = 31
    const namedSchema = [0x0a, 0x01, 0x41, 0x12, schema.length, ...schema]; // NamedSchema name = 1, value = 2
    const definitions = [0x0a, namedSchema.length, ...namedSchema]; // Definitions.additional_properties = 1
    const doc = [0x0a, 0x03, ...Buffer.from('2.0'), 0x4a, definitions.length, ...definitions]; // Document.swagger = 1, definitions = 9
    expect(Buffer.from(bytes).toString('hex')).toBe(Buffer.from(doc).toString('hex'));
  });

  it('round-trips every part lite uses: paths, all parameter kinds, responses, security, schemas', () => {
    const doc: JsonObject = {
      swagger: '2.0',
      info: { title: 'Kubernetes', version: 'v1.32.0' },
      paths: {
        '/api/v1/namespaces/{namespace}/pods/{name}': {
          parameters: [
            { name: 'name', in: 'path', required: true, type: 'string', uniqueItems: true, description: 'name of the object' },
            { name: 'namespace', in: 'path', required: true, type: 'string', uniqueItems: true },
          ],
          patch: {
            consumes: ['application/json-patch+json', 'application/strategic-merge-patch+json'],
            produces: ['application/json'],
            schemes: ['https'],
            parameters: [
              { name: 'body', in: 'body', required: true, schema: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch' } },
              { name: 'fieldValidation', in: 'query', type: 'string', uniqueItems: true, description: 'Strict or not' },
              { name: 'X-Trace', in: 'header', type: 'string' },
              { name: 'file', in: 'formData', type: 'string', enum: ['a', 'b'], default: 'a' },
              { $ref: '#/parameters/pretty' },
            ],
            responses: { '200': { description: 'OK', schema: { $ref: '#/definitions/io.k8s.api.core.v1.Pod' } }, '401': { description: 'Unauthorized' } },
            'x-kubernetes-action': 'patch',
            'x-kubernetes-group-version-kind': { group: '', version: 'v1', kind: 'Pod' },
          },
        },
      },
      definitions: {
        'io.k8s.api.core.v1.Pod': {
          description: 'A pod.',
          type: 'object',
          required: ['spec'],
          properties: {
            spec: { $ref: '#/definitions/io.k8s.api.core.v1.PodSpec', description: 'The spec.' },
            ports: { type: 'array', items: { type: 'integer', format: 'int32', maximum: 65535, minimum: 1 } },
            labels: { type: 'object', additionalProperties: { type: 'string' } },
            open: { type: 'object', additionalProperties: true },
            mode: { type: 'string', enum: ['on', 'off', 'yes'], default: 'on', maxLength: 3, pattern: '^o' },
            raw: { 'x-kubernetes-preserve-unknown-fields': true, example: { a: [1, null, 'x'] } },
            docs: { type: 'string', externalDocs: { description: 'more', url: 'https://example.com' } },
          },
          'x-kubernetes-group-version-kind': [{ group: '', kind: 'Pod', version: 'v1' }],
        },
      },
      securityDefinitions: { BearerToken: { description: 'Bearer Token authentication', type: 'apiKey', name: 'authorization', in: 'header' } },
      security: [{ BearerToken: [] }],
    };
    expect(decodeOpenApiV2(encodeOpenApiV2(doc))).toEqual(doc);
  });

  it('writes vendor extensions, enums and defaults as YAML in Any, the way kubectl reads them back', () => {
    const msg = toGnosticDocument({
      swagger: '2.0',
      info: { title: 't', version: 'v' },
      paths: {},
      definitions: {
        'io.k8s.api.core.v1.Pod': {
          type: 'object',
          properties: { policy: { type: 'string', enum: ['Always', 'on'], default: 'yes' } },
          'x-kubernetes-group-version-kind': [{ group: '', kind: 'Pod', version: 'v1' }],
        },
      },
    }) as any;
    const pod = msg.definitions.additionalProperties[0];
    expect(pod.name).toBe('io.k8s.api.core.v1.Pod');
    expect(pod.value.type).toEqual({ value: ['object'] });
    const gvk = pod.value.vendorExtension[0];
    expect(gvk.name).toBe('x-kubernetes-group-version-kind');
    expect(gvk.value.yaml).toBe('- group: ""\n  kind: Pod\n  version: v1\n');
    // kube-openapi parses these with YAML 1.1: "on"/"yes" must stay strings.
    expect(parseYaml(gvk.value.yaml, { version: '1.1' })).toEqual([{ group: '', kind: 'Pod', version: 'v1' }]);
    const policy = pod.value.properties.additionalProperties[0].value;
    expect(policy.enum.map((a: any) => a.yaml)).toEqual(['Always\n', '"on"\n']);
    expect(policy.default.yaml).toBe('"yes"\n');
  });

  it('refuses what gnostic refuses (a v3-only keyword in a schema)', () => {
    expect(() => encodeOpenApiV2({ swagger: '2.0', info: { title: 't', version: 'v' }, paths: {}, definitions: { x: { type: 'string', nullable: true } } })).toThrow(/nullable/);
  });
});
