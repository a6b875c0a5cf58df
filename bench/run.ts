/**
 * `npm run bench` (see BENCHMARKS.md): us and our peers side by side, in one run, on the same
 * backends, behind a 25 ms latency proxy that routes each request by operation to a backend that is
 * not the bottleneck (fauxqs, dynalite, kinesalite, moto; see src/local/proxy-routes.ts) and counts
 * it. Prints a table (each figure next to its target, PASS/MISS, and what limits it) and writes
 * bench/results.local.json (not committed); `--record` also writes bench/results.json, the dated
 * record README cites (a full routed run only).
 *
 * Options: `--quick` (small data, a smoke run), `--only s3,lambda` (some sections), `--backends moto`
 * (everything on moto, for reference), `--kinesis moto` (Kinesis reads on moto instead of kinesalite).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LoopbackProxy, startProxy } from '../src/local/proxy.js';
import { type BackendSet, startBackends } from './lib/backends.js';
import { LoadSampler, machine, requireRclone } from './lib/env.js';
import { PacingRecorder } from './lib/kinesis-pacing.js';
import { type Figure, formatTable, verdict } from './lib/report.js';
import { budgetsSection } from './lib/sections/budgets.js';
import type { BenchContext, SectionResult, Sizes } from './lib/sections/context.js';
import { dynamoSection } from './lib/sections/dynamodb.js';
import { itemLookupSection } from './lib/sections/item-lookup.js';
import { kinesisSection } from './lib/sections/kinesis.js';
import { lambdaSection } from './lib/sections/lambda.js';
import { s3Section } from './lib/sections/s3.js';

const argument = (name: string): string | undefined => {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
};
const quick = process.argv.includes('--quick');
const record = process.argv.includes('--record');
const only = argument('--only')?.split(',').filter(Boolean);
const mode = argument('--backends') === 'moto' ? 'moto' : 'routed';
const kinesis = argument('--kinesis') === 'moto' ? 'moto' : 'kinesalite';
const LATENCY_MS = 25;

/** BENCHMARKS.md's sizes. */
const FULL: Sizes = {
  functions: 200,
  baselineFunctions: 15,
  s3Small: 2000,
  s3SmallBytes: 4 * 1024,
  s3Large: 20,
  s3LargeBytes: 8 * 1024 * 1024,
  dynamoItems: 50_000,
  dynamoItemBytes: 400,
  kinesisShards: 4,
  kinesisPerShard: 5000,
  copyConcurrency: 32,
};

/**
 * moto-only mode: moto's Scan sorts and walks the whole table for every 1 MB page (quadratic in the
 * table size), so 50,000 items would take many minutes per scan, ours and the peer's alike.
 */
const MOTO_ONLY: Sizes = { ...FULL, dynamoItems: 10_000 };

const QUICK: Sizes = {
  functions: 20,
  baselineFunctions: 5,
  s3Small: 200,
  s3SmallBytes: 4 * 1024,
  s3Large: 2,
  s3LargeBytes: 1024 * 1024,
  dynamoItems: 2000,
  dynamoItemBytes: 400,
  kinesisShards: 4,
  kinesisPerShard: 200,
  copyConcurrency: 32,
};

const SECTIONS: [string, (context: BenchContext) => Promise<SectionResult>][] = [
  ['s3', s3Section],
  ['dynamodb', dynamoSection],
  ['kinesis', kinesisSection],
  ['lambda', lambdaSection],
  // Step Functions budgets and change detection (bench/lib/sections/budgets.ts).
  ['budgets', budgetsSection],
  // Bytes a one-item restore reads (bench/lib/sections/item-lookup.ts).
  ['item-lookup', itemLookupSection],
];
const ORDER = [
  's3',
  'dynamodb',
  'lambda',
  'kinesis',
  'incremental',
  'memory',
  'orchestration',
  'budgets',
  'item-lookup',
];

const log = (line: string) =>
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

/** Everything started here, stopped on exit, Ctrl-C or error. */
const running: { backends?: BackendSet; proxies: LoopbackProxy[]; workDir?: string } = { proxies: [] };
async function stopAll(): Promise<void> {
  const { backends, proxies, workDir } = running;
  running.backends = undefined;
  running.proxies = [];
  running.workDir = undefined;
  await Promise.allSettled(proxies.map((proxy) => proxy.stop()));
  await backends?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    log(`${signal}: stopping the backends`);
    stopAll().finally(() => process.exit(130));
  });

