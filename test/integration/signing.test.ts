import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Manifest } from '../../schemas/manifest.js';
import { client } from '../../src/aws/clients.js';
import { AlreadyStoredError, UntrustedManifestError } from '../../src/errors.js';
import { RunCatalog } from '../../src/store/catalog.js';
import { manifestKey, signatureKey } from '../../src/store/layout.js';
import { writeManifest } from '../../src/store/manifest-write.js';
import { openStore } from '../../src/store/open.js';
import { ManifestSignatures, signingKey, signManifest, withSignature } from '../../src/store/signature.js';
import type { BackupStore } from '../../src/store/store.js';
import { runIdAt } from '../helpers/kinds.js';
import { syntheticManifest } from '../helpers/manifests.js';

// Signed manifests on the emulator's KMS (moto implements Sign and GetPublicKey for ECC_NIST_P256 /
// ECDSA_SHA_256 with real keys; it ignores MessageType, which is why a short RAW statement is what
// gets signed, the same on AWS). Directory stores; the key lives in us-east-1 (nothing region-wide).
let directory: string;
let store: BackupStore;
let count = 0;

const fresh = (): { runId: string; manifest: Manifest } => {
  count += 1;
  const runId = runIdAt(new Date(Date.UTC(2026, 0, count, 1, 2, 3)));
  return { runId, manifest: syntheticManifest(runId, []) };
};
const catalog = (options = {}) => new RunCatalog(store, options);

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-signing-'));
  store = openStore(`file://${directory}`);
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('signed manifests', () => {
  it('a manifest Finalize wrote is trusted; the same bytes without their signature are not', async () => {
    // Prepare
    const { runId, manifest } = fresh();
    await writeManifest(store, manifest);
    // Act
    const trusted = await catalog().manifest(runId);
    await rm(join(directory, signatureKey(runId)));
    const unsigned = catalog().manifest(runId);
    // Assess
    expect(trusted?.runId).toBe(runId);
    await expect(unsigned).rejects.toThrow(UntrustedManifestError);
    await expect(catalog().manifest(runId)).rejects.toThrow(/not signed/);
    expect((await catalog({ allowUnsigned: true }).manifest(runId))?.runId).toBe(runId);
    expect((await catalog().list()).find((run) => run.runId === runId)?.status).toBe('untrusted');
  });

  it('a signature made with another KMS key never verifies, even with --allow-unsigned', async () => {
    // Prepare: the attacker has a signing key of their own (and write access to the store).
    const { runId, manifest } = fresh();
    const theirs = await client(KMSClient, 'us-east-1').send(
      new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }),
    );
    const bytes = Buffer.from(`${JSON.stringify(manifest, null, 1)}\n`);
    const forged = await signManifest(runId, bytes, {
      id: theirs.KeyMetadata?.Arn as string,
      region: 'us-east-1',
    });
    await store.putJson(signatureKey(runId), withSignature(runId, undefined, forged));
    await store.putBytes(manifestKey(runId), bytes);
    // Act
    const reading = catalog({ allowUnsigned: true }).manifest(runId);
    // Assess
    await expect(reading).rejects.toThrow(UntrustedManifestError);
    await expect(catalog({ allowUnsigned: true }).manifest(runId)).rejects.toThrow(
      /does not verify with .*forged, or signed by another key/,
    );
  });

  it('a signed manifest moved to another run id does not verify there', async () => {
    // Prepare
    const original = fresh();
    const other = fresh();
    await writeManifest(store, original.manifest);
    await store.putBytes(
      manifestKey(other.runId),
      (await store.getBytes(manifestKey(original.runId))) as Buffer,
    );
    await store.putBytes(
      signatureKey(other.runId),
      (await store.getBytes(signatureKey(original.runId))) as Buffer,
    );
    // Act
    const reading = catalog().manifest(other.runId);
    // Assess
    await expect(reading).rejects.toThrow(/not a signature of this run/);
    expect((await catalog().latestComplete())?.runId).not.toBe(other.runId);
  });

  it('a retried Finalize keeps the manifest it wrote; a redrive replaces it and both stay verifiable', async () => {
    // Prepare
    const { runId, manifest } = fresh();
    const first = await writeManifest(store, manifest);
    // Act
    const retried = await writeManifest(store, { ...manifest, finishedAt: new Date().toISOString() });
    const signatures = ManifestSignatures.parse(await store.getJson(signatureKey(runId)));
    // Assess
    expect([first.written, retried.written]).toEqual([true, false]);
    expect(retried.manifest.finishedAt).toBe(manifest.finishedAt);
    expect(signatures.signatures).toHaveLength(1);
    // A redrive changes items: then the new manifest replaces the old, both signatures kept.
    const items = [{ ...manifest.items[0], status: 'failed' as const, artifacts: [] }];
    const replaced = await writeManifest(store, { ...manifest, items: items as Manifest['items'] });
    expect(replaced.written).toBe(true);
    expect(ManifestSignatures.parse(await store.getJson(signatureKey(runId))).signatures).toHaveLength(2);
    expect((await catalog().manifest(runId))?.items[0]?.status).toBe('failed');
  });

  it('a manifest is written once: a plain second exclusive write of it is refused', async () => {
    // Prepare
    const { runId, manifest } = fresh();
    await writeManifest(store, manifest);
    // Act
    const overwrite = store.putJson(
      manifestKey(runId),
      { ...manifest, status: 'partial' },
      { exclusive: true },
    );
    // Assess
    await expect(overwrite).rejects.toThrow(AlreadyStoredError);
    expect((await catalog().manifest(runId))?.status).toBe('succeeded');
  });

  it('signs with the configured key: TRIGGERVAULT_SIGNING_KEY, else alias/triggervault-manifest', () => {
    // Prepare
    const saved = process.env.TRIGGERVAULT_SIGNING_KEY;
    try {
      delete process.env.TRIGGERVAULT_SIGNING_KEY;
      const byDefault = signingKey();
      process.env.TRIGGERVAULT_SIGNING_KEY = 'arn:aws:kms:eu-west-3:123456789012:key/abc';
      const configured = signingKey();
      // Assess
      expect(byDefault.id).toBe('alias/triggervault-manifest');
      expect(configured).toEqual({ id: 'arn:aws:kms:eu-west-3:123456789012:key/abc', region: 'eu-west-3' });
    } finally {
      if (saved === undefined) delete process.env.TRIGGERVAULT_SIGNING_KEY;
      else process.env.TRIGGERVAULT_SIGNING_KEY = saved;
    }
  });
});
