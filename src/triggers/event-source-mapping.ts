import { KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import {
  type EventSourceMappingConfiguration,
  LambdaClient,
  ListEventSourceMappingsCommand,
} from '@aws-sdk/client-lambda';
import { client } from '../aws/clients.js';
import { targetsFunction } from './permissions.js';
import { arnRegion, compact, fromEachSource, isNotFound, paginate, regionMemo } from './shared.js';
import type { FunctionRef, TriggerRecord, TriggerType } from './types.js';

/**
 * Every mapping of the region, listed once and filtered per function. Filtering by FunctionName
 * would miss mappings on versions and aliases (Lambda matches the qualifier exactly), and moto
 * matches FunctionName only against the bare name, never the ARN.
 */
const regionMappings = regionMemo((region) =>
  paginate(async (Marker) => {
    const page = await client(LambdaClient, region).send(new ListEventSourceMappingsCommand({ Marker }));
    return { items: page.EventSourceMappings, next: page.NextMarker };
  }),
);

const isStream = (arn: string): boolean => arn.includes(':kinesis:') || arn.includes(':dynamodb:');
const DISABLED_STATES = new Set(['Disabled', 'Disabling']);

/** Shard ids of a Kinesis stream (or of the stream behind a consumer ARN); undefined once it is deleted. */
async function kinesisShardIds(sourceArn: string): Promise<string[] | undefined> {
  const StreamARN = sourceArn.split('/consumer/')[0];
  try {
    const shards = await paginate(async (NextToken) => {
      const command = new ListShardsCommand(NextToken ? { NextToken } : { StreamARN });
      const page = await client(KinesisClient, arnRegion(sourceArn)).send(command);
      return { items: page.Shards, next: page.NextToken };
    });
    return shards.map((shard) => shard.ShardId as string);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * What Lambda exposes about where a stream mapping reads: its state, the last processing result and,
 * for Kinesis, the shards it reads. The per-shard checkpoint is not exposed by any API.
 */
async function streamPosition(mapping: EventSourceMappingConfiguration): Promise<Record<string, unknown>> {
  const source = mapping.EventSourceArn as string;
  const ShardIds = source.includes(':kinesis:') ? await kinesisShardIds(source) : undefined;
  return compact({
    State: mapping.State,
    LastProcessingResult: mapping.LastProcessingResult,
    ShardIds,
  });
}

async function toRecord(mapping: EventSourceMappingConfiguration): Promise<TriggerRecord[]> {
  const source = mapping.EventSourceArn as string;
  const config = compact({
    EventSourceArn: mapping.EventSourceArn,
    FunctionArn: mapping.FunctionArn,
    Enabled: !DISABLED_STATES.has(mapping.State ?? ''),
    BatchSize: mapping.BatchSize,
    MaximumBatchingWindowInSeconds: mapping.MaximumBatchingWindowInSeconds,
    FilterCriteria: mapping.FilterCriteria,
    StartingPosition: mapping.StartingPosition,
    StartingPositionTimestamp: mapping.StartingPositionTimestamp,
    DestinationConfig: mapping.DestinationConfig,
    BisectBatchOnFunctionError: mapping.BisectBatchOnFunctionError,
    ParallelizationFactor: mapping.ParallelizationFactor,
    TumblingWindowInSeconds: mapping.TumblingWindowInSeconds,
    MaximumRecordAgeInSeconds: mapping.MaximumRecordAgeInSeconds,
    MaximumRetryAttempts: mapping.MaximumRetryAttempts,
    FunctionResponseTypes: mapping.FunctionResponseTypes,
    ScalingConfig: mapping.ScalingConfig,
    StreamPosition: isStream(source) ? await streamPosition(mapping) : undefined,
  });
  const record = { id: mapping.UUID as string, source, target: mapping.FunctionArn as string, config };
  return [{ type: 'event-source-mapping', ...record, permissions: [] }];
}

/** Kinesis, DynamoDB Streams and SQS mappings. They read with the function's role: no resource policy. */
export const eventSourceMappingTrigger: TriggerType = {
  type: 'event-source-mapping',
  async list(fn: FunctionRef) {
    const mappings = (await regionMappings(fn.region)).filter((mapping) =>
      targetsFunction(mapping.FunctionArn, fn),
    );
    return fromEachSource(mappings, (mapping) => `event source mapping ${mapping.UUID}`, toRecord);
  },
};
