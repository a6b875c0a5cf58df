import type { KindName } from '../../schemas/common.js';
import type { ArnNamePattern } from '../reconcile/arn-map.js';
import { apiGatewayHttpApi } from './apigateway-http-api/index.js';
import { apiGatewayRestApi } from './apigateway-rest-api/index.js';
import { dynamodbTable } from './dynamodb-table/index.js';
import { ecrImage } from './ecr-image/index.js';
import { eventBridgeBus } from './eventbridge-bus/index.js';
import { iamRole } from './iam-role/index.js';
import { kinesisStream } from './kinesis-stream/index.js';
import { lambdaFunction } from './lambda-function/index.js';
import { s3Bucket } from './s3-bucket/index.js';
import { snsTopic } from './sns-topic/index.js';
import { sqsQueue } from './sqs-queue/index.js';
import type { ResourceKind } from './types.js';

/** Every resource kind, by name. Adding a kind is one folder and one line here. */
export const KINDS: Record<KindName, ResourceKind> = {
  'lambda-function': lambdaFunction,
  'dynamodb-table': dynamodbTable,
  's3-bucket': s3Bucket,
  'kinesis-stream': kinesisStream,
  'sqs-queue': sqsQueue,
  'sns-topic': snsTopic,
  'iam-role': iamRole,
  'apigateway-rest-api': apiGatewayRestApi,
  'apigateway-http-api': apiGatewayHttpApi,
  'eventbridge-bus': eventBridgeBus,
  'ecr-image': ecrImage,
};

export function kindModule(kind: KindName): ResourceKind {
  return KINDS[kind];
}

/** How every kind's names appear in ARNs: what the ARN mapper rewrites. */
export const ARN_NAMES: readonly ArnNamePattern[] = Object.values(KINDS).flatMap(
  (kind) => kind.arnNames ?? [],
);
