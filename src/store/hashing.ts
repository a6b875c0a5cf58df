import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';

/** A transform that counts and hashes what flows through it, without ever consuming on its own. */
export function hashingPassThrough(): { stream: Transform; result: () => { sha256: string; bytes: number } } {
  const hash = createHash('sha256');
  let bytes = 0;
  let digest: string | undefined;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  return {
    stream,
    result: () => {
      digest ??= hash.digest('hex');
      return { sha256: digest, bytes };
    },
  };
}

export const sha256Hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** Lambda reports CodeSha256 as base64; the store names blobs by hex. */
export const base64ToHex = (base64: string): string => Buffer.from(base64, 'base64').toString('hex');
