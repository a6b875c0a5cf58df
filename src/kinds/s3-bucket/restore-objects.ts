import {
  CopyObjectCommand,
  type CopyObjectCommandInput,
  DeleteObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { errorName, httpStatus } from '../../aws/errors.js';
import { IntegrityError, NotFoundError } from '../../errors.js';
import type { RestoreContext } from '../../reconcile/context.js';
import type { PartPosition } from '../../reconcile/data.js';
import type { S3Location } from '../../store/store.js';
import { checkedStream } from '../../store/trusted.js';
import { envNumber, mapOrdered } from '../shared/pacing.js';
import { isStored, type StoredEntry } from './format.js';
import { attributeFields, fullSha256, indexAttributes, wantedAttributes } from './object-attributes.js';
import { indexEntries } from './objects-index.js';
import { copiedInParts, copyInParts, copySource } from './server-side-copy.js';

/**
 * Restore: writes a bucket's objects back from the store. From an S3 store by server-side CopyObject
 * (one request per object; objects above 5 GB in parts), from a file:// store by upload. Content
 * type, metadata, tags and headers travel with the stored copy when the index says
 * `"attributes": "copy"` (the copy keeps them: MetadataDirective and TaggingDirective COPY), and are
 * set explicitly from the index entry for `"attributes": "index"`. Every restored object gets a
 * SHA-256 checksum, so later comparisons check content without reading it. An upload crosses our
 * link and keeps to the restore's `--max-bandwidth`; a server-side copy does not, and is not paced.
 */

const STOPPED = Symbol('stopped');

/** What restoring (and comparing) one bucket's objects needs. */
export interface RestoreJob {
  store: RestoreContext['store'];
  /** The store's bucket, for server-side copies; undefined for a file:// store. */
  storeBucket?: S3Location;
  /** A client in the target region. */
  s3: S3Client;
  /** The restored bucket's name. */
  bucket: string;
}

const refused = (entry: StoredEntry, why: string) =>
  new IntegrityError(`${entry.storedAt} (object ${entry.key}): ${why}: refused`);

/**
 * The ETag the stored copy must have for a server-side copy from it: the one recorded at backup time
 * (S3 answers 412 to a copy whose source changed since), else the one it has now, after its size and
 * stored checksum are checked against the entry.
 */
async function pinnedEtag(job: RestoreJob, entry: StoredEntry): Promise<string> {
  if (entry.storedEtag) return `"${entry.storedEtag}"`;
  const head = await job.store.stat(entry.storedAt);
  if (!head) throw new NotFoundError(`${job.store.url}: ${entry.storedAt} (object ${entry.key}) is missing`);
  if (head.bytes !== entry.size) throw refused(entry, `stored ${head.bytes} bytes, the backup ${entry.size}`);
  if (entry.sha256 && head.sha256 && head.sha256 !== entry.sha256)
    throw refused(entry, `stored sha256 ${head.sha256}, the backup ${entry.sha256}`);
  return `"${head.etag ?? ''}"`;
}

const isChangedSource = (error: unknown) =>
  errorName(error) === 'PreconditionFailed' || httpStatus(error) === 412;

/** Writes one object back from the store (see the module comment for how), never bytes that are not the backup's. */
export async function restoreObject(job: RestoreJob, entry: StoredEntry, notes: Set<string>): Promise<void> {
  try {
    await writeObject(job, entry, notes);
  } catch (error) {
    if (isChangedSource(error)) throw refused(entry, 'the stored copy changed since it was backed up');
    throw error;
  }
}

async function writeObject(job: RestoreJob, entry: StoredEntry, notes: Set<string>): Promise<void> {
  const { storedAt } = entry;
  if (job.storeBucket) {
    const source = copySource(job.storeBucket.bucket, job.storeBucket.key(storedAt));
    const ifMatch = await pinnedEtag(job, entry);
    if (copiedInParts(entry.size)) {
      await copyInParts({
        s3: job.s3,
        destination: { Bucket: job.bucket, Key: entry.key },
        source,
        size: entry.size,
        // With an S3 store the attributes are always known: from the index or from the copy.
        create: {
          ...attributeFields((await wantedAttributes(job.storeBucket, entry)) ?? indexAttributes(entry)),
          ChecksumAlgorithm: 'SHA256',
        },
        ifMatch,
      });
      return;
    }
    const attributes: Partial<CopyObjectCommandInput> =
      entry.attributes === 'copy'
        ? { MetadataDirective: 'COPY', TaggingDirective: 'COPY' }
        : {
            MetadataDirective: 'REPLACE',
            TaggingDirective: 'REPLACE',
            ...attributeFields(indexAttributes(entry)),
          };
    const copied = await job.s3.send(
      new CopyObjectCommand({
        Bucket: job.bucket,
        Key: entry.key,
        CopySource: source,
        CopySourceIfMatch: ifMatch,
        ChecksumAlgorithm: 'SHA256',
        ...attributes,
      }),
    );
    // S3 hashed what it wrote: it must be what the backup recorded, else it does not stay.
    const written = fullSha256(
      copied.CopyObjectResult?.ChecksumSHA256,
      copied.CopyObjectResult?.ChecksumType,
    );
    if (entry.sha256 && written && written !== entry.sha256) {
      await job.s3
        .send(new DeleteObjectCommand({ Bucket: job.bucket, Key: entry.key }))
        .catch(() => undefined);
      throw refused(entry, `copied bytes hash to ${written}, the backup recorded ${entry.sha256}`);
    }
    return;
  }
  const stored = await job.store.read(storedAt);
  if (!stored) throw new NotFoundError(`${job.store.url}: ${storedAt} (object ${entry.key}) is missing`);
  // Checked while streamed: a copy that is not the backup's fails before the upload completes, so
  // S3 never gets it (a single PUT is never sent, a multipart upload is aborted).
  const body = entry.sha256
    ? checkedStream(stored, { path: storedAt, sha256: entry.sha256, bytes: entry.size })
    : stored;
  if (entry.attributes === 'copy')
    notes.add(
      'objects stored by server-side copy keep their metadata and tags on the copy, which this file:// store does not have: restored without them',
    );
  await new Upload({
    client: job.s3,
    params: {
      Bucket: job.bucket,
      Key: entry.key,
      // The store paces its reads (the restore's --max-bandwidth): what is uploaded is what was read.
      Body: body,
      ChecksumAlgorithm: 'SHA256',
      ...(entry.attributes === 'index' ? attributeFields(indexAttributes(entry)) : {}),
    },
    partSize: Math.max(
      5 * 1024 ** 2,
      Math.min(entry.size, envNumber('TRIGGERVAULT_S3_UPLOAD_PART_BYTES', 64 * 1024 ** 2)),
    ),
    queueSize: 2,
  }).done();
}

/** Copies the entries of the index parts from `from` on; stops starting copies at `deadline`. */
export async function restoreObjects(
  job: RestoreJob,
  parts: string[],
  from: PartPosition,
  deadline: number,
  notes: string[],
): Promise<PartPosition | undefined> {
  const said = new Set<string>();
  let position = from;
  let stopped = false;
  let started = 0;
  const copies = mapOrdered(
    indexEntries(job.store, parts, from),
    envNumber('TRIGGERVAULT_S3_RESTORE_CONCURRENCY', 32),
    async (record) => {
      // The first copy always starts: every call makes progress, however late it starts.
      if (started++ > 0 && Date.now() >= deadline) return STOPPED;
      if (isStored(record.value)) await restoreObject(job, record.value, said);
      return record.next;
    },
    64,
  );
  for await (const copied of copies) {
    if (copied === STOPPED) {
      stopped = true;
      break;
    }
    position = copied;
  }
  for (const note of said) if (!notes.includes(note)) notes.push(note);
  return stopped ? position : undefined;
}
