import { createHash } from 'node:crypto';

/**
 * A Bloom filter over strings: says "maybe" for every key added and "no" for nearly every other one.
 * A blocked part keeps one per block (see blocked-part.ts), so a lookup reads only the blocks that may
 * hold a key. A false positive costs a wasted block read, never a missed item.
 *
 * 16 bits per key and 11 hashes give about 0.05% false positives. Fewer bits make the lookup documents
 * smaller but send lookups to blocks that do not hold the key: with ~32 KiB blocks of ~1 KB items, what
 * a one-item lookup reads (every filter, plus the blocks they let through) is smallest around 15-16
 * bits per key (at 10 bits, ~1% of all blocks are read for nothing).
 */

export const BLOOM_BITS_PER_KEY = 16;
export const BLOOM_HASHES = 11;

/** Two 32-bit hashes of a key; the others are derived (Kirsch–Mitzenmacher double hashing). */
function hashPair(key: string): [number, number] {
  const digest = createHash('sha256').update(key).digest();
  // An odd second hash (`| 1` makes a signed int: `>>> 0` brings it back to unsigned).
  return [digest.readUInt32LE(0), (digest.readUInt32LE(4) | 1) >>> 0];
}

function* positions(key: string, bits: number): Generator<number> {
  const [first, second] = hashPair(key);
  for (let index = 0; index < BLOOM_HASHES; index += 1) yield (first + index * second) % bits;
}

export class BloomFilter {
  private constructor(readonly bytes: Uint8Array) {}

  /** An empty filter sized for `keys` keys (at least one byte). */
  static sized(keys: number): BloomFilter {
    return new BloomFilter(new Uint8Array(Math.max(1, Math.ceil((keys * BLOOM_BITS_PER_KEY) / 8))));
  }

  /** A filter as `toBase64` wrote it. */
  static fromBase64(text: string): BloomFilter {
    return new BloomFilter(new Uint8Array(Buffer.from(text, 'base64')));
  }

  add(key: string): void {
    for (const bit of positions(key, this.bytes.length * 8))
      this.bytes[bit >> 3] = (this.bytes[bit >> 3] as number) | (1 << (bit & 7));
  }

  /** False only when `key` was never added. */
  mayHave(key: string): boolean {
    for (const bit of positions(key, this.bytes.length * 8))
      if (((this.bytes[bit >> 3] as number) & (1 << (bit & 7))) === 0) return false;
    return true;
  }

  toBase64(): string {
    return Buffer.from(this.bytes).toString('base64');
  }
}
