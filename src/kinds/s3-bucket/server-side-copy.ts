import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  type CreateMultipartUploadCommandInput,
  type S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { isTransient } from '../../aws/errors.js';
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

/** One part copied: what CompleteMultipartUpload needs of it. */
export interface CopiedPart {
  PartNumber: number;
  ETag?: string;
  ChecksumSHA256?: string;
}

/** Where a copy in parts stands: its upload, its part size and the parts already copied. */
export interface PartsProgress {
  uploadId: string;
  partBytes: number;
  parts: CopiedPart[];
}

/** How a resumable copy in parts is paced and saved. */
export interface PartsPacing {
  /** Continue this upload (its parts are not copied again). */
  resume?: PartsProgress;
  /** True while another wave of parts (taking about `ms`) still ends before the step's deadline. */
  hasTime: (ms: number) => boolean;
  /** Saves the progress after each wave of parts, so that even a crash resumes from the last wave. */
  checkpoint: (progress: PartsProgress) => Promise<void>;
}

/** Assumed server-side copy throughput of one part, to decide whether another wave still fits. */
const PART_BYTES_PER_MS = 50 * 1024;

const partSize = (size: number): number =>
  Math.max(
    envNumber('TRIGGERVAULT_S3_COPY_PART_BYTES', DEFAULT_COPY_PART_BYTES),
    Math.ceil(size / MAX_PARTS),
  );

/**
 * Copies an object above the single-copy limit in parts, in waves of PARTS_IN_FLIGHT, saving the
 * progress after each wave. Returns `{done: false, progress}` when the next wave would not end
 * before the deadline (at least one wave runs per call, so every call makes progress); the upload
 * is then left open for the next call. A failure that is not transient aborts the upload.
 */
export async function copyInPartsResumable(
  copy: PartsCopy,
  pacing: PartsPacing,
): Promise<{ done: true; etag?: string } | { done: false; progress: PartsProgress }> {
  const { s3, destination, size } = copy;
  const progress: PartsProgress = pacing.resume
    ? { ...pacing.resume, parts: [...pacing.resume.parts] }
    : {
        uploadId: (await s3.send(new CreateMultipartUploadCommand({ ...destination, ...copy.create })))
          .UploadId as string,
        partBytes: partSize(size),
        parts: [],
      };
  const { uploadId: UploadId, partBytes } = progress;
  const count = Math.ceil(size / partBytes);
  const withChecksums = copy.create.ChecksumAlgorithm === 'SHA256';
  const inFlight = envNumber('TRIGGERVAULT_S3_COPY_PARTS_IN_FLIGHT', PARTS_IN_FLIGHT);
  const copied = new Set(progress.parts.map((part) => part.PartNumber));
  const waiting = Array.from({ length: count }, (_, index) => index + 1).filter(
    (number) => !copied.has(number),
  );
  try {
    for (let wave = 0; waiting.length > 0; wave += 1) {
      const batch = waiting.splice(0, inFlight);
      if (wave > 0 && !pacing.hasTime(partBytes / PART_BYTES_PER_MS)) {
        waiting.unshift(...batch);
        break;
      }
      const parts = await mapLimit(batch, inFlight, async (number) => {
        const response = await s3.send(
          new UploadPartCopyCommand({
            ...destination,
            UploadId,
            PartNumber: number,
            CopySource: copy.source,
            CopySourceRange: `bytes=${(number - 1) * partBytes}-${Math.min(size, number * partBytes) - 1}`,
            CopySourceIfMatch: copy.ifMatch,
          }),
        );
        return {
          PartNumber: number,
          ETag: response.CopyPartResult?.ETag,
          ...(withChecksums ? { ChecksumSHA256: response.CopyPartResult?.ChecksumSHA256 } : {}),
        };
      });
      progress.parts.push(...parts);
      await pacing.checkpoint(progress);
    }
    if (waiting.length > 0) return { done: false, progress };
    const Parts = [...progress.parts].sort((a, b) => a.PartNumber - b.PartNumber);
    const completed = await s3.send(
      new CompleteMultipartUploadCommand({ ...destination, UploadId, MultipartUpload: { Parts } }),
    );
    return { done: true, etag: completed.ETag?.replace(/^"|"$/g, '') || undefined };
  } catch (error) {
    // A transient failure keeps the upload: the step is retried and resumes from the last checkpoint.
    if (!isTransient(error))
      await s3.send(new AbortMultipartUploadCommand({ ...destination, UploadId })).catch(() => undefined);
    throw error;
  }
}

/**
 * Copies an object above the single-copy limit in parts, in one go (restores); a failed copy aborts
 * its upload. Returns the copy's ETag.
 */
export async function copyInParts(copy: PartsCopy): Promise<string | undefined> {
  const { s3, destination } = copy;
  let uploadId: string | undefined;
  try {
    const outcome = await copyInPartsResumable(copy, {
      hasTime: () => true,
      checkpoint: async (progress) => {
        uploadId = progress.uploadId;
      },
    });
    return outcome.done ? outcome.etag : undefined;
  } catch (error) {
    if (uploadId)
      await s3
        .send(new AbortMultipartUploadCommand({ ...destination, UploadId: uploadId }))
        .catch(() => undefined);
    throw error;
  }
}
