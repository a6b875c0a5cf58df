import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { versionOf } from '../../bench/lib/env.js';
import { type Figure, formatTable, verdict } from '../../bench/lib/report.js';
import {
  type BenchContext,
  dynamoSection,
  kinesisSection,
  lambdaSection,
  type Sizes,
  s3Section,
} from '../../bench/lib/sections.js';
import { KINDS } from '../../src/kinds/index.js';
import { type LoopbackProxy, startProxy } from '../../src/local/proxy.js';

/**
 * The bench's own building blocks (the sections `npm run bench` runs) on tiny data, so the bench
 * code cannot rot unnoticed. Asserts structure and counts, never timings.
 */

const TINY: Sizes = {
  functions: 3,
  baselineFunctions: 2,
  s3Small: 5,
  s3SmallBytes: 1024,
  s3Large: 1,
  s3LargeBytes: 64 * 1024,
  dynamoItems: 40,
  dynamoItemBytes: 256,
  kinesisShards: 2,
  kinesisPerShard: 10,
  ceilingCopies: 5,
  ceilingConcurrency: 4,
};

let proxy: LoopbackProxy;
let workDir: string;
let context: BenchContext;

beforeAll(async () => {
  proxy = await startProxy({ target: process.env.AWS_ENDPOINT_URL as string, latencyMs: 1 });
  workDir = await mkdtemp(join(tmpdir(), 'tv-bench-smoke-'));
  context = {
    emulator: process.env.AWS_ENDPOINT_URL as string,
    proxy,
    latencyMs: 1,
    sizes: TINY,
    // Regions no other test file uses; names with a suffix of their own.
    names: {
      lambdaRegion: 'me-central-1',
      lambdaRegion1x: 'il-central-1',
      dataRegion: 'af-south-1',
      suffix: `-${randomBytes(3).toString('hex')}`,
    },
    workDir,
    rclone: versionOf('rclone', ['version']),
    log: () => undefined,
  };
});

afterAll(async () => {
  await proxy.stop();
  await rm(workDir, { recursive: true, force: true });
});

const find = (figures: Figure[], label: string): Figure => {
  const figure = figures.find((entry) => entry.label.startsWith(label));
  if (!figure) throw new Error(`no figure "${label}" in ${figures.map((entry) => entry.label).join(', ')}`);
  return figure;
};

describe('bench building blocks on tiny data', () => {
  it('lambda: captures every function, the baseline its subset, and the second run downloads no code', async () => {
    // Act
    const { figures, details } = await lambdaSection(context);
    // Assess
    const ours = details.ours as { captured: number; stateTransitions: number; maxRssKb: number };
    const baseline = details.baseline as { functions: number; downloads: number; requests: number };
    expect(ours.captured).toBe(3);
    expect(ours.stateTransitions).toBeGreaterThan(0);
    expect(ours.maxRssKb).toBeGreaterThan(0);
    expect(baseline.functions).toBe(2);
    // Two code versions per function plus the shared layer, each fetched once.
    expect(baseline.downloads).toBe(5);
    expect(find(figures, 'lambda: code downloads in the second run').value).toBe(0);
    expect(verdict(find(figures, 'lambda: code downloads in the second run'))).toBe('PASS');
    expect(find(figures, 'ours / sequential baseline').target).toEqual({ cmp: '>=', value: 5 });
    expect(find(figures, 'lambda: state transitions at 10× / 1×').value).not.toBeNull();
  }, 240_000);

  it('s3: the raw ceiling and the peers copy everything; ours copies once and not again', async () => {
    // Act
    const { figures, details } = await s3Section(context);
    // Assess
    expect(details.objects).toBe(6);
    const ceiling = details.ceiling as { best: { requests: number }; measured: unknown[] };
    expect(ceiling.best.requests).toBe(5);
    expect(ceiling.measured).toHaveLength(KINDS['s3-bucket'] ? 2 : 1);
    expect((details.awsS3Sync as { copied: number }).copied).toBe(6);
    if (context.rclone) expect((details.rclone as { copied: number }).copied).toBe(6);
    expect(find(figures, 'requests per object copied').target).toEqual({ cmp: '<=', value: 1.02 });
    if (KINDS['s3-bucket']) {
      const ours = details.ours as {
        direct: { copied: number };
        proxy: { copied: number; requests: number };
      };
      expect(ours.direct.copied).toBe(6);
      expect(ours.proxy.copied).toBe(6);
      expect((details.incremental as { copied: number; reused: number }).copied).toBe(0);
      expect((details.incremental as { copied: number; reused: number }).reused).toBe(6);
      expect(find(figures, 's3: objects copied in the second run').value).toBe(0);
      expect(find(figures, 'requests per object copied').value).toBe(ours.proxy.requests / 6);
    } else {
      expect(find(figures, 'ours, direct').value).toBeNull();
    }
  }, 240_000);

  it('dynamodb: the CLI scan and ours export every item', async () => {
    // Act
    const { figures, details } = await dynamoSection(context);
    // Assess
    expect((details.awsScan as { items: number }).items).toBe(40);
    if (KINDS['dynamodb-table']) {
      expect((details.ours as { items: number }).items).toBe(40);
      expect((details.oneX as { items: number }).items).toBe(4);
      expect(find(figures, 'ours / aws dynamodb scan').value).not.toBeNull();
    } else {
      expect(find(figures, 'ours, ').value).toBeNull();
    }
  }, 240_000);

  it('kinesis: parallel and one-shard-at-a-time exports read every record', async () => {
    // Act
    const { figures, details } = await kinesisSection(context);
    // Assess
    if (KINDS['kinesis-stream']) {
      expect((details.parallel as { records: number }).records).toBe(20);
      expect((details.sequential as { records: number }).records).toBe(20);
      expect(find(figures, 'parallel / one shard at a time').value).not.toBeNull();
    } else {
      expect(find(figures, 'all shards in parallel').value).toBeNull();
    }
  }, 240_000);

  it('prints every figure with its target and verdict', () => {
    // Prepare
    const figures: Figure[] = [
      { section: 's3', label: 'ratio', value: 2, unit: '×', target: { cmp: '>=', value: 1.5 } },
      { section: 's3', label: 'requests', value: 1.1, unit: '', target: { cmp: '<=', value: 1.02 } },
      { section: 'kinesis', label: 'rate', value: null, unit: 'rec/s', note: 'not there' },
    ];
    // Act
    const table = formatTable(figures);
    // Assess
    const lines = table.split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[2]).toContain('PASS');
    expect(lines[3]).toContain('MISS');
    expect(lines[4]).toContain('not available');
    expect(new Set(lines.map((line) => line.length)).size).toBe(1);
  });
});
