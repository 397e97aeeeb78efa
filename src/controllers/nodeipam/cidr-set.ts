/**
 * The pod ranges of a cluster CIDR (upstream's cidrset): the cluster range split into subnets of
 * `maskSize` bits, handed out round-robin from the last allocation so a released range is not
 * reused at once.
 */
import { formatIpv4, parseCidr, parseIpv4 } from '../../util/ipv4.js';

export class CidrSetError extends Error {}

export class CidrSet {
  readonly clusterCidr: string;
  readonly #base: number;
  readonly #subnetSize: number;
  readonly #maskSize: number;
  readonly #count: number;
  readonly #used: Uint8Array;
  #allocated = 0;
  #next = 0;

  constructor(clusterCidr: string, maskSize: number) {
    const range = parseCidr(clusterCidr);
    const clusterBits = 32 - Math.log2(range.size);
    if (!Number.isInteger(maskSize) || maskSize < clusterBits || maskSize > 30) {
      throw new CidrSetError(`node CIDR mask size /${maskSize} must be between the cluster CIDR's /${clusterBits} and /30`);
    }
    if (maskSize - clusterBits > 16) throw new CidrSetError(`cluster CIDR ${clusterCidr} split into /${maskSize} gives more than 65536 node ranges`);
    this.clusterCidr = clusterCidr;
    this.#base = range.base;
    this.#maskSize = maskSize;
    this.#subnetSize = 2 ** (32 - maskSize);
    this.#count = range.size / this.#subnetSize;
    this.#used = new Uint8Array(this.#count);
  }

  /** How many node ranges there are, and how many are taken. */
  get size(): number {
    return this.#count;
  }

  get allocated(): number {
    return this.#allocated;
  }

  /** The next free range, or undefined when all are taken. */
  allocateNext(): string | undefined {
    for (let i = 0; i < this.#count; i++) {
      const idx = (this.#next + i) % this.#count;
      if (this.#used[idx]) continue;
      this.#used[idx] = 1;
      this.#allocated++;
      this.#next = (idx + 1) % this.#count;
      return this.#format(idx);
    }
    return undefined;
  }

  /** Marks a range as taken (a node that already has it). Throws if it is not one of ours. */
  occupy(cidr: string): void {
    const idx = this.#index(cidr);
    if (!this.#used[idx]) {
      this.#used[idx] = 1;
      this.#allocated++;
    }
  }

  /** Frees a range; ranges outside the cluster CIDR are ignored. */
  release(cidr: string): void {
    let idx: number;
    try {
      idx = this.#index(cidr);
    } catch {
      return;
    }
    if (this.#used[idx]) {
      this.#used[idx] = 0;
      this.#allocated--;
    }
  }

  contains(cidr: string): boolean {
    try {
      this.#index(cidr);
      return true;
    } catch {
      return false;
    }
  }

  #format(idx: number): string {
    return `${formatIpv4(this.#base + idx * this.#subnetSize)}/${this.#maskSize}`;
  }

  #index(cidr: string): number {
    const [ip, bits] = cidr.split('/');
    const addr = parseIpv4(ip ?? '');
    if (addr === undefined || Number(bits) !== this.#maskSize) throw new CidrSetError(`CIDR ${cidr} is not a /${this.#maskSize} range`);
    const offset = addr - this.#base;
    if (offset < 0 || offset >= this.#count * this.#subnetSize || offset % this.#subnetSize !== 0) {
      throw new CidrSetError(`CIDR ${cidr} is out the range of cluster cidr ${this.clusterCidr}`);
    }
    return offset / this.#subnetSize;
  }
}
