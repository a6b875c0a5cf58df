import { PassThrough } from 'node:stream';
import { parseOrThrow } from '../../schemas/common.js';
import type { IndexedPart } from '../../schemas/run-index.js';
import type { ItemResult } from '../../schemas/work-item.js';
import { NotFoundError } from '../errors.js';
import { ItemLine, TableConfig } from '../kinds/dynamodb-table/format.js';
import { objectEntryOf } from '../kinds/s3-bucket/format.js';
import { compareKeys } from '../kinds/s3-bucket/objects-index.js';
import { canonicalJson, storedDocument } from '../reconcile/data.js';
import { sha256Hex } from '../store/hashing.js';
import { decodeNdjson } from '../store/ndjson-part.js';
import type { BackupStore } from '../store/store.js';

/**
 * What `find` reads of the stored data: objects-index parts (sorted by key, so only the parts whose
 * key range can hold the pattern's literal prefix, and each only up to the end of that prefix) and
 * table data parts (unsorted: every part of the tables searched). A part is read once however many
 * runs hold it (same sha256, same entries), and every byte read is counted.
 */

/** An entry of the stored data that matched, with what identifies its version. */
export interface DataHit {
  key: string;
  version: string;
}

/** Bytes and parts read, per kind of part. */
export interface ReadTally {
  parts: number;
  /** Parts several runs share (read once). */
  shared: number;
  /** Parts of the resources searched, whether read or passed over. */
  considered: number;
  bytes: number;
}

export const emptyTally = (): ReadTally => ({ parts: 0, shared: 0, considered: 0, bytes: 0 });

/** The records of a gzip NDJSON part, counting the stored (compressed) bytes read into `tally`. */
async function* countedRecords(store: BackupStore, path: string, tally: ReadTally): AsyncGenerator<unknown> {
  const body = await store.read(path);
  if (!body) throw new NotFoundError(`missing part ${path}`);
  const counter = new PassThrough();
  counter.on('data', (chunk: Buffer) => {
    tally.bytes += chunk.length;
  });
  body.on('error', (error) => counter.destroy(error));
  body.pipe(counter);
  tally.parts += 1;
  try {
    yield* decodeNdjson(counter);
  } finally {
    body.destroy();
  }
}

/** Glob metacharacters end the literal prefix of a pattern. */
export const literalPrefix = (pattern: string): string => /^[^*?]*/.exec(pattern)?.[0] ?? '';

/**
 * Which of a bucket's index parts (sorted by first key) can hold a key starting with `prefix`: the
 * last part starting at or before it, and every part starting inside it.
 */
export function partsForPrefix<T extends Pick<IndexedPart, 'first'>>(parts: T[], prefix: string): T[] {
  if (!prefix) return parts;
  return parts.filter((part, index) => {
    const next = parts[index + 1];
    const startsInside = part.first.startsWith(prefix);
    const startsBefore = compareKeys(part.first, prefix) < 0;
    const nextAfter = next === undefined || compareKeys(next.first, prefix) > 0;
    return startsInside || (startsBefore && nextAfter);
  });
}

/** The matching entries of one objects-index part, read only up to the end of `prefix`. */
export async function objectHits(
  store: BackupStore,
  path: string,
  test: RegExp,
  prefix: string,
  tally: ReadTally,
): Promise<DataHit[]> {
  const hits: DataHit[] = [];
  for await (const line of countedRecords(store, path, tally)) {
    const entry = objectEntryOf(line, () => `objects index ${path}`);
    if (prefix && !entry.key.startsWith(prefix) && compareKeys(entry.key, prefix) > 0) break;
    if (test.test(entry.key))
      hits.push({
        key: entry.key,
        version: `etag ${entry.etag}, ${entry.size} bytes, modified ${entry.lastModified}${entry.versionId ? `, version ${entry.versionId}` : ''}`,
      });
  }
  return hits;
}

/** The key attributes of a table as the run stored its schema (hash first, then range). */
export async function keyAttributes(store: BackupStore, item: ItemResult): Promise<string[]> {
  const schema = parseOrThrow(
    TableConfig,
    await storedDocument(store, item, 'schema'),
    `schema of table ${item.name}`,
  );
  const keys = schema.create.KeySchema ?? [];
  return [...keys]
    .sort((a, b) => (a.KeyType === 'HASH' ? -1 : b.KeyType === 'HASH' ? 1 : 0))
    .map((key) => key.AttributeName)
    .filter((name): name is string => typeof name === 'string');
}

/** A key attribute as text: strings and numbers as they are, binary in base64. */
const keyText = (value: Record<string, unknown> | undefined): string =>
  String(value?.S ?? value?.N ?? value?.B ?? '');

/**
 * The matching items of one data part. An item's key is its partition key value, or
 * `partition|sort` with a sort key; the pattern may match either.
 */
export async function itemHits(
  store: BackupStore,
  path: string,
  attributes: string[],
  test: RegExp,
  tally: ReadTally,
): Promise<DataHit[]> {
  const hits: DataHit[] = [];
  for await (const line of countedRecords(store, path, tally)) {
    const parsed = ItemLine.safeParse(line);
    const item = parsed.success ? parsed.data.Item : parseOrThrow(ItemLine, line, `item of ${path}`).Item;
    const values = attributes.map((name) => keyText(item[name] as Record<string, unknown> | undefined));
    const key = values.join('|');
    if (test.test(values[0] ?? '') || test.test(key))
      hits.push({ key, version: `sha256 ${sha256Hex(canonicalJson(item)).slice(0, 16)}` });
  }
  return hits;
}
