import { DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import type { RecordSelection } from '../../../schemas/item-restore.js';
import type { Change } from '../../../schemas/restore.js';
import type { ItemResult } from '../../../schemas/work-item.js';
import { client } from '../../aws/clients.js';
import { ifExists } from '../../aws/errors.js';
import type { RestoreResult } from '../../reconcile/context.js';
import { notPossible } from '../../reconcile/diff.js';
import { emptyStats, lookupRecords, withinBounds } from '../../reconcile/item-lookup.js';
import type { ItemRestoreContext } from '../types.js';
import { RecordLine, recordParts } from './format.js';
import { liveStreamRecords } from './restore-compare.js';
import { replayRecords } from './restore-replay.js';

/**
 * Item-level restore of a stream: the records of some partition keys and/or of an arrival-time range,
 * replayed in their original order per key (the same replay as a whole restore) into the stream or
 * another. Only the blocks whose arrival range meets the time range and whose partition-key Bloom
 * filter may hold a wanted key are read (see backup-step.ts); parts without a lookup are read whole.
 *
 * Compare first, per partition key, against the records the live stream holds for that key: none →
 * create; the selected records already there, in order, one after the other → unchanged; otherwise
 * differs, and appended only with `force` (Kinesis cannot replace records).
 */

/** Times as the backup wrote them (`toISOString`), so that they compare as text. */
const iso = (time: string | undefined) => (time === undefined ? undefined : new Date(time).toISOString());

/** True when `run` occurs in `sequence` as consecutive elements. */
function containsRun(sequence: string[], run: string[]): boolean {
  for (let start = 0; start + run.length <= sequence.length; start += 1)
    if (run.every((value, offset) => sequence[start + offset] === value)) return true;
  return false;
}

/** The selected records in stored order (shard, then chunk, then sequence). */
async function selectedRecords(
  context: ItemRestoreContext,
  item: ItemResult,
  selection: RecordSelection,
  stats: ReturnType<typeof emptyStats>,
): Promise<RecordLine[]> {
  const from = iso(selection.from);
  const to = iso(selection.to);
  const keys = selection.partitionKeys ? new Set(selection.partitionKeys) : undefined;
  const inTime = withinBounds(from, to);
  const records = lookupRecords(
    context.store,
    item,
    recordParts(item),
    {
      range: from || to ? inTime : undefined,
      keys: selection.partitionKeys,
    },
    stats,
  );
  const selected: RecordLine[] = [];
  for await (const value of records) {
    const line = RecordLine.parse(value);
    const arrival = line.approximateArrivalTimestamp;
    if ((!keys || keys.has(line.partitionKey)) && inTime(arrival, arrival)) selected.push(line);
  }
  return selected;
}

/** Restores the selected records of one stored stream (see the module comment). */
export async function restoreRecords(
  item: ItemResult,
  selection: RecordSelection,
  context: ItemRestoreContext,
): Promise<RestoreResult> {
  const stats = emptyStats();
  const records = await selectedRecords(context, item, selection, stats);
  const name = selection.toStream ?? context.mapper.mapName('kinesis-stream', item.name);
  const notes: string[] = [];
  const byKey = new Map<string, string[]>();
  for (const record of records)
    byKey.set(record.partitionKey, [...(byKey.get(record.partitionKey) ?? []), record.data]);
  const details = { matched: records.length, keys: byKey.size, lookup: stats };
  if (records.length === 0)
    return {
      changes: [
        notPossible(`records of stream ${item.name}`, 'blocked', `no record of run ${context.runId} matches`),
      ],
      notes,
      details,
    };
  const kinesis = client(KinesisClient, context.targetRegion);
  if (!(await ifExists(() => kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name })))))
    return {
      changes: [
        notPossible(
          `stream ${name}`,
          'blocked',
          'the stream does not exist: restore the stream (restore --only kinesis-stream:…) or create it first',
        ),
      ],
      notes,
      details,
    };
  const live = new Map<string, string[]>();
  for await (const record of liveStreamRecords(kinesis, name))
    if (byKey.has(record.partitionKey))
      live.set(record.partitionKey, [
        ...(live.get(record.partitionKey) ?? []),
        Buffer.from(record.data).toString('base64'),
      ]);
  const replay = new Set<string>();
  const changes: Change[] = [...byKey].map(([key, wanted]) => {
    const resource = `records of partition key ${key} in stream ${name}`;
    const note = `${wanted.length} record${wanted.length === 1 ? '' : 's'}`;
    const current = live.get(key) ?? [];
    if (current.length === 0) {
      replay.add(key);
      return { resource, action: 'create', note };
    }
    if (containsRun(current, wanted)) return { resource, action: 'unchanged', note };
    const fields = [{ field: 'records', current: current.length, desired: wanted.length }];
    if (!context.force) return { resource, action: 'differs', fields, note };
    replay.add(key);
    return {
      resource,
      action: 'update',
      fields,
      note: `${note}, appended after the ${current.length} there`,
    };
  });
  if (context.apply && replay.size) {
    const lines = records.filter((record) => replay.has(record.partitionKey));
    async function* positioned() {
      for (const [index, value] of lines.entries()) yield { value, next: { part: 0, line: index + 1 } };
    }
    await replayRecords(kinesis, name, positioned(), { part: 0, line: 0 }, Number.POSITIVE_INFINITY);
  }
  return { changes, notes, details };
}
