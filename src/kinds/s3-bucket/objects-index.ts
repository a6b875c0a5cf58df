import { type _Object, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { Artifact, ItemResult, WorkItem } from '../../../schemas/work-item.js';
import { NotFoundError } from '../../errors.js';
import { logger } from '../../log.js';
import { type PartPosition, recordsFrom, START } from '../../reconcile/data.js';
import { itemArtifacts, RunCatalog } from '../../store/catalog.js';
import { sha256Hex } from '../../store/hashing.js';
import type { StoredCopy } from '../../store/integrity.js';
import { segment } from '../../store/layout.js';
import { decodeNdjson, readNdjsonPart } from '../../store/ndjson-part.js';
import type { BackupStore } from '../../store/store.js';
import { checkedStream } from '../../store/trusted.js';
import type { StepBudget } from '../shared/pacing.js';
import { isStored, type ObjectEntry, objectEntryOf } from './format.js';
import { stripQuotes } from './object-attributes.js';

/**
 * The objects index: where each object of a bucket is stored, run by run.
 *
 * Object layout. A copy is stored once per object version at
 * `blobs/s3/<bucket>/<sha256 of [key, etag, size, lastModified]>` and never rewritten; each run
 * writes an objects index (gzip NDJSON, one entry per object in listing order, role
 * `objects-index`) that names where each object is stored (`storedAt`), so every run's manifest
 * alone restores the bucket. Not `blobs/sha256/<content hash>`: a server-side copy does not know the
 * content hash before it is made, and renaming afterwards would cost two more requests per object.
 * S3 computes the SHA-256 of the copy for us (CopyObject with ChecksumAlgorithm SHA256), and a
 * file:// store hashes while streaming, so every entry still carries `sha256` of the stored bytes.
 *
 * Incremental runs. The latest earlier run with a manifest.json is found by listing `runs/` (once
 * per process and run); its objects index for this bucket is read alongside the listing (both are in
 * key order, so memory stays flat). An object with the same ETag, size and LastModified is not
 * copied again: its entry is carried over, pointing at the existing copy.
 */

const KIND = 's3-bucket';
const LIST_PAGE = 1000;

const iso = (date: Date | undefined): string => (date ?? new Date(0)).toISOString();

/** S3 lists keys in UTF-8 byte order; JavaScript compares UTF-16 units. */
export const compareKeys = (a: string, b: string): number =>
  Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** Where one version of an object is stored (see the layout above). */
export const objectBlobKey = (
  bucket: string,
  object: { key: string; etag: string; size: number; lastModified: string },
) =>
  `blobs/s3/${segment(bucket)}/${sha256Hex(JSON.stringify([object.key, object.etag, object.size, object.lastModified]))}`;

/** The fields of an entry that come from the listing. */
export const sourceFields = (object: _Object) => ({
  key: object.Key as string,
  size: object.Size ?? 0,
  etag: stripQuotes(object.ETag),
  lastModified: iso(object.LastModified),
  storageClass: object.StorageClass ?? 'STANDARD',
});

/** True when the earlier entry has a copy of this very version of the object: carried over. */
export const unchanged = (previous: ObjectEntry | undefined, object: _Object): previous is ObjectEntry =>
  previous !== undefined &&
  previous.storedAt !== undefined &&
  previous.skipped === undefined &&
  previous.etag === stripQuotes(object.ETag) &&
  previous.size === (object.Size ?? 0) &&
  previous.lastModified === iso(object.LastModified);

const previousRuns = new Map<string, Promise<string | null>>();

/** The latest complete run before `runId` (asked once per process and run), or null. */
export function previousRun(store: BackupStore, runId: string): Promise<string | null> {
  const cacheKey = `${store.url}|${runId}`;
  let found = previousRuns.get(cacheKey);
  if (!found) {
    found = new RunCatalog(store)
      .latestComplete({ before: runId })
      .then((manifest) => manifest?.runId ?? null);
    found.catch(() => previousRuns.delete(cacheKey));
    previousRuns.set(cacheKey, found);
  }
  return found;
}

/**
 * The objects index parts an earlier run wrote for this bucket, in order. A damaged earlier run
 * never blocks a new backup: it only makes this run copy everything.
 */
export async function previousIndexParts(
  store: BackupStore,
  runId: string | null,
  item: WorkItem,
): Promise<string[]> {
  if (!runId) return [];
  try {
    const manifest = await new RunCatalog(store).manifest(runId);
    return (manifest ? itemArtifacts(manifest, { region: item.region, kind: KIND, name: item.name }) : [])
      .filter((artifact) => artifact.role === 'objects-index')
      .map((artifact) => artifact.path)
      .sort();
  } catch (error) {
    logger.warn('earlier manifest unreadable, copying every object', { runId, error: String(error) });
    return [];
  }
}

/** Keys of the earlier index that the listing passed over: objects deleted since that run. */
export interface Passed {
  count: number;
  sample: string[];
}

/**
 * Reads an earlier objects index in step with the listing (both in key order). An earlier entry the
 * listing passes over is an object deleted since: counted (with a few of its keys) and handed out
 * with the listed object that passed it, so a step counts only what it finished. Entries at or before
 * `after` (where a resumed step continues) were accounted for by an earlier step.
 */
export class PreviousIndex {
  private reader: AsyncGenerator<unknown> | undefined;
  private current: ObjectEntry | undefined;
  private passed: Passed = { count: 0, sample: [] };
  /** False once the earlier index turned out unreadable (passed-over counts are then a lower bound). */
  intact = true;

  constructor(
    private readonly store: BackupStore,
    private parts: string[],
    private part: number,
    private readonly after?: string,
    private readonly sampleSize = 20,
  ) {}

  /** The part holding the next entry: where a later step resumes reading. */
  get position(): number {
    return this.part;
  }

  /** The entry for `key`; keys must be asked in ascending order. */
  async lookup(key: string): Promise<ObjectEntry | undefined> {
    for (;;) {
      this.current ??= await this.advance();
      if (!this.current) return undefined;
      const order = compareKeys(this.current.key, key);
      if (order === 0) {
        // Consumed: the next lookup must not take it for a key the listing passed over.
        const found = this.current;
        this.current = undefined;
        return found;
      }
      if (order > 0) return undefined;
      this.pass(this.current.key);
      this.current = undefined;
    }
  }

  /** The entries passed over since the last call. */
  takePassed(): Passed {
    const passed = this.passed;
    this.passed = { count: 0, sample: [] };
    return passed;
  }

  /** At the end of the listing: every entry not reached yet was deleted. */
  async drain(): Promise<Passed> {
    for (;;) {
      this.current ??= await this.advance();
      if (!this.current) return this.takePassed();
      this.pass(this.current.key);
      this.current = undefined;
    }
  }

  private pass(key: string): void {
    if (this.after !== undefined && compareKeys(key, this.after) <= 0) return;
    this.passed.count += 1;
    if (this.passed.sample.length < this.sampleSize) this.passed.sample.push(key);
  }

  /** The next entry, or undefined at the end (or when the earlier index turned out damaged). */
  private async advance(): Promise<ObjectEntry | undefined> {
    while (this.part < this.parts.length) {
      const path = this.parts[this.part] as string;
      this.reader ??= readNdjsonPart(this.store, path);
      try {
        const next = await this.reader.next();
        if (!next.done) return objectEntryOf(next.value, () => `objects index ${path}`);
      } catch (error) {
        // A damaged earlier index only costs copies: stop comparing against it.
        logger.warn('earlier objects index unreadable, copying the rest', {
          part: path,
          error: String(error),
        });
        await this.reader?.return(undefined).catch(() => undefined);
        this.parts = [];
        this.reader = undefined;
        this.intact = false;
        return undefined;
      }
      this.reader = undefined;
      this.part += 1;
    }
    return undefined;
  }

  async close(): Promise<void> {
    await this.reader?.return(undefined);
  }
}

/** An object of the listing, with its entry in the earlier index. */
export interface Listed {
  object: _Object;
  previous?: ObjectEntry;
  /** Where the earlier index stood after this object's lookup. */
  part: number;
  /** Earlier entries this object's lookup passed over: deleted objects just before it. */
  passed: Passed;
}

/**
 * Lists `bucket` after `after`, page by page, each object with its entry in the earlier index; sets
 * `state.exhausted` when the listing reached the end.
 */
export async function* listAfter(
  source: S3Client,
  bucket: string,
  after: string | undefined,
  budget: StepBudget,
  previous: PreviousIndex,
  state: { exhausted: boolean },
): AsyncGenerator<Listed> {
  let ContinuationToken: string | undefined;
  let listed = 0;
  for (;;) {
    const room = budget.maxItems - listed;
    if (room <= 0 || (listed > 0 && !budget.hasTime())) return;
    const page = await budget.timed(() =>
      source.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          ContinuationToken,
          StartAfter: ContinuationToken ? undefined : after,
          MaxKeys: Math.min(LIST_PAGE, room),
        }),
      ),
    );
    for (const object of page.Contents ?? []) {
      if (object.Key === undefined) continue;
      listed += 1;
      const entry = await previous.lookup(object.Key);
      yield { object, previous: entry, part: previous.position, passed: previous.takePassed() };
    }
    if (!page.IsTruncated || !page.NextContinuationToken) {
      state.exhausted = true;
      return;
    }
    ContinuationToken = page.NextContinuationToken;
  }
}

