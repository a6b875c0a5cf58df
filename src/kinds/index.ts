import type { KindName } from '../../schemas/common.js';
import { dynamodbTable } from './dynamodb-table/backup.js';
import { kinesisStream } from './kinesis-stream/backup.js';
import { lambdaFunctionKind } from './lambda-function/capture.js';
import { s3Bucket } from './s3-bucket/backup.js';
import type { ResourceKind } from './types.js';

/** Every resource kind, by name. Adding a kind is one module and one line here. */
export const KINDS: Record<KindName, ResourceKind> = {
  'lambda-function': lambdaFunctionKind,
  'dynamodb-table': dynamodbTable,
  's3-bucket': s3Bucket,
  'kinesis-stream': kinesisStream,
};

export function kindModule(kind: KindName): ResourceKind {
  return KINDS[kind];
}
