import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import {
  CreateEventSourceMappingCommand,
  type CreateEventSourceMappingCommandInput,
  DeleteEventSourceMappingCommand,
  type EventSourceMappingConfiguration,
  LambdaClient,
  ListEventSourceMappingsCommand,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { client } from '../aws/clients.js';
import { ifExists, isNotFound } from '../aws/errors.js';
import { paginate } from '../aws/paginate.js';
import type { RestoreContext } from '../reconcile/context.js';
import { pick, reconcile } from '../reconcile/diff.js';
import { resultOf, sharedSourceSkip } from '../reconcile/results.js';
import { targetsFunction } from './permissions.js';
import { cannotRestore } from './rewire.js';
import { arnRegion, compact, fromEachSource, regionMemo } from './shared.js';
import { templateMappings } from './template-sources.js';
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

/** Settings a mapping keeps across restores; the rest (UUID, state, position) is AWS's. */
const SETTINGS = [
  'BatchSize',
  'MaximumBatchingWindowInSeconds',
  'FilterCriteria',
  'DestinationConfig',
  'BisectBatchOnFunctionError',
  'ParallelizationFactor',
  'TumblingWindowInSeconds',
  'MaximumRecordAgeInSeconds',
  'MaximumRetryAttempts',
  'FunctionResponseTypes',
  'ScalingConfig',
] as const;

const settingsOf = (mapping: object, enabled: boolean) => ({ ...pick(mapping, SETTINGS), Enabled: enabled });

/**
 * The ARN the mapping must read in the target region, or why it cannot: a DynamoDB stream is the
 * table's current stream (a re-created table has a new stream label), a Kinesis consumer is found by
 * name, a queue or stream must exist.
 */
async function resolveSource(arn: string, region: string): Promise<{ arn?: string; missing?: string }> {
  const [, , service, , account, ...rest] = arn.split(':');
  const resource = rest.join(':');
  if (service === 'dynamodb') {
    const table = resource.split('/')[1] as string;
    const described = await ifExists(() =>
      client(DynamoDBClient, region).send(new DescribeTableCommand({ TableName: table })),
    );
    const stream = described?.Table?.LatestStreamArn;
    return stream
      ? { arn: stream }
      : { missing: described ? `table ${table} has no stream` : `table ${table}` };
  }
  if (service === 'kinesis') {
    const [streamArn = arn, consumer] = arn.split('/consumer/');
    const kinesis = client(KinesisClient, region);
    if (!(await ifExists(() => kinesis.send(new DescribeStreamSummaryCommand({ StreamARN: streamArn })))))
      return { missing: `stream ${streamArn}` };
    if (consumer === undefined) return { arn };
    const ConsumerName = consumer.split(':')[0];
    const found = await ifExists(() =>
      kinesis.send(new DescribeStreamConsumerCommand({ StreamARN: streamArn, ConsumerName })),
    );
    return found?.ConsumerDescription?.ConsumerARN
      ? { arn: found.ConsumerDescription.ConsumerARN }
      : { missing: `consumer ${ConsumerName}` };
  }
  if (service === 'sqs') {
    const command = new GetQueueUrlCommand({ QueueName: resource, QueueOwnerAWSAccountId: account });
    return (await ifExists(() => client(SQSClient, region).send(command)))
      ? { arn }
      : { missing: `queue ${resource}` };
  }
  return { arn };
}

async function restoreMapping(record: TriggerRecord, context: RestoreContext) {
  const { mapper } = context;
  const config = record.config as Record<string, unknown> & { Enabled: boolean; StartingPosition?: string };
  const [, , service = '', , , resource = ''] = record.source.split(':');
  const sourceName = resource.split('/')[1] ?? resource;
  const restoredSource =
    (service === 'dynamodb' && mapper.isRestored('dynamodb-table', sourceName)) ||
    (service === 'kinesis' && mapper.isRestored('kinesis-stream', sourceName)) ||
    (service === 'sqs' && mapper.isRestored('sqs-queue', resource));
  // Two mappings on one queue compete for its messages: a scratch copy must not steal production's.
  const skip =
    service === 'sqs' &&
    sharedSourceSkip(context, restoredSource, 'a second consumer would take messages from the queue');
  if (skip) return cannotRestore(record, 'skipped', skip);
  const source = await resolveSource(mapper.mapArn(record.source), context.targetRegion);
  if (!source.arn)
    return cannotRestore(
      record,
      'blocked',
      `${source.missing} does not exist in ${context.targetRegion}: restore or create it first`,
    );
  const target = mapper.mapArn(record.target);
  const lambda = client(LambdaClient, context.targetRegion);
  const existing = await paginate(async (Marker) => {
    const page = await lambda.send(
      new ListEventSourceMappingsCommand({ EventSourceArn: source.arn, Marker }),
    );
    return { items: page.EventSourceMappings, next: page.NextMarker };
  });
  const current = existing.find(
    (mapping) => mapping.FunctionArn === target && mapping.EventSourceArn === source.arn,
  );
  const desired = mapper.mapDeep(settingsOf(config, config.Enabled));
  const recorded = context.options.startingPosition === 'RECORDED';
  const startingPosition = isStream(source.arn) ? (recorded ? config.StartingPosition : 'LATEST') : undefined;
  const create: CreateEventSourceMappingCommandInput = {
    ...(desired as object),
    FunctionName: target,
    EventSourceArn: source.arn,
    StartingPosition: startingPosition as CreateEventSourceMappingCommandInput['StartingPosition'],
    StartingPositionTimestamp:
      recorded && config.StartingPositionTimestamp
        ? new Date(String(config.StartingPositionTimestamp))
        : undefined,
  };
  const change = await reconcile(context, {
    resource: `event source mapping ${source.arn} → ${target}`,
    current: current && settingsOf(current, !DISABLED_STATES.has(current.State ?? '')),
    desired,
    create: async () => {
      await lambda.send(new CreateEventSourceMappingCommand(create));
    },
    update: async () => {
      await lambda.send(
        new UpdateEventSourceMappingCommand({
          ...(desired as object),
          UUID: current?.UUID,
          FunctionName: target,
        }),
      );
    },
    note: startingPosition ? `starts reading at ${startingPosition}` : undefined,
  });
  return resultOf([change]);
}

/** Kinesis, DynamoDB Streams and SQS mappings. They read with the function's role: no resource policy. */
export const eventSourceMappingTrigger: TriggerType = {
  template: templateMappings,
  async remove(region, record) {
    await client(LambdaClient, region).send(new DeleteEventSourceMappingCommand({ UUID: record.id }));
  },

  type: 'event-source-mapping',
  async list(fn: FunctionRef) {
    const mappings = (await regionMappings(fn.region)).filter((mapping) =>
      targetsFunction(mapping.FunctionArn, fn),
    );
    return fromEachSource(mappings, (mapping) => `event source mapping ${mapping.UUID}`, toRecord);
  },
  restore: restoreMapping,
  expectedRecord: (record, mapper, options) => {
    const expected = mapper.mapDeep(record);
    if (expected.config.StartingPosition && options.startingPosition !== 'RECORDED')
      expected.config = { ...expected.config, StartingPosition: 'LATEST' };
    return expected;
  },
  // The mapping's UUID, and the label of a DynamoDB stream (a re-created table streams under a new one).
  generatedIds: (record) => [record.id, ...(/\/stream\/([^/]+)$/.exec(record.source)?.slice(1) ?? [])],
};
