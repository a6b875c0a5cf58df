import type { Manifest } from '../../schemas/manifest.js';
import { InputValidationError } from '../errors.js';
import type { FunctionSnapshot } from '../kinds/lambda-function/capture.js';
import { RunCatalog } from '../store/catalog.js';
import { artifactKey } from '../store/layout.js';
import type { BackupStore } from '../store/store.js';

/** The manifest of a finished run, validated; a run without one is bad input, named as such. */
export const loadRunManifest = (store: BackupStore, runId: string): Promise<Manifest> =>
  new RunCatalog(store).completeManifest(runId);

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
