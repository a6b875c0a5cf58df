import { endpointUrl } from '../aws/clients.js';
import { classifyError, isNotFound, isTransient } from '../aws/errors.js';
import { sourceArnOf } from '../aws/lambda-policy.js';
import { logger } from '../log.js';
import { permissionsFor, targetsFunction } from './permissions.js';
import type { FunctionRef } from './types.js';

/** A copy without undefined fields (deeply) and with dates as ISO strings, so records are plain JSON. */
export function compact<T>(value: T): T {
  if (value instanceof Date) return value.toISOString() as T;
  if (Array.isArray(value)) return value.map(compact) as T;
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value).filter(([, field]) => field !== undefined);
  return Object.fromEntries(entries.map(([key, field]) => [key, compact(field)])) as T;
}

const SOURCE_CONCURRENCY = 8;

/**
 * Runs `task` for every source (a few at a time) and concatenates the results. A source that is gone
 * (NotFound) is skipped. Any other failure does not stop the remaining sources, but once all have run
 * it is thrown, so the work item fails visibly instead of silently losing a trigger: a transient one
 * is preferred (the state machine retries it), and the message names every failed source.
 */
export async function fromEachSource<S, R>(
  sources: Iterable<S>,
  label: (source: S) => string,
  task: (source: S) => Promise<R[]>,
  options: { skipNotFound?: boolean } = {},
): Promise<R[]> {
  const queue = [...sources];
  const results: R[][] = new Array(queue.length);
  const failures: { label: string; error: unknown }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < queue.length) {
      const index = next++;
      const source = queue[index] as S;
      try {
        results[index] = await task(source);
      } catch (error) {
        if ((options.skipNotFound ?? true) && isNotFound(error)) {
          logger.debug('trigger source vanished while listing', { source: label(source) });
        } else {
          failures.push({ label: label(source), error });
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(SOURCE_CONCURRENCY, queue.length) }, worker));
  if (failures.length > 0) throw combinedFailure(failures);
  return results.flatMap((result) => result ?? []);
}

function combinedFailure(failures: { label: string; error: unknown }[]): Error {
  for (const failure of failures)
    logger.error('listing triggers failed', { source: failure.label, error: failure.error });
  const chosen =
    failures.find((failure) => isTransient(failure.error)) ?? (failures[0] as (typeof failures)[0]);
  const error = classifyError(chosen.error);
  const others = failures.filter((failure) => failure !== chosen).map((failure) => failure.label);
  error.message = `${chosen.label}: ${error.message}${others.length ? ` (also failed: ${others.join(', ')})` : ''}`;
  return error;
}

/** How long a region-wide listing is reused: long enough for one Discover over hundreds of functions. */
export const LISTING_TTL_MS = 30_000;

const memos: Map<string, unknown>[] = [];

/**
 * Memoizes a region-wide listing per (region, endpoint) for `ttlMs`, sharing an in-flight call, so
 * that asking for the triggers of 200 functions lists the region once. Failures are not kept.
 */
export function regionMemo<T>(
  load: (region: string) => Promise<T>,
  ttlMs = LISTING_TTL_MS,
): (region: string) => Promise<T> {
  const cache = new Map<string, { expires: number; value: Promise<T> }>();
  memos.push(cache);
  return (region) => {
    const key = `${region}|${endpointUrl() ?? ''}`;
    const hit = cache.get(key);
    if (hit && hit.expires > Date.now()) return hit.value;
    const value = load(region);
    cache.set(key, { expires: Date.now() + ttlMs, value });
    value.catch(() => {
      if (cache.get(key)?.value === value) cache.delete(key);
    });
    return value;
  };
}

/**
 * Memoizes a read of one source shared by many functions (a bucket's notification configuration,
 * a topic's subscriptions) like regionMemo: the functions of a region sharing a source read it once.
 */
export function sourceMemo<T>(
  load: (region: string, source: string) => Promise<T>,
  ttlMs = LISTING_TTL_MS,
): (region: string, source: string) => Promise<T> {
  const memo = regionMemo((key) => {
    const [region = '', source = ''] = key.split('\n');
    return load(region, source);
  }, ttlMs);
  return (region, source) => memo(`${region}\n${source}`);
}

/** Forgets every memoized region-wide listing (tests, or a caller that must see fresh state). */
export function clearListingMemos(): void {
  for (const cache of memos) cache.clear();
}

const hasWildcard = (text: string): boolean => /[*?]/.test(text);

/**
 * The sources the resource policy names for `service`, as `nameOf` extracts them from each SourceArn,
 * and whether the region must be listed instead: some statement has no SourceArn, or one that names no
 * single source (the name has a wildcard, or `nameOf` rejects the format with undefined).
 */
export function policySources(
  fn: FunctionRef,
  service: string,
  nameOf: (sourceArn: string) => string | undefined,
): { names: string[]; listAll: boolean } {
  const names = new Set<string>();
  let listAll = false;
  for (const statement of permissionsFor(fn, service)) {
    const sourceArn = sourceArnOf(statement);
    const name = sourceArn ? nameOf(sourceArn) : undefined;
    if (name && !hasWildcard(name)) names.add(name);
    else listAll = true;
  }
  return { names: [...names], listAll };
}

/** Sources named by the policy, plus those of the region listing when the policy requires it. */
export async function sourcesToCheck(
  fn: FunctionRef,
  service: string,
  nameOf: (sourceArn: string) => string | undefined,
  listRegion: (region: string) => Promise<string[]>,
): Promise<string[]> {
  const { names, listAll } = policySources(fn, service, nameOf);
  return listAll ? [...new Set([...names, ...(await listRegion(fn.region))])] : names;
}

/** The unqualified ARN and every qualified ARN (version, alias) that the resource policy mentions. */
export function functionArns(fn: FunctionRef): string[] {
  const resources = fn.policy.flatMap((statement) => [statement.Resource].flat());
  return [...new Set([fn.arn, ...resources.filter((resource) => targetsFunction(resource, fn))])];
}

/** The function ARN inside an API Gateway Lambda integration URI, or the URI itself when it is an ARN. */
export function functionArnInUri(uri: string | undefined): string | undefined {
  if (!uri) return undefined;
  const match = /:lambda:path\/[^/]+\/functions\/(.+?)\/invocations$/.exec(uri);
  return match ? match[1] : uri;
}

/** The region field of an ARN. */
export const arnRegion = (arn: string): string => arn.split(':')[3] ?? '';

/** An API that may integrate the function: its execute-api ARN (`arn:aws:execute-api:R:ACCT:ID`), region and id. */
export interface ApiSource {
  arn: string;
  region: string;
  apiId: string;
}

const executeApiOf = (sourceArn: string): string | undefined =>
  sourceArn.startsWith('arn:aws:execute-api:') ? sourceArn.split('/')[0] : undefined;

/**
 * The APIs (REST or HTTP/WebSocket, as `listRegion` lists their ids) allowed to invoke the function:
 * those its policy names, or every API of the region when a statement names none.
 */
export async function apiSources(
  fn: FunctionRef,
  listRegion: (region: string) => Promise<string[]>,
): Promise<ApiSource[]> {
  const arns = await sourcesToCheck(fn, 'apigateway.amazonaws.com', executeApiOf, async (region) =>
    (await listRegion(region)).map((apiId) => `arn:aws:execute-api:${region}:${fn.accountId}:${apiId}`),
  );
  return arns.map((arn) => ({ arn, region: arnRegion(arn), apiId: arn.split(':')[5] as string }));
}
