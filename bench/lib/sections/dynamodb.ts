import { join } from 'node:path';
import type { BackupResult } from '../../child.js';
import type { CommandResult } from '../env.js';
import { runOurs, sumSummary } from '../ours.js';
import { awsDynamoScan } from '../peers.js';
import { type Figure, perSecond, ratio } from '../report.js';
import { emptyBucket, ensureBucket, seedTable } from '../seed.js';
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
 * DynamoDB export: ours (parallel segmented Scan into gzip NDJSON parts in an S3 store) against
 * `aws dynamodb scan` paginating the whole table into a file, behind the latency proxy on the same
 * routing (Scan on dynalite, the table loaded in moto too).
 */
export async function dynamoSection(context: BenchContext): Promise<SectionResult> {
  const { sizes, names, proxy, direct, log } = context;
  const P = proxyLabel(context);
  const region = names.dataRegion;
  const table = `bench-table${names.suffix}`;
  const table1x = `bench-table-1x${names.suffix}`;
  const store = `bench-store${names.suffix}`;
  log(`dynamodb: seeding ${sizes.dynamoItems} items of ~${sizes.dynamoItemBytes} B (and a tenth of it)`);
  await withEndpoint(direct.endpoint, async () => {
    await seedTable(region, table, sizes.dynamoItems, { itemBytes: sizes.dynamoItemBytes });
    await seedTable(region, table1x, tenth(sizes.dynamoItems), { itemBytes: sizes.dynamoItemBytes });
    await ensureBucket(region, store);
  });
  const input = (name: string, prefix: string) => ({
    store: `s3://${store}/${prefix}`,
    regions: [region],
    include: ['dynamodb-table'],
    tables: [name],
  });
  const options = (endpoint: string) => ({ endpoint, directEndpoint: direct.endpoint, region });
  // Two rounds, peer and ours alternating, the faster of each kept: one sample each would compare two
  // different moments of a shared machine.
  const awsRuns: Measured<CommandResult & { items: number }>[] = [];
  const oursRuns: Measured<BackupResult>[] = [];
  for (let round = 1; round <= 2; round += 1) {
    log(`dynamodb: aws dynamodb scan, ${P} (round ${round})`);
    awsRuns.push(
      await measure(context, proxy, () =>
        awsDynamoScan(proxy.endpoint, region, table, join(context.workDir, 'scan.json')),
      ),
    );
    log(`dynamodb: ours, ${P} (round ${round})`);
    oursRuns.push(
      await measure(context, proxy, () => runOurs(input(table, `ddb-${round}`), options(proxy.endpoint))),
    );
    await withEndpoint(direct.endpoint, () => emptyBucket(region, store, `ddb-${round}/`));
  }
  const fastest = <T extends { result: { ms: number } }>(runs: T[]): T =>
    runs.reduce((best, run) => (run.result.ms < best.result.ms ? run : best));
  const aws = fastest(awsRuns);
  const ours = fastest(oursRuns);
  log('dynamodb: ours at 1× (memory, orchestration)');
  const one = await runOurs(input(table1x, 'ddb-1x'), options(direct.endpoint));
  await withEndpoint(direct.endpoint, () => emptyBucket(region, store, 'ddb-1x/'));
  // Memory: the larger peak of the two runs (conservative).
  const ten = { ...ours.result, maxRssKb: Math.max(...oursRuns.map((run) => run.result.maxRssKb)) };
  const items = sumSummary(ours.result, 'dynamodb-table', 'items');
  const oursRate = perSecond(items, ours.result.ms);
  const awsRate = perSecond(aws.result.items, aws.result.ms);
  const perThousand = (value: number, count: number) => (value / Math.max(1, count)) * 1000;
  const segments = sumSummary(ours.result, 'dynamodb-table', 'totalSegments');
  const figures: Figure[] = [
    {
      section: 'dynamodb',
      label: `ours, ${P}`,
      value: oursRate,
      unit: 'items/s',
      note: `${items} items in ${(ours.result.ms / 1000).toFixed(1)} s (faster of 2), ${segments} segments; client CPU ${perThousand(ours.result.cpuMs, items).toFixed(0)} ms/1,000 items; ${perThousand(ours.stats.requests, items).toFixed(1)} req/1,000 items; ${serverCpuNote(ours, items / 1000, '1,000 items')}`,
      limit: limitOf(ours, { latencyMs: context.latencyMs, inFlight: segments }),
    },
    {
      section: 'dynamodb',
      label: `aws dynamodb scan, ${P}`,
      value: awsRate,
      unit: 'items/s',
      note: `${aws.result.items} items in ${(aws.result.ms / 1000).toFixed(1)} s (faster of 2); client CPU ${perThousand(aws.result.cpuMs, aws.result.items).toFixed(0)} ms/1,000 items; ${perThousand(aws.stats.requests, aws.result.items).toFixed(1)} req/1,000 items; ${serverCpuNote(aws, aws.result.items / 1000, '1,000 items')}`,
      limit: limitOf(aws, { latencyMs: context.latencyMs, inFlight: 1 }),
    },
    {
      section: 'dynamodb',
      label: `ours / aws dynamodb scan, ${P}`,
      value: ratio(oursRate, awsRate),
      unit: '×',
      target: { cmp: '>=', value: 5 },
      note: `export step alone ${perSecond(items, ours.result.handlerMs['backup-dynamodb-table'] ?? Number.NaN).toFixed(0)} items/s`,
    },
    {
      section: 'dynamodb',
      label: 'requests per 1,000 items exported (ours, whole run)',
      value: perThousand(ours.stats.requests, items),
      unit: '',
      note: `aws dynamodb scan: ${perThousand(aws.stats.requests, aws.result.items).toFixed(1)}`,
    },
    ...scalingFigures(
      'dynamodb',
      'items',
      { result: one, units: sumSummary(one, 'dynamodb-table', 'items') },
      { result: ten, units: items },
      { memoryTarget: true, transitionsTarget: 1.5 },
    ),
  ];
  return {
    figures,
    details: {
      awsScan: {
        ...measuredDetails(aws),
        items: aws.result.items,
        roundsMs: awsRuns.map((run) => Math.round(run.result.ms)),
      },
      ours: {
        ...measuredDetails(ours),
        items,
        segments,
        run: runSummary(ten),
        roundsMs: oursRuns.map((run) => Math.round(run.result.ms)),
      },
      oneX: { ...runSummary(one), items: sumSummary(one, 'dynamodb-table', 'items') },
    },
  };
}
