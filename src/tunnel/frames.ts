/**
 * The tunnel's framing: every WebSocket message between the server and an agent is one frame,
 *
 *   byte 0      frame type
 *   bytes 1..4  stream id (uint32, big-endian; the server assigns ids, starting at 1)
 *   bytes 5..   payload
 *
 * | type   | sender | payload                                                         |
 * |--------|--------|-----------------------------------------------------------------|
 * | open   | server | KubeletRequest as JSON                                          |
 * | head   | agent  | KubeletResponseHead as JSON                                     |
 * | data   | both   | one chunk (a WebSocket message of the client, or body bytes)   |
 * | end    | both   | none: the sender sends no more data on this stream              |
 * | close  | both   | UTF-8 reason: the stream is torn down in both directions        |
 * | window | both   | uint32: the receiver took this many more bytes (flow control)   |
 */
import { isKubeletMethod, KUBELET_METHODS, type KubeletRequest, type KubeletResponseHead } from './kubelet-connection.js';

/** WebSocket subprotocol of the tunnel (bumped on incompatible framing changes). */
export const TUNNEL_PROTOCOL = 'v1.tunnel.lite.dev';
/**
 * The same framing, and open frames may carry any of KUBELET_METHODS (CONNECT /dial for
 * pods/proxy and services/proxy, every method for nodes/proxy). A v1 agent refuses those as a
 * protocol error (closing its tunnel), so the server sends them only on v2 tunnels; agents offer
 * both, servers pick v2 when offered.
 */
export const TUNNEL_PROTOCOL_V2 = 'v2.tunnel.lite.dev';

export const FrameType = {
  open: 1,
  head: 2,
  data: 3,
  end: 4,
  close: 5,
  window: 6,
} as const;
export type FrameTypeName = keyof typeof FrameType;

export type Frame =
  | { readonly type: 'open'; readonly id: number; readonly request: KubeletRequest }
  | { readonly type: 'head'; readonly id: number; readonly head: KubeletResponseHead }
  | { readonly type: 'data'; readonly id: number; readonly data: Uint8Array }
  | { readonly type: 'end'; readonly id: number }
  | { readonly type: 'close'; readonly id: number; readonly reason: string }
  | { readonly type: 'window'; readonly id: number; readonly bytes: number };

const NAMES: Record<number, FrameTypeName> = Object.fromEntries(Object.entries(FrameType).map(([k, v]) => [v, k as FrameTypeName]));

export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

function header(type: FrameTypeName, id: number, payloadLength: number): Buffer {
  const b = Buffer.allocUnsafe(5 + payloadLength);
  b[0] = FrameType[type];
  b.writeUInt32BE(id >>> 0, 1);
  return b;
}

export function encodeFrame(frame: Frame): Buffer {
  switch (frame.type) {
    case 'open':
    case 'head': {
      const json = Buffer.from(JSON.stringify(frame.type === 'open' ? frame.request : frame.head), 'utf8');
      const b = header(frame.type, frame.id, json.length);
      json.copy(b, 5);
      return b;
    }
    case 'data': {
      const b = header('data', frame.id, frame.data.byteLength);
      b.set(frame.data, 5);
      return b;
    }
    case 'end':
      return header('end', frame.id, 0);
    case 'close': {
      const reason = Buffer.from(frame.reason, 'utf8');
      const b = header('close', frame.id, reason.length);
      reason.copy(b, 5);
      return b;
    }
    case 'window': {
      const b = header('window', frame.id, 4);
      b.writeUInt32BE(frame.bytes >>> 0, 5);
      return b;
    }
  }
}

/** Decodes one message; throws FrameError on anything malformed. */
export function decodeFrame(message: Uint8Array): Frame {
  if (message.byteLength < 5) throw new FrameError(`frame too short (${message.byteLength} bytes)`);
  const b = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  const type = NAMES[b[0]];
  if (!type) throw new FrameError(`unknown frame type ${b[0]}`);
  const id = b.readUInt32BE(1);
  if (id === 0) throw new FrameError('stream id 0 is reserved');
  const payload = b.subarray(5);
  switch (type) {
    case 'open':
      return { type, id, request: parseRequest(payload) };
    case 'head':
      return { type, id, head: parseHead(payload) };
    case 'data':
      return { type, id, data: payload };
    case 'end':
      return { type, id };
    case 'close':
      return { type, id, reason: payload.toString('utf8') };
    case 'window':
      if (payload.length !== 4) throw new FrameError('window frame must carry 4 bytes');
      return { type, id, bytes: payload.readUInt32BE(0) };
  }
}

function parseJson(payload: Buffer, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new FrameError(`${what} frame is not JSON`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new FrameError(`${what} frame is not a JSON object`);
  return v as Record<string, unknown>;
}

function stringRecord(v: unknown, what: string): Record<string, string> {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new FrameError(`${what} must be an object`);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string') throw new FrameError(`${what}.${k} must be a string`);
    out[k] = val;
  }
  return out;
}

function parseRequest(payload: Buffer): KubeletRequest {
  const o = parseJson(payload, 'open');
  if (!isKubeletMethod(o.method)) throw new FrameError(`open frame: method must be one of ${KUBELET_METHODS.join(', ')}`);
  if (typeof o.path !== 'string' || !o.path.startsWith('/')) throw new FrameError('open frame: path must be an absolute path');
  if (typeof o.query !== 'string') throw new FrameError('open frame: query must be a string');
  const headers = stringRecord(o.headers, 'open frame: headers');
  let websocket: KubeletRequest['websocket'];
  if (o.websocket !== undefined) {
    const ws = o.websocket as { protocols?: unknown };
    if (typeof ws !== 'object' || ws === null || !Array.isArray(ws.protocols) || !ws.protocols.every((p) => typeof p === 'string')) {
      throw new FrameError('open frame: websocket.protocols must be a list of strings');
    }
    websocket = { protocols: ws.protocols as string[] };
  }
  return { method: o.method, path: o.path, query: o.query, headers, ...(websocket ? { websocket } : {}) };
}

function parseHead(payload: Buffer): KubeletResponseHead {
  const o = parseJson(payload, 'head');
  if (typeof o.status !== 'number' || !Number.isInteger(o.status) || o.status < 100 || o.status > 599) throw new FrameError('head frame: status must be an HTTP status code');
  if (o.protocol !== undefined && typeof o.protocol !== 'string') throw new FrameError('head frame: protocol must be a string');
  return { status: o.status, headers: stringRecord(o.headers, 'head frame: headers'), ...(typeof o.protocol === 'string' ? { protocol: o.protocol } : {}) };
}
