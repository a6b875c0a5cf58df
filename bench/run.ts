/**
 * `npm run bench` (see ../../shared/BENCHMARKS.md): one emulator, one run, us and our peers side by
 * side, measured directly, behind a 25 ms latency proxy, and in requests counted through it. Prints
 * a table (each figure next to its target, PASS/MISS) and writes bench/results.json.
 * `--quick` runs the same thing on small data as a smoke run, `--only s3,lambda` some sections; both
 * write bench/results.local.json (not committed) instead of results.json.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../src/local/emulator.js';
import { startProxy } from '../src/local/proxy.js';
import { ensureRclone, machine } from './lib/env.js';
import { type Figure, formatTable, verdict } from './lib/report.js';
import { budgetsSection } from './lib/sections/budgets.js';
import {
  type BenchContext,
  dynamoSection,
  kinesisSection,
  lambdaSection,
  type SectionResult,
  type Sizes,
  s3Section,
} from './lib/sections.js';

const quick = process.argv.includes('--quick');
/** `--only s3,lambda`: run some sections (a partial record goes to results.local.json, never results.json). */
const onlyIndex = process.argv.indexOf('--only');
const only = onlyIndex >= 0 ? (process.argv[onlyIndex + 1] ?? '').split(',').filter(Boolean) : undefined;
const LATENCY_MS = 25;

/**
 * Full sizes follow BENCHMARKS.md, except DynamoDB: moto's Scan sorts and walks the whole table for
 * every 1 MB page (quadratic in the table size; ~1.5 s per page at 10,000 items on 2 cores), so
 * 50,000 items would take several minutes per scan, ours and the peer's alike. 10,000 keeps the
 * whole bench under 10 minutes.
 */
const FULL: Sizes = {
  functions: 200,
  baselineFunctions: 15,
  s3Small: 2000,
  s3SmallBytes: 4 * 1024,
  s3Large: 20,
  s3LargeBytes: 8 * 1024 * 1024,
  dynamoItems: 10_000,
  dynamoItemBytes: 1024,
  kinesisShards: 4,
  kinesisPerShard: 5000,
  ceilingCopies: 500,
  ceilingConcurrency: 32,
};

const QUICK: Sizes = {
  functions: 20,
  baselineFunctions: 5,
  s3Small: 200,
  s3SmallBytes: 4 * 1024,
  s3Large: 2,
  s3LargeBytes: 1024 * 1024,
  dynamoItems: 1000,
  dynamoItemBytes: 1024,
  kinesisShards: 4,
  kinesisPerShard: 200,
  ceilingCopies: 100,
  ceilingConcurrency: 32,
};

const log = (line: string) =>
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

async function main(): Promise<number> {
  const started = Date.now();
  // Others may share this machine: the load around the run is part of its record.
  const loadBefore = loadavg()[0] as number;
  const sizes = quick ? QUICK : FULL;
  const rclone = ensureRclone(log);
  const host = machine();
  log(`machine: ${host.cpus} × ${host.model}, ${host.memoryGiB} GiB, node ${host.node}, moto ${host.moto}`);
  const emulator = await startEmulator();
  process.env.AWS_ENDPOINT_URL = emulator.endpoint;
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  process.env.AWS_REGION ??= 'us-east-1';
  const proxy = await startProxy({ target: emulator.endpoint, latencyMs: LATENCY_MS });
  const workDir = await mkdtemp(join(tmpdir(), 'tv-bench-'));
  const context: BenchContext = {
    emulator: emulator.endpoint,
    proxy,
    latencyMs: LATENCY_MS,
    sizes,
    names: { lambdaRegion: 'eu-north-1', lambdaRegion1x: 'eu-west-3', dataRegion: 'eu-west-1', suffix: '' },
    workDir,
    rclone,
    log,
  };
  const sections: Record<string, SectionResult | { error: string }> = {};
  try {
    for (const [name, section] of [
      ['s3', s3Section],
      ['dynamodb', dynamoSection],
      ['kinesis', kinesisSection],
      ['lambda', lambdaSection],
      // Step Functions budgets and change detection (bench/lib/sections/budgets.ts).
      ['budgets', budgetsSection],
    ] as const) {
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
    await proxy.stop();
    await emulator.stop();
    await rm(workDir, { recursive: true, force: true });
  }

  const order = ['s3', 'dynamodb', 'lambda', 'kinesis', 'incremental', 'memory', 'orchestration', 'budgets'];
  const figures: Figure[] = Object.entries(sections)
    .flatMap(([name, result]) =>
      'error' in result
        ? [{ section: name, label: 'section failed', value: null, unit: '', note: result.error } as Figure]
        : result.figures,
    )
    .sort((a, b) => order.indexOf(a.section) - order.indexOf(b.section));
  const elapsedS = Math.round((Date.now() - started) / 1000);
  const loadAfter = loadavg()[0] as number;
  const date = new Date().toISOString();
  const table = formatTable(figures);
  const header = `triggervault bench${quick ? ' (--quick)' : ''} — ${date} — ${host.cpus} × ${host.model}, ${host.memoryGiB} GiB, Node ${host.node}, moto ${host.moto}, ${host.awscli?.split(' ')[0] ?? 'no awscli'}, ${host.rclone ?? 'no rclone'} — ${elapsedS} s, load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after`;
  process.stdout.write(`\n${header}\n\n${table}\n`);
  const missed = figures.filter((figure) => verdict(figure) === 'MISS' || verdict(figure) === 'n/a');
  process.stdout.write(
    `\n${figures.filter((figure) => verdict(figure) === 'PASS').length} PASS, ${missed.length} MISS or not available\n`,
  );
  const file = fileURLToPath(
    new URL(quick || only ? './results.local.json' : './results.json', import.meta.url),
  );
  await writeFile(
    file,
    `${JSON.stringify(
      {
        date,
        quick,
        only,
        elapsedSeconds: elapsedS,
        loadAverage: { before: loadBefore, after: loadAfter },
        machine: host,
        latencyMs: LATENCY_MS,
        sizes,
        figures: figures.map((figure) => ({ ...figure, result: verdict(figure) || undefined })),
        details: Object.fromEntries(
          Object.entries(sections).map(([name, result]) => [
            name,
            'error' in result ? result : result.details,
          ]),
        ),
      },
      null,
      2,
    )}\n`,
  );
  log(`wrote ${file}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    log(`bench failed: ${(error as Error).stack ?? error}`);
    process.exit(1);
  },
);
