import type { BackupResult } from '../../child.js';
import type { PacingReport } from '../kinesis-pacing.js';
import { runOurs, sumSummary } from '../ours.js';
import { type Figure, perSecond, ratio } from '../report.js';
import { emptyBucket, ensureBucket, seedStream } from '../seed.js';
import {
  type BenchContext,
  limitOf,
  type Measured,
  measure,
  measuredDetails,
  proxyLabel,
  runSummary,
  type SectionResult,
  scalingFigures,
  serverCpuNote,
  tenth,
  withEndpoint,
} from './context.js';

/**
 * Kinesis export: ours reading all shards in parallel against ours reading one shard at a time
 * (TRIGGERVAULT_SHARD_CONCURRENCY=1), behind the latency proxy (reads on kinesalite in routed mode),
 * with the pacing of GetRecords checked per shard from the proxy's side.
 */
export async function kinesisSection(context: BenchContext): Promise<SectionResult> {
  const { sizes, names, proxy, direct, log } = context;
  const P = proxyLabel(context);
  const region = names.dataRegion;
  const stream = `bench-stream${names.suffix}`;
  const stream1x = `bench-stream-1x${names.suffix}`;
  const store = `bench-store${names.suffix}`;
  const records = sizes.kinesisShards * sizes.kinesisPerShard;
  log(
    `kinesis: seeding ${sizes.kinesisShards} shards × ${sizes.kinesisPerShard} records (and a tenth of it)`,
  );
  await withEndpoint(direct.endpoint, async () => {
    await seedStream(region, stream, sizes.kinesisShards, sizes.kinesisPerShard);
    await seedStream(region, stream1x, sizes.kinesisShards, tenth(sizes.kinesisPerShard));
    await ensureBucket(region, store);
  });
  const input = (name: string, prefix: string) => ({
    store: `s3://${store}/${prefix}`,
    regions: [region],
    include: ['kinesis-stream'],
    streams: [name],
  });
  const options = (endpoint: string, env?: Record<string, string>) => ({
    endpoint,
    directEndpoint: direct.endpoint,
    region,
    env,
  });
  const paced = async (work: () => Promise<BackupResult>) => {
    context.pacing.reset();
    const measured = await measure(context, proxy, work);
    return { measured, pacing: context.pacing.report() };
  };
  // Two rounds, parallel and one at a time alternating, the faster export step of each kept: one
  // sample each would compare two different moments of a shared machine.
  type Paced = Awaited<ReturnType<typeof paced>>;
  const rounds: { parallel: Paced; sequential: Paced }[] = [];
  for (let round = 1; round <= 2; round += 1) {
    log(`kinesis: ours, all shards in parallel, ${P} (round ${round})`);
    const parallelRun = await paced(() =>
      runOurs(input(stream, `kinesis-${round}`), options(proxy.endpoint)),
    );
    log(`kinesis: ours, one shard at a time, ${P} (round ${round})`);
    const sequentialRun = await paced(() =>
      runOurs(
        input(stream, `kinesis-sequential-${round}`),
        options(proxy.endpoint, { TRIGGERVAULT_SHARD_CONCURRENCY: '1' }),
      ),
    );
    rounds.push({ parallel: parallelRun, sequential: sequentialRun });
  }
  const stepOf = (run: Paced) =>
    run.measured.result.handlerMs['backup-kinesis-stream'] ?? Number.POSITIVE_INFINITY;
  const faster = (runs: Paced[]) => runs.reduce((best, run) => (stepOf(run) < stepOf(best) ? run : best));
  const parallel = faster(rounds.map((round) => round.parallel));
  const sequential = faster(rounds.map((round) => round.sequential));
  log('kinesis: ours at 1× (memory, orchestration)');
  const one = await runOurs(input(stream1x, 'kinesis-1x'), options(direct.endpoint));
  await withEndpoint(direct.endpoint, async () => {
    await emptyBucket(region, store, 'kinesis-');
  });

  const exported = (run: Measured<BackupResult>) => sumSummary(run.result, 'kinesis-stream', 'records');
  const stepMs = (run: Measured<BackupResult>) => run.result.handlerMs['backup-kinesis-stream'] ?? Number.NaN;
  const stepRate = (run: Measured<BackupResult>) => perSecond(exported(run), stepMs(run));
  const describe = (run: Measured<BackupResult>, pacing: PacingReport) =>
    `${exported(run)} of ${records} records; export step ${(stepMs(run) / 1000).toFixed(2)} s, whole run ${(run.result.ms / 1000).toFixed(1)} s (${perSecond(exported(run), run.result.ms).toFixed(0)} rec/s); ${pacing.calls} GetRecords on ${pacing.shards} shards; client CPU ${((run.result.cpuMs / Math.max(1, exported(run))) * 1000).toFixed(0)} ms/1,000 records; ${serverCpuNote(run, exported(run) / 1000, '1,000 records')}`;
  // Pacing is checked on every run, not only the faster ones.
  const allPacing = rounds.flatMap((round) => [round.parallel.pacing, round.sequential.pacing]);
  const worst = (key: 'peakCallsPerSecond' | 'peakMBPerSecond') =>
    Math.max(...allPacing.map((pacing) => pacing[key]));
  const figures: Figure[] = [
    {
      section: 'kinesis',
      label: `all shards in parallel, export step, ${P}`,
      value: stepRate(parallel.measured),
      unit: 'rec/s',
      note: describe(parallel.measured, parallel.pacing),
      limit: limitOf(parallel.measured, { latencyMs: context.latencyMs, inFlight: sizes.kinesisShards }),
    },
    {
      section: 'kinesis',
      label: `one shard at a time, export step, ${P}`,
      value: stepRate(sequential.measured),
      unit: 'rec/s',
      note: describe(sequential.measured, sequential.pacing),
      limit: limitOf(sequential.measured, { latencyMs: context.latencyMs, inFlight: 1 }),
    },
    {
      section: 'kinesis',
      label: `parallel / one shard at a time, export step, ${P}`,
      value: ratio(stepRate(parallel.measured), stepRate(sequential.measured)),
      unit: '×',
      target: { cmp: '>=', value: 1.3 },
      note: `faster of 2 each (export steps, parallel/one at a time: ${rounds.map((round) => `${(stepOf(round.parallel) / 1000).toFixed(2)}/${(stepOf(round.sequential) / 1000).toFixed(2)}`).join(', ')} s); whole runs ${(sequential.measured.result.ms / parallel.measured.result.ms).toFixed(2)}× (plan, discover, config, verify and manifest are the same in both)`,
    },
    {
      section: 'kinesis',
      label: 'GetRecords per shard, peak in any second',
      value: worst('peakCallsPerSecond'),
      unit: '/s',
      target: { cmp: '<=', value: 5 },
      note: `seen by the proxy on all 4 runs, reads chained to shards by iterator; ${allPacing.reduce((sum, pacing) => sum + pacing.unattributed, 0)} unattributed`,
    },
    {
      section: 'kinesis',
      label: 'data read per shard, peak rate to the next call',
      value: worst('peakMBPerSecond'),
      unit: 'MB/s',
      target: { cmp: '<=', value: 2 },
      note: `${allPacing.reduce((sum, pacing) => sum + pacing.pairs, 0)} consecutive call pairs on all 4 runs (a shard read in one call has none)`,
    },
    ...scalingFigures(
      'kinesis',
      'records',
      { result: one, units: sumSummary(one, 'kinesis-stream', 'records') },
      { result: parallel.measured.result, units: exported(parallel.measured) },
      { memoryTarget: true, transitionsTarget: 1.5 },
    ),
  ];
  return {
    figures,
    details: {
      records,
      roundsStepMs: rounds.map((round) => ({
        parallel: Math.round(stepOf(round.parallel)),
        sequential: Math.round(stepOf(round.sequential)),
      })),
      parallel: {
        ...measuredDetails(parallel.measured),
        records: exported(parallel.measured),
        pacing: parallel.pacing,
        run: runSummary(parallel.measured.result),
      },
      sequential: {
        ...measuredDetails(sequential.measured),
        records: exported(sequential.measured),
        pacing: sequential.pacing,
        run: runSummary(sequential.measured.result),
      },
      oneX: { ...runSummary(one), records: sumSummary(one, 'kinesis-stream', 'records') },
    },
  };
}
