import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseOrThrow } from '../../schemas/common.js';
import { Manifest } from '../../schemas/manifest.js';
import { type LoopbackProxy, startProxy } from '../../src/local/proxy.js';
import { runStateMachineLocally } from '../../src/local/runner.js';
import { seedRegion } from '../../src/local/seed.js';
import { manifestKey } from '../../src/store/layout.js';
import { readNdjsonPart } from '../../src/store/ndjson-part.js';
import { openStore } from '../../src/store/open.js';

const REGION = 'ap-southeast-3';
const emulator = process.env.AWS_ENDPOINT_URL as string;
let directory: string;

/**
 * What a run produced, independent of its run id: item outcomes and artifact hashes. The S3 objects
 * index names the run that copied each object, so its documents are compared with the id replaced.
 */
async function fingerprint(manifest: Manifest, storeUrl: string) {
  const store = openStore(storeUrl);
  const describe = async (artifact: Manifest['items'][number]['artifacts'][number]) => {
    const path = artifact.path.replace(manifest.runId, 'RUN');
    if (artifact.role === 'lookup') {
      // A lookup document gives each block's gzip offset, size and hash, which follow the index's
      // bytes (they name the run that copied each object).
      const lookup = (await store.getJson(artifact.path)) as { blocks: Record<string, unknown>[] };
      const blocks = lookup.blocks.map(
        ({ offset: _offset, bytes: _bytes, sha256: _sha256, ...block }) => block,
      );
      return `${artifact.role} ${path} ${JSON.stringify(blocks)}`;
    }
    if (artifact.role === 'positions') {
      // Shard positions name the parts they were read into, which carry the run id.
      const positions = JSON.stringify(await store.getJson(artifact.path)).replaceAll(manifest.runId, 'RUN');
      return `${artifact.role} ${path} ${positions}`;
    }
    if (artifact.role !== 'objects-index')
      return `${artifact.role} ${path} ${artifact.sha256} ${artifact.bytes}`;
    const documents: string[] = [];
    for await (const document of readNdjsonPart(store, artifact.path))
      documents.push(JSON.stringify(document).replaceAll(manifest.runId, 'RUN'));
    return `${artifact.role} ${path} ${documents.join('\n')}`;
  };
  const items = await Promise.all(
    manifest.items.map(async (item) => ({
      item: `${item.region}/${item.kind}/${item.name}`,
      status: item.status,
      artifacts: (await Promise.all(item.artifacts.map(describe))).sort(),
    })),
  );
  return items.sort((a, b) => a.item.localeCompare(b.item));
}

async function backupThrough(endpoint: string, name: string) {
  const storeUrl = `file://${join(directory, name)}`;
  process.env.AWS_ENDPOINT_URL = endpoint;
  try {
    const { summary } = await runStateMachineLocally(
      'backup.asl.yaml',
      { store: storeUrl, regions: [REGION] },
      { retryIntervalMs: 1 },
    );
    const manifest = parseOrThrow(
      Manifest,
      await openStore(storeUrl).getJson(manifestKey(summary.runId)),
      'manifest',
    );
    return { manifest, fingerprint: await fingerprint(manifest, storeUrl) };
  } finally {
    process.env.AWS_ENDPOINT_URL = emulator;
  }
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-faults-'));
  await seedRegion(REGION, { items: 120, objects: 30, records: 60 });
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('backups through a faulty network', () => {
  let clean: Awaited<ReturnType<typeof backupThrough>>;

  beforeAll(async () => {
    clean = await backupThrough(emulator, 'clean');
  });

  it.each([
    [0.05, 5],
    [0.2, 20],
  ])('with %p of requests failing, the manifest equals a fault-free run', async (rate, seed) => {
    // Prepare
    let proxy: LoopbackProxy | undefined;
    try {
      proxy = await startProxy({
        target: emulator,
        faults: { rate, kinds: ['500', '503', 'throttle', 'slowdown', 'reset'], seed },
      });
      // Act
      const faulty = await backupThrough(proxy.endpoint, `faulty-${seed}`);
      // Assess
      expect(proxy.faultLog().length).toBeGreaterThan(0);
      expect(clean.manifest.status).toBe('succeeded');
      expect(
        faulty.manifest.items.filter((item) => item.status !== 'ok').map((item) => [item.name, item.error]),
      ).toEqual([]);
      expect(faulty.manifest.status).toBe('succeeded');
      expect(faulty.fingerprint).toEqual(clean.fingerprint);
    } finally {
      await proxy?.stop();
    }
  });
});
