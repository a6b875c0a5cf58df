import { parseOrThrow } from '../../schemas/common.js';
import {
  type Action,
  type ItemOutcome,
  type RestoreInput,
  RestoreInput as RestoreInputSchema,
} from '../../schemas/restore.js';
import { InputValidationError } from '../errors.js';
import type { RestoreReport, RestoreSummary } from '../restore/report.js';
import { pointInTimeOf } from '../restore/sources.js';
import { BandwidthPool, shareBandwidth } from '../store/bandwidth.js';
import { type PointInTime, RunCatalog } from '../store/catalog.js';
import { openStore, requireExistingStore } from '../store/open.js';
import type { BackupStore } from '../store/store.js';
import { warnUnsigned } from './commands.js';
import { RestoreFlags } from './flags.js';
import { createOutput, table } from './output.js';

const SIGNS: Record<Action, string> = {
  create: '+',
  update: '~',
  unchanged: '=',
  differs: '!',
  blocked: 'x',
  manual: '?',
  skipped: '-',
  failed: 'x',
};

const show = (value: unknown): string => (value === undefined ? '(none)' : JSON.stringify(value));

/** One item as diff lines: each changed part with its fields, unchanged parts counted. */
function itemLines(item: ItemOutcome): string[] {
  const lines = [`${SIGNS[item.action]} ${item.kind} ${item.name}: ${item.action}`];
  const unchanged = item.changes.filter((change) => change.action === 'unchanged' && !change.note).length;
  for (const change of item.changes) {
    if (change.action === 'unchanged' && !change.note) continue;
    lines.push(`    ${SIGNS[change.action]} ${change.resource}${change.note ? `: ${change.note}` : ''}`);
    for (const field of change.fields ?? [])
      lines.push(`        ${field.field}: ${show(field.current)} → ${show(field.desired)}`);
  }
  if (unchanged) lines.push(`    = ${unchanged} part${unchanged === 1 ? '' : 's'} unchanged`);
  lines.push(...item.notes.map((note) => `    note: ${note}`));
  if (item.error) lines.push(`    error: ${item.error.name}: ${item.error.message}`);
  return lines;
}

/**
 * A point in time in a line per run: which resources it gives, and those no run held ok by then.
 */
export function describePointInTime(picture: PointInTime): string[] {
  const byRun = new Map<string, string[]>();
  for (const resource of picture.resources) {
    const run = resource.runId ?? '(none: nothing to restore from)';
    byRun.set(run, [...(byRun.get(run) ?? []), `${resource.region} ${resource.kind} ${resource.name}`]);
  }
  return [
    `as of ${picture.asOf.toISOString()}: ${picture.resources.length} resources from ${[...byRun.keys()].filter((run) => !run.startsWith('(')).length} runs (newest ${picture.latest.runId})`,
    ...[...byRun].map(([run, names]) => `  ${run}: ${names.join(', ')}`),
  ];
}

/** The report (or, in a dry run, the plan) as a diff per region and item, then the counts. */
export function formatRestoreReport(report: RestoreReport, picture?: PointInTime): string {
  const of = picture ? `point in time ${picture.asOf.toISOString()}` : `run ${report.run}`;
  const heading = report.dryRun
    ? `restore plan ${report.restoreId} of ${of} (dry run: nothing was changed)`
    : `restore ${report.restoreId} of ${of}: ${report.status}`;
  const regions = [...new Set(report.items.map((item) => `${item.region} → ${item.target}`))];
  const body = regions.flatMap((region) => [
    region,
    ...report.items
      .filter((item) => `${item.region} → ${item.target}` === region)
      .flatMap(itemLines)
      .map((line) => `  ${line}`),
  ]);
  const counts = Object.entries(report.counts).filter(([, count]) => count > 0);
  return [
    heading,
    ...(picture ? describePointInTime(picture) : []),
    ...body,
    table(['action', 'items'], counts),
  ].join('\n');
}

/** A point in time as JSON output: per resource, the run it comes from. */
export const pointInTimeJson = (picture: PointInTime) => ({
  asOf: picture.asOf.toISOString(),
  latestRun: picture.latest.runId,
  resources: picture.resources.map(({ region, kind, name, runId, listedIn }) => ({
    region,
    kind,
    name,
    run: runId ?? null,
    listedIn,
  })),
});

