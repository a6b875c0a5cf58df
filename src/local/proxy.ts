import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type Readable, Transform } from 'node:stream';

/**
 * A loopback HTTP proxy in front of the emulator, for benchmarks and fault-injection tests.
 *
 * Every request is forwarded to `target` after a fixed delay (`latencyMs`), bodies streamed both
 * ways (never buffered whole) over keep-alive connections. Requests are counted by AWS service (the
 * SigV4 credential scope) and operation (X-Amz-Target, the Query protocol's Action, S3's REST
 * shape, or method plus path template for the other REST services). With `faults`, a seeded PRNG
 * decides per eligible request whether to answer with an injected failure instead of forwarding:
 * the same seed and the same request sequence give the same faults.
 */

export type FaultKind = '500' | '503' | 'throttle' | 'slowdown' | 'reset';

export interface FaultOptions {
  /** Probability (0..1) that an eligible request gets a fault. */
  rate: number;
  /** The faults to choose from, uniformly. */
  kinds: FaultKind[];
  /** Only requests to these services (SigV4 scope names: `s3`, `dynamodb`, …) are eligible; default all. */
  services?: string[];
  seed: number;
}

export interface ProxyOptions {
  /** The upstream, e.g. the emulator's `http://127.0.0.1:PORT`. Loopback only. */
  target: string;
  /** Fixed delay added to every request before it is forwarded (or answered with a fault). */
  latencyMs?: number;
  faults?: FaultOptions;
}

export interface ProxyStats {
  requests: number;
  byService: Record<string, number>;
  /** Keyed `service:Operation`, e.g. `s3:CopyObject`, `dynamodb:Scan`, `lambda:GET /2015-03-31/functions/{}`. */
  byOperation: Record<string, number>;
  faults: { total: number; byKind: Partial<Record<FaultKind, number>> };
}

export interface InjectedFault {
  /** 1-based number of the request among all requests the proxy received since start or reset. */
  request: number;
  kind: FaultKind;
  service: string;
  operation: string;
}

export interface LoopbackProxy {
  endpoint: string;
  stats(): ProxyStats;
  /** The faults injected since start or reset, in order (bounded to the latest 100,000). */
  faultLog(): InjectedFault[];
  /** Zeroes the counters and the fault log (the PRNG goes on). */
  reset(): void;
  stop(): Promise<void>;
}

/** Requests to the emulator's code bridge are unsigned; they count under this service name. */
export const CODE_BRIDGE_SERVICE = 'triggervault';
export const CODE_BRIDGE_PREFIX = '/__triggervault/';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/;
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'expect',
]);
const FAULT_LOG_LIMIT = 100_000;

/** mulberry32: small, fast, good enough for choosing faults, and reproducible from a 32-bit seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
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
  uploads: 'ListMultipartUploads',
  versions: 'ListObjectVersions',
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
  switch (method) {
    case 'PUT':
      if (query.has('partNumber')) return copy ? 'UploadPartCopy' : 'UploadPart';
      if (query.has('tagging')) return 'PutObjectTagging';
      if (query.has('acl')) return 'PutObjectAcl';
      return copy ? 'CopyObject' : 'PutObject';
    case 'GET':
      if (query.has('tagging')) return 'GetObjectTagging';
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
const QUERY_ACTION = /(?:^|&)Action=([A-Za-z0-9]+)/;

interface Classified {
  service: string;
  /** Known from the headers; undefined when it must be read from the body's first bytes. */
  operation?: string;
  protocol: 'json' | 'rest-json' | 'xml' | 'query' | 'other';
}

function classify(request: IncomingMessage, url: URL): Classified {
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

const JSON_THROTTLE: Record<string, { status: number; type: string }> = {
  dynamodb: { status: 400, type: 'ProvisionedThroughputExceededException' },
  kinesis: { status: 400, type: 'ProvisionedThroughputExceededException' },
  lambda: { status: 429, type: 'TooManyRequestsException' },
};

interface FaultResponse {
  status: number;
  headers: OutgoingHttpHeaders;
  body: string;
}

/** The error a real AWS endpoint of this service would send for `kind` (not `reset`). */
export function faultResponse(kind: Exclude<FaultKind, 'reset'>, classified: Classified): FaultResponse {
  const { service, protocol } = classified;
  const requestId = 'triggervault-proxy-fault';
  const throttling = kind === 'throttle' || kind === 'slowdown';
  // Lambda code locations are S3 (pre-signed) URLs in AWS, so the code bridge fails the way S3 does.
  if (service === 's3' || service === CODE_BRIDGE_SERVICE || (kind === 'slowdown' && protocol === 'xml')) {
    const [status, code, message] = throttling
      ? [503, 'SlowDown', 'Please reduce your request rate.']
      : kind === '500'
        ? [500, 'InternalError', 'We encountered an internal error. Please try again.']
        : [503, 'ServiceUnavailable', 'Service is unable to handle request.'];
    return {
      status,
      headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${requestId}</RequestId></Error>`,
    };
  }
  let status: number;
  let type: string;
  if (throttling) {
    ({ status, type } = JSON_THROTTLE[service] ?? { status: 400, type: 'ThrottlingException' });
    if (protocol === 'query') type = 'Throttling';
  } else if (kind === '500') {
    [status, type] = [500, protocol === 'query' ? 'InternalFailure' : 'InternalFailure'];
  } else {
    [status, type] = [503, 'ServiceUnavailable'];
  }
  if (protocol === 'query') {
    const side = status >= 500 ? 'Receiver' : 'Sender';
    return {
      status,
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
      body: `<ErrorResponse><Error><Type>${side}</Type><Code>${type}</Code><Message>injected by the triggervault proxy</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    };
  }
  return {
    status,
    headers: {
      'content-type': protocol === 'json' ? 'application/x-amz-json-1.0' : 'application/json',
      'x-amzn-errortype': type,
      'x-amzn-requestid': requestId,
    },
    body: JSON.stringify({ __type: type, message: 'injected by the triggervault proxy' }),
  };
}

const forwardHeaders = (headers: IncomingHttpHeaders): OutgoingHttpHeaders => {
  const forwarded: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) forwarded[name] = value;
  }
  return forwarded;
};

