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