/** The first InputValidationError in an error's cause chain (the state machine wraps task errors). */
function inputError(error: unknown): InputValidationError | undefined {
  for (
    let cause = error as { name?: string; message?: string; cause?: unknown } | undefined;
    cause;
    cause = cause.cause as typeof cause
  ) {
    if (cause.name === 'InputValidationError')
      return new InputValidationError(cause.message ?? 'invalid input');
    if (typeof cause.message === 'string' && cause.message.includes('InputValidationError'))
      return new InputValidationError(cause.message.replace(/^.*?InputValidationError:?\s*/, ''));
  }
  return undefined;
}

/**
 * `restore`: runs the restore state machine in-process. Exit 0 when everything was restored or was
 * already as backed up, 1 when something differs, failed, is blocked or needs manual work, 2 on bad input.
 */
export async function restoreCommand(rawFlags: unknown): Promise<number> {
  const { isItemRestore, restoreItemsCommand } = await import('./restore-items.js');
  if (isItemRestore(rawFlags as Record<string, unknown>))
    return restoreItemsCommand(rawFlags as Record<string, unknown>, formatRestoreReport);
  const flags = parseOrThrow(RestoreFlags, rawFlags, 'flags');
  const out = createOutput(flags.json);
  const store = openStore(flags.bucket);
  // The state machine gets the input as typed (its Plan validates it again); parsing here fails fast.
  const input: RestoreInput = JSON.parse(
    JSON.stringify({
      store: store.url,
      run: flags.run,
      asOf: flags.asOf,
      regions: flags.regions,
      targetRegion: flags.targetRegion,
      only: flags.only?.map((selector) => `${selector.kind}:${selector.name}`),
      nameSuffix: flags.nameSuffix,
      roleMap: flags.roleMap,
      dryRun: flags.dryRun,
      force: flags.force,
      edge: flags.edge,
      startingPosition: flags.startingPosition?.toUpperCase(),
      allowUnsigned: flags.allowUnsigned || undefined,
      fromRecoveryPoints: flags.fromRecoveryPoints || undefined,
      redeployStage: flags.redeployStage || undefined,
      maxBandwidth: flags.maxBandwidth,
    }),
  );
  parseOrThrow(RestoreInputSchema, input, 'flags');
  // Before any work: the store exists, and the run (or the runs of the time) is trusted (signed),
  // else nothing starts (the state machine's Plan checks again).
  await requireExistingStore(store);
  if (flags.allowUnsigned) warnUnsigned('unsigned runs are accepted');
  const trust = { allowUnsigned: flags.allowUnsigned };
  const picture = flags.asOf
    ? await pointInTimeOf(store, new Date(flags.asOf), '--as-of', flags.regions, trust)
    : undefined;
  if (!picture) {
    if (!(await new RunCatalog(store).runIds()).includes(flags.run as string))
      throw new InputValidationError(`run: no run ${flags.run} in ${store.url}`);
    await new RunCatalog(store, trust).completeManifest(flags.run as string);
  }
  const { summary, report } = await runRestoreMachine<RestoreSummary, RestoreReport>(store, input);
  out.result(picture ? { ...report, pointInTime: pointInTimeJson(picture) } : report, () =>
    formatRestoreReport(report, picture),
  );
  return summary.status === 'restored' ? 0 : 1;
}

/**
 * Runs the restore state machine in-process (a restore or a drill): its summary, and the report the
 * summary names in the store. A bad input anywhere in it is thrown as the InputValidationError it was.
 */
export async function runRestoreMachine<S extends { report: string }, R>(
  store: BackupStore,
  input: unknown,
): Promise<{ summary: S; report: R }> {
  const { runStateMachineLocally } = await import('../local/runner.js');
  let summary: S;
  try {
    // One budget for every item this process restores: the cap is the command's, not each item's.
    summary = (
      await shareBandwidth(new BandwidthPool(), () => runStateMachineLocally('restore.asl.yaml', input))
    ).summary as unknown as S;
  } catch (error) {
    throw inputError(error) ?? error;
  }
  return { summary, report: (await store.getJson(summary.report)) as R };
}
