import type { Manifest } from '../../schemas/manifest.js';
import { logger } from '../log.js';
import { RunCatalog } from './catalog.js';
import { manifestKey, signatureKey } from './layout.js';
import { signManifest, withSignature } from './signature.js';
import type { BackupStore } from './store.js';

export interface ManifestWrite {
  /** Write it without a signature (`--allow-unsigned`: no KMS); readers then refuse it unless told too. */
  allowUnsigned?: boolean;
}

/**
 * Writes a run's manifest, last, signed (see store/signature.ts): first the signature file with the
 * new signature added, then the manifest itself, write-once (S3 If-None-Match). A manifest already
 * there (read back trusted) is kept when it records the same items: a retry of the same Finalize. A
 * redrive, which changed items, replaces it only if it is still the one it read (S3 If-Match).
 */
export async function writeManifest(
  store: BackupStore,
  manifest: Manifest,
  options: ManifestWrite = {},
): Promise<{ manifest: Manifest; written: boolean; signed: boolean }> {
  const key = manifestKey(manifest.runId);
  const existing = await store.stat(key);
  if (existing) {
    const kept = await new RunCatalog(store, { allowUnsigned: options.allowUnsigned }).completeManifest(
      manifest.runId,
    );
    if (JSON.stringify(kept.items) === JSON.stringify(manifest.items))
      return { manifest: kept, written: false, signed: !options.allowUnsigned };
  }
  const bytes = Buffer.from(`${JSON.stringify(manifest, null, 1)}\n`);
  if (options.allowUnsigned) {
    logger.warn('writing an UNSIGNED manifest (--allow-unsigned): readers refuse it unless told too', {
      runId: manifest.runId,
    });
  } else {
    const signature = await signManifest(manifest.runId, bytes);
    const earlier = await store.getJson(signatureKey(manifest.runId), 64 * 1024).catch(() => undefined);
    await store.putJson(signatureKey(manifest.runId), withSignature(manifest.runId, earlier, signature));
  }
  await store.putBytes(
    key,
    bytes,
    existing
      ? { contentType: 'application/json', ifMatch: existing.etag }
      : { contentType: 'application/json', exclusive: true },
  );
  return { manifest, written: true, signed: !options.allowUnsigned };
}
