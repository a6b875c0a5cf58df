import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import type { Manifest } from '../../schemas/manifest.js';
import type { Artifact } from '../../schemas/work-item.js';
import { InputValidationError, IntegrityError } from '../errors.js';
import { sha256Hex } from './hashing.js';
import { BackupStore, BLOB_PREFIX, type StoreBackend } from './store.js';

/**
 * Restores use a run only through a trusted view of the store: every read of an artifact the
 * manifest lists is checked against its recorded sha256 and size *before* any of it is used, and a
 * read of an artifact path the manifest does not list (a file planted under runs/<run>/artifacts/ or
 * blobs/sha256/) is refused. The manifest is trusted because its signature was checked (see
 * store/catalog.ts); everything else follows from the hashes it records.
 *
 * Small artifacts (documents, code up to SMALL_BYTES) are read once into memory and checked. Larger
 * ones (data parts) are hashed in a first pass and streamed in a second, which checks them again
 * and fails at the end if the bytes changed in between. Object copies (not artifacts) are checked by
 * the kind that reads them; code and data a service reads in place (Lambda, ImportTable) are checked
 * with `checkInPlace` first.
 */

const SMALL_BYTES = 16 * 1024 * 1024;

/** A stream that passes bytes through and fails at its end unless they hash to `artifact`. */
export function checkedStream(
  source: Readable,
  artifact: Pick<Artifact, 'path' | 'sha256' | 'bytes'>,
): Readable {
  const hash = createHash('sha256');
  let bytes = 0;
  const check = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      if (bytes > artifact.bytes) {
        callback(
          new IntegrityError(`${artifact.path}: more than the ${artifact.bytes} bytes the manifest records`),
        );
        return;
      }
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback) {
      const actual = hash.digest('hex');
      if (bytes !== artifact.bytes || actual !== artifact.sha256)
        callback(
          new IntegrityError(
            `${artifact.path}: changed while read (${bytes} bytes, sha256 ${actual}; the manifest records ${artifact.bytes} bytes, ${artifact.sha256})`,
          ),
        );
      else callback();
    },
  });
  source.on('error', (error) => check.destroy(error));
  return source.pipe(check);
}

/** Why stored bytes are not the artifact the manifest records (undefined when they are). */
export function mismatch(
  artifact: Pick<Artifact, 'path' | 'sha256' | 'bytes'>,
  actual: { sha256: string; bytes: number },
) {
  if (actual.bytes !== artifact.bytes)
    return `${artifact.path}: stored ${actual.bytes} bytes, the manifest records ${artifact.bytes}: refused`;
  if (actual.sha256 !== artifact.sha256)
    return `${artifact.path}: stored bytes hash to ${actual.sha256}, the manifest records ${artifact.sha256}: refused`;
  return undefined;
}

/** The checked bytes or stream of one artifact; IntegrityError (naming it) when they are not the recorded ones. */
export async function readArtifact(store: BackupStore, artifact: Artifact): Promise<Readable | undefined> {
  if (artifact.bytes <= SMALL_BYTES) {
    const bytes = await store.getBytes(artifact.path, artifact.bytes).catch((error) => {
      if (error instanceof InputValidationError && error.message.includes('larger than'))
        throw new IntegrityError(
          `${artifact.path}: larger than the ${artifact.bytes} bytes the manifest records: refused`,
        );
      throw error;
    });
    if (!bytes) return undefined;
    const problem = mismatch(artifact, { sha256: sha256Hex(bytes), bytes: bytes.length });
    if (problem) throw new IntegrityError(problem);
    return Readable.from([bytes]);
  }
  const first = await store.measure(artifact.path);
  if (!first) return undefined;
  const problem = mismatch(artifact, first);
  if (problem) throw new IntegrityError(problem);
  const body = await store.read(artifact.path);
  return body && checkedStream(body, artifact);
}

/**
 * Before a service reads an artifact in place (Lambda code from S3Bucket/S3Key, ImportTable): its
 * stored bytes are read and hashed here first. Returns the object version that was checked when the
 * store keeps versions, so the service can be pointed at exactly those bytes.
 */
