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
import {
  type FaultKind,
  type FaultOptions,
  faultChooser,
  faultResponse,
  type InjectedFault,
} from './proxy-faults.js';
import { classify, QUERY_ACTION } from './proxy-operations.js';
import type { Route, Routing } from './proxy-routes.js';

/**
 * A loopback HTTP proxy in front of the emulator, for benchmarks and fault-injection tests.
 *
 * Every request is forwarded after a fixed delay (`latencyMs`), bodies streamed both ways (never
 * buffered whole) over keep-alive connections. Requests are counted by AWS service and operation
 * (see proxy-operations.ts). With `routing`, each request goes to the backend its operation is
 * routed to (see proxy-routes.ts); a mirrored request is buffered, sent to its backend and, once
 * that answered 2xx, to the mirror, and fails with 502 when the mirror disagrees. With `faults`, a
 * seeded PRNG decides per eligible request whether to answer with an injected failure instead
 * (see proxy-faults.ts).
 */

export type { FaultKind, FaultOptions, InjectedFault };

export interface ProxyOptions {
  /** The upstream, e.g. the emulator's `http://127.0.0.1:PORT`. Loopback only. */
  target: string;
  /** Fixed delay added to every request before it is forwarded (or answered with a fault). */
  latencyMs?: number;
  faults?: FaultOptions;
  /** Other loopback backends, and which requests go where; without it, everything goes to `target`. */
  routing?: Routing;
  /** Sees a copy of every request and response body of these services (e.g. to check pacing). */
  observe?: { services: string[]; exchange(observed: ObservedExchange): void };
}

export interface ObservedExchange {
  service: string;
  operation?: string;
  /** Epoch ms when the request reached the proxy (before the added latency) and when its answer ended. */
  received: number;
  answered: number;
  status: number;
  request: Buffer;
  response: Buffer;
}

export interface ProxyStats {
  requests: number;
  byService: Record<string, number>;
  /** Keyed `service:Operation`, e.g. `s3:CopyObject`, `dynamodb:Scan`, `lambda:GET /2015-03-31/functions/{}`. */
  byOperation: Record<string, number>;
  /** With routing only: requests each backend answered (`default` is the target), mirrored ones included. */
  byBackend?: Record<string, number>;
  faults: { total: number; byKind: Partial<Record<FaultKind, number>> };
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
/** Mirrored requests (bucket and table creation, item and record writes) are small; this bounds them. */
const MIRROR_BODY_LIMIT = 32 * 1024 * 1024;

const forwardHeaders = (headers: IncomingHttpHeaders): OutgoingHttpHeaders => {
  const forwarded: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) forwarded[name] = value;
  }
  return forwarded;
};

const loopbackUrl = (url: string): URL => {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' || !LOOPBACK.test(parsed.hostname))
    throw new Error(`proxy target must be a loopback http:// URL, got ${url}`);
  return parsed;
};

