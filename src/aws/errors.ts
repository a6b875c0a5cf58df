import { TransientAwsError, TriggervaultError } from '../errors.js';

/**
 * The one vocabulary for what an AWS failure means: "it does not exist", "slow down", "try again
 * later". Every caller decides through these, so a new error name is learned in one place.
 */

export const errorName = (error: unknown): string => (error instanceof Error ? error.name : '');

export const httpStatus = (error: unknown): number | undefined =>
  (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;

const NOT_FOUND_NAME = /NotFound|NoSuch|NonExistent|DoesNotExist/;
const NOT_FOUND_NAMES = new Set(['AWS.SimpleQueueService.NonExistentQueue']);

/** True for "it does not exist" (HTTP 404, or a not-found error name): a resource, a key, a setting. */
export function isNotFound(error: unknown): boolean {
  const name = errorName(error);
  return httpStatus(error) === 404 || NOT_FOUND_NAME.test(name) || NOT_FOUND_NAMES.has(name);
}

/** An S3 key that does not exist (in a bucket that does: a missing bucket is an error of its own). */
export const isMissingObject = (error: unknown): boolean =>
  isNotFound(error) && errorName(error) !== 'NoSuchBucket';

/** The call's answer, or undefined when what it reads does not exist. */
export async function ifExists<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

const THROTTLE_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'SlowDown',
]);

/** True when AWS asked us to slow down (after the SDK's own retries gave up). */
export const isThrottle = (error: unknown): boolean => THROTTLE_NAMES.has(errorName(error));

const UNAVAILABLE_NAMES = new Set(['ServiceUnavailable', 'InternalFailure', 'InternalError']);
const NETWORK_CODES = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE']);

/** True for failures worth retrying later: throttling, 5xx and dropped connections. */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: string }).code;
  return (
    isThrottle(error) ||
    UNAVAILABLE_NAMES.has(error.name) ||
    NETWORK_CODES.has(error.name) ||
    (code !== undefined && (NETWORK_CODES.has(code) || THROTTLE_NAMES.has(code))) ||
    (httpStatus(error) ?? 0) >= 500
  );
}

/** Re-throws transient AWS failures as TransientAwsError so Step Functions can Retry on one name. */
export function classifyError(error: unknown): Error {
  if (error instanceof TriggervaultError) return error;
  if (isTransient(error)) {
    const cause = error as Error;
    return new TransientAwsError(`${cause.name}: ${cause.message}`, { cause });
  }
  return error instanceof Error ? error : new TriggervaultError(String(error));
}
