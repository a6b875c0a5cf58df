import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type BackendSet, startBackends } from '../../bench/lib/backends.js';
import { requireRclone } from '../../bench/lib/env.js';
import { PacingRecorder } from '../../bench/lib/kinesis-pacing.js';
import { type Figure, formatTable, verdict } from '../../bench/lib/report.js';
import { budgetsSection } from '../../bench/lib/sections/budgets.js';
import type { BenchContext, Sizes } from '../../bench/lib/sections/context.js';
import { dynamoSection } from '../../bench/lib/sections/dynamodb.js';
import { kinesisSection } from '../../bench/lib/sections/kinesis.js';
import { lambdaSection } from '../../bench/lib/sections/lambda.js';
import { s3Section } from '../../bench/lib/sections/s3.js';
import { type LoopbackProxy, startProxy } from '../../src/local/proxy.js';

/**
 * Every bench section on tiny data, on the bench's own routing (fauxqs, dynalite and kinesalite
 * started here in front of the tests' moto), so the bench cannot rot unnoticed. Asserts what each
 * tool did (counts, routing, pacing), never timings. rclone is a peer of the S3 section: found, or
 * installed by scripts/ensure-rclone.sh, or this suite fails saying so.
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
  copyConcurrency: 4,
};

let backends: BackendSet;
let direct: LoopbackProxy;
let proxy: LoopbackProxy;
let workDir: string;
let context: BenchContext;

beforeAll(async () => {
  const rclone = requireRclone();
  backends = await startBackends({
    mode: 'routed',
    moto: {
      endpoint: process.env.AWS_ENDPOINT_URL as string,
      pid: Number(process.env.TRIGGERVAULT_EMULATOR_PID) || undefined,
    },
  });
  const pacing = new PacingRecorder();
  direct = await startProxy({ target: backends.moto.endpoint, routing: backends.routing });
  proxy = await startProxy({
    target: backends.moto.endpoint,
    routing: backends.routing,
    latencyMs: 1,
    observe: pacing.observe,
  });
  workDir = await mkdtemp(join(tmpdir(), 'tv-bench-smoke-'));
  context = {
    direct,
    proxy,
    latencyMs: 1,
    sizes: TINY,
    // Regions no other test file uses; names with a suffix of their own.
    names: {
      lambdaRegion: 'me-central-1',
      lambdaRegion1x: 'il-central-1',
      dataRegion: 'af-south-1',
      suffix: `-${randomBytes(3).toString('hex')}`,
      budgetRegions: { oneX: 'tv-budget-1', tenX: 'tv-budget-2', changes: 'tv-budget-3' },
    },
    workDir,
    rclone,
    mode: 'routed',
    backendCpuMs: backends.cpuMs,
    pacing,
    log: () => undefined,
  };
}, 120_000);

afterAll(async () => {
  await Promise.all([direct?.stop(), proxy?.stop()]);
  await backends?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

const find = (figures: Figure[], label: string): Figure => {
  const figure = figures.find((entry) => entry.label.startsWith(label));
  if (!figure) throw new Error(`no figure "${label}" in ${figures.map((entry) => entry.label).join(', ')}`);
  return figure;
};

type Run = { requests: number; byOperation: Record<string, number>; byBackend: Record<string, number> };

describe('bench sections on tiny data, routed by operation', () => {
  it('starts the npm backends on loopback beside moto', () => {
    // Assess
    expect(backends.others.map((backend) => backend.name)).toEqual(['fauxqs', 'dynalite', 'kinesalite']);
    for (const backend of backends.others) expect(backend.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Object.keys(backends.cpuMs())).toEqual(['moto', 'fauxqs', 'dynalite', 'kinesalite']);
  });

  it('lambda: captures every function, the baseline its subset, and the second run downloads no code', async () => {
    // Act
    const { figures, details } = await lambdaSection(context);
    // Assess
    const ours = details.ours as Run & {
      captured: number;
      run: { stateTransitions: number; maxRssKb: number };
    };
    const baseline = details.baseline as Run & { functions: number; downloads: number; cpuMs: number };
    expect(ours.captured).toBe(3);
    expect(ours.run.stateTransitions).toBeGreaterThan(0);
    expect(ours.run.maxRssKb).toBeGreaterThan(0);
    expect(baseline.functions).toBe(2);
    expect(baseline.cpuMs).toBeGreaterThan(0);
    // Two code versions per function plus the shared layer, each fetched once.
    expect(baseline.downloads).toBe(5);
    expect(ours.byOperation['triggervault:CodeDownload']).toBe(3 * 2 + 1);
    expect(verdict(find(figures, 'code downloads per distinct package'))).toBe('PASS');
    expect(find(figures, 'lambda: code downloads in the second run').value).toBe(0);
    expect(find(figures, 'ours / sequential baseline').target).toEqual({ cmp: '>=', value: 5 });
  }, 240_000);

  it('s3: every tool copies every object through the object backend; ours copies once and not again', async () => {
    // Act
    const { figures, details } = await s3Section(context);
    // Assess
    expect(details.objects).toBe(6);
    const raw = details.raw as (Run & { copied: number; withChecksum: number })[];
    expect(raw.map((run) => run.copied)).toEqual([6, 6]);
    expect((details.awsS3Sync as { copied: number }).copied).toBe(6);
    expect((details.rclone as { copied: number }).copied).toBe(6);
    const ours = details.ours as {
      proxy: Run & { copied: number; sha256: { with: number; without: number } };
    };
    expect(ours.proxy.copied).toBe(6);
    // Object operations went to fauxqs, the bucket configuration reads to moto.
    expect(ours.proxy.byBackend.fauxqs).toBeGreaterThanOrEqual(6);
    expect(ours.proxy.byBackend.default).toBeGreaterThan(0);
    expect(ours.proxy.byOperation['s3:CopyObject']).toBe(6);
    // fauxqs's known gaps, measured: no checksum in CopyObject results, CopySourceIfMatch ignored.
    expect(details.gaps).toEqual({ copyChecksum: false, ifMatchHonoured: false });
    expect(ours.proxy.sha256).toEqual({ with: 0, without: 6 });
    expect(raw.map((run) => run.withChecksum)).toEqual([0, 0]);
    const incremental = details.incremental as Run & { copied: number; reused: number };
    expect(incremental.copied).toBe(0);
    expect(incremental.reused).toBe(6);
    expect(incremental.byOperation['s3:CopyObject'] ?? 0).toBe(0);
    expect(find(figures, 's3: objects copied in the second run').value).toBe(0);
    expect(find(figures, 'requests per object copied').value).toBe(ours.proxy.requests / 6);
    expect(find(figures, 'ours / rclone copy').target).toEqual({ cmp: '>=', value: 4 });
  }, 240_000);

  it('dynamodb: the CLI scan and ours read every item from the scan backend', async () => {
    // Act
    const { figures, details } = await dynamoSection(context);
    // Assess
    const aws = details.awsScan as Run & { items: number };
    const ours = details.ours as Run & { items: number };
    expect(aws.items).toBe(40);
    expect(ours.items).toBe(40);
    expect((details.oneX as { items: number }).items).toBe(4);
    for (const run of [aws, ours]) {
      expect(run.byOperation['dynamodb:Scan']).toBeGreaterThan(0);
      // Every Scan (and nothing else of DynamoDB) went to dynalite.
      expect(run.byBackend.dynalite).toBe(run.byOperation['dynamodb:Scan']);
    }
    expect(find(figures, 'ours / aws dynamodb scan').value).toBeGreaterThan(0);
  }, 240_000);

  it('kinesis: parallel and one-shard-at-a-time exports read every record, paced per shard', async () => {
    // Act
    const { figures, details } = await kinesisSection(context);
    // Assess
    type Paced = Run & { records: number; pacing: { shards: number; calls: number; unattributed: number } };
    const parallel = details.parallel as Paced;
    const sequential = details.sequential as Paced;
    expect(parallel.records).toBe(20);
    expect(sequential.records).toBe(20);
    for (const run of [parallel, sequential]) {
      expect(run.pacing.shards).toBe(2);
      expect(run.pacing.calls).toBeGreaterThanOrEqual(2);
      expect(run.pacing.unattributed).toBe(0);
      expect(run.byBackend.kinesalite).toBe(
        (run.byOperation['kinesis:GetRecords'] ?? 0) + (run.byOperation['kinesis:GetShardIterator'] ?? 0),
      );
    }
    expect(verdict(find(figures, 'GetRecords per shard, peak in any second'))).toBe('PASS');
    expect(find(figures, 'parallel / one shard at a time').value).toBeGreaterThan(0);
  }, 240_000);

  it('prints every figure with its target and verdict', () => {
    // Prepare
    const figures: Figure[] = [
      { section: 's3', label: 'ratio', value: 2, unit: '×', target: { cmp: '>=', value: 1.5 } },
      { section: 's3', label: 'requests', value: 1.1, unit: '', target: { cmp: '<=', value: 1.02 } },
      { section: 'lambda', label: 'fewer', value: 0.9, unit: '×', target: { cmp: '<', value: 1 } },
      { section: 'kinesis', label: 'rate', value: null, unit: 'rec/s', note: 'not there', limit: 'CPU' },
    ];
    // Act
    const table = formatTable(figures);
    // Assess
    const lines = table.split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[2]).toContain('PASS');
    expect(lines[3]).toContain('MISS');
    expect(lines[4]).toContain('< 1.00×');
    expect(lines[4]).toContain('PASS');
    expect(lines[5]).toContain('not available');
    expect(lines[5]).toContain('CPU');
    expect(new Set(lines.map((line) => line.length)).size).toBe(1);
  });

  it('budgets: counts every execution of both accounts against the quotas, and captures exactly the three changed functions', async () => {
    // Act: four functions, so that one of each trigger type (the fourth: an EventBridge rule) changes.
    const { figures } = await budgetsSection({ ...context, sizes: { ...TINY, functions: 4 } });
    // Assess: every figure measured; the budgets hold at tiny sizes; change detection is exact.
    expect(figures.filter((figure) => figure.value === null).map((figure) => figure.label)).toEqual([]);
    expect(figures.length).toBeGreaterThan(5);
    for (const figure of figures.filter((entry) => entry.section === 'budgets'))
      expect([figure.label, verdict(figure)]).toEqual([figure.label, 'PASS']);
    expect(find(figures, 'parent execution: history events at 10×').value).toBeGreaterThan(0);
    expect(find(figures, 'lambda: functions captured again after').value).toBe(3);
    expect(find(figures, 'lambda: requests of a run with nothing changed').value).toBeLessThan(100);
  }, 300_000);
});
