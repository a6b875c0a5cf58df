import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { recordCalls } from './call-log.js';

/** Shared keep-alive agents: one pool per process, sized for the concurrency the kinds use. */
const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 64 });
const requestHandler = new NodeHttpHandler({
  httpAgent,
  httpsAgent,
  connectionTimeout: 5_000,
  requestTimeout: 60_000,
});

/** The endpoint override (emulator or proxy), read on each call so tests and the CLI can set it late. */
export function endpointUrl(): string | undefined {
  return process.env.AWS_ENDPOINT_URL || undefined;
}

export interface ClientConfig {
  region: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  maxAttempts: number;
  retryMode: 'adaptive';
  requestHandler: NodeHttpHandler;
  /** S3 only (others ignore it): a store or copy bucket in another region is reached all the same. */
  followRegionRedirects: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export function clientConfig(region: string): ClientConfig {
  const endpoint = endpointUrl();
  const config: ClientConfig = {
    region,
    maxAttempts: 6,
    retryMode: 'adaptive',
    requestHandler,
    followRegionRedirects: true,
  };
  if (endpoint) {
    config.endpoint = endpoint;
    config.forcePathStyle = true;
    if (!process.env.AWS_ACCESS_KEY_ID)
      config.credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
  }
  return config;
}

type ClientClass<C> = new (config: ClientConfig) => C;
const cache = new Map<string, unknown>();

/** One SDK client per (service, region, endpoint), created on first use and reused. */
export function client<C>(Service: ClientClass<C>, region: string): C {
  const key = `${Service.name}|${region}|${endpointUrl() ?? ''}`;
  let instance = cache.get(key) as C | undefined;
  if (!instance) {
    instance = recordCalls(new Service(clientConfig(region)));
    cache.set(key, instance);
  }
  return instance;
}

/**
 * Lambda reports code and layer locations on amazonaws.com. Against an emulator those hosts are not
 * reachable: the launcher serves them under /__triggervault/awslambda/<host-label>/<key>.
 */
export function resolveCodeLocation(location: string): string {
  const endpoint = endpointUrl();
  if (!endpoint) return location;
  const url = new URL(location);
  if (!url.hostname.endsWith('.amazonaws.com')) return location;
  const hostLabel = url.hostname.split('.')[0];
  return `${endpoint.replace(/\/$/, '')}/__triggervault/awslambda/${hostLabel}${url.pathname}${url.search}`;
}
