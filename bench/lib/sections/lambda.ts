import { join } from 'node:path';
import type { BackupResult, BaselineResult } from '../../child.js';
import { runBaseline, runOurs } from '../ours.js';
import { type Figure, perSecond, ratio } from '../report.js';
import { seedFunctions } from '../seed.js';
import {
  type BenchContext,
  limitOf,
  type Measured,
  measure,
  measuredDetails,
  op,
  proxyLabel,
  runSummary,
  type SectionResult,
  scalingFigures,
  serverCpuNote,
  tenth,
  withEndpoint,
} from './context.js';

/**
 * Lambda capture (moto): ours through the state machine against the sequential baseline making the
 * same Get/List calls one at a time (see lambda-baseline.ts), then ours again with nothing changed.
 */
export async function lambdaSection(context: BenchContext): Promise<SectionResult> {
  const { sizes, names, proxy, direct, log } = context;
  const P = proxyLabel(context);
  log(
    `lambda: seeding ${sizes.functions} functions in ${names.lambdaRegion} and ${tenth(sizes.functions)} in ${names.lambdaRegion1x}`,
  );
  const [seeded, seeded1x] = await withEndpoint(direct.endpoint, async () => [
    await seedFunctions(names.lambdaRegion, sizes.functions, `bench-fn${names.suffix}`),
    await seedFunctions(names.lambdaRegion1x, tenth(sizes.functions), `bench-fn${names.suffix}`),
  ]);
  const input = (region: string, store: string) => ({
    store: `file://${join(context.workDir, store)}`,
    regions: [region],
    include: ['lambda-function'],
  });
  const options = (endpoint: string, region: string) => ({
    endpoint,
    directEndpoint: direct.endpoint,
    region,
  });
  const ours = (region: string, store: string, endpoint: string) =>
    runOurs(input(region, store), options(endpoint, region));

  log(`lambda: ours, ${P}`);
  const first = await measure(context, proxy, () => ours(names.lambdaRegion, 'lambda-store', proxy.endpoint));
  log(`lambda: ours again, nothing changed, ${P}`);
  const again = await measure(context, proxy, () => ours(names.lambdaRegion, 'lambda-store', proxy.endpoint));
  log('lambda: ours at 1× (memory, orchestration)');
  const one = await ours(names.lambdaRegion1x, 'lambda-store-1x', direct.endpoint);
  const subset = seeded.names.slice(0, Math.min(sizes.baselineFunctions, seeded.names.length));
  log(`lambda: sequential baseline on ${subset.length} functions, ${P}`);
  const baseline: Measured<BaselineResult> = await measure(context, proxy, () =>
    runBaseline(
      { region: names.lambdaRegion, directory: join(context.workDir, 'lambda-baseline'), names: subset },
      options(proxy.endpoint, names.lambdaRegion),
    ),
  );

  const captured = first.result.items.filter(
    (item) => item.kind === 'lambda-function' && item.status === 'ok',
  ).length;
  const oursRate = perSecond(captured, first.result.ms);
  const baselineRate = perSecond(baseline.result.functions, baseline.result.ms);
  const perFunction = (requests: number, functions: number) => requests / Math.max(1, functions);
  const oursRequests = perFunction(first.stats.requests, captured);
  const baselineRequests = perFunction(baseline.stats.requests, baseline.result.functions);
  const downloads = (run: Measured<BackupResult>) => op(run.stats, 'triggervault:CodeDownload');
  // Two packages per function (version 1, and version 2 = $LATEST) and the shared layer.
  const packages = captured * 2 + 1;
  const figures: Figure[] = [
    {
      section: 'lambda',
      label: `ours, ${P}`,
      value: oursRate,
      unit: 'fn/s',
      note: `${captured} functions in ${(first.result.ms / 1000).toFixed(1)} s; client CPU ${(first.result.cpuMs / Math.max(1, captured)).toFixed(1)} ms/function; ${oursRequests.toFixed(1)} req/function; ${serverCpuNote(first, captured, 'function')}`,
      limit: limitOf(first, { latencyMs: context.latencyMs, inFlight: 16 }),
    },
    {
      section: 'lambda',
      label: `sequential baseline, ${P}`,
      value: baselineRate,
      unit: 'fn/s',
      note: `${baseline.result.functions} functions in ${(baseline.result.ms / 1000).toFixed(1)} s; client CPU ${(baseline.result.cpuMs / Math.max(1, baseline.result.functions)).toFixed(1)} ms/function; ${baselineRequests.toFixed(1)} req/function`,
      limit: limitOf(baseline, { latencyMs: context.latencyMs, inFlight: 1 }),
    },
    {
      section: 'lambda',
      label: `ours / sequential baseline, ${P}`,
      value: ratio(oursRate, baselineRate),
      unit: '×',
      target: { cmp: '>=', value: 5 },
    },
    {
      section: 'lambda',
      label: 'requests per function, ours / baseline',
      value: ratio(oursRequests, baselineRequests),
      unit: '×',
      target: { cmp: '<', value: 1 },
      note: `ours ${oursRequests.toFixed(2)} (whole run: plan, discover, capture, verify), baseline ${baselineRequests.toFixed(2)} (capture alone)`,
    },
    {
      section: 'lambda',
      label: 'code downloads per distinct package (ours)',
      value: downloads(first) / packages,
      unit: '',
      target: { cmp: '<=', value: 1 },
      note: `${downloads(first)} downloads for ${packages} packages (2 per function, 1 shared layer)`,
    },
    {
      section: 'incremental',
      label: `lambda: second run time / first, ${P}`,
      value: (again.result.ms / first.result.ms) * 100,
      unit: '%',
      target: { cmp: '<=', value: 10 },
      note: `${(again.result.ms / 1000).toFixed(1)} s vs ${(first.result.ms / 1000).toFixed(1)} s`,
      limit: limitOf(again, { latencyMs: context.latencyMs, inFlight: 16 }),
    },
    {
      section: 'incremental',
      label: 'lambda: second run requests / first',
      value: (again.stats.requests / Math.max(1, first.stats.requests)) * 100,
      unit: '%',
      target: { cmp: '<=', value: 10 },
      note: `${again.stats.requests} vs ${first.stats.requests} requests`,
    },
    {
      section: 'incremental',
      label: 'lambda: code downloads in the second run',
      value: downloads(again),
      unit: '',
      target: { cmp: '=', value: 0 },
      note: `first run: ${downloads(first)}`,
    },
    ...scalingFigures(
      'lambda',
      'functions',
      { result: one, units: seeded1x.names.length },
      { result: first.result, units: captured },
      { memoryTarget: false, transitionsTarget: 11 },
    ),
  ];
  return {
    figures,
    details: {
      seeded: {
        functions: seeded.names.length,
        triggers: seeded.triggers,
        functions1x: seeded1x.names.length,
      },
      ours: { ...measuredDetails(first), captured, run: runSummary(first.result) },
      incremental: { ...measuredDetails(again), run: runSummary(again.result) },
      oneX: runSummary(one),
      baseline: {
        ...measuredDetails(baseline),
        functions: baseline.result.functions,
        downloads: baseline.result.downloads,
      },
    },
  };
}