/** Restore: the entries of an index's parts from `from` on, each with the position just after it. */
export async function* indexEntries(
  store: BackupStore,
  parts: string[],
  from: PartPosition = START,
): AsyncGenerator<{ value: ObjectEntry; next: PartPosition }> {
  for await (const { value, next } of recordsFrom<unknown>(store, parts, from))
    yield {
      value: objectEntryOf(value, () => `objects index ${parts[next.part]} line ${next.line}`),
      next,
    };
}

/**
 * Verify: the object copies one index part names, with what the backup recorded of each (size,
 * sha256, the copy's ETag). The part is checked against its recorded sha256 while it is read.
 */
export async function* storedCopiesOf(
  store: BackupStore,
  item: Pick<ItemResult, 'name'>,
  part: Artifact,
): AsyncGenerator<StoredCopy> {
  const body = await store.read(part.path);
  if (!body) throw new NotFoundError(`missing part ${part.path}`);
  let line = 0;
  for await (const value of decodeNdjson(checkedStream(body, part))) {
    line += 1;
    const entry = objectEntryOf(value, () => `objects index ${part.path} line ${line}`);
    if (isStored(entry))
      yield {
        path: entry.storedAt,
        bytes: entry.size,
        sha256: entry.sha256,
        etag: entry.storedEtag,
        of: `s3://${item.name}/${entry.key}`,
      };
  }
}