async function main(): Promise<number> {
  if (record && (quick || only || mode !== 'routed'))
    throw new Error('--record writes the dated record README cites: a full routed run only');
  const started = Date.now();
  const load = new LoadSampler();
  const sizes = quick ? QUICK : mode === 'moto' ? MOTO_ONLY : FULL;
  const rclone = requireRclone();
  const host = machine();
  log(`machine: ${host.cpus} × ${host.model}, ${host.memoryGiB} GiB, node ${host.node}; backends: ${mode}`);
  const backends = await startBackends({ mode, kinesis });
  running.backends = backends;
  const versions = Object.fromEntries(
    [backends.moto, ...backends.others].map((backend) => [backend.name, backend.version]),
  );
  log(
    `backends: ${Object.entries(versions)
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')}`,
  );
  const pacing = new PacingRecorder();
  const direct = await startProxy({ target: backends.moto.endpoint, routing: backends.routing });
  running.proxies.push(direct);
  const proxy = await startProxy({
    target: backends.moto.endpoint,
    routing: backends.routing,
    latencyMs: LATENCY_MS,
    observe: pacing.observe,
  });
  running.proxies.push(proxy);
  process.env.AWS_ENDPOINT_URL = direct.endpoint;
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  process.env.AWS_REGION ??= 'us-east-1';
  const workDir = await mkdtemp(join(tmpdir(), 'tv-bench-'));
  running.workDir = workDir;
  const context: BenchContext = {
    direct,
    proxy,
    latencyMs: LATENCY_MS,
    sizes,
    names: { lambdaRegion: 'eu-north-1', lambdaRegion1x: 'eu-west-3', dataRegion: 'eu-west-1', suffix: '' },
    workDir,
    rclone,
    mode,
    backendCpuMs: backends.cpuMs,
    pacing,
    log,
  };
  const sections: Record<string, SectionResult | { error: string }> = {};
  try {
    for (const [name, section] of SECTIONS) {
      if (only && !only.includes(name)) continue;
      const sectionStarted = Date.now();
      try {
        sections[name] = await section(context);
      } catch (error) {
        log(`${name}: FAILED: ${(error as Error).stack ?? error}`);
        sections[name] = { error: String(error) };
      }
      log(`${name}: done in ${((Date.now() - sectionStarted) / 1000).toFixed(0)} s`);
    }
  } finally {
    await stopAll();
    load.stop();
  }

  const figures: Figure[] = Object.entries(sections)
    .flatMap(([name, result]) =>
      'error' in result
        ? [{ section: name, label: 'section failed', value: null, unit: '', note: result.error } as Figure]
        : result.figures,
    )
    .sort((a, b) => ORDER.indexOf(a.section) - ORDER.indexOf(b.section));
  const elapsedS = Math.round((Date.now() - started) / 1000);
  const loadSummary = load.summary();
  const date = new Date().toISOString();
  const header = `triggervault bench${quick ? ' (--quick)' : ''} — ${date} — ${host.cpus} × ${host.model}, ${host.memoryGiB} GiB, Node ${host.node}; ${mode === 'routed' ? 'routed' : 'moto only'}: ${Object.entries(
    versions,
  )
    .map(([name, version]) => `${name} ${version}`)
    .join(
      ', ',
    )}; ${host.awscli?.split(' ')[0] ?? 'no awscli'}, ${rclone} — ${elapsedS} s, load average ${loadSummary.min}–${loadSummary.max} (mean ${loadSummary.mean})`;
  process.stdout.write(`\n${header}\n\n${formatTable(figures)}\n`);
  const passed = figures.filter((figure) => verdict(figure) === 'PASS').length;
  const missed = figures.filter((figure) => verdict(figure) === 'MISS' || verdict(figure) === 'n/a').length;
  process.stdout.write(`\n${passed} PASS, ${missed} MISS or not available\n`);
  const results = `${JSON.stringify(
    {
      date,
      quick,
      only,
      backends: mode,
      kinesis: mode === 'routed' ? kinesis : 'moto',
      versions: { ...versions, awscli: host.awscli, rclone },
      elapsedSeconds: elapsedS,
      loadAverage: loadSummary,
      machine: host,
      latencyMs: LATENCY_MS,
      sizes,
      figures: figures.map((figure) => ({ ...figure, result: verdict(figure) || undefined })),
      details: Object.fromEntries(
        Object.entries(sections).map(([name, result]) => [name, 'error' in result ? result : result.details]),
      ),
    },
    null,
    2,
  )}\n`;
  for (const file of record ? ['./results.local.json', './results.json'] : ['./results.local.json']) {
    const path = fileURLToPath(new URL(file, import.meta.url));
    await writeFile(path, results);
    log(`wrote ${path}`);
  }
  return Object.values(sections).some((result) => 'error' in result) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (error) => {
    log(`bench failed: ${(error as Error).stack ?? error}`);
    await stopAll();
    process.exit(1);
  },
);
