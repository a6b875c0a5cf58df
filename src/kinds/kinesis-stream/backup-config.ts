import { DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { StreamConfig } from './format.js';
import { listConsumers, listShards, listTags } from './streams.js';

/**
 * The configuration document of a stream (config.json): summary, retention, encryption, every shard
 * including closed parents, tags and enhanced fan-out consumers. Its shard list also starts the
 * records backup.
 */
export async function readStreamConfig(
  kinesis: KinesisClient,
  region: string,
  stream: string,
): Promise<StreamConfig> {
  const { StreamDescriptionSummary: summary } = await kinesis.send(
    new DescribeStreamSummaryCommand({ StreamName: stream }),
  );
  const arn = summary?.StreamARN as string;
  const [shards, tags, consumers] = await Promise.all([
    listShards(kinesis, stream),
    listTags(kinesis, stream),
    listConsumers(kinesis, arn),
  ]);
  return {
    format: 1,
    region,
    name: stream,
    arn,
    streamMode: summary?.StreamModeDetails?.StreamMode ?? 'PROVISIONED',
    retentionPeriodHours: summary?.RetentionPeriodHours,
    encryption: { type: summary?.EncryptionType ?? 'NONE', keyId: summary?.KeyId },
    summary,
    shards,
    tags,
    consumers,
  };
}
