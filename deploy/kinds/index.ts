import type { KindName } from '../../schemas/common.js';
import { dynamodbTable } from './dynamodb-table.js';
import { kinesisStream } from './kinesis-stream.js';
import { lambdaFunction } from './lambda-function.js';
import { s3Bucket } from './s3-bucket.js';
import type { KindStack } from './types.js';

/** What each kind needs from the stack (its backup-<kind> and restore-<kind> functions and roles). */
export const KIND_STACKS: Record<KindName, KindStack> = {
  'lambda-function': lambdaFunction,
  'dynamodb-table': dynamodbTable,
  's3-bucket': s3Bucket,
  'kinesis-stream': kinesisStream,
};
