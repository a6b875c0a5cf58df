import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { GetObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import type { FieldChange } from '../../../schemas/restore.js';
import { canonicalJson, Tally } from '../../reconcile/data.js';
import { diffFields } from '../../reconcile/diff.js';
import { envNumber, mapOrdered } from '../shared/pacing.js';
import { isStored, type StoredEntry } from './format.js';
import { headObject, wantedAttributes } from './object-attributes.js';
import { compareKeys, indexEntries } from './objects-index.js';
import type { RestoreJob } from './restore-objects.js';

/**
 * Restore: compares an existing bucket's objects with the backup's, object by object (key, size,
 * content by checksum or ETag, content type, metadata, headers, tags), both sides in key order.
 */

const EXAMPLES = 10;

/** sha256 of a live object's bytes, streamed. */
async function hashObject(s3: S3Client, Bucket: string, Key: string): Promise<string> {
  const response = await s3.send(new GetObjectCommand({ Bucket, Key }));
  const hash = createHash('sha256');
  for await (const chunk of response.Body as Readable) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

type Verdict = { key: string; problem?: string; sizeOnly?: boolean };

/** One object against its entry: size, content (checksum, ETag, or the bytes hashed), then attributes. */
export async function compareObject(job: RestoreJob, entry: StoredEntry): Promise<Verdict> {
  const key = entry.key;
  const live = await headObject(job.s3, job.bucket, key);
  if (live.size !== entry.size) return { key, problem: `size ${live.size}, backup ${entry.size}` };
  let sizeOnly = false;
  const content =
    live.sha256 && entry.sha256
      ? live.sha256 === entry.sha256
      : live.etag === entry.etag ||
        (entry.sha256 !== undefined
          ? (await hashObject(job.s3, job.bucket, key)) === entry.sha256
          : undefined);
  if (content === false) return { key, problem: 'content differs' };
  if (content === undefined) sizeOnly = true;
  const wanted = await wantedAttributes(job.storeBucket, entry);
  if (wanted) {
    const fields = diffFields(live.attributes, wanted).map((field) => field.field);
    if (fields.length) return { key, problem: `${fields.join(', ')} differ` };
  }
  return { key, sizeOnly };
}

type Pair = { side: 'extra'; key: string } | { side: 'missing' | 'both'; entry: StoredEntry };
type Outcome = { side: 'extra' | 'missing'; key: string } | ({ side: 'both' } & Verdict);

/** Live objects and stored entries side by side, both in S3's key order (UTF-8 bytes). */
async function* sideBySide(job: RestoreJob, parts: string[]): AsyncGenerator<Pair> {
  const live = (async function* () {
    for await (const page of paginateListObjectsV2({ client: job.s3 }, { Bucket: job.bucket }))
      for (const object of page.Contents ?? []) yield object.Key ?? '';
  })();
  const stored = (async function* () {
    for await (const { value } of indexEntries(job.store, parts)) if (isStored(value)) yield value;
  })();
  let key = await live.next();
  let entry = await stored.next();
  while (!key.done || !entry.done) {
    const order = key.done ? 1 : entry.done ? -1 : compareKeys(key.value, entry.value.key);
    if (order < 0) yield { side: 'extra', key: key.value as string };
    else yield { side: order > 0 ? 'missing' : 'both', entry: entry.value as StoredEntry };
    if (order <= 0) key = await live.next();
    if (order >= 0) entry = await stored.next();
  }
}

/** Every difference between the live objects and the backup's, summed up as fields (with example keys). */
export async function compareObjects(
  job: RestoreJob,
  parts: string[],
  details: Record<string, unknown>,
): Promise<FieldChange[]> {
  const found: Record<'missing' | 'extra' | 'differing', string[]> = {
    missing: [],
    extra: [],
    differing: [],
  };
  const tally = new Tally();
  const counts = { live: 0, stored: 0, sizeOnly: 0 };
  const outcomes = mapOrdered(
    sideBySide(job, parts),
    envNumber('TRIGGERVAULT_S3_RESTORE_CONCURRENCY', 32),
    async (pair): Promise<Outcome> => {
      if (pair.side === 'extra') return pair;
      tally.add(canonicalJson([pair.entry.key, pair.entry.size, pair.entry.sha256 ?? pair.entry.etag]));
      if (pair.side === 'missing') return { side: 'missing', key: pair.entry.key };
      return { side: 'both', ...(await compareObject(job, pair.entry)) };
    },
  );
  for await (const outcome of outcomes) {
    if (outcome.side !== 'missing') counts.live += 1;
    if (outcome.side !== 'extra') counts.stored += 1;
    if (outcome.side !== 'both') found[outcome.side].push(outcome.key);
    else {
      if (outcome.problem) found.differing.push(`${outcome.key}: ${outcome.problem}`);
      if (outcome.sizeOnly) counts.sizeOnly += 1;
    }
  }
  Object.assign(details, {
    objects: counts.stored,
    checksum: tally.checksum,
    ...(counts.sizeOnly ? { comparedBySizeOnly: counts.sizeOnly } : {}),
  });
  const fields: FieldChange[] = [];
  if (counts.live !== counts.stored)
    fields.push({ field: 'objects', current: counts.live, desired: counts.stored });
  for (const [name, keys] of Object.entries(found))
    if (keys.length)
      fields.push({
        field: `objects.${name}`,
        current: `${keys.length}: ${keys.slice(0, EXAMPLES).join(' | ')}`,
        desired: 0,
      });
  return fields;
}
