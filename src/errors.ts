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

/**
 * A manifest that is not signed by the trusted signing key (unsigned, forged, or signed by another
 * key): nothing in that run is used. CLI exit code 1 (the operation found a problem), named.
 */
export class UntrustedManifestError extends TriggervaultError {
  override name = 'UntrustedManifestError';
}

/** An exclusive write (S3 If-None-Match, a directory's no-clobber link) found the key already there. */
export class AlreadyStoredError extends TriggervaultError {
  override name = 'AlreadyStoredError';
}
