import { verifyArtifacts } from '../backup/verify.js';
import { type Emulator, startEmulator } from '../local/emulator.js';
import { runStateMachineLocally } from '../local/runner.js';
import { DEMO_REGIONS, seedRegion } from '../local/seed.js';
import { openStore } from '../store/open.js';
import { ensureBackupBucket } from '../store/secure-bucket.js';
import { readManifest, summaryTable } from './commands.js';
import { createOutput, table } from './output.js';

const DEMO_BUCKET = 'triggervault-demo-backups';

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
    const ok = summary.status === 'succeeded' && manifest !== undefined && damaged.length === 0;
    out.result(
      {
        ...summary,
        stateTransitions,
        verifiedArtifacts: artifacts.length,
        damaged,
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
            ['lambda-function', 'dynamodb-table', 's3-bucket', 'kinesis-stream'].map((kind) => {
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
