import { parseOrThrow } from '../../schemas/common.js';
import type { DrillInput } from '../../schemas/restore.js';
import type { DrillItem, DrillReport, DrillSummary } from '../restore/drill.js';
import { pointInTimeOf } from '../restore/sources.js';
import { openStore, requireExistingStore } from '../store/open.js';
import { warnUnsigned } from './commands.js';
import { DrillFlags } from './flags.js';
import { createOutput, table } from './output.js';
import { describePointInTime, pointInTimeJson, runRestoreMachine } from './restore.js';

const show = (value: unknown): string => (value === undefined ? '(none)' : JSON.stringify(value));

function itemLines(item: DrillItem): string[] {
  const facts = Object.entries(item.details ?? {})
    .filter(([, value]) => typeof value === 'number' || typeof value === 'string')
    .map(([key, value]) => `${key} ${String(value).slice(0, 16)}`)
    .join(', ');
  return [
    `${item.equal ? '=' : '!'} ${item.kind} ${item.name} → ${item.copy}: ${item.equal ? 'equal' : 'differs'}${facts ? ` (${facts})` : ''}`,
    ...item.differences.map((field) => `    ${field.field}: ${show(field.current)} → ${show(field.desired)}`),
  ];
}

/** drill.json as text: per region each copy against the backup, the cleanup, the errors. */
export function formatDrillReport(report: DrillReport): string {
  const regions = report.regions.flatMap(({ source, target }) => [
    `${source} → ${target}`,
    ...report.items
      .filter((item) => item.region === source)
      .flatMap(itemLines)
      .map((line) => `  ${line}`),
  ]);
  const cleaned = report.cleanup?.resources ?? [];
  const count = (action: string) => cleaned.filter((resource) => resource.action === action).length;
  return [
    `drill ${report.drillId} of run ${report.run}: ${report.status.toUpperCase()} (scratch suffix ${report.suffix})`,
    ...regions,
    report.restore
      ? table(
          ['restore', 'items'],
          Object.entries(report.restore.counts).filter(([, n]) => n > 0),
        )
      : '',
    `cleanup: ${count('deleted')} deleted, ${count('failed')} left over`,
    ...cleaned
      .filter((resource) => resource.action === 'failed')
      .map((resource) => `  LEFT OVER ${resource.region} ${resource.resource}: ${resource.note}`),
    ...report.errors.map((error) => `ERROR ${error}`),
  ]
    .filter(Boolean)
    .join('\n');
}

/**
 * `drill`: runs the restore state machine in-process with `{"drill": true}`. Exit 0 when the copy
 * matched the backup and nothing was left behind, 1 otherwise, 2 on bad input.
 */
export async function drillCommand(rawFlags: unknown): Promise<number> {
  const flags = parseOrThrow(DrillFlags, rawFlags, 'flags');
  const out = createOutput(flags.json);
  const store = openStore(flags.bucket);
  const input: DrillInput = JSON.parse(
    JSON.stringify({
      drill: true,
      store: store.url,
      run: flags.run,
      asOf: flags.asOf,
      regions: flags.regions,
      targetRegion: flags.targetRegion,
      allowUnsigned: flags.allowUnsigned || undefined,
      maxBandwidth: flags.maxBandwidth,
    }),
  );
  await requireExistingStore(store);
  if (flags.allowUnsigned) warnUnsigned('unsigned runs are accepted');
  // A time before every run fails here, naming the flag, before anything is restored.
  const picture = flags.asOf
    ? await pointInTimeOf(store, new Date(flags.asOf), '--as-of', flags.regions, {
        allowUnsigned: flags.allowUnsigned,
      })
    : undefined;
  const { summary, report } = await runRestoreMachine<DrillSummary, DrillReport>(store, input);
  out.result(picture ? { ...report, pointInTime: pointInTimeJson(picture) } : report, () =>
    [formatDrillReport(report), ...(picture ? describePointInTime(picture) : [])].join('\n'),
  );
  return summary.status === 'passed' ? 0 : 1;
}