export async function checkInPlace(
  store: BackupStore,
  artifact: Pick<Artifact, 'path' | 'sha256' | 'bytes'>,
) {
  const actual = await store.measure(artifact.path);
  if (!actual) throw new IntegrityError(`${artifact.path}: missing from ${store.url}: refused`);
  const problem = mismatch(artifact, actual);
  if (problem) throw new IntegrityError(problem);
}

/**
 * Before a service reads several artifacts in place by prefix (ImportTable reads every object under
 * one): each is read through `store` (a trusted view checks it against the manifest) and the prefix
 * must hold nothing else, since a file planted beside them would be read too. False when it does.
 */
export async function onlyListedUnder(store: BackupStore, prefix: string, paths: string[]): Promise<boolean> {
  const listed = new Set(paths);
  for await (const key of store.list(prefix)) if (!listed.has(key)) return false;
  for (const path of paths) {
    const body = await store.read(path);
    if (!body) throw new IntegrityError(`${path}: missing from ${store.url}: refused`);
    for await (const _chunk of body) {
      // Drained: the trusted view hashes while reading and fails on a mismatch.
    }
  }
  return true;
}

/** Keys under these are a run's record: only what the manifest lists may be read there. */
const RECORDED = (runId: string) => [`runs/${runId}/artifacts/`, BLOB_PREFIX];

/** A backend that checks every read of a listed artifact, and refuses unlisted artifact paths. */
class TrustedBackend implements StoreBackend {
  readonly url: string;
  readonly capabilities: StoreBackend['capabilities'];

  constructor(
    private readonly inner: StoreBackend,
    private readonly store: BackupStore,
    private readonly artifacts: Map<string, Artifact>,
    private readonly recorded: string[],
  ) {
    this.url = inner.url;
    this.capabilities = inner.capabilities;
  }

  /** Every read goes through `store` (a BackupStore), which paces it: the view's own store does not again. */
  readonly readsPaced = true;

  async read(key: string): Promise<Readable | undefined> {
    const artifact = this.artifacts.get(key);
    if (artifact) return readArtifact(this.store, artifact);
    if (this.recorded.some((prefix) => key.startsWith(prefix)))
      throw new IntegrityError(`${key}: not in the run's manifest: refused`);
    return this.store.read(key);
  }

  /**
   * A piece of a listed artifact (a block of a blocked part) cannot be checked against the artifact's
   * hash: its reader checks it against the block's own hash, from the lookup document (itself an
   * artifact, read checked). Unlisted artifact paths are refused as for whole reads.
   */
  async readRange(key: string, start: number, end: number): Promise<Readable | undefined> {
    if (!this.artifacts.has(key) && this.recorded.some((prefix) => key.startsWith(prefix)))
      throw new IntegrityError(`${key}: not in the run's manifest: refused`);
    return this.store.readRange(key, start, end);
  }

  write: StoreBackend['write'] = (key, body, options) => this.inner.write(key, body, options);
  size: StoreBackend['size'] = (key) => this.inner.size(key);
  stat: StoreBackend['stat'] = (key) => this.inner.stat(key);
  listStats: StoreBackend['listStats'] = (prefix) => this.inner.listStats(prefix);
  move: StoreBackend['move'] = (from, to) => this.inner.move(from, to);
  remove: StoreBackend['remove'] = (key) => this.inner.remove(key);
  removeAll: StoreBackend['removeAll'] = (prefix) => this.inner.removeAll(prefix);
  list: StoreBackend['list'] = (prefix) => this.inner.list(prefix);
  children: StoreBackend['children'] = (prefix) => this.inner.children(prefix);
}

/**
 * The store as a restore of `manifests`' runs may read it (see the module comment): one run, or the
 * runs a point-in-time restore takes its resources from. Reads of the restore's own records (plans,
 * outcomes, reports) and of object copies pass through unchanged.
 */
export function trustedView(store: BackupStore, manifests: Manifest | Manifest[]): BackupStore {
  const runs = [manifests].flat();
  const artifacts = new Map(
    runs
      .flatMap((manifest) => manifest.items.flatMap((item) => item.artifacts))
      .map((artifact) => [artifact.path, artifact]),
  );
  const raw = new BackupStore(store.backend);
  const recorded = [...new Set(runs.flatMap((manifest) => RECORDED(manifest.runId)))];
  return new BackupStore(new TrustedBackend(store.backend, raw, artifacts, recorded));
}
