import { parseOrThrow } from '../../schemas/common.js';
import type { Manifest } from '../../schemas/manifest.js';
import type { RunInput } from '../../schemas/run-input.js';
import type { ItemResult } from '../../schemas/work-item.js';
import type { RunSummary } from '../backup/finalize.js';
import { checkItems, describeChecks } from '../backup/verify-checks.js';
import { InputValidationError, UntrustedManifestError } from '../errors.js';
import { findPolicy, loadPolicyFile } from '../policy/load.js';
import { pointInTimeOf } from '../restore/sources.js';
import { BandwidthPool, shareBandwidth, withBandwidthCap } from '../store/bandwidth.js';
import { RunCatalog, type RunHoldings, type RunListing, type TrustOptions } from '../store/catalog.js';
import { openStore, requireExistingStore } from '../store/open.js';
import type { BackupStore } from '../store/store.js';
import { BackupFlags, ListFlags, RunFlags, VerifyFlags } from './flags.js';
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
  // Bad input is found before any work: a missing bucket, a run to resume that is not there.
  if (store.s3) await requireExistingStore(store);
  if (flags.resume && !(await new RunCatalog(store).runIds()).includes(flags.resume))
    throw new InputValidationError(`resume: no run ${flags.resume} in ${store.url}`);
  if (flags.allowUnsigned) warnUnsigned('this run is written WITHOUT a manifest signature');
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
    ...(flags.allowUnsigned ? { allowUnsigned: true } : {}),
    maxBandwidth: flags.maxBandwidth,
  };
  return runBackupMachine(input, flags.json);
}

/** --allow-unsigned is said loudly, on stderr, whatever the output format. */
export function warnUnsigned(what: string): void {
  process.stderr.write(
    `triggervault: WARNING --allow-unsigned: ${what}; anyone who can write the store can change such a run unnoticed\n`,
  );
}

/** Runs the backup state machine locally with terminal progress and prints the summary. */
async function runBackupMachine(input: RunInput, json: boolean): Promise<number> {
  const out = createOutput(json);
  const { runStateMachineLocally } = await import('../local/runner.js');
  // Every item of this process shares one budget: the cap is the command's, not each item's.
  const { summary } = await shareBandwidth(new BandwidthPool(), () =>
    runStateMachineLocally('backup.asl.yaml', JSON.parse(JSON.stringify(input)), {
      onProgress: (progress) => {
        if (out.interactive)
          out.info(
            `  ${progress.region}: ${progress.done}/${progress.total} items${progress.failed ? ` (${progress.failed} failed)` : ''}`,
          );
      },
    }),
  );
  out.result(summary, () =>
    [
      `run ${summary.runId}: ${summary.status}${summary.signed === false ? ' (UNSIGNED manifest)' : ''}`,
      summaryTable(summary),
      ...summary.failed.map(
        (failure) => `FAILED ${failure.region} ${failure.kind} ${failure.name}: ${failure.error}`,
      ),
      ...summary.damaged.map((path) => `DAMAGED ${path}`),
    ].join('\n'),
  );
  return summary.status === 'succeeded' ? 0 : 1;
}

/** Reads and validates a run's manifest, its signature checked; undefined when the run has none. */
export const readManifest = (
  store: BackupStore,
  runId: string,
  trust: TrustOptions = {},
): Promise<Manifest | undefined> => new RunCatalog(store, trust).manifest(runId);

/**
 * The run's trusted manifest, or undefined after telling the user the run is incomplete. A store or
 * a run that does not exist is bad input (exit 2, the field named), found before any work.
 */
export async function completeManifest(
  store: BackupStore,
  runId: string,
  out: Output,
  trust: TrustOptions = {},
): Promise<Manifest | undefined> {
  await requireExistingStore(store);
  if (!(await new RunCatalog(store).runIds()).includes(runId))
    throw new InputValidationError(`run: no run ${runId} in ${store.url}`);
  if (trust.allowUnsigned) warnUnsigned('unsigned runs are accepted');
  const manifest = await readManifest(store, runId, trust);
  if (!manifest) out.error(`run ${runId} has no manifest in ${store.url}: it is incomplete`);
  return manifest;
}

/** The items to verify: a run's, or every resource of a point in time (each from its own run). */
async function itemsToVerify(
  store: BackupStore,
  flags: { run?: string; asOf?: string; allowUnsigned: boolean },
  out: Output,
): Promise<{ what: string; items: ItemResult[]; notHeld: string[] } | undefined> {
  const trust = { allowUnsigned: flags.allowUnsigned };
  if (flags.asOf) {
    if (trust.allowUnsigned) warnUnsigned('unsigned runs are accepted');
    const picture = await pointInTimeOf(store, new Date(flags.asOf), '--as-of', undefined, trust);
    const held = picture.resources.filter((resource) => resource.runId !== undefined);
    const runs = new Set(held.map((resource) => resource.runId));
    return {
      what: `point in time ${flags.asOf} (${held.length} resources from ${runs.size} runs)`,
      items: held.map((resource) => resource.item),
      notHeld: picture.resources
        .filter((resource) => resource.runId === undefined)
        .map((resource) => `${resource.region} ${resource.kind} ${resource.name}`),
    };
  }
  const manifest = await completeManifest(store, flags.run as string, out, trust);
  if (!manifest) return undefined;
  return { what: `run ${flags.run}`, items: manifest.items, notHeld: [] };
}

