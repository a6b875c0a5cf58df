import { CopyObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { client } from '../../src/aws/clients.js';
import { mapLimit } from '../../src/concurrency.js';

/**
 * The emulator's raw ceiling for the request S3 export is made of: `count` CopyObject requests of
 * objects sampled evenly from `keys` (so the mix of small and large objects is the export's), with a
 * SHA-256 checksum as ours asks for, `concurrency` in flight, through the same SDK client and
 * connection pool as ours, and nothing else. Returns requests per second.
 */
export async function copyCeiling(
  region: string,
  source: string,
  keys: string[],
  destination: string,
  options: { count: number; concurrency: number },
): Promise<{ requests: number; ms: number; perSecond: number }> {
  const s3 = client(S3Client, region);
  const jobs = Array.from(
    { length: options.count },
    (_, index) => keys[Math.floor((index * keys.length) / options.count) % keys.length] as string,
  );
  const started = performance.now();
  await mapLimit(jobs, options.concurrency, async (key, index) => {
    await s3.send(
      new CopyObjectCommand({
        Bucket: destination,
        Key: `ceiling/${index}`,
        CopySource: `${source}/${key}`,
        ChecksumAlgorithm: 'SHA256',
      }),
    );
  });
  const ms = performance.now() - started;
  return { requests: options.count, ms, perSecond: (options.count / ms) * 1000 };
}
