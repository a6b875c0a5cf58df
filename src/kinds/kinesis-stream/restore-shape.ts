import {
  AddTagsToStreamCommand,
  DecreaseStreamRetentionPeriodCommand,
  DescribeStreamSummaryCommand,
  IncreaseStreamRetentionPeriodCommand,
  type KinesisClient,
  ListStreamConsumersCommand,
  RegisterStreamConsumerCommand,
  RemoveTagsFromStreamCommand,
  StartStreamEncryptionCommand,
  type StreamDescriptionSummary,
  type Tag,
  UpdateShardCountCommand,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import type { RestoreContext } from '../../reconcile/context.js';
import { diffFields } from '../../reconcile/diff.js';
import type { StreamConfig } from './format.js';
import { listTags, tagRecord } from './streams.js';

/**
 * A stream's settings as a restore compares them (capacity mode, open shards, retention, encryption,
 * tags, consumers), read from the backup or from a live stream, and how a live stream is brought to
 * the backup's.
 */

export type StreamShape = ReturnType<typeof streamShape>;

/** The comparable settings of a stream, the same for the recorded one and a live one. */
export function streamShape(
  summary: Partial<StreamDescriptionSummary> | undefined,
  tags: Tag[],
  consumers: { ConsumerName?: string | undefined }[],
) {
  const mode = summary?.StreamModeDetails?.StreamMode ?? 'PROVISIONED';
  return {
    StreamMode: mode,
    OpenShardCount: mode === 'PROVISIONED' ? (summary?.OpenShardCount ?? null) : null,
    RetentionPeriodHours: summary?.RetentionPeriodHours ?? 24,
    EncryptionType: summary?.EncryptionType ?? 'NONE',
    Tags: tagRecord(tags),
    Consumers: consumers.map((consumer) => consumer.ConsumerName).sort(),
  };
}

/** The settings the backup recorded: the open shards are those without an ending sequence number. */
export function storedShape(config: StreamConfig): StreamShape {
  const openShards = config.shards.filter((shard) => !shard.SequenceNumberRange?.EndingSequenceNumber).length;
  return streamShape(
    {
      OpenShardCount: openShards,
      ...config.summary,
      StreamModeDetails: { StreamMode: config.streamMode },
    },
    config.tags,
    config.consumers,
  );
}

/** The settings of a live stream. */
export async function liveShape(kinesis: KinesisClient, summary: StreamDescriptionSummary) {
  const tags = await listTags(kinesis, summary.StreamName as string);
  const consumers =
    (await kinesis.send(new ListStreamConsumersCommand({ StreamARN: summary.StreamARN }))).Consumers ?? [];
  return streamShape(summary, tags, consumers);
}

export async function waitActive(kinesis: KinesisClient, StreamName: string) {
  await waitUntilStreamExists(
    { client: kinesis, maxWaitTime: 600, minDelay: 1, maxDelay: 10 },
    { StreamName },
  );
}

/** Brings the named settings of a stream to the backup's, waiting for ACTIVE after each change. */
export async function applySettings(
  kinesis: KinesisClient,
  StreamName: string,
  config: StreamConfig,
  desired: StreamShape,
  current: StreamShape,
  context: RestoreContext,
  notes: string[],
) {
  const fields = new Set(diffFields(current, desired).map((field) => field.field.split('.')[0]));
  if (fields.has('OpenShardCount') && desired.OpenShardCount !== null) {
    await kinesis.send(
      new UpdateShardCountCommand({
        StreamName,
        TargetShardCount: desired.OpenShardCount,
        ScalingType: 'UNIFORM_SCALING',
      }),
    );
    await waitActive(kinesis, StreamName);
  }
  if (fields.has('RetentionPeriodHours')) {
    const RetentionPeriodHours = desired.RetentionPeriodHours;
    await kinesis.send(
      RetentionPeriodHours > current.RetentionPeriodHours
        ? new IncreaseStreamRetentionPeriodCommand({ StreamName, RetentionPeriodHours })
        : new DecreaseStreamRetentionPeriodCommand({ StreamName, RetentionPeriodHours }),
    );
    await waitActive(kinesis, StreamName);
  }
  if (fields.has('EncryptionType') && desired.EncryptionType === 'KMS') {
    const key = config.encryption.keyId ?? 'alias/aws/kinesis';
    const regional = key.startsWith('arn:') && context.sourceRegion !== context.targetRegion;
    if (regional)
      notes.push(
        'encrypted with the AWS managed key: the recorded customer key belongs to the source region',
      );
    await kinesis.send(
      new StartStreamEncryptionCommand({
        StreamName,
        EncryptionType: 'KMS',
        KeyId: regional ? 'alias/aws/kinesis' : context.mapper.mapArn(key),
      }),
    );
    await waitActive(kinesis, StreamName);
  }
  if (fields.has('Tags')) {
    const extra = Object.keys(current.Tags).filter((key) => !(key in desired.Tags));
    if (extra.length) await kinesis.send(new RemoveTagsFromStreamCommand({ StreamName, TagKeys: extra }));
    if (Object.keys(desired.Tags).length)
      await kinesis.send(new AddTagsToStreamCommand({ StreamName, Tags: desired.Tags }));
  }
  if (fields.has('Consumers')) {
    const StreamARN = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName })))
      .StreamDescriptionSummary?.StreamARN;
    for (const ConsumerName of desired.Consumers.filter((name) => name && !current.Consumers.includes(name)))
      await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN, ConsumerName }));
  }
}
