import type { Readable } from 'node:stream';
import {
  type _Object,
  CopyObjectCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { client } from '../../aws/clients.js';
import { errorName, httpStatus, isMissingObject } from '../../aws/errors.js';
import { IntegrityError } from '../../errors.js';
import type { BackupStore, S3Location } from '../../store/store.js';
import type { ObjectEntry } from './format.js';
import { isGoneUpload, type LargeCopies } from './large-copy.js';
import { encodeTags, fullSha256, headersOf, stripQuotes } from './object-attributes.js';
import { objectBlobKey, sourceFields } from './objects-index.js';
import { copiedInParts, copyInPartsResumable, copySource, type PartsCopy } from './server-side-copy.js';

/**
 * Backup: copies one object of a bucket into the store. With an S3 store each copied object costs
 * one CopyObject (MetadataDirective and TaggingDirective COPY keep content type, metadata and tags on
 * the copy; the entry says so with `attributes: "copy"`). A file:// store costs one GetObject per
 * object, plus GetObjectTagging only for objects that have tags (`attributes: "index"`: everything is
 * in the entry). Objects above 5 GB are copied in parts (UploadPartCopy), which needs HeadObject and
 * GetObjectTagging first; their `sha256` is unknown (S3 only has a composite checksum).
 */

/** What copying a bucket's objects into the store needs. */
export interface CopyJob {
  bucket: string;
  runId: string;
  /** A client in the bucket's region. */
  source: S3Client;
  store: BackupStore;
  /** The store's bucket, for server-side copies; undefined for a file:// store. */
  target?: S3Location;
  /** Copies in parts: paced by the step's deadline, saved after each wave (large-copy.ts). */
  large: LargeCopies;
}

/** What a copy adds to the listed fields of an entry. */
type Copied = Pick<ObjectEntry, 'attributes'> &
  Partial<
    Pick<ObjectEntry, 'versionId' | 'sha256' | 'storedEtag' | 'contentType' | 'metadata' | 'tags' | 'headers'>
  >;

const isChanged = (error: unknown): boolean =>
  errorName(error) === 'PreconditionFailed' || httpStatus(error) === 412;
const isArchived = (error: unknown): boolean =>
  ['InvalidObjectState', 'ObjectNotInActiveTierError'].includes(errorName(error));

/** The object as it is now (after a copy found it changed since the listing); undefined when gone. */
async function refresh(job: CopyJob, key: string): Promise<_Object | undefined> {
  try {
    const head = await job.source.send(new HeadObjectCommand({ Bucket: job.bucket, Key: key }));
    return {
      Key: key,
      ETag: head.ETag,
      Size: head.ContentLength,
      LastModified: head.LastModified,
      StorageClass: head.StorageClass,
    };
  } catch (error) {
    if (isMissingObject(error)) return undefined;
    throw error;
  }
}

/**
 * Copies an object above the single-copy limit in parts; metadata and tags must be set explicitly.
 * Resumes the upload an earlier step saved for this object version; throws CopyPausedError when
 * the step's deadline comes first (the step ends, the next one continues the same upload).
 */
async function copyLargeObject(
  job: CopyJob,
  target: S3Location,
  object: _Object,
  storedAt: string,
): Promise<Copied> {
  const Bucket = job.bucket;
  const Key = object.Key as string;
  const head = await job.source.send(new HeadObjectCommand({ Bucket, Key, IfMatch: object.ETag }));
  const tagging = await job.source.send(
    new GetObjectTaggingCommand({ Bucket, Key, VersionId: head.VersionId }),
  );
  const copy: PartsCopy = {
    s3: client(S3Client, target.region),
    destination: { Bucket: target.bucket, Key: target.key(storedAt) },
    source: copySource(Bucket, Key, head.VersionId),
    size: object.Size ?? 0,
    create: {
      ContentType: head.ContentType,
      Metadata: head.Metadata,
      ...headersOf(head),
      Tagging: encodeTags(tagging.TagSet),
      ...(await target.encryption()),
    },
    ifMatch: object.ETag,
  };
  const version = { key: Key, etag: object.ETag ?? '', size: object.Size ?? 0 };
  const resume = await job.large.resume(storedAt, version);
  let outcome: Awaited<ReturnType<typeof copyInPartsResumable>>;
  try {
    outcome = await copyInPartsResumable(copy, job.large.pacing(storedAt, version, resume));
  } catch (error) {
    if (!resume || !isGoneUpload(error)) throw error;
    outcome = await copyInPartsResumable(copy, job.large.pacing(storedAt, version));
  }
  if (!outcome.done) throw job.large.paused(storedAt, Key, outcome.progress);
  return { versionId: head.VersionId, storedEtag: outcome.etag, attributes: 'copy' };
}

/** Server-side copy into an S3 store: one request, S3 keeps metadata and tags and hashes the copy. */
async function copyServerSide(
  job: CopyJob,
  target: S3Location,
  object: _Object,
  storedAt: string,
): Promise<Copied> {
  if (copiedInParts(object.Size ?? 0)) return copyLargeObject(job, target, object, storedAt);
  const response = await client(S3Client, target.region).send(
    new CopyObjectCommand({
      Bucket: target.bucket,
      Key: target.key(storedAt),
      CopySource: copySource(job.bucket, object.Key as string),
      CopySourceIfMatch: object.ETag,
      MetadataDirective: 'COPY',
      TaggingDirective: 'COPY',
      ChecksumAlgorithm: 'SHA256',
      ...(await target.encryption()),
    }),
  );
  return {
    versionId: response.CopySourceVersionId,
    sha256: fullSha256(response.CopyObjectResult?.ChecksumSHA256, response.CopyObjectResult?.ChecksumType),
    storedEtag: stripQuotes(response.CopyObjectResult?.ETag) || undefined,
    attributes: 'copy',
  };
}

/** Streams an object into a file:// store, hashing it; reads tags only when the object has some. */
async function copyStreaming(job: CopyJob, object: _Object, storedAt: string): Promise<Copied> {
  const Bucket = job.bucket;
  const Key = object.Key as string;
  const response = await job.source.send(new GetObjectCommand({ Bucket, Key, IfMatch: object.ETag }));
  const written = await job.store.putStream(storedAt, response.Body as Readable, {
    contentType: response.ContentType,
  });
  if (response.ContentLength !== undefined && written.bytes !== response.ContentLength) {
    throw new IntegrityError(
      `s3://${Bucket}/${Key}: stored ${written.bytes} bytes of ${response.ContentLength}`,
    );
  }
  const tags =
    (response.TagCount ?? 0) > 0
      ? ((await job.source.send(new GetObjectTaggingCommand({ Bucket, Key, VersionId: response.VersionId })))
          .TagSet ?? [])
      : [];
  const headers = headersOf(response);
  return {
    versionId: response.VersionId,
    sha256: written.sha256,
    attributes: 'index',
    contentType: response.ContentType,
    metadata: response.Metadata ?? {},
    tags,
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
  };
}

/** Copies one object (following it if it changed since the listing); undefined when it is gone. */
export async function copyObject(job: CopyJob, listed: _Object): Promise<ObjectEntry | undefined> {
  let object: _Object | undefined = listed;
  for (let attempt = 0; object; attempt += 1) {
    const fields = sourceFields(object);
    const storedAt = objectBlobKey(job.bucket, fields);
    try {
      const copied = job.target
        ? await copyServerSide(job, job.target, object, storedAt)
        : await copyStreaming(job, object, storedAt);
      return { ...fields, storedAt, copiedIn: job.runId, ...copied };
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      if (isArchived(error)) return { ...fields, attributes: 'copy', skipped: 'archived: restore it first' };
      if (!isChanged(error) || attempt >= 3) throw error;
      object = await refresh(job, fields.key);
    }
  }
  return undefined;
}
