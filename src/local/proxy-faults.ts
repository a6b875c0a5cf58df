import type { OutgoingHttpHeaders } from 'node:http';
import { type Classified, CODE_BRIDGE_SERVICE } from './proxy-operations.js';

/**
 * Injected failures for fault-injection tests: which requests get one (a seeded PRNG, so the same
 * seed and request sequence give the same faults) and the error a real AWS endpoint would send.
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

export interface InjectedFault {
  /** 1-based number of the request among all requests the proxy received since start or reset. */
  request: number;
  kind: FaultKind;
  service: string;
  operation: string;
}

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

/** Decides per request whether it gets a fault; draws two numbers for every eligible request, always. */
export function faultChooser(faults: FaultOptions | undefined): (service: string) => FaultKind | undefined {
  if (faults && (faults.rate < 0 || faults.rate > 1 || faults.kinds.length === 0))
    throw new Error('faults need a rate between 0 and 1 and at least one kind');
  const random = seededRandom(faults?.seed ?? 0);
  return (service) => {
    if (!faults || (faults.services && !faults.services.includes(service))) return undefined;
    const hit = random() < faults.rate;
    const pick = faults.kinds[Math.floor(random() * faults.kinds.length)] as FaultKind;
    return hit ? pick : undefined;
  };
}

const JSON_THROTTLE: Record<string, { status: number; type: string }> = {
  dynamodb: { status: 400, type: 'ProvisionedThroughputExceededException' },
  kinesis: { status: 400, type: 'ProvisionedThroughputExceededException' },
  lambda: { status: 429, type: 'TooManyRequestsException' },
};

export interface FaultResponse {
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
    [status, type] = [500, 'InternalFailure'];
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
