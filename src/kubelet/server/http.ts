/**
 * Small helpers shared by the kubelet's endpoints: answering with a Status error (the one place
 * a kubelet error becomes bytes; the API server turns it back into an ApiError) and reading
 * query parameters as upstream's kubelet does.
 */
import { ApiError } from '../../api/errors.js';
import type { KubeletStreamServer } from '../../tunnel/kubelet-connection.js';

/** Answers `stream` with `err` as a Status object and ends it. */
export function respondError(stream: KubeletStreamServer, err: ApiError): void {
  stream.respond({ status: err.code, headers: { 'Content-Type': 'application/json' } });
  stream.send(Buffer.from(JSON.stringify(err.toStatus())));
  stream.end();
}

/** Go's strconv.ParseBool, as query parameters are converted upstream; undefined if absent. */
export function parseBoolParam(query: URLSearchParams, name: string): boolean | undefined {
  const v = query.get(name);
  if (v === null) return undefined;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False', ''].includes(v)) return false;
  throw ApiError.badRequest(`invalid value for query parameter "${name}": strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
}

/** An integer parameter (Go ParseInt semantics); undefined if absent. */
export function parseIntParam(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  if (v === null || v === '') return undefined;
  if (!/^[+-]?\d+$/.test(v)) throw ApiError.badRequest(`invalid value for query parameter "${name}": strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

/** Splits a kubelet path into decoded segments (`/exec/ns/pod/c` → ['exec','ns','pod','c']). */
export function pathSegments(path: string): string[] {
  const parts = path.split('/').filter((p, i) => i > 0 || p !== '');
  if (parts.length && parts[parts.length - 1] === '') parts.pop();
  return parts.map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      throw ApiError.badRequest(`malformed path segment ${JSON.stringify(p)}`);
    }
  });
}
