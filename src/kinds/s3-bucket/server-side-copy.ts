import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  type CreateMultipartUploadCommandInput,
  type S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { mapLimit } from '../../concurrency.js';
import { envNumber } from '../shared/pacing.js';

/**
 * Server-side copies between buckets, for the backup (bucket → store) and the restore (store →
 * bucket) alike: how a CopySource is written, when an object is too large for one CopyObject (5 GB),
 * and the copy in parts (UploadPartCopy) that such an object needs.
 */

const DEFAULT_MULTIPART_COPY_BYTES = 5 * 1024 ** 3;
const DEFAULT_COPY_PART_BYTES = 512 * 1024 ** 2;
const MAX_PARTS = 10_000;
const PARTS_IN_FLIGHT = 8;

/** CopySource is URL-encoded: spaces, '+', '%', unicode and '?' in a key must not be read as URL syntax. */
export const copySource = (bucket: string, key: string, versionId?: string): string =>
  `${bucket}/${encodeURIComponent(key).replace(/%2F/g, '/')}${versionId ? `?versionId=${encodeURIComponent(versionId)}` : ''}`;

/** True when an object is above the single-copy limit and is copied in parts. */
export const copiedInParts = (size: number): boolean =>
  size > envNumber('TRIGGERVAULT_S3_MULTIPART_COPY_BYTES', DEFAULT_MULTIPART_COPY_BYTES);

export interface PartsCopy {
  /** A client in the destination bucket's region. */
  s3: S3Client;
  destination: { Bucket: string; Key: string };
  /** The object to copy, as a CopySource (see `copySource`). */
  source: string;
  size: number;
  /**
   * What the upload is created with: the object's attributes (a copy in parts does not carry them
   * over, they are set explicitly) and a checksum algorithm. With SHA256, the parts' checksums are
   * sent on completion.
   */
  create: Omit<CreateMultipartUploadCommandInput, 'Bucket' | 'Key'>;
  /** Copies only while the source still has this ETag (else S3 answers PreconditionFailed). */
  ifMatch?: string;
}

/** Copies an object above the single-copy limit in parts; a failed copy aborts its upload. Returns the copy's ETag. */
export async function copyInParts(copy: PartsCopy): Promise<string | undefined> {
  const { s3, destination, size } = copy;
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ ...destination, ...copy.create }));
  const partBytes = Math.max(
    envNumber('TRIGGERVAULT_S3_COPY_PART_BYTES', DEFAULT_COPY_PART_BYTES),
    Math.ceil(size / MAX_PARTS),
  );
  const count = Math.ceil(size / partBytes);
  const withChecksums = copy.create.ChecksumAlgorithm === 'SHA256';
  try {
    const parts = await mapLimit(
      Array.from({ length: count }, (_, index) => index),
      PARTS_IN_FLIGHT,
      async (index) => {
        const response = await s3.send(
          new UploadPartCopyCommand({
            ...destination,
            UploadId,
            PartNumber: index + 1,
            CopySource: copy.source,
            CopySourceRange: `bytes=${index * partBytes}-${Math.min(size, (index + 1) * partBytes) - 1}`,
            CopySourceIfMatch: copy.ifMatch,
          }),
        );
        return {
          PartNumber: index + 1,
          ETag: response.CopyPartResult?.ETag,
          ...(withChecksums ? { ChecksumSHA256: response.CopyPartResult?.ChecksumSHA256 } : {}),
        };
      },
    );
    const completed = await s3.send(
      new CompleteMultipartUploadCommand({ ...destination, UploadId, MultipartUpload: { Parts: parts } }),
    );
    return completed.ETag?.replace(/^"|"$/g, '') || undefined;
  } catch (error) {
    await s3.send(new AbortMultipartUploadCommand({ ...destination, UploadId })).catch(() => undefined);
    throw error;
  }
}
