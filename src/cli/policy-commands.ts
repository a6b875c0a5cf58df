import { stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { parseOrThrow, RegionName, RunId } from '../../schemas/common.js';
import { CopyTarget, type Retention } from '../../schemas/policy.js';
import { type PolicyPreview, previewPolicies } from '../backup/preview.js';
import { InputValidationError } from '../errors.js';
import { DEFAULT_POLICY_FILE, findPolicy, loadPolicyFile } from '../policy/load.js';
import { NO_POLICY, pruneStore } from '../policy/prune.js';
import { renderRunReport } from '../report/html.js';
import { readDrill, summarizeRun } from '../report/run-report.js';
import { readTrend } from '../report/trend.js';
import { renderTrendReport } from '../report/trend-html.js';
import { openStore } from '../store/open.js';
import { openCopyStore, replicateRun } from '../store/replicate.js';
import { completeManifest } from './commands.js';
import { StoreFlag } from './flags.js';
import { createOutput, table } from './output.js';

const PolicyFileFlag = z.string().min(1).default(DEFAULT_POLICY_FILE);

export const PlanFlags = z.object({
  policyFile: PolicyFileFlag,
  policy: z.string().optional(),
  now: z.iso.datetime({ offset: true }).optional(),
  json: z.boolean().default(false),
});

export const PruneFlags = z.object({
  bucket: StoreFlag,
  policyFile: PolicyFileFlag,
  policy: z.string().optional(),
  dryRun: z.boolean().default(false),
  json: z.boolean().default(false),
});

export const ReportFlags = z
  .object({
    bucket: StoreFlag,
    run: RunId.optional(),
    /** The last N complete runs on one page, plotted (instead of one run). */
    runs: z.coerce.number().int().min(1).max(1000).optional(),
    out: z.string().min(1).optional(),
    allowUnsigned: z.boolean().default(false),
    json: z.boolean().default(false),
  })
  .superRefine((flags, context) => {
    if (flags.run !== undefined && flags.runs !== undefined)
      context.addIssue({ code: 'custom', path: ['runs'], message: '--runs cannot be combined with --run' });
    else if (flags.run === undefined && flags.runs === undefined)
      context.addIssue({ code: 'custom', path: ['run'], message: 'give --run RUN or --runs N' });
  });

export const CopyFlags = z.object({
  bucket: StoreFlag,
  run: RunId,
  to: z.string().regex(/^(s3|file):\/\/.+/, 'must be s3://bucket[/prefix] or file:///directory'),
  toRegion: RegionName.optional(),
  encryptKey: z.string().min(1).max(2048).optional(),
  allowUnsigned: z.boolean().default(false),
  json: z.boolean().default(false),
});

function describePreview(preview: PolicyPreview): string {
  const retention = preview.retention;
  const lines = [
    `policy ${preview.policy}: ${preview.schedule} (${preview.timezone}), next run ${preview.nextRun ?? 'never'}`,
    `  regions ${preview.regions.join(', ')}; kinds ${preview.kinds.join(', ')}; critical ${preview.critical.join(', ')}`,
    `  retention: last ${retention.keepLast}, daily ${retention.daily}, weekly ${retention.weekly}, monthly ${retention.monthly}, yearly ${retention.yearly}, min age ${retention.minAgeDays} d`,
  ];
  if (preview.unavailableKinds.length)
    lines.push(`  not available in this build: ${preview.unavailableKinds.join(', ')}`);
  if (preview.awsBackup)
    lines.push(
      `  AWS Backup ${preview.awsBackup.mode} our export for ${preview.awsBackup.kinds.join(', ')} into vault ${preview.awsBackup.vault}${preview.awsBackup.copies ? ` (+${preview.awsBackup.copies} copies)` : ''}`,
    );
  if (preview.copies.length) lines.push(`  copies: ${preview.copies.join(', ')}`);
  lines.push(`  selects ${preview.selected.length} resources`);
  if (preview.selected.length)
    lines.push(
      table(
        ['region', 'kind', 'name'],
        preview.selected.map((resource) => [resource.region, resource.kind, resource.name]),
      )
        .split('\n')
        .map((line) => `  ${line}`)
        .join('\n'),
    );
  return lines.join('\n');
}

/** `plan`: per policy, what it selects now and when it runs next. */
export async function planCommand(rawFlags: unknown): Promise<number> {
  const flags = parseOrThrow(PlanFlags, rawFlags, 'flags');
  const out = createOutput(flags.json);
  const file = await loadPolicyFile(flags.policyFile);
  const chosen = flags.policy ? { ...file, policies: [findPolicy(file, flags.policy)] } : file;
  const previews = await previewPolicies(chosen, flags.now ? new Date(flags.now) : new Date());
  out.result(previews, () => previews.map(describePreview).join('\n\n'));
  return 0;
}

/** `prune`: applies each policy's retention to the store (`--dry-run` lists what would go). */
export async function pruneCommand(rawFlags: unknown): Promise<number> {
  const flags = parseOrThrow(PruneFlags, rawFlags, 'flags');
  const out = createOutput(flags.json);
  const file = await loadPolicyFile(flags.policyFile);
  const retention: Record<string, Retention> = Object.fromEntries(
    file.policies.map((policy) => [policy.name, policy.retention]),
  );
  if (file.retention) retention[NO_POLICY] = file.retention;
  if (flags.policy) findPolicy(file, flags.policy);
  const report = await pruneStore(openStore(flags.bucket), {
    retention,
    only: flags.policy ? [flags.policy] : undefined,
    dryRun: flags.dryRun,
  });
  const verb = flags.dryRun ? 'would delete' : 'deleted';
  out.result(report, () =>
    [
      table(
        ['run', 'policy', 'verdict', 'why'],
        report.runs.map((run) => [run.runId, run.policy, run.keep ? 'keep' : verb, run.reasons.join(', ')]),
      ),
      `${verb} ${report.deletedRuns.length} runs and ${report.blobs.deleted.length} unreferenced blobs; ` +
        `${report.blobs.referenced} blobs referenced by kept runs` +
        (report.blobs.locked.length ? `; ${report.blobs.locked.length} blobs held by Object Lock` : '') +
        (report.blobs.deferred ? `; blobs not collected: ${report.blobs.deferred}` : ''),
    ].join('\n'),
  );
  return 0;
}

/** `report`: one self-contained HTML page for a run, or plots over the last N runs (`--runs N`). */
export async function reportCommand(rawFlags: unknown): Promise<number> {
  const flags = parseOrThrow(ReportFlags, rawFlags, 'flags');
  const out = createOutput(flags.json);
  const store = openStore(flags.bucket);
  // Where the page goes is checked before anything is read: a folder that is not there is bad input.
  const path = resolve(
    flags.out ??
      (flags.runs !== undefined
        ? `triggervault-report-last-${flags.runs}.html`
        : `triggervault-report-${flags.run}.html`),
  );
  const folder = await stat(dirname(path)).catch(() => undefined);
  if (!folder?.isDirectory())
    throw new InputValidationError(`out: the folder ${dirname(path)} does not exist`);
  if (flags.runs !== undefined) {
    const trend = await readTrend(store, flags.runs);
    if (!trend.rows.length) {
      out.error(`${store.url} holds no complete run`);
      return 1;
    }
    await writeFile(path, renderTrendReport(trend));
    out.result({ runs: trend.rows.map((row) => row.runId), report: path }, () => `wrote ${path}`);
    return 0;
  }
  const runId = flags.run as string;
  const manifest = await completeManifest(store, runId, out, { allowUnsigned: flags.allowUnsigned });
  if (!manifest) return 1;
  await writeFile(path, renderRunReport(summarizeRun(manifest, await readDrill(store, runId))));
  out.result({ runId, report: path }, () => `wrote ${path}`);
  return 0;
}

/** `copy`: copies a finished run to another bucket or directory (resumes an unfinished copy). */
export async function copyCommand(rawFlags: unknown): Promise<number> {
  const flags = parseOrThrow(CopyFlags, rawFlags, 'flags');
  const out = createOutput(flags.json);
  const source = openStore(flags.bucket);
  const target = openCopyStore(
    parseOrThrow(
      CopyTarget,
      {
        store: flags.to,
        region:
          flags.toRegion ??
          (flags.to.startsWith('s3://') ? (process.env.AWS_REGION ?? 'us-east-1') : undefined),
        encryptKey: flags.encryptKey,
      },
      'flags',
    ),
  );
  // Before any work: the source store and the run exist, and the run is trusted.
  if (!(await completeManifest(source, flags.run, out, { allowUnsigned: flags.allowUnsigned }))) return 1;
  const outcome = await replicateRun(source, flags.run, target, undefined, {
    allowUnsigned: flags.allowUnsigned,
  });
  out.result(outcome, () =>
    [
      `copy of run ${flags.run} to ${outcome.target}: ${outcome.status}, ${outcome.written} objects written (${outcome.bytes} bytes), ${outcome.verified} artifacts verified`,
      ...outcome.damaged.map((damage) => `DAMAGED ${damage.path}: ${damage.problem}`),
      ...(outcome.error ? [outcome.error] : []),
    ].join('\n'),
  );
  return outcome.status === 'copied' ? 0 : 1;
}
