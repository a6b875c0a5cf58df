import { expect } from '@jest/globals';

/**
 * Byte arrays compare as bytes. Jest's default equality walks a Uint8Array or Buffer element by
 * element through its generic recursion: about 6 s for one 1 MB object body on an idle machine, and
 * several times that under load, which alone pushed the data round trip past its timeout. This
 * tester gives the same answer (same class, same length, same bytes) with one memcmp; arrays of
 * different classes fall through to jest's own rules.
 */
function bytesEqual(a: unknown, b: unknown): boolean | undefined {
  if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.constructor !== b.constructor)
    return undefined;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

expect.addEqualityTesters([bytesEqual]);
