import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { z } from 'zod';
import { parseOrThrow } from '../../schemas/common.js';
import type { Artifact } from '../../schemas/work-item.js';
import { IntegrityError, NotFoundError } from '../errors.js';
import { BloomFilter } from './bloom.js';
import { sha256Hex } from './hashing.js';
import { decodeNdjson, type PartOptions } from './ndjson-part.js';
import type { BackupStore } from './store.js';

/**
 * Blocked parts: gzip NDJSON parts that an item lookup can read a piece of.
 *
 * A blocked part is an ordinary gzip NDJSON file (every reader of parts reads it unchanged: gzip
 * allows a file made of several members, and gunzip decodes them one after the other) whose members
 * are independent blocks of about BLOCK_CHARS of lines. Beside it, a small lookup document (role
 * `lookup`, `<part>.lookup.json`) records each block's byte range and line count, and what the kind
 * says about the block's records: the range of an ordered field (first and last key of an objects
 * index, earliest and latest arrival of stream records) and a Bloom filter of a key (the partition key
 * of table items and of stream records). A lookup reads the lookup documents, then only the byte
 * ranges of the blocks that may hold what it looks for.
 *
 * Parts written before blocked parts existed (and the files AWS's own table exports write) have no
 * lookup document: they are read whole, as before.
 */

/** Uncompressed characters per block: small enough that finding one item reads little. */
export const BLOCK_CHARS = 32 * 1024;
const GZIP_LEVEL = 1;
const gzipAsync = promisify(gzip);

export const LOOKUP_ROLE = 'lookup';

export const Block = z.object({
  /** Byte offset of the block's gzip member in the part, and its length. */
  offset: z.number().int().nonnegative(),
  bytes: z.number().int().positive(),
  lines: z.number().int().positive(),
  /**
   * sha256 of the block's bytes: a lookup reads a block alone, so the part's own hash cannot check
   * it; the lookup document that holds this is an artifact, checked whole against the manifest.
   */
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  /** Smallest and largest value of the part's ordered field in this block. */
  range: z.tuple([z.string(), z.string()]).optional(),
  /** Bloom filter (base64) of the part's key field over this block's records. */
  bloom: z.string().optional(),
});
export type Block = z.infer<typeof Block>;

export const PartLookup = z.object({
  format: z.literal(1),
  /** What `range` and `bloom` hold, as the kind names them (`key`, `arrival`, `partitionKey`…). */
  rangeOf: z.string().optional(),
  bloomOf: z.string().optional(),
  blocks: z.array(Block),
});
export type PartLookup = z.infer<typeof PartLookup>;

/** What a kind says about its records so that lookups can skip blocks. */
export interface BlockKeys<T> {
  /** The ordered field (compared with `compare`, default: UTF-16 order) and its name. */
  range?: { name: string; of: (record: T) => string; compare?: (a: string, b: string) => number };
  /** The key field a Bloom filter is kept of (undefined: the record has none), and its name. */
  bloom?: { name: string; of: (record: T) => string | undefined };
}

/** The lookup document's key beside a part. */
export const lookupKeyOf = (partKey: string): string => `${partKey.replace(/\.ndjson\.gz$/, '')}.lookup.json`;

interface BlockBuilder {
  text: string;
  lines: number;
  low?: string;
  high?: string;
  keys: string[];
}

/**
 * Writes `records` as a blocked part at `key` and its lookup document beside it: the part's artifact
 * (as `writeNdjsonPart` describes it) and the lookup's. Writes nothing when `records` yields nothing.
 * Memory stays flat: one block (plus the one being compressed) at a time.
 */
