import type {
  ContinuousBackupsDescription,
  CreateTableCommandInput,
  TableDescription,
  Tag,
  TimeToLiveDescription,
} from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { PartPosition } from '../../reconcile/data.js';
import { isJsonItem, type JsonItem as JsonItemType } from './json.js';

/**
 * What a DynamoDB table's backup writes to the store and reads back, and what its long steps hand
 * the state machine: `schema.json` (the table's configuration), the data parts' `{"Item": …}` lines in
 * DynamoDB JSON (the scan's parts and AWS's export files alike), the `manifest-summary.json` AWS writes
 * beside an export, the backup cursor and the restore's load position. Whatever is read back is parsed
 * with these schemas.
 *
 * Shapes AWS answered are stored as AWS answered them: a schema checks the fields this kind relies on
 * (nullish where the code tolerates their absence), keeps every other field as it is (`looseObject`),
 * and types the result as the SDK's type. AWS enumerations are checked as strings: a value newer than
 * this SDK still reads.
 */

/**
 * Checks the fields in `shape`, keeps every other field as stored, and types the value as the AWS SDK's
 * `T`: the checked fields are vouched for, the rest is AWS's answer as the backup wrote it.
 */
const awsShape = <T>(shape: z.ZodRawShape) => z.looseObject(shape).transform((value) => value as T);

const KeySchema = z.array(z.looseObject({ AttributeName: z.string(), KeyType: z.string() }));
const AttributeDefinitions = z.array(z.looseObject({ AttributeName: z.string(), AttributeType: z.string() }));
const Throughput = z.looseObject({
  ReadCapacityUnits: z.number().nullish(),
  WriteCapacityUnits: z.number().nullish(),
});
const Index = z.looseObject({
  IndexName: z.string().nullish(),
  KeySchema: KeySchema.nullish(),
  Projection: z
    .looseObject({ ProjectionType: z.string().nullish(), NonKeyAttributes: z.array(z.string()).nullish() })
    .nullish(),
  ProvisionedThroughput: Throughput.nullish(),
});
const Stream = z.looseObject({ StreamEnabled: z.boolean().nullish(), StreamViewType: z.string().nullish() });

/** DescribeTable as AWS answered it: the fields the comparison reads (see `tableShape`). */
const StoredTableDescription = awsShape<TableDescription>({
  KeySchema: KeySchema.nullish(),
  AttributeDefinitions: AttributeDefinitions.nullish(),
  BillingModeSummary: z.looseObject({ BillingMode: z.string().nullish() }).nullish(),
  ProvisionedThroughput: Throughput.nullish(),
  GlobalSecondaryIndexes: z.array(Index).nullish(),
  LocalSecondaryIndexes: z.array(Index).nullish(),
  StreamSpecification: Stream.nullish(),
  SSEDescription: z.looseObject({ Status: z.string().nullish(), SSEType: z.string().nullish() }).nullish(),
  TableClassSummary: z.looseObject({ TableClass: z.string().nullish() }).nullish(),
  DeletionProtectionEnabled: z.boolean().nullish(),
});

/** The CreateTable input the backup derived: what creation, an import and `converge` read from it. */
const StoredCreateInput = awsShape<CreateTableCommandInput>({
  KeySchema: KeySchema.nullish(),
  AttributeDefinitions: AttributeDefinitions.nullish(),
  BillingMode: z.string().nullish(),
  ProvisionedThroughput: Throughput.nullish(),
  GlobalSecondaryIndexes: z.array(Index).nullish(),
  LocalSecondaryIndexes: z.array(Index).nullish(),
  StreamSpecification: Stream.nullish(),
  SSESpecification: z
    .looseObject({
      Enabled: z.boolean().nullish(),
      SSEType: z.string().nullish(),
      KMSMasterKeyId: z.string().nullish(),
    })
    .nullish(),
});

/** schema.json: everything needed to re-create the table. */
export const TableConfig = z.object({
  format: z.literal(1),
  region: z.string(),
  name: z.string(),
  billingMode: z.enum(['PROVISIONED', 'PAY_PER_REQUEST']),
  /** What CreateTable needs to re-create the table (keys, indexes, capacity, stream, SSE, tags). */
  create: StoredCreateInput,
  timeToLive: awsShape<TimeToLiveDescription>({
    TimeToLiveStatus: z.string().nullish(),
    AttributeName: z.string().nullish(),
  }).nullable(),
  continuousBackups: awsShape<ContinuousBackupsDescription>({
    PointInTimeRecoveryDescription: z
      .looseObject({ PointInTimeRecoveryStatus: z.string().nullish() })
      .nullish(),
  }).nullable(),
  tags: z.array(awsShape<Tag>({ Key: z.string(), Value: z.string() })),
  /** DescribeTable as AWS answered it. */
  description: StoredTableDescription,
});
export type TableConfig = z.infer<typeof TableConfig>;

/** An item in DynamoDB JSON (see json.ts), checked all the way down by a guard that allocates nothing. */
export const JsonItem = z.custom<JsonItemType>(isJsonItem, 'must be an item in DynamoDB JSON');

/** One line of a data part: one item, in the format of AWS's own DynamoDB JSON exports. */
export const ItemLine = z.object({ Item: JsonItem });
export type ItemLine = z.infer<typeof ItemLine>;

/** manifest-summary.json, written by AWS beside a native export (not by moto): its item count is checked. */
export const ExportSummary = z.looseObject({ itemCount: z.number().int().nonnegative().optional() });

/** Where a segmented scan stands between steps. */
export const ScanCursor = z.object({
  mode: z.literal('scan'),
  /** The number of the last chunk that wrote parts. */
  chunk: z.number().int().nonnegative(),
  segments: z.array(z.object({ key: JsonItem.optional(), done: z.boolean() })).min(1),
  consistent: z.boolean(),
  /** Read capacity units per second this backup may use; null = unlimited (on-demand). */
  rate: z.number().positive().nullable(),
  /** Average item size, to size pages under a rate cap. */
  itemBytes: z.number().positive(),
  items: z.number().int().nonnegative(),
  /**
   * The partition key attribute: the parts' lookup documents keep a Bloom filter of its values, so an
   * item restore reads only the blocks that may hold an item. Absent in cursors of older versions.
   */
  partitionKey: z.string().optional(),
});
export type ScanCursor = z.infer<typeof ScanCursor>;

/** A native export that was started and is being waited for. */
export const ExportCursor = z.object({
  mode: z.literal('export'),
  chunk: z.number().int().nonnegative(),
  exportArn: z.string().min(1),
  /** Store key under which the export writes (AWSDynamoDB/<id>/… below it). */
  prefix: z.string().min(1),
});
export type ExportCursor = z.infer<typeof ExportCursor>;

/** The backup step's cursor: a scan or an export in progress. */
export const BackupCursor = z.discriminatedUnion('mode', [ScanCursor, ExportCursor]);

/** Where a restore's load continues: an ImportTable to follow, or the parts' items to write from a position. */
export const LoadPosition = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('import'), importArn: z.string().min(1) }),
  PartPosition.extend({ mode: z.literal('write') }),
]);
export type LoadPosition = z.infer<typeof LoadPosition>;
