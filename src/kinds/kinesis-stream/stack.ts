import type { KindStack } from '../types.js';

/** Scratch copies of a drill carry its suffix (-drill-<6 hex>, DRILL_SUFFIX). */
const scratchStreams = 'arn:${AWS::Partition}:kinesis:*:${AWS::AccountId}:stream/*-drill-*';
const accountStreams = 'arn:${AWS::Partition}:kinesis:*:${AWS::AccountId}:stream/*';
const accountKeys = 'arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*';

/** kinesis-stream: configuration and the records still retained, read shard by shard (checkpointed). */
export const kinesisStreamStack: KindStack = {
  backup: {
    description: 'triggervault - read one Kinesis stream into the backup store (checkpointed)',
    memorySize: 1024,
    timeout: 900,
    // Record parts go under blobs/parts/ (later incremental runs list them too).
    store: ['blobs'],
    statements: [
      {
        Sid: 'ReadStreams',
        Effect: 'Allow',
        Action: [
          'kinesis:DescribeStream',
          'kinesis:DescribeStreamSummary',
          'kinesis:ListShards',
          'kinesis:ListTagsForStream',
          'kinesis:ListStreamConsumers',
          'kinesis:GetShardIterator',
          'kinesis:GetRecords',
        ],
        Resource: accountStreams,
      },
      { Sid: 'ListStreams', Effect: 'Allow', Action: 'kinesis:ListStreams', Resource: '*' },
      // Records of a stream encrypted with a customer-managed key are read through Kinesis.
      {
        Sid: 'DecryptStreamRecords',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: accountKeys,
        Condition: { StringLike: { 'kms:ViaService': 'kinesis.*.amazonaws.com' } },
      },
    ],
  },
  restore: {
    description: 'triggervault restore - one Kinesis stream with its records (checkpointed)',
    memorySize: 1769,
    timeout: 900,
    roleNote: 'creates streams and puts their records back',
    statements: [
      {
        Sid: 'WriteStreams',
        Effect: 'Allow',
        Action: [
          'kinesis:CreateStream',
          'kinesis:AddTagsToStream',
          'kinesis:RemoveTagsFromStream',
          'kinesis:IncreaseStreamRetentionPeriod',
          'kinesis:DecreaseStreamRetentionPeriod',
          'kinesis:StartStreamEncryption',
          'kinesis:UpdateShardCount',
          'kinesis:RegisterStreamConsumer',
          'kinesis:PutRecords',
          // The SDK's stream waiter (waitUntilStreamExists) polls DescribeStream.
          'kinesis:DescribeStream',
          'kinesis:DescribeStreamSummary',
          'kinesis:ListShards',
          'kinesis:ListStreamConsumers',
          'kinesis:ListTagsForStream',
          'kinesis:GetShardIterator',
          'kinesis:GetRecords',
        ],
        Resource: accountStreams,
      },
      // Streams encrypted with a key of the account: data keys through Kinesis only.
      {
        Sid: 'EncryptRestoredData',
        Effect: 'Allow',
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: accountKeys,
        Condition: { StringLike: { 'kms:ViaService': ['kinesis.*.amazonaws.com'] } },
      },
    ],
  },
  // The drill's scratch copies (their names carry -drill-<6 hex>): read to compare, deleted by the cleanup.
  shared: {
    drillCompare: [
      {
        Sid: 'ReadStreams',
        Effect: 'Allow',
        Action: [
          'kinesis:DescribeStream',
          'kinesis:DescribeStreamSummary',
          'kinesis:DescribeStreamConsumer',
          'kinesis:ListShards',
          'kinesis:ListTagsForStream',
          'kinesis:ListStreamConsumers',
          'kinesis:GetShardIterator',
          'kinesis:GetRecords',
        ],
        Resource: scratchStreams,
      },
    ],
    drillCleanup: [
      {
        Sid: 'DeleteScratchStreams',
        Effect: 'Allow',
        Action: 'kinesis:DeleteStream',
        Resource: scratchStreams,
      },
    ],
  },
};
