import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/**
 * What the loopback proxy knows of a request before forwarding it: its AWS service (the SigV4
 * credential scope) and operation (X-Amz-Target, S3's REST shape, or method plus path template for
 * the other REST services; the Query protocol's Action is read from the body as it streams by).
 */

/** Requests to the emulator's code bridge are unsigned; they count under this service name. */
export const CODE_BRIDGE_SERVICE = 'triggervault';
export const CODE_BRIDGE_PREFIX = '/__triggervault/';

export const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** The service of a SigV4-signed request: the 4th field of the credential scope (header or presigned query). */
export function serviceOf(headers: IncomingHttpHeaders, url: URL): string {
  if (url.pathname.startsWith(CODE_BRIDGE_PREFIX)) return CODE_BRIDGE_SERVICE;
  const authorization = header(headers, 'authorization') ?? '';
  const credential =
    /Credential=([^,\s]+)/.exec(authorization)?.[1] ?? url.searchParams.get('X-Amz-Credential') ?? '';
  return credential.split('/')[3] || 'unknown';
}

/** Bucket subresources (`?versioning`, …): the Get operation; Put and Delete follow by name. */
const S3_BUCKET_GET: Record<string, string> = {
  location: 'GetBucketLocation',
  versioning: 'GetBucketVersioning',
  notification: 'GetBucketNotificationConfiguration',
  lifecycle: 'GetBucketLifecycleConfiguration',
  cors: 'GetBucketCors',
  encryption: 'GetBucketEncryption',
  tagging: 'GetBucketTagging',
  policy: 'GetBucketPolicy',
  'object-lock': 'GetObjectLockConfiguration',
  publicAccessBlock: 'GetPublicAccessBlock',
  ownershipControls: 'GetBucketOwnershipControls',
  acl: 'GetBucketAcl',
  website: 'GetBucketWebsite',
  logging: 'GetBucketLogging',
  replication: 'GetBucketReplication',
  accelerate: 'GetBucketAccelerateConfiguration',
  requestPayment: 'GetBucketRequestPayment',
  analytics: 'GetBucketAnalyticsConfiguration',
  metrics: 'GetBucketMetricsConfiguration',
  inventory: 'GetBucketInventoryConfiguration',
  'intelligent-tiering': 'GetBucketIntelligentTieringConfiguration',
  uploads: 'ListMultipartUploads',
  versions: 'ListObjectVersions',
};

/** Object subresources that are configuration, not content: `?tagging`, `?acl`, `?retention`, `?legal-hold`. */
const S3_OBJECT_SUB: Record<string, string> = {
  tagging: 'ObjectTagging',
  acl: 'ObjectAcl',
  retention: 'ObjectRetention',
  'legal-hold': 'ObjectLegalHold',
};

const subresource = (url: URL, table: Record<string, string>): string | undefined => {
  for (const name of url.searchParams.keys()) if (name in table) return name;
  return undefined;
};

/** The S3 operation of a path-style request, from its method, path depth, query and headers. */
export function s3Operation(method: string, url: URL, headers: IncomingHttpHeaders): string {
  const segments = url.pathname.split('/').filter(Boolean);
  const query = url.searchParams;
  if (segments.length === 0) return method === 'GET' ? 'ListBuckets' : `${method} /`;
  if (segments.length === 1) {
    const sub = subresource(url, S3_BUCKET_GET);
    switch (method) {
      case 'GET':
        if (sub) return S3_BUCKET_GET[sub] as string;
        return query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
      case 'PUT':
        return sub ? (S3_BUCKET_GET[sub] as string).replace(/^Get/, 'Put') : 'CreateBucket';
      case 'DELETE':
        return sub ? (S3_BUCKET_GET[sub] as string).replace(/^Get/, 'Delete') : 'DeleteBucket';
      case 'POST':
        return query.has('delete') ? 'DeleteObjects' : 'POST bucket';
      case 'HEAD':
        return 'HeadBucket';
      default:
        return `${method} bucket`;
    }
  }
  const copy = header(headers, 'x-amz-copy-source') !== undefined;
  const sub = subresource(url, S3_OBJECT_SUB);
  switch (method) {
    case 'PUT':
      if (query.has('partNumber')) return copy ? 'UploadPartCopy' : 'UploadPart';
      if (sub) return `Put${S3_OBJECT_SUB[sub]}`;
      return copy ? 'CopyObject' : 'PutObject';
    case 'GET':
      if (sub) return `Get${S3_OBJECT_SUB[sub]}`;
      if (query.has('uploadId')) return 'ListParts';
      if (query.has('attributes')) return 'GetObjectAttributes';
      return 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    case 'DELETE':
      if (query.has('uploadId')) return 'AbortMultipartUpload';
      if (query.has('tagging')) return 'DeleteObjectTagging';
      return 'DeleteObject';
    case 'POST':
      if (query.has('uploads')) return 'CreateMultipartUpload';
      if (query.has('uploadId')) return 'CompleteMultipartUpload';
      return 'POST object';
    default:
      return `${method} object`;
  }
}

const VERSION_SEGMENT = /^(\d{4}-\d{2}-\d{2}|v\d+)$/;

/**
 * `METHOD /path` with the variable segments replaced by `{}`: after an API-version segment (a date or
 * `v2`), REST paths alternate collection and identifier (`/2015-03-31/functions/{}/policy`).
 */
export function restOperation(method: string, pathname: string): string {
  const segments = pathname.split('/').filter(Boolean);
  let position = 0;
  const template = segments.map((segment) => {
    if (position === 0 && VERSION_SEGMENT.test(segment)) return segment;
    position += 1;
    return position % 2 === 1 ? segment : '{}';
  });
  return `${method} /${template.join('/')}${pathname.endsWith('/') && segments.length ? '/' : ''}`;
}

/** Query-protocol services (SNS, IAM, STS, EC2, …) name the operation in the form body's Action. */
export const QUERY_ACTION = /(?:^|&)Action=([A-Za-z0-9]+)/;

export interface Classified {
  service: string;
  /** Known from the headers; undefined when it must be read from the body's first bytes. */
  operation?: string;
  protocol: 'json' | 'rest-json' | 'xml' | 'query' | 'other';
}

export function classify(request: IncomingMessage, url: URL): Classified {
  const service = serviceOf(request.headers, url);
  const method = request.method ?? 'GET';
  if (service === CODE_BRIDGE_SERVICE) return { service, operation: 'CodeDownload', protocol: 'other' };
  const target = header(request.headers, 'x-amz-target');
  if (target) return { service, operation: target.split('.').pop() ?? target, protocol: 'json' };
  if (service === 's3')
    return { service, operation: s3Operation(method, url, request.headers), protocol: 'xml' };
  const type = header(request.headers, 'content-type') ?? '';
  if (method === 'POST' && type.startsWith('application/x-www-form-urlencoded'))
    return { service, protocol: 'query' };
  return { service, operation: restOperation(method, url.pathname), protocol: 'rest-json' };
}
