import type { ItemResult } from '../../schemas/work-item.js';
import { type Block, LOOKUP_ROLE, lookupKeyOf, readBlock, readLookup } from '../store/blocked-part.js';
import { BloomFilter } from '../store/bloom.js';
import { readNdjsonPart } from '../store/ndjson-part.js';
import type { BackupStore } from '../store/store.js';

/**
 * Finding items in a stored resource without reading all of it: the item-level restores of the data
 * kinds read the lookup documents of their parts (see store/blocked-part.ts) and then only the blocks
 * that may hold what they look for. A part without a lookup document (a run made before blocked
 * parts, a file of AWS's own table export) is read whole: old runs stay restorable item by item.
 */

/** What a lookup wants: blocks whose ordered range `range` accepts, and whose Bloom filter may hold one of `keys`. */
export interface BlockFilter {
  /** Whether a block whose ordered field runs from `first` to `last` (inclusive) may hold a match. */
  range?: (first: string, last: string) => boolean;
  /** Values of the key field (at least one must be in the block's filter). */
  keys?: string[];
}

/** A range test for inclusive bounds (an open side is unbounded) under `compare`. */
export const withinBounds =
  (low: string | undefined, high: string | undefined, compare = natural) =>
  (first: string, last: string): boolean =>
    (low === undefined || compare(last, low) >= 0) && (high === undefined || compare(first, high) <= 0);

/** How much a lookup read, for reports and the bench. */
export interface LookupStats {
  parts: number;
  /** Parts read whole because they have no lookup document. */
  partsReadWhole: number;
  blocks: number;
  blocksRead: number;
  /** Bytes read from the store: lookup documents, blocks and whole parts. */
  bytesRead: number;
  /** Bytes of every part the lookup was over (what reading all of it would cost). */
  bytesStored: number;
}

function natural(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export const emptyStats = (): LookupStats => ({
  parts: 0,
  partsReadWhole: 0,
  blocks: 0,
  blocksRead: 0,
  bytesRead: 0,
  bytesStored: 0,
});

/** True when the block may hold something `filter` wants. */
export function blockMayMatch(block: Block, filter: BlockFilter): boolean {
  const { range, keys } = filter;
  if (range && block.range && !range(block.range[0], block.range[1])) return false;
  if (keys && block.bloom) {
    const bloom = BloomFilter.fromBase64(block.bloom);
    if (!keys.some((key) => bloom.mayHave(key))) return false;
  }
  return true;
}

/**
 * The records of `parts` (paths of `item`'s artifacts, in the order given) that may match `filter`,
 * block by block; the caller checks each record exactly. `stats` counts what was read.
 */
export async function* lookupRecords(
  store: BackupStore,
  item: ItemResult,
  parts: string[],
  filter: BlockFilter,
  stats: LookupStats,
): AsyncGenerator<unknown> {
  const byPath = new Map(item.artifacts.map((artifact) => [artifact.path, artifact]));
  for (const part of parts) {
    const stored = byPath.get(part)?.bytes ?? 0;
    stats.parts += 1;
    stats.bytesStored += stored;
    const lookupArtifact = byPath.get(lookupKeyOf(part));
    if (lookupArtifact?.role !== LOOKUP_ROLE) {
      stats.partsReadWhole += 1;
      stats.bytesRead += stored;
      yield* readNdjsonPart(store, part);
      continue;
    }
    const lookup = await readLookup(store, lookupArtifact.path);
    stats.bytesRead += lookupArtifact.bytes;
    stats.blocks += lookup.blocks.length;
    for (const block of lookup.blocks) {
      if (!blockMayMatch(block, filter)) continue;
      stats.blocksRead += 1;
      stats.bytesRead += block.bytes;
      yield* readBlock(store, part, block);
    }
  }
}
