import { CopyObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { client } from '../../src/aws/clients.js';
import { mapLimit } from '../../src/concurrency.js';

/**
 * The emulator's raw ceiling for the request S3 export is made of: CopyObject of `keys` (small
 * objects) into `destination`, `count` requests with `concurrency` in flight, through the same SDK
 * client and connection pool as ours, nothing else. Returns requests per second.
 */
export async function copyCeiling(
  region: string,
  source: string,
  keys: string[],
  destination: string,
  options: { count: number; concurrency: number },
): Promise<{ requests: number; ms: number; perSecond: number }> {
  const s3 = client(S3Client, region);
  const jobs = Array.from({ length: options.count }, (_, index) => keys[index % keys.length] as string);
  const started = performance.now();
  await mapLimit(jobs, options.concurrency, async (key, index) => {
    await s3.send(
      new CopyObjectCommand({ Bucket: destination, Key: `ceiling/${index}`, CopySource: `${source}/${key}` }),
    );
  });
  const ms = performance.now() - started;
  return { requests: options.count, ms, perSecond: (options.count / ms) * 1000 };
}
