/**
 * Routing by operation for benchmarks: each request goes to the backend that is not the bottleneck
 * for it (see BENCHMARKS.md), and every tool measured through the proxy gets the same routing.
 *
 * - S3 object operations and object listings go to `s3Objects` (fauxqs). Buckets are created and
 *   deleted in both (moto answers, fauxqs mirrors). Bucket configuration (every bucket subresource:
 *   versioning, tagging, policy, notification, …, uploads and versions listings), ListBuckets,
 *   HeadBucket and object configuration (tagging, ACL, retention, legal hold) go to moto: fauxqs has
 *   no tagging (PutObjectTagging overwrites the object), no versioning and answers configuration
 *   reads with a listing. Objects live in fauxqs only, so moto answers NoSuchKey to object tagging:
 *   a tool that needs tags fails loudly instead of reading fauxqs's wrong answer.
 * - DynamoDB Scan goes to `dynamoScan` (dynalite); table creation and every item write go to moto
 *   and are mirrored to dynalite, so both hold the same items. Everything else (DescribeTable with
 *   its ItemCount, PITR, TTL, Streams, export, tags, Query, GetItem) goes to moto.
 * - Kinesis reads (GetShardIterator, GetRecords) go to `kinesisReads` (kinesalite); stream creation,
 *   resharding and record writes go to moto and are mirrored; everything else goes to moto.
 * - Everything else, and every service without its own backend here, goes to moto.
 */

/** Where one request goes: backend names (see `Routing.backends`; `default` is the proxy's target). */
export interface Route {
  to: string;
  /** Also sent here once `to` answered 2xx (same request, bytes buffered): keeps two backends alike. */
  mirror?: string;
}

export interface RouteRequest {
  service: string;
  /** Undefined for Query-protocol requests (the Action is in the body): they route by service. */
  operation?: string;
}

export interface Routing {
  /** Named loopback backends besides the proxy's `target` (named `default`). */
  backends: Record<string, string>;
  route(request: RouteRequest): Route;
}

export interface OperationBackends {
  /** fauxqs: S3 object operations and listings. */
  s3Objects?: string;
  /** dynalite: DynamoDB Scan. */
  dynamoScan?: string;
  /** kinesalite: Kinesis GetShardIterator and GetRecords. */
  kinesisReads?: string;
}

/** S3 operations on objects' content and listings of objects (path-style names from `s3Operation`). */
export const S3_OBJECT_OPERATIONS = new Set([
  'ListObjectsV2',
  'ListObjects',
  'DeleteObjects',
  'PutObject',
  'GetObject',
  'HeadObject',
  'CopyObject',
  'DeleteObject',
  'GetObjectAttributes',
  'CreateMultipartUpload',
  'UploadPart',
  'UploadPartCopy',
  'CompleteMultipartUpload',
  'AbortMultipartUpload',
  'ListParts',
]);
const S3_MIRRORED = new Set(['CreateBucket', 'DeleteBucket']);

export const DYNAMODB_MIRRORED = new Set([
  'CreateTable',
  'DeleteTable',
  'PutItem',
  'BatchWriteItem',
  'UpdateItem',
  'DeleteItem',
]);
const KINESIS_READS = new Set(['GetShardIterator', 'GetRecords']);
const KINESIS_MIRRORED = new Set([
  'CreateStream',
  'DeleteStream',
  'PutRecord',
  'PutRecords',
  'UpdateShardCount',
  'SplitShard',
  'MergeShards',
]);

const DEFAULT: Route = { to: 'default' };

/** The bench's routing (see the module comment); a backend left out keeps its service on moto. */
export function routeByOperation(backends: OperationBackends): Routing {
  const named: Record<string, string> = {};
  if (backends.s3Objects) named.fauxqs = backends.s3Objects;
  if (backends.dynamoScan) named.dynalite = backends.dynamoScan;
  if (backends.kinesisReads) named.kinesalite = backends.kinesisReads;
  return {
    backends: named,
    route({ service, operation }) {
      if (operation === undefined) return DEFAULT;
      if (service === 's3' && named.fauxqs) {
        if (S3_OBJECT_OPERATIONS.has(operation)) return { to: 'fauxqs' };
        if (S3_MIRRORED.has(operation)) return { to: 'default', mirror: 'fauxqs' };
      }
      if (service === 'dynamodb' && named.dynalite) {
        if (operation === 'Scan') return { to: 'dynalite' };
        if (DYNAMODB_MIRRORED.has(operation)) return { to: 'default', mirror: 'dynalite' };
      }
      if (service === 'kinesis' && named.kinesalite) {
        if (KINESIS_READS.has(operation)) return { to: 'kinesalite' };
        if (KINESIS_MIRRORED.has(operation)) return { to: 'default', mirror: 'kinesalite' };
      }
      return DEFAULT;
    },
  };
}