export async function writeBlockedPart<T>(
  store: BackupStore,
  key: string,
  records: AsyncIterable<T>,
  options: PartOptions & { keys: BlockKeys<T> },
): Promise<Artifact[]> {
  const iterator = records[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return [];
  const { range, bloom } = options.keys;
  const compare = range?.compare ?? ((a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0));
  const blocks: Block[] = [];
  let offset = 0;
  let count = 0;

  const seal = async (block: BlockBuilder): Promise<Buffer> => {
    const compressed = await gzipAsync(Buffer.from(block.text), { level: GZIP_LEVEL });
    let filter: BloomFilter | undefined;
    if (bloom) {
      filter = BloomFilter.sized(block.keys.length);
      for (const value of block.keys) filter.add(value);
    }
    blocks.push({
      offset,
      bytes: compressed.length,
      lines: block.lines,
      sha256: sha256Hex(compressed),
      ...(block.low !== undefined && block.high !== undefined ? { range: [block.low, block.high] } : {}),
      ...(filter ? { bloom: filter.toBase64() } : {}),
    });
    offset += compressed.length;
    return compressed;
  };

  async function* members(): AsyncGenerator<Buffer> {
    let block: BlockBuilder = { text: '', lines: 0, keys: [] };
    try {
      for (let next = first; !next.done; next = await iterator.next()) {
        const record = next.value;
        block.text += `${JSON.stringify(record)}\n`;
        block.lines += 1;
        count += 1;
        if (range) {
          const value = range.of(record);
          if (block.low === undefined || compare(value, block.low) < 0) block.low = value;
          if (block.high === undefined || compare(value, block.high) > 0) block.high = value;
        }
        const keyValue = bloom?.of(record);
        if (keyValue !== undefined) block.keys.push(keyValue);
        if (block.text.length >= BLOCK_CHARS) {
          yield await seal(block);
          block = { text: '', lines: 0, keys: [] };
        }
      }
      if (block.lines > 0) yield await seal(block);
    } finally {
      await iterator.return?.();
    }
  }

  const written = await store.putStream(key, Readable.from(members()), { contentType: 'application/gzip' });
  const part: Artifact = {
    role: options.role,
    path: key,
    sha256: written.sha256,
    bytes: written.bytes,
    counts: { [options.count]: count, ...options.extraCounts?.() },
  };
  const lookup: PartLookup = {
    format: 1,
    ...(range ? { rangeOf: range.name } : {}),
    ...(bloom ? { bloomOf: bloom.name } : {}),
    blocks,
  };
  // Compact JSON: a lookup reads the whole document, and indentation would be a third of it.
  const lookupWritten = await store.putStream(
    lookupKeyOf(key),
    Readable.from([Buffer.from(`${JSON.stringify(lookup)}\n`)]),
    { contentType: 'application/json' },
  );
  return [
    part,
    {
      role: LOOKUP_ROLE,
      path: lookupWritten.key,
      sha256: lookupWritten.sha256,
      bytes: lookupWritten.bytes,
      counts: { blocks: blocks.length },
    },
  ];
}

/** A stored lookup document, validated. */
export async function readLookup(store: BackupStore, key: string): Promise<PartLookup> {
  const document = await store.getJson(key);
  if (document === undefined) throw new NotFoundError(`missing lookup ${key}`);
  return parseOrThrow(PartLookup, document, `lookup ${key}`);
}

/** The records of one block of a part, read by its byte range. */
export async function* readBlock(store: BackupStore, part: string, block: Block): AsyncGenerator<unknown> {
  const body = await store.readRange(part, block.offset, block.offset + block.bytes - 1);
  if (!body) throw new NotFoundError(`missing part ${part}`);
  if (!block.sha256) {
    yield* decodeNdjson(body);
    return;
  }
  // A block is small (one gzip member): read whole, checked, then decoded.
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
  const bytes = Buffer.concat(chunks);
  if (bytes.length !== block.bytes || sha256Hex(bytes) !== block.sha256)
    throw new IntegrityError(`${part}: block at ${block.offset} is not the one the backup wrote: refused`);
  yield* decodeNdjson(Readable.from([bytes]));
}
