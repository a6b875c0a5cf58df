import { z } from 'zod';
import { parseOrThrow } from '../../../schemas/common.js';
import type { Artifact } from '../../../schemas/work-item.js';
import { sha256Hex } from '../../store/hashing.js';
import { artifactKey } from '../../store/layout.js';
import { writeJsonArtifact } from '../../store/ndjson-part.js';
import type { BackupStore } from '../../store/store.js';
import type { RecordLine } from './format.js';

/**
 * Where each record part of a stream backup stands: its shard, its chunk number and the first and
 * last record it holds (sequence number and arrival time). A backup step that writes parts writes
 * one small `positions` document listing them (`positions/c<chunk>.json`); an incremental run also
 * lists the parts it carries over (`positions/carried.json`). The next run reads them to continue
 * each shard after its last stored record and to drop parts whose records the stream no longer
 * retains. Restores do not need them: the part paths order the records (shard, then chunk).
 */

const KIND = 'kinesis-stream' as const;
export const POSITIONS_ROLE = 'positions';

export const PartStats = z.object({
  path: z.string().min(1),
  shardId: z.string().min(1),
  chunk: z.number().int().nonnegative(),
  records: z.number().int().nonnegative(),
  firstSeq: z.string(),
  lastSeq: z.string(),
  /** ISO times of the first and last record's ApproximateArrivalTimestamp. */
  firstArrival: z.string(),
  lastArrival: z.string(),
});
export type PartStats = z.infer<typeof PartStats>;

export const PositionsDocument = z.object({ format: z.literal(1), parts: z.array(PartStats) });
export type PositionsDocument = z.infer<typeof PositionsDocument>;

/** Collects a part's stats while its records stream past (the part is written from the same records). */
export class PartTracker {
  private first?: RecordLine;
  private last?: RecordLine;
  private count = 0;

  constructor(
    readonly shardId: string,
    readonly chunk: number,
  ) {}

  async *track(lines: AsyncIterable<RecordLine>): AsyncGenerator<RecordLine> {
    for await (const line of lines) {
      this.first ??= line;
      this.last = line;
      this.count += 1;
      yield line;
    }
  }

  /** The stats of the part stored at `path`; undefined when no record went by. */
  stats(path: string): PartStats | undefined {
    if (!this.first || !this.last) return undefined;
    return {
      path,
      shardId: this.shardId,
      chunk: this.chunk,
      records: this.count,
      firstSeq: this.first.sequenceNumber,
      lastSeq: this.last.sequenceNumber,
      firstArrival: this.first.approximateArrivalTimestamp,
      lastArrival: this.last.approximateArrivalTimestamp,
    };
  }
}

/** Writes a positions document (`positions/<file>.json`) for `parts`; none when there are none. */
export async function writePositions(
  store: BackupStore,
  item: { runId: string; region: string; name: string },
  file: string,
  parts: PartStats[],
): Promise<Artifact[]> {
  if (!parts.length) return [];
  const key = artifactKey(item.runId, item.region, KIND, item.name, `positions/${file}.json`);
  const document: PositionsDocument = { format: 1, parts };
  return [await writeJsonArtifact(store, key, POSITIONS_ROLE, document)];
}

/** A document an earlier run recorded in its manifest, refused unless its bytes hash as recorded. */
export async function readRecordedJson(
  store: BackupStore,
  artifact: Artifact,
): Promise<{ value: unknown } | { problem: string }> {
  const body = await store.read(artifact.path);
  if (!body) return { problem: `${artifact.path} is missing` };
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  const bytes = Buffer.concat(chunks);
  if (sha256Hex(bytes) !== artifact.sha256) return { problem: `${artifact.path} does not hash as recorded` };
  try {
    return { value: JSON.parse(bytes.toString('utf8')) };
  } catch {
    return { problem: `${artifact.path} is not JSON` };
  }
}

/** Every part an item's positions documents list (an earlier run's, read back and checked). */
export async function recordedPositions(
  store: BackupStore,
  artifacts: Artifact[],
): Promise<{ parts: PartStats[] } | { problem: string }> {
  const parts: PartStats[] = [];
  for (const artifact of artifacts.filter((candidate) => candidate.role === POSITIONS_ROLE)) {
    const read = await readRecordedJson(store, artifact);
    if ('problem' in read) return read;
    const parsed = PositionsDocument.safeParse(read.value);
    if (!parsed.success) return { problem: `${artifact.path} is not a positions document` };
    parts.push(...parsed.data.parts);
  }
  return { parts };
}

/** Parses a positions document (tests and tools read them back). */
export const parsePositions = (value: unknown, what: string): PositionsDocument =>
  parseOrThrow(PositionsDocument, value, what);
