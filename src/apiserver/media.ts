/**
 * Content negotiation and request bodies.
 *
 * Accept headers carry parameters in any order (`as=Table;v=v1;g=meta.k8s.io` from get,
 * `g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList` from discovery), so they are parsed into
 * maps. Responses are always JSON; protobuf is accepted in requests only.
 */
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ApiError } from '../api/errors.js';

export interface MediaType {
  readonly type: string;
  readonly params: Readonly<Record<string, string>>;
}

export function parseMediaTypes(header: string | undefined): MediaType[] {
  if (!header) return [];
  const out: MediaType[] = [];
  for (const part of header.split(',')) {
    const [head, ...rest] = part.split(';');
    const type = head.trim().toLowerCase();
    if (!type) continue;
    const params: Record<string, string> = {};
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq < 0) continue;
      params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    }
    out.push({ type, params });
  }
  return out;
}

export type ResponseFormat =
  | { kind: 'json' }
  | { kind: 'table'; version: 'v1' | 'v1beta1' }
  | { kind: 'partial-metadata'; list: boolean }
  | { kind: 'discovery'; version: 'v2' | 'v2beta1' };

/**
 * Picks the response form for resource requests: the first acceptable entry wins, as the
 * client lists preferences in order.
 */
export function negotiateResource(accept: string | undefined): ResponseFormat {
  const types = parseMediaTypes(accept);
  if (types.length === 0) return { kind: 'json' };
  for (const t of types) {
    if (t.type === 'application/json' || t.type === '*/*' || t.type === 'application/*' || t.type === 'application/vnd.kubernetes.protobuf' || t.type === 'application/yaml') {
      const as = t.params.as;
      if (as === undefined) {
        if (t.type === 'application/vnd.kubernetes.protobuf') continue;
        return { kind: 'json' };
      }
      if (as === 'Table' && (t.params.g ?? '') === 'meta.k8s.io' && (t.params.v === 'v1' || t.params.v === 'v1beta1')) return { kind: 'table', version: t.params.v };
      if ((as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') && (t.params.g ?? '') === 'meta.k8s.io') return { kind: 'partial-metadata', list: as === 'PartialObjectMetadataList' };
    }
  }
  // Only protobuf (which lite answers as JSON; client-go accepts it) or unknown types asked for.
  if (types.some((t) => t.type === 'application/vnd.kubernetes.protobuf' && t.params.as === undefined)) return { kind: 'json' };
  throw ApiError.notAcceptable(`only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf`);
}

/** For /api and /apis: aggregated discovery (v2 or v2beta1) or the legacy documents. */
export function negotiateDiscovery(accept: string | undefined): ResponseFormat {
  for (const t of parseMediaTypes(accept)) {
    if (t.type === 'application/json' && t.params.g === 'apidiscovery.k8s.io' && t.params.as === 'APIGroupDiscoveryList' && (t.params.v === 'v2' || t.params.v === 'v2beta1')) {
      return { kind: 'discovery', version: t.params.v };
    }
    if (t.type === 'application/json' || t.type === '*/*' || t.type === 'application/*') return { kind: 'json' };
  }
  return { kind: 'json' };
}

export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** Reads a request body, refusing more than MAX_BODY_BYTES with 413 (without buffering it all). */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw tooLarge(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > limit) {
      req.resume();
      throw tooLarge(limit);
    }
    chunks.push(b);
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

function tooLarge(limit: number): ApiError {
  // Upstream's wording (apiserver limitedReadBody).
  return ApiError.requestEntityTooLarge(`Request entity too large: limit is ${limit}`);
}

export type BodyFormat = 'json' | 'yaml' | 'protobuf';

export function bodyFormat(contentType: string | undefined): BodyFormat | undefined {
  const t = (contentType ?? 'application/json').split(';')[0].trim().toLowerCase();
  if (t === 'application/json' || t === '' || t === '*/*') return 'json';
  if (t === 'application/yaml' || t === 'application/x-yaml' || t === 'text/yaml') return 'yaml';
  if (t === 'application/vnd.kubernetes.protobuf') return 'protobuf';
  return undefined;
}

/** Parses JSON or YAML text into a value; malformed input → 400 with the parser's reason. */
export function parseStructured(body: Buffer, format: 'json' | 'yaml'): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') throw ApiError.badRequest('the request body is empty: an object is required');
  if (format === 'json') {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw ApiError.badRequest(`the request body is not valid JSON: ${(e as Error).message}`);
    }
  }
  try {
    return parseYaml(text, { maxAliasCount: 100, uniqueKeys: true });
  } catch (e) {
    throw ApiError.badRequest(`the request body is not valid YAML: ${(e as Error).message}`);
  }
}
