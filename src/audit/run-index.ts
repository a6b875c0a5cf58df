import { parseOrThrow } from '../../schemas/common.js';
import type { Manifest } from '../../schemas/manifest.js';
import {
  type IndexedFunction,
  type IndexedPart,
  RUN_INDEX_FORMAT,
  RunIndex,
  type RunIndexRef,
} from '../../schemas/run-index.js';
import type { ItemResult } from '../../schemas/work-item.js';
import { mapLimit } from '../concurrency.js';
import { InputValidationError, NotFoundError } from '../errors.js';
import { readSnapshot } from '../kinds/lambda-function/format.js';
import { logger } from '../log.js';
import { runIndexKey } from '../store/layout.js';
import { decodeNdjson } from '../store/ndjson-part.js';
import type { BackupStore } from '../store/store.js';

/**
 * The run index (schemas/run-index.ts): per function its code hash and triggers, per objects-index
 * part its first key. Built from the items of a run: one read per function snapshot, and the first
 * line of each objects-index part (a few KB each, the rest of the part is not read).
 */

/** Role of the artifacts whose entries are sorted by key (the S3 kind's objects index). */
const SORTED_ROLE = 'objects-index';

/** The first record of a gzip NDJSON part; only its first compressed block is read. */
export async function firstRecord(store: BackupStore, key: string): Promise<unknown> {
  const body = await store.read(key);
  if (!body) throw new NotFoundError(`missing part ${key}`);
  try {
    for await (const record of decodeNdjson(body)) return record;
    return undefined;
  } finally {
    body.destroy();
  }
}

/** Reading a document of the store failed in a way that says the document is bad, not the store. */
const unreadable = (error: unknown) =>
  error instanceof InputValidationError || error instanceof NotFoundError;

async function indexFunction(store: BackupStore, item: ItemResult): Promise<IndexedFunction | string> {
  const path = item.artifacts.find((artifact) => artifact.role === 'config')?.path;
  if (!path) return `${item.region}/${item.name}: no snapshot`;
  try {
    const snapshot = await readSnapshot(store, path);
    return {
      region: item.region,
      name: item.name,
      codeSha256: snapshot.configuration.CodeSha256,
      lastModified: snapshot.configuration.LastModified,
      triggersCaptured: !snapshot.notCaptured?.includes('triggers'),
      triggers: snapshot.triggers.map(({ type, id, source }) => ({ type, id, source })),
    };
  } catch (error) {
    if (unreadable(error)) return path;
    throw error;
  }
}

async function indexPart(store: BackupStore, item: ItemResult, path: string, sha256: string) {
  try {
    const first = (await firstRecord(store, path)) as { key?: unknown } | undefined;
    if (typeof first?.key !== 'string') return path;
    return { region: item.region, kind: item.kind, name: item.name, path, sha256, first: first.key };
  } catch (error) {
    if (unreadable(error) || (error as { code?: string }).code === 'Z_DATA_ERROR') return path;
    throw error;
  }
}

/** The index of a run's items (ok items only: a failed item holds nothing to find). */
export async function buildRunIndex(
  store: BackupStore,
  runId: string,
  items: ItemResult[],
): Promise<RunIndex> {
  const ok = items.filter((item) => item.status === 'ok');
  const functions = await mapLimit(
    ok.filter((item) => item.kind === 'lambda-function'),
    16,
    (item) => indexFunction(store, item),
  );
  const sorted = ok.flatMap((item) =>
    item.artifacts
      .filter((artifact) => artifact.role === SORTED_ROLE)
      .map((artifact) => ({ item, path: artifact.path, sha256: artifact.sha256 })),
  );
  const parts = await mapLimit(sorted, 16, ({ item, path, sha256 }) => indexPart(store, item, path, sha256));
  return {
    format: RUN_INDEX_FORMAT,
    runId,
    functions: functions.filter((entry): entry is IndexedFunction => typeof entry !== 'string'),
    sortedParts: parts
      .filter((entry): entry is IndexedPart => typeof entry !== 'string')
      .sort((a, b) => a.path.localeCompare(b.path)),
    unreadable: [...functions, ...parts].filter((entry): entry is string => typeof entry === 'string'),
  };
}

/** Finalize: builds and stores the run's index; returns it with the reference the manifest records. */
export async function writeRunIndex(
  store: BackupStore,
  runId: string,
  items: ItemResult[],
): Promise<{ index: RunIndex; ref: RunIndexRef }> {
  const index = await buildRunIndex(store, runId, items);
  const written = await store.putJson(runIndexKey(runId), index);
  return {
    index,
    ref: { format: RUN_INDEX_FORMAT, path: written.key, sha256: written.sha256, bytes: written.bytes },
  };
}

/** How a run's index was obtained: read as stored, or built from its snapshots and parts. */
export interface LoadedIndex {
  index: RunIndex;
  source: 'stored' | 'built';
  /** Bytes of the stored index read (0 when built). */
  bytes: number;
}

/** A finished run's index: the stored one when the manifest names it and it parses, else built now. */
export async function runIndexOf(store: BackupStore, manifest: Manifest): Promise<LoadedIndex> {
  if (manifest.index?.format === RUN_INDEX_FORMAT) {
    try {
      const stored = await store.getJson(manifest.index.path);
      if (stored !== undefined)
        return {
          index: parseOrThrow(RunIndex, stored, `index of run ${manifest.runId}`),
          source: 'stored',
          bytes: manifest.index.bytes,
        };
    } catch (error) {
      if (!(error instanceof InputValidationError)) throw error;
      logger.warn('run index unreadable, indexing the run again', {
        runId: manifest.runId,
        error: String(error),
      });
    }
  }
  return { index: await buildRunIndex(store, manifest.runId, manifest.items), source: 'built', bytes: 0 };
}
