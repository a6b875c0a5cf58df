import type { Readable } from 'node:stream';
import { GetBucketLocationCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { client } from '../aws/clients.js';
import { ifExists } from '../aws/errors.js';
import { mapLimit } from '../concurrency.js';
import { InputValidationError, IntegrityError, NotFoundError } from '../errors.js';
import { type BackupStore, blobKey } from '../store/store.js';

/**
 * The packages an exported template needs, copied from the store into a bucket of the stack's region
 * (Lambda reads code from there): `<prefix><sha256>`, each checked by S3 against its sha256 on the way
 * in (ChecksumSHA256), so a damaged copy is refused, not deployed. A package already there with the
 * same size is left alone.
 */

/** Above this a package goes up in parts (S3 then keeps a checksum of the parts, not of the whole). */
const SINGLE_PUT_BYTES = 64 * 1024 * 1024;

export interface CodeTarget {
  bucket: string;
  /** Key prefix, empty or ending with `/`. */
  prefix: string;
}

/** `s3://bucket[/prefix]` as a code target. */
export function parseCodeTarget(url: string): CodeTarget {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!match) throw new InputValidationError(`upload-code-to: must be s3://bucket[/prefix], not ${url}`);
  const prefix = match[2] ?? '';
  return { bucket: match[1] as string, prefix: prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix };
}

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** The region of the target bucket (S3 answers an empty location for us-east-1). */
export async function bucketRegion(bucket: string): Promise<string> {
  const location = await client(S3Client, 'us-east-1').send(new GetBucketLocationCommand({ Bucket: bucket }));
  return location.LocationConstraint || 'us-east-1';
}

/** Copies the packages `blobs` (sha256) to the target; how many were copied and how many were there. */
export async function uploadCode(
  store: BackupStore,
  blobs: string[],
  target: CodeTarget,
): Promise<{ uploaded: number; present: number; region: string }> {
  const region = await bucketRegion(target.bucket);
  const s3 = client(S3Client, region);
  let uploaded = 0;
  let present = 0;
  await mapLimit(blobs, 4, async (sha256) => {
    const Key = `${target.prefix}${sha256}`;
    const size = await store.size(blobKey(sha256));
    if (size === undefined) throw new NotFoundError(`${store.url}: package ${blobKey(sha256)} is missing`);
    const there = await ifExists(() => s3.send(new HeadObjectCommand({ Bucket: target.bucket, Key })));
    if (there?.ContentLength === size) {
      present += 1;
      return;
    }
    const body = await store.read(blobKey(sha256));
    if (!body) throw new NotFoundError(`${store.url}: package ${blobKey(sha256)} is missing`);
    if (size <= SINGLE_PUT_BYTES) {
      const bytes = await readAll(body);
      try {
        await s3.send(
          new PutObjectCommand({
            Bucket: target.bucket,
            Key,
            Body: bytes,
            ContentType: 'application/zip',
            ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64'),
          }),
        );
      } catch (error) {
        if ((error as Error).name === 'BadDigest')
          throw new IntegrityError(`${blobKey(sha256)}: the stored package does not match its sha256`);
        throw error;
      }
    } else {
      await new Upload({
        client: s3,
        params: {
          Bucket: target.bucket,
          Key,
          Body: body,
          ContentType: 'application/zip',
          ChecksumAlgorithm: 'SHA256',
        },
        queueSize: 2,
        partSize: 16 * 1024 * 1024,
      }).done();
    }
    uploaded += 1;
  });
  return { uploaded, present, region };
}