/** Starts the proxy on 127.0.0.1 (a free port) in front of a loopback `target`. */
export async function startProxy(options: ProxyOptions): Promise<LoopbackProxy> {
  const target = new URL(options.target);
  if (target.protocol !== 'http:' || !LOOPBACK.test(target.hostname))
    throw new Error(`proxy target must be a loopback http:// URL, got ${options.target}`);
  const latencyMs = Math.max(0, options.latencyMs ?? 0);
  const faults = options.faults;
  if (faults && (faults.rate < 0 || faults.rate > 1 || faults.kinds.length === 0))
    throw new Error('faults need a rate between 0 and 1 and at least one kind');
  const random = seededRandom(faults?.seed ?? 0);
  const agent = new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256 });

  let stats: ProxyStats;
  let log: InjectedFault[];
  const zero = () => {
    stats = { requests: 0, byService: {}, byOperation: {}, faults: { total: 0, byKind: {} } };
    log = [];
  };
  zero();
  const countOperation = (service: string, operation: string) => {
    const key = `${service}:${operation}`;
    stats.byOperation[key] = (stats.byOperation[key] ?? 0) + 1;
  };

  /** Draws for every eligible request (two numbers, always), so the sequence depends on the seed only. */
  const chooseFault = (service: string): FaultKind | undefined => {
    if (!faults || (faults.services && !faults.services.includes(service))) return undefined;
    const hit = random() < faults.rate;
    const pick = faults.kinds[Math.floor(random() * faults.kinds.length)] as FaultKind;
    return hit ? pick : undefined;
  };

  const sockets = new Set<Socket>();

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://proxy.invalid');
    const classified = classify(request, url);
    stats.requests += 1;
    const number = stats.requests;
    stats.byService[classified.service] = (stats.byService[classified.service] ?? 0) + 1;
    let entry: InjectedFault | undefined;
    // Query protocol: the SDKs put Action first; it is read from the first chunk as it streams by.
    let body: Readable = request;
    let settleOperation: ((operation: string) => void) | undefined;
    if (classified.operation) countOperation(classified.service, classified.operation);
    else {
      let settled = false;
      settleOperation = (operation) => {
        if (settled) return;
        settled = true;
        countOperation(classified.service, operation);
        if (entry) entry.operation = operation;
      };
      const settle = settleOperation;
      body = request.pipe(
        new Transform({
          transform(chunk: Buffer, _encoding, done) {
            settle(QUERY_ACTION.exec(chunk.toString('latin1', 0, 512))?.[1] ?? 'POST');
            done(null, chunk);
          },
          flush(done) {
            settle('POST');
            done();
          },
        }),
      );
      request.on('error', (error) => body.destroy(error));
    }

    const fault = chooseFault(classified.service);
    if (fault) {
      stats.faults.total += 1;
      stats.faults.byKind[fault] = (stats.faults.byKind[fault] ?? 0) + 1;
      if (log.length >= FAULT_LOG_LIMIT) log.shift();
      entry = {
        request: number,
        kind: fault,
        service: classified.service,
        operation: classified.operation ?? 'POST',
      };
      log.push(entry);
    }

    const proceed = () => {
      if (fault === 'reset') {
        request.socket.destroy();
        return;
      }
      if (fault) {
        const answer = faultResponse(fault, classified);
        // Drain the body so the client's keep-alive connection stays usable.
        body.resume();
        const send = () => {
          if (response.headersSent || response.destroyed) return;
          response.writeHead(answer.status, {
            ...answer.headers,
            'content-length': Buffer.byteLength(answer.body),
          });
          response.end(answer.body);
        };
        if (body.readableEnded) send();
        else body.once('end', send);
        return;
      }
      const upstream = httpRequest(
        {
          agent,
          host: target.hostname,
          port: target.port,
          method: request.method,
          path: request.url,
          headers: forwardHeaders(request.headers),
        },
        (answer) => {
          const headers = forwardHeaders(answer.headers);
          response.writeHead(answer.statusCode ?? 502, answer.statusMessage, headers);
          answer.pipe(response);
          answer.on('error', () => response.destroy());
        },
      );
      upstream.on('error', () => {
        if (!response.headersSent) {
          response.writeHead(502, { 'content-type': 'text/plain' });
          response.end('proxy: upstream failed');
        } else response.destroy();
      });
      request.on('error', () => upstream.destroy());
      response.on('close', () => {
        if (!response.writableFinished) upstream.destroy();
      });
      // Headers go out now: an upstream may answer before the body (or its first byte) exists.
      upstream.flushHeaders();
      body.pipe(upstream);
    };
    if (latencyMs > 0) setTimeout(proceed, latencyMs);
    else proceed();
  };

  const server = createServer({ keepAliveTimeout: 30_000 }, handle);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats: () => structuredClone(stats),
    faultLog: () => [...log],
    reset: zero,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        agent.destroy();
      }),
  };
}
