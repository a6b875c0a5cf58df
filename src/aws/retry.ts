import { setTimeout as delay } from 'node:timers/promises';
import { TransientAwsError } from '../errors.js';
import { isTransient } from './errors.js';

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

/** Dropped or reset connections, as fetch (undici) and streams report them. */
export function isNetworkError(error: unknown): boolean {
  let current = error as { code?: string; cause?: unknown; message?: string } | undefined;
  for (let depth = 0; current && depth < 4; depth += 1) {
    if (current.code && NETWORK_CODES.has(current.code)) return true;
    if (current.message === 'fetch failed' || current.message === 'terminated') return true;
    current = current.cause as typeof current;
  }
  return false;
}

/**
 * Retries calls the AWS SDK does not retry for us (plain HTTP downloads), with exponential backoff
 * and full jitter; after the last attempt a transient failure surfaces as TransientAwsError so the
 * state machine's own Retry takes over.
 */
export async function retryTransient<T>(call: () => Promise<T>, attempts = 4, baseMs = 100): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      const transient = error instanceof TransientAwsError || isTransient(error) || isNetworkError(error);
      if (!transient) throw error;
      if (attempt >= attempts) {
        throw error instanceof TransientAwsError
          ? error
          : new TransientAwsError(`${(error as Error).message}`, { cause: error });
      }
      await delay(Math.random() * baseMs * 2 ** attempt);
    }
  }
}
