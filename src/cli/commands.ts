import { parseOrThrow } from '../../schemas/common.js';
import type { Manifest } from '../../schemas/manifest.js';
import type { RunInput } from '../../schemas/run-input.js';
import type { RunSummary } from '../backup/finalize.js';
import { findPolicy, loadPolicyFile } from '../policy/load.js';
import { RunCatalog, type RunListing } from '../store/catalog.js';
import { verifyArtifacts } from '../store/integrity.js';
import { openStore } from '../store/open.js';
import type { BackupStore } from '../store/store.js';
import { BackupFlags, ListFlags, RunFlags } from './flags.js';
import { createOutput, type Output, table } from './output.js';

/** Per-region counts of a finished run. */
export function summaryTable(summary: RunSummary): string {
  const rows = Object.entries(summary.regions).map(([region, counts]) => [
    region,
    counts.items,
    counts.items - counts.failed,
    counts.failed,
  ]);
  return table(['region', 'items', 'ok', 'failed'], rows);
}

/** `backup`: runs the backup state machine in-process against the configured endpoint. */
export async function backupCommand(rawFlags: unknown): Promise<number> {
  const flags = parseOrThrow(BackupFlags, rawFlags, 'flags');
  const store = openStore(flags.bucket);
  const input: RunInput = {
    store: store.url,
    regions: flags.regions,
    include: flags.include,
    resume: flags.resume,
    names: flags.names,
    tables: flags.tables,
    buckets: flags.buckets,
    streams: flags.streams,
    policy: flags.policy ? findPolicy(await loadPolicyFile(flags.policyFile), flags.policy) : undefined,
  };
  return runBackupMachine(input, flags.json);
}

/** Runs the backup state machine locally with terminal progress and prints the summary. */
async function runBackupMachine(input: RunInput, json: boolean): Promise<number> {
  const out = createOutput(json);
  const { runStateMachineLocally } = await import('../local/runner.js');
  const { summary } = await runStateMachineLocally('backup.asl.yaml', JSON.parse(JSON.stringify(input)), {
    onProgress: (progress) => {
      if (out.interactive)
        out.info(
          `  ${progress.region}: ${progress.done}/${progress.total} items${progress.failed ? ` (${progress.failed} failed)` : ''}`,
        );
    },
  });
  out.result(summary, () =>
    [
      `run ${summary.runId}: ${summary.status}`,
      summaryTable(summary),
      ...summary.failed.map(
        (failure) => `FAILED ${failure.region} ${failure.kind} ${failure.name}: ${failure.error}`,
      ),
      ...summary.damaged.map((path) => `DAMAGED ${path}`),
    ].join('\n'),
  );
  return summary.status === 'succeeded' ? 0 : 1;
}

/** Reads and validates a run's manifest; undefined when the run has none (incomplete or unknown). */
export const readManifest = (store: BackupStore, runId: string): Promise<Manifest | undefined> =>
  new RunCatalog(store).manifest(runId);

/** The run's manifest, or undefined after telling the user the run is incomplete or unknown. */
export async function completeManifest(
  store: BackupStore,
  runId: string,
  out: Output,
): Promise<Manifest | undefined> {
  const manifest = await readManifest(store, runId);
  if (!manifest)
    out.error(`run ${runId} has no manifest in ${store.url}: it is incomplete or does not exist`);
  return manifest;
}

/** `verify`: re-reads every artifact of a run; exit 1 names each damaged one. */
export async function verifyCommand(rawFlags: unknown): Promise<number> {
  const flags = parseOrThrow(RunFlags, rawFlags, 'flags');
  const out = createOutput(flags.json);
  const store = openStore(flags.bucket);
  const manifest = await completeManifest(store, flags.run, out);
  if (!manifest) return 1;
  const artifacts = [
    ...new Map(
      manifest.items.flatMap((item) => item.artifacts).map((artifact) => [artifact.path, artifact]),
    ).values(),
  ];
  const damaged = await verifyArtifacts(store, artifacts);
  out.result({ runId: flags.run, artifacts: artifacts.length, damaged }, () =>
    damaged.length
      ? [
          `run ${flags.run}: ${damaged.length} of ${artifacts.length} artifacts damaged`,
          ...damaged.map((d) => `DAMAGED ${d.path}: ${d.problem}`),
        ].join('\n')
      : `run ${flags.run}: all ${artifacts.length} artifacts intact`,
  );
  return damaged.length ? 1 : 0;
}

/** Every run in the store; a run without a valid manifest is never listed as complete. */
export const listRuns = (store: BackupStore): Promise<RunListing[]> => new RunCatalog(store).list();

/** `list`: the runs in a store, newest last. */
export async function listCommand(rawFlags: unknown): Promise<number> {
  const flags = parseOrThrow(ListFlags, rawFlags, 'flags');
  const out = createOutput(flags.json);
  const runs = await listRuns(openStore(flags.bucket));
  out.result(runs, () =>
    table(
      ['run', 'status', 'items', 'failed', 'bytes'],
      runs.map((run) => [run.runId, run.status, run.items ?? '-', run.failed ?? '-', run.bytes ?? '-']),
    ),
  );
  return 0;
}

/**
 * `redrive`: re-processes the failed (dead-lettered) items of a run through the same state machine;
 * their dead letters are deleted only after the new manifest is written.
 */
export async function redriveCommand(rawFlags: unknown): Promise<number> {
  const flags = parseOrThrow(RunFlags, rawFlags, 'flags');
  return runBackupMachine({ store: openStore(flags.bucket).url, redrive: { runId: flags.run } }, flags.json);
}