/**
 * `verify`: checks a run's signature (or those of the runs of a point in time), re-reads every
 * artifact and checks every object copy (by the store's checksum or ETag, or re-hashed with --deep);
 * exit 1 names each damaged one, or says why the run is untrusted. Resources no run held ok at the
 * point in time are listed; they have nothing to verify.
 */
export async function verifyCommand(rawFlags: unknown): Promise<number> {
  const flags = parseOrThrow(VerifyFlags, rawFlags, 'flags');
  const out = createOutput(flags.json);
  const store = openStore(flags.bucket);
  let chosen: Awaited<ReturnType<typeof itemsToVerify>>;
  try {
    chosen = await itemsToVerify(store, flags, out);
  } catch (error) {
    if (!(error instanceof UntrustedManifestError)) throw error;
    out.result(
      { runId: flags.run, asOf: flags.asOf, trusted: false, problem: error.message },
      () => `UNTRUSTED ${error.message}`,
    );
    return 1;
  }
  if (!chosen) return 1;
  const { what, items, notHeld } = chosen;
  const outcome = await withBandwidthCap(flags.maxBandwidth, () =>
    checkItems(store, items, { deep: flags.deep }),
  );
  const { damaged } = outcome;
  const checks = describeChecks(outcome);
  out.result(
    { runId: flags.run, asOf: flags.asOf, trusted: true, deep: flags.deep, checks, ...outcome, notHeld },
    () =>
      [
        damaged.length
          ? `${what}: ${damaged.length} damaged (${checks})`
          : `${what}: signed, everything intact (${checks})`,
        ...damaged.map((d) => `DAMAGED ${d.path}: ${d.problem}`),
        ...notHeld.map((name) => `NOT HELD ${name}: failed in every run at or before the time`),
      ].join('\n'),
  );
  return damaged.length ? 1 : 0;
}

/** Every run in the store; a run without a valid manifest is never listed as complete. */
export const listRuns = (store: BackupStore): Promise<RunListing[]> => new RunCatalog(store).list();

/** `list`: the runs in a store, newest last. */
export async function listCommand(rawFlags: unknown): Promise<number> {
  const flags = parseOrThrow(ListFlags, rawFlags, 'flags');
  const out = createOutput(flags.json);
  const store = openStore(flags.bucket);
  await requireExistingStore(store);
  const runs = await listRuns(store);
  out.result(runs, () =>
    table(
      ['run', 'status', 'items', 'failed', 'bytes', 'regions', 'holds'],
      runs.map((run) => [
        run.runId,
        run.status,
        run.items ?? '-',
        run.failed ?? '-',
        run.bytes ?? '-',
        run.holds?.regions.join(',') ?? '-',
        run.holds ? describeHoldings(run.holds) : '-',
      ]),
    ),
  );
  return 0;
}

/** What a run holds in one line: per kind (every region), resources and the data units stored. */
export function describeHoldings(holds: RunHoldings): string {
  const kinds = new Map<string, { resources: number; failed: number; units: Map<string, number> }>(
    holds.kinds.map((kind) => [kind, { resources: 0, failed: 0, units: new Map() }]),
  );
  for (const holding of holds.holdings) {
    const entry = kinds.get(holding.kind) ?? { resources: 0, failed: 0, units: new Map() };
    kinds.set(holding.kind, entry);
    entry.resources += holding.resources;
    entry.failed += holding.failed;
    for (const [unit, count] of Object.entries(holding.units))
      entry.units.set(unit, (entry.units.get(unit) ?? 0) + (count ?? 0));
  }
  return [...kinds]
    .map(([kind, entry]) => {
      const units = [...entry.units].map(([unit, count]) => `${count} ${unit}`);
      const failed = entry.failed ? [`${entry.failed} failed`] : [];
      const detail = [...failed, ...units];
      return `${entry.resources} ${kind}${detail.length ? ` (${detail.join(', ')})` : ''}`;
    })
    .join('; ');
}

/**
 * `redrive`: re-processes the failed (dead-lettered) items of a run through the same state machine;
 * their dead letters are deleted only after the new manifest is written.
 */
export async function redriveCommand(rawFlags: unknown): Promise<number> {
  const flags = parseOrThrow(RunFlags, rawFlags, 'flags');
  const store = openStore(flags.bucket);
  await requireExistingStore(store);
  if (!(await new RunCatalog(store).runIds()).includes(flags.run))
    throw new InputValidationError(`run: no run ${flags.run} in ${store.url}`);
  return runBackupMachine(
    {
      store: store.url,
      redrive: { runId: flags.run },
      ...(flags.allowUnsigned ? { allowUnsigned: true } : {}),
    },
    flags.json,
  );
}
