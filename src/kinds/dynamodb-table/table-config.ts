import {
  type CreateTableCommandInput,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  ListTagsOfResourceCommand,
  type TableDescription,
  type Tag,
} from '@aws-sdk/client-dynamodb';
import { NotFoundError } from '../../errors.js';
import type { TableConfig } from './format.js';

/**
 * A live table's configuration as the backup records it in schema.json: DescribeTable as AWS answered
 * it, TTL, PITR and tags, and the CreateTable input that re-creates the table (see format.ts).
 */

export const billingModeOf = (table: TableDescription): TableConfig['billingMode'] =>
  table.BillingModeSummary?.BillingMode === 'PAY_PER_REQUEST' ? 'PAY_PER_REQUEST' : 'PROVISIONED';

export async function describeTable(dynamo: DynamoDBClient, name: string): Promise<TableDescription> {
  const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: name }));
  if (!Table?.TableArn) throw new NotFoundError(`DynamoDB table ${name} not found`);
  return Table;
}

async function listTags(dynamo: DynamoDBClient, arn: string): Promise<Tag[]> {
  const tags: Tag[] = [];
  let NextToken: string | undefined;
  do {
    const page = await dynamo.send(new ListTagsOfResourceCommand({ ResourceArn: arn, NextToken }));
    tags.push(...(page.Tags ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return tags;
}

function createInput(
  table: TableDescription,
  billingMode: TableConfig['billingMode'],
  tags: Tag[],
): CreateTableCommandInput {
  const provisioned = billingMode === 'PROVISIONED';
  const throughput = (t?: { ReadCapacityUnits?: number; WriteCapacityUnits?: number }) =>
    provisioned && t
      ? { ReadCapacityUnits: t.ReadCapacityUnits ?? 1, WriteCapacityUnits: t.WriteCapacityUnits ?? 1 }
      : undefined;
  const sse = table.SSEDescription;
  return {
    TableName: table.TableName,
    KeySchema: table.KeySchema,
    AttributeDefinitions: table.AttributeDefinitions,
    BillingMode: billingMode,
    ProvisionedThroughput: throughput(table.ProvisionedThroughput),
    OnDemandThroughput: table.OnDemandThroughput,
    GlobalSecondaryIndexes: table.GlobalSecondaryIndexes?.map((index) => ({
      IndexName: index.IndexName,
      KeySchema: index.KeySchema,
      Projection: index.Projection,
      ProvisionedThroughput: throughput(index.ProvisionedThroughput),
      OnDemandThroughput: index.OnDemandThroughput,
    })),
    LocalSecondaryIndexes: table.LocalSecondaryIndexes?.map((index) => ({
      IndexName: index.IndexName,
      KeySchema: index.KeySchema,
      Projection: index.Projection,
    })),
    StreamSpecification: table.StreamSpecification,
    SSESpecification:
      sse && (sse.Status === 'ENABLED' || sse.Status === 'ENABLING')
        ? { Enabled: true, SSEType: sse.SSEType, KMSMasterKeyId: sse.KMSMasterKeyArn }
        : undefined,
    TableClass: table.TableClassSummary?.TableClass,
    DeletionProtectionEnabled: table.DeletionProtectionEnabled,
    Tags: tags.length > 0 ? tags : undefined,
  } as CreateTableCommandInput;
}

export async function readTableConfig(
  dynamo: DynamoDBClient,
  region: string,
  name: string,
): Promise<TableConfig> {
  const table = await describeTable(dynamo, name);
  const [ttl, backups, tags] = await Promise.all([
    dynamo.send(new DescribeTimeToLiveCommand({ TableName: name })),
    dynamo.send(new DescribeContinuousBackupsCommand({ TableName: name })),
    listTags(dynamo, table.TableArn as string),
  ]);
  const billingMode = billingModeOf(table);
  return {
    format: 1,
    region,
    name,
    billingMode,
    create: createInput(table, billingMode, tags),
    timeToLive: ttl.TimeToLiveDescription ?? null,
    continuousBackups: backups.ContinuousBackupsDescription ?? null,
    tags,
    description: table,
  };
}
