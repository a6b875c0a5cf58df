/** Named errors. The state machine's Retry/Catch match on `error.name`, so names are part of the contract. */

export class TriggervaultError extends Error {
  override name = 'TriggervaultError';
}

/** Bad input from a user, a state-machine payload or a manifest read back. CLI exit code 2. */
export class InputValidationError extends TriggervaultError {
  override name = 'InputValidationError';
}

/** Throttling or a 5xx that survived the SDK's own retries: the state machine retries with backoff. */
export class TransientAwsError extends TriggervaultError {
  override name = 'TransientAwsError';
}

/** Stored bytes do not match what AWS reported (for example Lambda `CodeSha256`). */
export class IntegrityError extends TriggervaultError {
  override name = 'IntegrityError';
}

/** The emulator could not be started (moto missing, port busy, crashed). */
export class EmulatorError extends TriggervaultError {
  override name = 'EmulatorError';
}

/** Something the store was asked for does not exist. */
export class NotFoundError extends TriggervaultError {
  override name = 'NotFoundError';
}

const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'SlowDown',
  'ServiceUnavailable',
  'InternalFailure',
  'InternalError',
  'LimitExceededException',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
]);

/** True for failures worth retrying later: throttling, 5xx and dropped connections. */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const code = (error as { code?: string }).code;
  return (
    TRANSIENT_NAMES.has(error.name) ||
    (code !== undefined && TRANSIENT_NAMES.has(code)) ||
    (status ?? 0) >= 500
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
