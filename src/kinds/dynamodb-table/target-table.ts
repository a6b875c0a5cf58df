import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  type TableDescription,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateContinuousBackupsCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { ifExists } from '../../aws/errors.js';
import type { RestoreContext } from '../../reconcile/context.js';
import { diffFields } from '../../reconcile/diff.js';
import { isFixed, liveTableShape } from './compare.js';
import type { TableConfig } from './format.js';

/**
 * The table a restore writes into: its CreateTable input (name mapped, tags as recorded, a customer
 * KMS key only where it exists), creating it, and bringing the settings of an existing, just created
 * or just imported table to the backup's.
 */

export interface Target {
  dynamo: DynamoDBClient;
  name: string;
  config: TableConfig;
  /** The recorded table's shape (see `tableShape`). */
  desired: Record<string, unknown>;
  create: CreateTableCommandInput;
}

export const waitActive = (dynamo: DynamoDBClient, TableName: string) =>
  waitUntilTableExists({ client: dynamo, maxWaitTime: 600, minDelay: 1, maxDelay: 10 }, { TableName });

/** DescribeTable, undefined when there is no such table. */
export async function describe(dynamo: DynamoDBClient, name: string): Promise<TableDescription | undefined> {
  const found = await ifExists(() => dynamo.send(new DescribeTableCommand({ TableName: name })));
  return found?.Table;
}

/**
 * Brings the updatable settings of an existing (or just created or imported) table to the backup's,
 * one UpdateTable at a time (DynamoDB allows one kind of change per call), waiting for ACTIVE after each.
 */
export async function converge(target: Target, fields: string[]): Promise<void> {
  const { dynamo, name, desired, create } = target;
  const wanted = new Set(fields.map((field) => field.split('.')[0]));
  const update = async (input: Omit<ConstructorParameters<typeof UpdateTableCommand>[0], 'TableName'>) => {
    await dynamo.send(new UpdateTableCommand({ TableName: name, ...input }));
    await waitActive(dynamo, name);
  };
  const live = await describe(dynamo, name);
  if (wanted.has('BillingMode') || wanted.has('ProvisionedThroughput'))
    await update({ BillingMode: create.BillingMode, ProvisionedThroughput: create.ProvisionedThroughput });
  if (wanted.has('StreamSpecification')) {
    // A stream's view type cannot change in place: the old stream is disabled first.
    if (live?.StreamSpecification?.StreamEnabled)
      await update({ StreamSpecification: { StreamEnabled: false } });
    if (create.StreamSpecification?.StreamEnabled)
      await update({ StreamSpecification: create.StreamSpecification });
  }
  if (wanted.has('SSE')) await update({ SSESpecification: create.SSESpecification ?? { Enabled: false } });
  if (wanted.has('TableClass')) await update({ TableClass: desired.TableClass as never });
  if (wanted.has('DeletionProtectionEnabled'))
    await update({ DeletionProtectionEnabled: desired.DeletionProtectionEnabled as boolean });
  if (wanted.has('TimeToLive')) {
    const attribute = desired.TimeToLive as string | null;
    const current = (await dynamo.send(new DescribeTimeToLiveCommand({ TableName: name })))
      .TimeToLiveDescription?.AttributeName;
    const AttributeName = attribute ?? current;
    if (AttributeName)
      await dynamo.send(
        new UpdateTimeToLiveCommand({
          TableName: name,
          TimeToLiveSpecification: { Enabled: attribute !== null, AttributeName },
        }),
      );
  }
  if (wanted.has('PointInTimeRecovery'))
    await dynamo.send(
      new UpdateContinuousBackupsCommand({
        TableName: name,
        PointInTimeRecoverySpecification: {
          PointInTimeRecoveryEnabled: desired.PointInTimeRecovery as boolean,
        },
      }),
    );
  if (wanted.has('Tags') && live?.TableArn) {
    const tags = desired.Tags as Record<string, string>;
    const current = await liveTableShape(dynamo, live);
    const extra = Object.keys(current.Tags as Record<string, string>).filter((key) => !(key in tags));
    if (extra.length)
      await dynamo.send(new UntagResourceCommand({ ResourceArn: live.TableArn, TagKeys: extra }));
    if (Object.keys(tags).length)
      await dynamo.send(new TagResourceCommand({ ResourceArn: live.TableArn, Tags: target.config.tags }));
  }
}

/** After CreateTable or ImportTable: whatever creation could not set (TTL, PITR; after an import also stream, tags…). */
export async function finishCreated(target: Target): Promise<string[]> {
  const table = (await describe(target.dynamo, target.name)) as TableDescription;
  const fields = diffFields(await liveTableShape(target.dynamo, table), target.desired).map(
    (field) => field.field,
  );
  const fixed = fields.filter(isFixed);
  await converge(target, fields);
  return fixed;
}

export async function createTable(target: Target, notes: string[]): Promise<void> {
  await target.dynamo.send(new CreateTableCommand(target.create));
  await waitActive(target.dynamo, target.name);
  const fixed = await finishCreated(target);
  if (fixed.length) notes.push(`created, but these fields differ from the backup: ${fixed.join(', ')}`);
}

/** CreateTable input for the target: name mapped, tags as recorded, a customer KMS key only where it exists. */
export function createInputFor(
  config: TableConfig,
  name: string,
  context: Pick<RestoreContext, 'sourceRegion' | 'targetRegion' | 'mapper'>,
  notes: string[],
) {
  const { StreamSpecification, SSESpecification, GlobalSecondaryIndexes, LocalSecondaryIndexes, ...rest } =
    config.create;
  let sse = SSESpecification;
  if (sse?.KMSMasterKeyId) {
    if (context.sourceRegion === context.targetRegion)
      sse = { ...sse, KMSMasterKeyId: context.mapper.mapArn(sse.KMSMasterKeyId) };
    else {
      sse = { ...sse, KMSMasterKeyId: undefined };
      notes.push(
        'encrypted with the AWS managed KMS key: the recorded customer key belongs to the source region',
      );
    }
  }
  return {
    ...rest,
    TableName: name,
    // DescribeTable may answer an empty list; CreateTable refuses one.
    GlobalSecondaryIndexes: GlobalSecondaryIndexes?.length ? GlobalSecondaryIndexes : undefined,
    LocalSecondaryIndexes: LocalSecondaryIndexes?.length ? LocalSecondaryIndexes : undefined,
    StreamSpecification: StreamSpecification?.StreamEnabled ? StreamSpecification : undefined,
    SSESpecification: sse,
    Tags: config.tags.length ? config.tags : undefined,
  } as CreateTableCommandInput;
}
