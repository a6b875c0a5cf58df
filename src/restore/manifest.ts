import { parseOrThrow } from '../../schemas/common.js';
import { Manifest } from '../../schemas/manifest.js';
import { InputValidationError } from '../errors.js';
import type { FunctionSnapshot } from '../kinds/lambda-function.js';
import { artifactKey, manifestKey } from '../store/layout.js';
import type { BackupStore } from '../store/store.js';

/**
 * The manifest of a finished run, validated. A run without one (incomplete, or not in this store) and
 * a manifest that does not parse are both bad input, named as such.
 */
export async function loadRunManifest(store: BackupStore, runId: string): Promise<Manifest> {
  let raw: unknown;
  try {
    raw = await store.getJson(manifestKey(runId));
  } catch (error) {
    if (error instanceof SyntaxError)
      throw new InputValidationError(
        `run ${runId}: manifest.json in ${store.url} is not JSON (${error.message})`,
      );
    throw error;
  }
  if (raw === undefined)
    throw new InputValidationError(
      `run ${runId}: no manifest.json in ${store.url}; the run is incomplete or does not exist`,
    );
  return parseOrThrow(Manifest, raw, `manifest of run ${runId}`);
}

/** The stored snapshot of a function of a run. */
export async function loadFunctionSnapshot(
  store: BackupStore,
  runId: string,
  region: string,
  name: string,
): Promise<FunctionSnapshot> {
  const key = artifactKey(runId, region, 'lambda-function', name, 'function.json');
  const snapshot = (await store.getJson(key)) as FunctionSnapshot | undefined;
  if (snapshot?.format !== 1) throw new InputValidationError(`run ${runId}: ${key} is missing or unreadable`);
  return snapshot;
}
