/**
 * One DNS message in, one out: decodes the query (dns-packet), answers it from the cluster zone
 * or forwards it upstream, and encodes the response within the transport's size limit.
 *
 *  - UDP responses fit the client's advertised EDNS buffer (at least 512 bytes, 512 without
 *    EDNS); a larger answer is cut to what fits with the TC bit set, and the client retries over
 *    TCP, where the full answer goes (up to 65535 bytes).
 *  - Queries with an OPT record get one back (same buffer size, capped at 4096).
 *  - Malformed messages get FORMERR when their header is readable and are dropped otherwise;
 *    opcodes other than QUERY get NOTIMP; responses sent to us are ignored.
 *  - An error while answering, or no upstream answering, gives SERVFAIL.
 *  - The address records of a cluster answer come in random order (CoreDNS `loadbalance`, in the
 *    Corefile k3s ships), so clients that take the first address spread over endpoints.
 */
import type { Logger } from 'pino';
import { decode, encode, encodingLength, type Answer, type DecodedPacket, type OptAnswer, type Packet, type Question } from 'dns-packet';
import type { ClusterZone, Rcode, ZoneAnswer } from './dns-records.js';
import type { Forwarder, Transport } from './upstream.js';

const RCODES: Record<Rcode, number> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 };
const FLAG_AA = 0x0400;
const FLAG_TC = 0x0200;
const FLAG_RD = 0x0100;
const FLAG_RA = 0x0080;
const UDP_MIN = 512;
const EDNS_MAX = 4096;

export interface DnsHandlerConfig {
  readonly zone: ClusterZone;
  readonly forwarder: Forwarder;
  readonly logger: Logger;
  /** Random source for the order of address records (default Math.random; tests pin it). */
  readonly random?: () => number;
}

export class DnsHandler {
  readonly #c: DnsHandlerConfig;

  constructor(config: DnsHandlerConfig) {
    this.#c = config;
  }

  /** The response to send, or undefined when nothing should be sent. */
  async handle(raw: Buffer, transport: Transport, signal?: AbortSignal): Promise<Buffer | undefined> {
    let query: DecodedPacket;
    try {
      query = decode(raw);
    } catch {
      if (raw.length < 12 || (raw.readUInt16BE(2) & 0x8000) !== 0) return undefined;
      return headerOnly(raw.readUInt16BE(0), raw.readUInt16BE(2) & FLAG_RD, RCODES.FORMERR);
    }
    if (query.type === 'response') return undefined;
    const id = query.id ?? 0;
    const rd = (query.flags ?? 0) & FLAG_RD;
    const opcode = (query as DecodedPacket & { opcode?: string }).opcode;
    if (opcode !== undefined && opcode !== 'QUERY') return headerOnly(id, rd, RCODES.NOTIMP);
    const questions = query.questions ?? [];
    if (questions.length !== 1) return headerOnly(id, rd, RCODES.FORMERR);
    const q = questions[0];
    const opt = (query.additionals ?? []).find((a): a is OptAnswer => a.type === 'OPT');

    let answer: ZoneAnswer | undefined;
    try {
      answer = await this.#c.zone.resolve(q);
    } catch (e) {
      this.#c.logger.warn({ name: q.name, type: q.type, err: e instanceof Error ? e.message : String(e) }, 'cluster zone lookup failed');
      answer = { rcode: 'SERVFAIL', answers: [], authorities: [], additionals: [] };
    }
    if (answer === undefined) {
      const forwarded = await this.#c.forwarder.forward(raw, transport, signal);
      if (forwarded) return forwarded;
      this.#c.logger.debug({ name: q.name, type: q.type }, 'no upstream answered; SERVFAIL');
      answer = { rcode: 'SERVFAIL', answers: [], authorities: [], additionals: [] };
      return this.#encode(id, rd, q, answer, false, opt, transport);
    }
    return this.#encode(id, rd, q, { ...answer, answers: shuffleAddresses(answer.answers, this.#c.random ?? Math.random) }, true, opt, transport);
  }

  #encode(id: number, rd: number, q: Question, a: ZoneAnswer, authoritative: boolean, opt: OptAnswer | undefined, transport: Transport): Buffer {
    const additionals: Answer[] = [...a.additionals];
    const replyOpt: OptAnswer | undefined = opt
      ? { type: 'OPT', name: '.', udpPayloadSize: Math.min(Math.max(opt.udpPayloadSize, UDP_MIN), EDNS_MAX), extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }
      : undefined;
    const flags = rd | FLAG_RA | (authoritative ? FLAG_AA : 0) | RCODES[a.rcode];
    const packet: Packet = {
      type: 'response',
      id,
      flags,
      questions: [q],
      answers: [...a.answers],
      authorities: [...a.authorities],
      additionals: replyOpt ? [...additionals, replyOpt] : additionals,
    };
    const limit = transport === 'tcp' ? 65535 : opt ? Math.max(UDP_MIN, Math.min(opt.udpPayloadSize, 65535)) : UDP_MIN;
    if (encodingLength(packet) <= limit) return encode(packet);
    return encode(truncate(packet, limit, replyOpt));
  }
}

/** Shuffles the A/AAAA records among the places they hold (CNAMEs and others stay put). */
export function shuffleAddresses(answers: readonly Answer[], random: () => number): Answer[] {
  const out = [...answers];
  const slots = out.map((a, i) => (a.type === 'A' || a.type === 'AAAA' ? i : -1)).filter((i) => i >= 0);
  const records = slots.map((i) => out[i]);
  for (let i = records.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [records[i], records[j]] = [records[j], records[i]];
  }
  slots.forEach((slot, k) => (out[slot] = records[k]));
  return out;
}

/** Drops the additional section, then answers from the end, until the packet fits; sets TC. */
export function truncate(packet: Packet, limit: number, opt?: OptAnswer): Packet {
  const out: Packet = { ...packet, flags: (packet.flags ?? 0) | FLAG_TC, additionals: opt ? [opt] : [], answers: [...(packet.answers ?? [])] };
  const answers = out.answers as Answer[];
  while (answers.length > 0 && encodingLength(out) > limit) answers.pop();
  if (encodingLength(out) > limit) out.authorities = [];
  return out;
}

function headerOnly(id: number, rd: number, rcode: number): Buffer {
  return encode({ type: 'response', id, flags: rd | FLAG_RA | rcode, questions: [], answers: [], authorities: [], additionals: [] });
}