async function readAll(stream: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error(`mirrored body above ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

interface Buffered {
  status: number;
  message?: string;
  headers: OutgoingHttpHeaders;
  body: Buffer;
}

/** Starts the proxy on 127.0.0.1 (a free port) in front of a loopback `target`. */
export async function startProxy(options: ProxyOptions): Promise<LoopbackProxy> {
  const backends: Record<string, URL> = { default: loopbackUrl(options.target) };
  for (const [name, url] of Object.entries(options.routing?.backends ?? {}))
    backends[name] = loopbackUrl(url);
  const route = (service: string, operation?: string): Route =>
    options.routing?.route({ service, operation }) ?? { to: 'default' };
  const latencyMs = Math.max(0, options.latencyMs ?? 0);
  const chooseFault = faultChooser(options.faults);
  const agent = new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256 });

  let stats: ProxyStats;
  let log: InjectedFault[];
  const zero = () => {
    stats = { requests: 0, byService: {}, byOperation: {}, faults: { total: 0, byKind: {} } };
    if (options.routing) stats.byBackend = {};
    log = [];
  };
  zero();
  const countOperation = (service: string, operation: string) => {
    const key = `${service}:${operation}`;
    stats.byOperation[key] = (stats.byOperation[key] ?? 0) + 1;
  };
  const countBackend = (name: string) => {
    if (stats.byBackend) stats.byBackend[name] = (stats.byBackend[name] ?? 0) + 1;
  };

  const upstreamRequest = (name: string, request: IncomingMessage) => {
    const target = backends[name] as URL;
    countBackend(name);
    return httpRequest({
      agent,
      host: target.hostname,
      port: target.port,
      method: request.method,
      path: request.url,
      headers: forwardHeaders(request.headers),
    });
  };

  /** Streams the request to one backend and its answer back (copying both when observed). */
  const forward = (
    name: string,
    request: IncomingMessage,
    body: Readable,
    response: ServerResponse,
    observed?: Omit<ObservedExchange, 'answered' | 'status' | 'request' | 'response'>,
  ) => {
    const upstream = upstreamRequest(name, request);
    const sent: Buffer[] = [];
    if (observed) body.on('data', (chunk: Buffer) => sent.push(chunk));
    upstream.on('response', (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.statusMessage, forwardHeaders(answer.headers));
      answer.pipe(response);
      answer.on('error', () => response.destroy());
      if (observed) {
        const received: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => received.push(chunk));
        answer.on('end', () =>
          options.observe?.exchange({
            ...observed,
            answered: Date.now(),
            status: answer.statusCode ?? 502,
            request: Buffer.concat(sent),
            response: Buffer.concat(received),
          }),
        );
      }
    });
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

  /** Sends buffered bytes to one backend and buffers its answer. */
  const exchange = (name: string, request: IncomingMessage, bytes: Buffer) =>
    new Promise<Buffered>((resolve, reject) => {
      const upstream = upstreamRequest(name, request);
      upstream.on('response', (answer) => {
        readAll(answer, Number.POSITIVE_INFINITY).then(
          (body) =>
            resolve({
              status: answer.statusCode ?? 502,
              message: answer.statusMessage,
              headers: forwardHeaders(answer.headers),
              body,
            }),
          reject,
        );
      });
      upstream.on('error', reject);
      upstream.end(bytes);
    });

  /** A mirrored request: to its backend, then (when that succeeded) to the mirror, which must agree. */
  const forwardMirrored = async (
    routed: Route & { mirror: string },
    operation: string,
    request: IncomingMessage,
    body: Readable,
    response: ServerResponse,
  ) => {
    try {
      const bytes = await readAll(body, MIRROR_BODY_LIMIT);
      const primary = await exchange(routed.to, request, bytes);
      let answer = primary;
      if (primary.status < 300) {
        const mirrored = await exchange(routed.mirror, request, bytes);
        if (mirrored.status >= 300) {
          const text = `proxy: ${operation} succeeded on ${routed.to} but ${routed.mirror} answered ${mirrored.status}: ${mirrored.body.toString('utf8', 0, 500)}`;
          answer = { status: 502, headers: { 'content-type': 'text/plain' }, body: Buffer.from(text) };
        }
      }
      if (response.destroyed) return;
      response.writeHead(answer.status, answer.message, {
        ...answer.headers,
        'content-length': answer.body.length,
      });
      response.end(answer.body);
    } catch (error) {
      if (response.headersSent || response.destroyed) response.destroy();
      else {
        response.writeHead(502, { 'content-type': 'text/plain' });
        response.end(`proxy: mirrored ${operation} failed: ${(error as Error).message}`);
      }
    }
  };

  const sockets = new Set<Socket>();

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const received = Date.now();
    const url = new URL(request.url ?? '/', 'http://proxy.invalid');
    const classified = classify(request, url);
    stats.requests += 1;
    const number = stats.requests;
    stats.byService[classified.service] = (stats.byService[classified.service] ?? 0) + 1;
    let entry: InjectedFault | undefined;
    // Query protocol: the SDKs put Action first; it is read from the first chunk as it streams by.
    let body: Readable = request;
    if (classified.operation) countOperation(classified.service, classified.operation);
    else {
      let settled = false;
      const settle = (operation: string) => {
        if (settled) return;
        settled = true;
        countOperation(classified.service, operation);
        if (entry) entry.operation = operation;
      };
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
      const routed = route(classified.service, classified.operation);
      const unknown = [routed.to, routed.mirror].find((name) => name !== undefined && !backends[name]);
      if (unknown !== undefined) {
        body.resume();
        response.writeHead(502, { 'content-type': 'text/plain' });
        response.end(`proxy: routing names an unknown backend "${unknown}"`);
        return;
      }
      if (routed.mirror) {
        void forwardMirrored(
          { ...routed, mirror: routed.mirror },
          classified.operation ?? 'request',
          request,
          body,
          response,
        );
      } else {
        const observed = options.observe?.services.includes(classified.service)
          ? { service: classified.service, operation: classified.operation, received }
          : undefined;
        forward(routed.to, request, body, response, observed);
      }
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
