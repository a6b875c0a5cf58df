import { KIND_NAMES } from '../../schemas/common.js';
import { type Emulator, startEmulator } from '../local/emulator.js';
import { runStateMachineLocally } from '../local/runner.js';
import { DEMO_REGIONS, type SeededRegion, seedRegion } from '../local/seed.js';
import { wipeRegion } from '../local/wipe.js';
import { verifyArtifacts } from '../store/integrity.js';
import { openStore } from '../store/open.js';
import { ensureBackupBucket } from '../store/secure-bucket.js';
import { readManifest, summaryTable } from './commands.js';
import { createOutput, table } from './output.js';
import { restoreAndCompare } from './round-trip.js';

const DEMO_BUCKET = 'triggervault-demo-backups';
/** The region the demo wipes and restores. */
const WIPED_REGION = 'eu-west-1';

/**
 * `demo`: embedded emulator, a sample app in three regions, one backup through the real state
 * machine, an independent verification, and a per-region report. Exit 0 only if all of it holds.
 */
export async function demoCommand(flags: { json?: boolean }): Promise<number> {
  const out = createOutput(Boolean(flags.json));
  const started = Date.now();
  out.info('Starting the local AWS emulator (moto)...');
  const emulator: Emulator = await startEmulator();
  const stopEmulator = () => void emulator.stop();
  process.once('SIGINT', stopEmulator);
  process.once('SIGTERM', stopEmulator);
  try {
    process.env.AWS_ENDPOINT_URL = emulator.endpoint;
    process.env.AWS_ACCESS_KEY_ID ??= 'testing';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
    out.info(`Emulator on ${emulator.endpoint}. Seeding the sample app in ${DEMO_REGIONS.join(', ')}...`);
    const seeded = await Promise.all(DEMO_REGIONS.map((region) => seedRegion(region)));
    for (const region of seeded) {
      out.info(
        `  ${region.region}: ${region.functions.length} functions, table ${region.table}, bucket ${region.bucket}, stream ${region.stream}`,
      );
    }
    await ensureBackupBucket(DEMO_BUCKET, 'us-east-1');
    out.info(
      `Backing up through statemachines/backup.asl.yaml into s3://${DEMO_BUCKET} (versioned, SSE-KMS, public access blocked)...`,
    );
    const { summary, stateTransitions } = await runStateMachineLocally(
      'backup.asl.yaml',
      { regions: [...DEMO_REGIONS], store: `s3://${DEMO_BUCKET}` },
      {
        onProgress: (progress) => {
          if (progress.done === progress.total)
            out.info(`  ${progress.region}: ${progress.done}/${progress.total} items done`);
        },
      },
    );
    const store = openStore(`s3://${DEMO_BUCKET}`);
    const manifest = await readManifest(store, summary.runId);
    const artifacts = manifest
      ? [...new Map(manifest.items.flatMap((item) => item.artifacts).map((a) => [a.path, a])).values()]
      : [];
    const damaged = await verifyArtifacts(store, artifacts);
    const triggers =
      manifest?.items.reduce(
        (sum, item) => sum + ((item.artifacts[0]?.counts?.triggers as number | undefined) ?? 0),
        0,
      ) ?? 0;
    const backedUp = summary.status === 'succeeded' && manifest !== undefined && damaged.length === 0;
    const victim = seeded.find((region) => region.region === WIPED_REGION) as SeededRegion;
    out.info(
      `Disaster: wiping ${WIPED_REGION} (functions, triggers, layer, table, bucket, stream, queue, topic, APIs)...`,
    );
    await wipeRegion(victim);
    out.info(`Restoring ${WIPED_REGION} from run ${summary.runId} through statemachines/restore.asl.yaml...`);
    const { verdicts } = manifest
      ? await restoreAndCompare(`s3://${DEMO_BUCKET}`, summary.runId, WIPED_REGION, manifest.items)
      : { verdicts: [] };
    const restored = verdicts.length > 0 && verdicts.every((verdict) => verdict.pass);
    const ok = backedUp && restored;
    out.result(
      {
        ...summary,
        stateTransitions,
        verifiedArtifacts: artifacts.length,
        damaged,
        roundTrip: verdicts,
        seconds: (Date.now() - started) / 1000,
      },
      () =>
        [
          '',
          `Run ${summary.runId}: ${summary.status}`,
          summaryTable(summary),
          '',
          table(
            ['kind', 'items', 'artifacts'],
            KIND_NAMES.map((kind) => {
              const items = manifest?.items.filter((item) => item.kind === kind) ?? [];
              return [kind, items.length, items.reduce((sum, item) => sum + item.artifacts.length, 0)];
            }),
          ),
          '',
          `Triggers captured: ${triggers}; state transitions: ${stateTransitions}`,
          `Verification: ${artifacts.length} artifacts re-read, ${damaged.length} damaged`,
          ...summary.failed.map(
            (failure) => `FAILED ${failure.region} ${failure.kind} ${failure.name}: ${failure.error}`,
          ),
          '',
          `Round trip: ${WIPED_REGION} wiped, restored and compared with the backup`,
          table(
            ['verdict', 'kind', 'name', 'detail'],
            verdicts.map((verdict) => [
              verdict.pass ? 'PASS' : 'FAIL',
              verdict.kind,
              verdict.name,
              verdict.detail,
            ]),
          ),
          `${ok ? 'PASS' : 'FAIL'} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
        ].join('\n'),
    );
    return ok ? 0 : 1;
  } finally {
    process.off('SIGINT', stopEmulator);
    process.off('SIGTERM', stopEmulator);
    await emulator.stop();
  }
}
