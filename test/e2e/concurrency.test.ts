import { beforeAll, describe, expect, it } from '@jest/globals';
import { parseOrThrow } from '../../schemas/common.js';
import { Manifest } from '../../schemas/manifest.js';
import { runStateMachineLocally } from '../../src/local/runner.js';
import { verifyArtifacts } from '../../src/store/integrity.js';
import { manifestKey } from '../../src/store/layout.js';
import { openStore } from '../../src/store/open.js';
import { ensureBackupBucket } from '../../src/store/secure-bucket.js';
import { createTestFunction, unique } from '../helpers/aws.js';

const REGION = 'me-south-1';
const bucket = unique('tv-concurrent');

beforeAll(async () => {
  await ensureBackupBucket(bucket, 'us-east-1');
  await Promise.all(Array.from({ length: 4 }, () => createTestFunction(REGION)));
});

describe('two backups of the same account at once', () => {
  it('produce distinct, complete runs that share blobs safely', async () => {
    // Act
    const input = { store: `s3://${bucket}`, regions: [REGION], include: ['lambda-function'] };
    const [first, second] = await Promise.all([
      runStateMachineLocally('backup.asl.yaml', input),
      runStateMachineLocally('backup.asl.yaml', input),
    ]);
    // Assess
    expect(first.summary.runId).not.toBe(second.summary.runId);
    const store = openStore(`s3://${bucket}`);
    const manifests = await Promise.all(
      [first, second].map(async ({ summary }) =>
        parseOrThrow(Manifest, await store.getJson(manifestKey(summary.runId)), 'manifest'),
      ),
    );
    for (const manifest of manifests) {
      expect(manifest.status).toBe('succeeded');
      expect(manifest.totals.items).toBe(4);
      expect(
        await verifyArtifacts(
          store,
          manifest.items.flatMap((item) => item.artifacts),
        ),
      ).toEqual([]);
    }
    const codePaths = (manifest: Manifest) =>
      manifest.items
        .flatMap((item) =>
          item.artifacts.filter((artifact) => artifact.role === 'code').map((artifact) => artifact.path),
        )
        .sort();
    expect(codePaths(manifests[0] as Manifest)).toEqual(codePaths(manifests[1] as Manifest));
    const leftovers: string[] = [];
    for await (const key of store.list('tmp/')) leftovers.push(key);
    expect(leftovers).toEqual([]);
  });
});
