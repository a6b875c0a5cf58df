import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  type StreamDescriptionSummary,
} from '@aws-sdk/client-kinesis';
import type { Change, FieldChange } from '../../../schemas/restore.js';
import type { ItemResult } from '../../../schemas/work-item.js';
import { client } from '../../aws/clients.js';
import { ifExists } from '../../aws/errors.js';
import type { RestoreContext, RestoreResult } from '../../reconcile/context.js';
import {
  countOf,
  type DataPlan,
  decideData,
  PartPosition,
  runDataRestore,
  START,
} from '../../reconcile/data.js';
import { diffFields, reconcile } from '../../reconcile/diff.js';
import { dataNotCaptured, recordLinesFrom, recordParts, storedConfig } from './format.js';
import { liveRecords, type RecordsPicture, storedRecords } from './restore-compare.js';
import { replayRecords } from './restore-replay.js';
import { applySettings, liveShape, type StreamShape, storedShape, waitActive } from './restore-shape.js';

/**
 * Restores a Kinesis data stream from its config.json and record parts. A missing stream is created
 * (capacity mode, the recorded number of open shards), waited for, and given its retention period,
 * encryption, tags and enhanced fan-out consumers. Then the records are replayed with PutRecords, per
 * partition key in their original order: a key's records are read in shard order (parents before
 * children) and sequence order, and each PutRecords request holds at most one record per key, with
 * no key in two requests at once. A record that fails is retried before anything later of its key is
 * sent, so a partial failure never reorders a key and never writes a record twice. Keys are
 * independent: requests carry up to 500 different keys, so the replay is as fast as the stream has
 * keys. Arrival timestamps and sequence numbers are Kinesis's own and cannot be restored.
 *
 * An existing stream is compared first: settings, then its records per partition key (count and a
 * hash chain of the data, in order). Records are replayed into a stream that already holds records
 * only with `force`, and then after them: the replay appends the backed-up records.
 *
 * The jobs live beside it: settings compare and apply (restore-shape.ts), records compare
 * (restore-compare.ts), ordered replay (restore-replay.ts).
 */

/** Restores one stream (settings and records) into `context.targetRegion`. */
export async function restoreStream(item: ItemResult, context: RestoreContext): Promise<RestoreResult> {
  const { store } = context;
  const name = context.mapper.mapName('kinesis-stream', item.name);
  const kinesis = client(KinesisClient, context.targetRegion);
  const parts = recordParts(item);
  const stored = countOf(item, 'records', 'records');
  const recordsResource = `records of stream ${name}`;

  const plan = async (): Promise<DataPlan<PartPosition>> => {
    const notes: string[] = [];
    const details: Record<string, unknown> = { records: stored };
    if (dataNotCaptured(item))
      notes.push(`run ${context.runId} captured the configuration only: no records to replay`);
    const config = await storedConfig(store, item);
    const desired = storedShape(config);
    const found = await ifExists(() => kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name })));
    const summary = found?.StreamDescriptionSummary;
    const current = summary && (await liveShape(kinesis, summary));
    const change: Change = await reconcile(context, {
      resource: `stream ${name}`,
      current,
      desired,
      create: async () => {
        const provisioned = desired.StreamMode === 'PROVISIONED';
        await kinesis.send(
          new CreateStreamCommand({
            StreamName: name,
            ShardCount: provisioned ? (desired.OpenShardCount ?? 1) : undefined,
            StreamModeDetails: { StreamMode: desired.StreamMode },
          }),
        );
        await waitActive(kinesis, name);
        const created = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name })))
          .StreamDescriptionSummary as StreamDescriptionSummary;
        await applySettings(
          kinesis,
          name,
          config,
          desired,
          await liveShape(kinesis, created),
          context,
          notes,
        );
      },
      update: async () =>
        applySettings(kinesis, name, config, desired, current as StreamShape, context, notes),
    });
    let live: RecordsPicture | undefined;
    const readLive = async () => {
      live ??= await liveRecords(kinesis, name);
      return live;
    };
    const data = await decideData(context, {
      resource: recordsResource,
      empty: !summary || (await readLive()).records === 0,
      stored,
      compare: async (): Promise<FieldChange[]> => {
        const backup = await storedRecords(store, parts);
        Object.assign(details, { keys: backup.keys, checksum: backup.checksum });
        return diffFields(await readLive(), backup);
      },
      note: stored > 0 ? `${stored} records, replayed per partition key in order` : undefined,
    });
    if (data.load && summary)
      notes.push('the replay appends the backed-up records after the records the stream holds');
    return {
      changes: [change, data.change],
      notes,
      details,
      load: data.load && parts.length ? START : undefined,
    };
  };

  return runDataRestore(context, PartPosition, plan, (from) =>
    replayRecords(kinesis, name, recordLinesFrom(store, parts, from), from, context.deadline),
  );
}
