import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { client } from '../../aws/clients.js';
import { selectNames } from '../../glob.js';
import type { Wiring } from '../types.js';

/** Which buckets a run backs up: those its patterns select, and those the functions are wired to. */

const S3_ARN = 'arn:aws:s3:::';

/** The buckets of `region` whose names match `patterns` (globs). */
export async function discoverBuckets(
  region: string,
  { patterns }: { patterns: string[] },
): Promise<string[]> {
  if (patterns.length === 0) return [];
  const s3 = client(S3Client, region);
  const names: string[] = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(new ListBucketsCommand({ BucketRegion: region, ContinuationToken }));
    for (const bucket of page.Buckets ?? []) {
      if (bucket.Name && (!bucket.BucketRegion || bucket.BucketRegion === region)) names.push(bucket.Name);
    }
    ContinuationToken = page.ContinuationToken;
  } while (ContinuationToken);
  return selectNames(names, patterns);
}

/**
 * The buckets allowed to invoke the region's functions (the AWS:SourceArn of their invoke
 * permissions). A bucket ARN names no region: `discoverBuckets` keeps those of the region. A
 * SourceArn with wildcards (ArnLike) stays a pattern.
 */
export async function bucketsWiredTo(wiring: Wiring): Promise<string[]> {
  const buckets = new Set<string>();
  for (const sourceArn of await wiring.invokerSources())
    if (sourceArn.startsWith(S3_ARN)) buckets.add(sourceArn.slice(S3_ARN.length));
  return [...buckets];
}
