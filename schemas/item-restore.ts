import { z } from 'zod';
import { InputValidationError } from '../src/errors.js';

/**
 * What an item-level restore selects inside one stored resource: objects of a bucket, items of a
 * table, records of a stream, and where they go. The CLI builds these from its flags (each flag
 * checked by name), the kinds receive them parsed.
 */

const BucketName = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name');
const TableName = z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, 'must be a DynamoDB table name');
const StreamName = z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'must be a Kinesis stream name');
const Time = z.iso.datetime({
  offset: true,
  message: 'must be an ISO 8601 time such as 2026-01-31T14:00:00Z',
});

/** Objects by exact key or glob (`*` any characters, `/` included; `?` one), into the bucket or another, under a prefix. */
export const ObjectSelection = z.object({
  kind: z.literal('s3-bucket'),
  keys: z.array(z.string().min(1).max(1024)).min(1).max(1000),
  toBucket: BucketName.optional(),
  /** Prepended to every restored key (`restored/` puts `a/b` at `restored/a/b`). */
  toPrefix: z.string().min(1).max(512).optional(),
});
export type ObjectSelection = z.infer<typeof ObjectSelection>;

/** A key attribute value: plain JSON (typed by the table's schema) or DynamoDB JSON (`{"S": "…"}`). */
const KeyValue = z.union([
  z.string(),
  z.number(),
  z.object({ S: z.string() }).strict(),
  z.object({ N: z.string() }).strict(),
  z.object({ B: z.string() }).strict(),
]);
export type KeyValue = z.infer<typeof KeyValue>;

/** A sort-key condition, as a Query's KeyConditionExpression allows. */
export const SortCondition = z.union([
  z.object({ eq: KeyValue }).strict(),
  z.object({ lt: KeyValue }).strict(),
  z.object({ le: KeyValue }).strict(),
  z.object({ gt: KeyValue }).strict(),
  z.object({ ge: KeyValue }).strict(),
  z.object({ between: z.tuple([KeyValue, KeyValue]) }).strict(),
  z.object({ beginsWith: KeyValue }).strict(),
]);
export type SortCondition = z.infer<typeof SortCondition>;

/**
 * Items by primary key, or by a key condition (a partition key value and optionally a condition on the
 * sort key), into the table or another (created with the recorded schema when missing).
 */
export const TableItemSelection = z.object({
  kind: z.literal('dynamodb-table'),
  keys: z.array(z.record(z.string(), KeyValue)).min(1).max(10_000).optional(),
  condition: z.object({ partitionKey: KeyValue, sortKey: SortCondition.optional() }).strict().optional(),
  toTable: TableName.optional(),
});
export type TableItemSelection = z.infer<typeof TableItemSelection>;

/** Records by partition key and/or arrival time (inclusive), replayed in order into the stream or another. */
export const RecordSelection = z.object({
  kind: z.literal('kinesis-stream'),
  partitionKeys: z.array(z.string().min(1).max(256)).min(1).max(1000).optional(),
  from: Time.optional(),
  to: Time.optional(),
  toStream: StreamName.optional(),
});
export type RecordSelection = z.infer<typeof RecordSelection>;

export const ItemSelection = z.discriminatedUnion('kind', [
  ObjectSelection,
  TableItemSelection,
  RecordSelection,
]);
export type ItemSelection = z.infer<typeof ItemSelection>;

/** The items file of `--items`: a list of keys, `{"keys": [...]}`, or `{"condition": {...}}`. */
export const ItemsFile = z.union([
  z.array(z.record(z.string(), KeyValue)).min(1),
  z.object({ keys: z.array(z.record(z.string(), KeyValue)).min(1) }).strict(),
  z.object({ condition: TableItemSelection.shape.condition.unwrap() }).strict(),
]);
export type ItemsFile = z.infer<typeof ItemsFile>;

/** The selection of `kind`; a selection meant for another kind is bad input. */
export function selectionOf<K extends ItemSelection['kind']>(
  kind: K,
  selection: ItemSelection,
): Extract<ItemSelection, { kind: K }> {
  if (selection.kind !== kind)
    throw new InputValidationError(`a ${selection.kind} selection cannot restore items of a ${kind}`);
  return selection as Extract<ItemSelection, { kind: K }>;
}
