import { selectionOf } from '../../../schemas/item-restore.js';
import type { ResourceKind } from '../types.js';
import { backupStream } from './backup-step.js';
import { discoverStreams, streamArnNames, streamTags, wiredStreams } from './discover.js';
import { restoreStream } from './restore.js';
import { restoreRecords } from './restore-records.js';
import { kinesisStreamStack } from './stack.js';
import { teardownStream } from './teardown.js';

/**
 * Kinesis data streams: their configuration and the records still retained, backed up per shard
 * (backup-step.ts, backup-shard.ts) and restored by creating the stream and replaying the records
 * per partition key in order (restore.ts). The stored format is in format.ts.
 */
export const kinesisStream: ResourceKind = {
  stack: kinesisStreamStack,
  kind: 'kinesis-stream',
  nameKind: 'kinesis-stream',
  restoreTier: 'data',
  arnNames: streamArnNames,
  discover: (region, { patterns }) => discoverStreams(region, patterns),
  wiredTo: wiredStreams,
  backup: backupStream,
  restore: restoreStream,
  restoreItems: (item, selection, context) =>
    restoreRecords(item, selectionOf('kinesis-stream', selection), context),
  tags: streamTags,
  teardown: (region, name) => teardownStream(region, name),
  // Records also leave by retention: a drop of the count, not entries compared one by one.
  data: { unit: 'records' },
};

export default kinesisStream;
