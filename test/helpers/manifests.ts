import { MANIFEST_FORMAT, type Manifest } from '../../schemas/manifest.js';
import { writeManifest } from '../../src/store/manifest-write.js';
import type { BackupStore } from '../../src/store/store.js';

/** A minimal finished run in us-east-1 whose one function references `blobs`, for retention tests. */
export function syntheticManifest(runId: string, blobs: string[], policy?: string): Manifest {
  const day = `${runId.slice(0, 4)}-${runId.slice(4, 6)}-${runId.slice(6, 8)}T00:00:00.000Z`;
  return {
    format: MANIFEST_FORMAT,
    runId,
    status: 'succeeded',
    startedAt: day,
    finishedAt: day,
    regions: ['us-east-1'],
    include: ['lambda-function'],
    verified: { artifacts: blobs.length, damaged: [] },
    totals: { items: 1, failed: 0, artifacts: blobs.length, bytes: 0 },
    items: [
      {
        region: 'us-east-1',
        kind: 'lambda-function',
        name: 'fn',
        status: 'ok',
        artifacts: blobs.map((path) => ({ role: 'code', path, sha256: path.slice(-64), bytes: 1 })),
      },
    ],
    policy: policy ? { name: policy } : undefined,
  };
}

/**
 * Stores `manifest` as Finalize does: signed with the signing key (the emulator's default key,
 * created on first use), write-once. Tests that fake a finished run use this, never a bare putJson:
 * an unsigned manifest is untrusted.
 */
export async function storeSignedManifest(store: BackupStore, manifest: Manifest): Promise<void> {
  await writeManifest(store, manifest);
}
