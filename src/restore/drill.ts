import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { parseOrThrow } from '../../schemas/common.js';
import type { Manifest } from '../../schemas/manifest.js';
import {
  DrillCleanup,
  DrillInput,
  type FieldChange,
  ItemOutcome,
  RestoreInput,
  type RestoreOptions,
  RestorePlan,
  type RestoreRef,
} from '../../schemas/restore.js';
import { type Caught, caughtError } from '../aws/caught.js';
import { client } from '../aws/clients.js';
import { isTransient } from '../aws/errors.js';
import { mapLimit } from '../concurrency.js';
import { InputValidationError } from '../errors.js';
import { KINDS } from '../kinds/index.js';
import { expectedPicture, livePicture } from '../kinds/lambda-function/compare.js';
import { loadFunctionSnapshot } from '../kinds/lambda-function/format.js';
import { differences, maskChanges, maskField } from '../reconcile/diff.js';
import { withBandwidthCap } from '../store/bandwidth.js';
import { RunCatalog } from '../store/catalog.js';
import { openStore } from '../store/open.js';
import type { BackupStore } from '../store/store.js';
import { trustedView } from '../store/trusted.js';
import { outcomePrefix, restorePlanKey, restorePrefix } from './layout.js';
import { mapperOfRestore } from './mapper.js';
import { recoveryPointDrillItem } from './recovery-points.js';
import { type RestoreSummary, reportRestore } from './report.js';
import { sourceRun } from './sources.js';
import { contextFor, trustedManifest } from './steps.js';

/**
 * The restore drill: `{"drill": true}` (the schedule's input) or `triggervault drill`. The restore
 * state machine restores the latest complete run into a scratch namespace (every name gets a suffix
 * `-drill-<6 hex>`, optionally in a scratch region), then DrillCompare compares what it created with
 * the backup, DrillCleanup deletes it (also when the restore or the comparison failed) and
 * DrillPublish writes drill.json and publishes the result to SNS (TRIGGERVAULT_TOPIC_ARN).
 *
 * Compared: every function as its snapshot says it must be (code and layer hashes, configuration,
 * versions, aliases, policy, URLs, invoke configs, concurrency, tags, and the trigger records the
 * restore re-wired), and every table, bucket and stream through its kind's own compare-first restore
 * run as a dry run against the scratch copy: schema and settings, then items, objects and records by
 * count and checksum. A drill passes when the restore restored everything, everything compares equal
 * and the cleanup left nothing behind.
 */

export const DRILL_SUFFIX = /^-drill-[0-9a-f]{6}$/;
export const drillPrefix = (ref: RestoreRef) => `${restorePrefix(ref.run, ref.restoreId)}drill/`;
const comparisonKey = (ref: RestoreRef) => `${drillPrefix(ref)}comparison.json`;
export const cleanupKey = (ref: RestoreRef) => `${drillPrefix(ref)}cleanup.json`;
export const drillReportKey = (ref: RestoreRef) => `${restorePrefix(ref.run, ref.restoreId)}drill.json`;

/** The stored plan of a restore. */
export const readRestorePlan = async (store: BackupStore, ref: RestoreRef): Promise<RestorePlan> =>
  parseOrThrow(
    RestorePlan,
    await store.getJson(restorePlanKey(ref.run, ref.restoreId)),
    `restore plan ${ref.restoreId}`,
  );

/** True for an input that asks for a drill (then it must be a valid DrillInput). */
export const isDrillInput = (raw: unknown): boolean =>
  typeof raw === 'object' && raw !== null && 'drill' in raw;

/** The newest run of the store that finished (has a valid manifest.json). */
export async function latestCompleteRun(store: BackupStore, allowUnsigned = false): Promise<string> {
  const latest = await new RunCatalog(store, { allowUnsigned }).latestComplete();
  if (!latest) throw new InputValidationError(`invalid drill input: run: ${store.url} holds no complete run`);
  return latest.runId;
}

/** The restore options of a drill: its run (the latest complete one by default) under a fresh scratch suffix. */
export async function drillOptions(raw: unknown): Promise<RestoreOptions> {
  const input = parseOrThrow(DrillInput, raw, 'drill input');
  const storeUrl = input.store ?? process.env.TRIGGERVAULT_STORE;
  if (!storeUrl)
    throw new InputValidationError(
      'invalid drill input: store: no store given and TRIGGERVAULT_STORE is not set',
    );
  const store = openStore(storeUrl);
  const { drill: _drill, ...rest } = raw as Record<string, unknown>;
  return parseOrThrow(
    RestoreInput,
    {
      ...rest,
      store: store.url,
      run: input.run ?? (input.asOf ? undefined : await latestCompleteRun(store, input.allowUnsigned)),
      nameSuffix: `-drill-${randomBytes(3).toString('hex')}`,
    },
    'drill input',
  );
}

/** How one restored resource compared with the backup. */
export interface DrillItem {
  region: string;
  target: string;
  kind: string;
  name: string;
  /** The scratch copy's name. */
  copy: string;
  equal: boolean;
  differences: FieldChange[];
  details?: Record<string, unknown>;
}

export interface DrillComparison {
  restore: Pick<RestoreSummary, 'status' | 'counts' | 'problems' | 'report'>;
  items: DrillItem[];
  passed: boolean;
}

/** The resources of a restore result that did not come out `unchanged`, as differences. */
const unsettled = (changes: ItemOutcome['changes']): FieldChange[] =>
  changes
    .filter((change) => change.action !== 'unchanged')
    .flatMap((change) =>
      change.fields?.length
        ? change.fields.map((field) => ({ ...field, field: `${change.resource}: ${field.field}` }))
        : [{ field: change.resource, current: change.action, desired: 'unchanged' }],
    );

/** Triggers the restore skipped on purpose (shared sources under a suffix, Lambda@Edge): not expected on the copy. */
async function notRewired(store: BackupStore, ref: RestoreRef, region: string): Promise<Set<string>> {
  const skipped = new Set<string>();
  for await (const key of store.list(`${outcomePrefix(ref.run, ref.restoreId)}${region}/triggers/`)) {
    const outcome = parseOrThrow(ItemOutcome, await store.getJson(key), key);
    for (const change of outcome.changes)
      if (change.action === 'skipped' || change.action === 'manual') skipped.add(change.resource);
  }
  return skipped;
}

/**
 * DrillCompare: the restore's report, then every restored resource against the backup (see the
 * module comment). Writes drill/comparison.json; returns whether it passed.
 */
export async function compareDrill(ref: RestoreRef, remainingMs: number) {
  const raw = openStore(ref.store);
  const summary = await reportRestore({ ...ref, dryRun: false });
  const plan = await readRestorePlan(raw, ref);
  // The backup side of every comparison is read checked against the manifests of the runs it comes
  // from (one, or several for a point-in-time drill).
  const runs = [
    ...new Set([
      plan.run,
      ...plan.regions.flatMap((region) => region.resources.flatMap((resource) => resource.run ?? [])),
    ]),
  ];
  const manifests = await Promise.all(runs.map((run) => trustedManifest(raw, { ...plan, run })));
  const manifest = manifests[0] as Manifest;
  const store = trustedView(raw, manifests);
  const manifestOf = (runId: string) => manifests.find((candidate) => candidate.runId === runId);
  const directory = await mkdtemp(join(tmpdir(), 'tv-drill-'));
  const scratch = openStore(pathToFileURL(directory).href);
  const items: DrillItem[] = [];
  try {
    for (const regionPlan of plan.regions) {
      const loaded = { store, plan, region: regionPlan, manifest, manifests };
      const mapper = await mapperOfRestore(store, ref.run, ref.restoreId, regionPlan.source);
      const skipped = await notRewired(store, ref, regionPlan.source);
      // Reading the backup to compare is capped like the restore was (the plan's --max-bandwidth).
      const compared = await withBandwidthCap(plan.options.maxBandwidth, () =>
        mapLimit(regionPlan.resources, 4, async (resource): Promise<DrillItem> => {
          const { kind, name } = resource;
          const base = { region: regionPlan.source, target: regionPlan.target, kind, name };
          // A point-in-time drill compares each resource with the run it was restored from.
          const runId = sourceRun(plan, regionPlan, kind, name);
          if (kind === 'lambda-function') {
            const copy = mapper.mapName('function', name);
            const snapshot = await loadFunctionSnapshot(store, runId, regionPlan.source, name);
            const expected = expectedPicture(
              {
                ...snapshot,
                triggers: snapshot.triggers.filter((record) => !skipped.has(`${record.type} ${record.id}`)),
              },
              mapper,
              { startingPosition: plan.options.startingPosition },
            );
            const found = await livePicture(scratch, regionPlan.target, copy).catch((error: Error) => {
              // A copy that cannot be read is a difference; a throttled read is retried (DrillCompare's Retry).
              if (isTransient(error)) throw error;
              return error;
            });
            const diffs =
              found instanceof Error
                ? [{ field: 'function', current: `${found.name}: ${found.message}`, desired: 'restored' }]
                : differences(expected, found).map(maskField);
            const details = {
              codeSha256: expected.configuration.CodeSha256,
              versions: expected.versions.length,
              triggers: expected.triggers.length,
            };
            return { ...base, copy, equal: diffs.length === 0, differences: diffs, details };
          }
          const recorded = manifestOf(runId)?.items.find(
            (entry) => entry.region === regionPlan.source && entry.kind === kind && entry.name === name,
          );
          const restore = KINDS[kind]?.restore;
          const copy = mapper.mapName(kind, name);
          if (!recorded || !restore)
            return { ...base, copy, equal: false, differences: [{ field: kind, current: 'not comparable' }] };
          if (resource.recoveryPoint && recorded.artifacts.length === 0)
            return {
              ...base,
              copy,
              ...(await recoveryPointDrillItem(store, ref, base, resource.recoveryPoint)),
            };
          // The kind's own compare-first restore, as a dry run against the copy: everything must be unchanged.
          const context = { ...(await contextFor(loaded, remainingMs)), runId, apply: false, force: false };
          const result = await restore(recorded, context);
          const diffs = unsettled(maskChanges(result.changes));
          return { ...base, copy, equal: diffs.length === 0, differences: diffs, details: result.details };
        }),
      );
      items.push(...compared);
    }
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
  const comparison: DrillComparison = {
    restore: {
      status: summary.status,
      counts: summary.counts,
      problems: summary.problems,
      report: summary.report,
    },
    items,
    passed: summary.status === 'restored' && items.every((item) => item.equal),
  };
  const written = await store.putJson(comparisonKey(ref), comparison);
  return {
    passed: comparison.passed,
    mismatches: items.filter((item) => !item.equal).length,
    comparison: written.key,
  };
}

export interface DrillState extends RestoreRef {
  /** DrillCompare's result; absent when the restore failed before it. */
  comparison?: { passed: boolean; mismatches: number };
  /** The restore (its region Map) failed with this. */
  error?: Caught;
  comparisonError?: Caught;
  cleanup?: { leftovers: number };
  cleanupError?: Caught;
}

/** drill.json: the whole result of a drill. */
export interface DrillReport {
  drillId: string;
  run: string;
  store: string;
  status: 'passed' | 'failed';
  suffix: string;
  regions: { source: string; target: string }[];
  startedAt: string;
  finishedAt: string;
  restore?: DrillComparison['restore'];
  items: DrillItem[];
  cleanup?: DrillCleanup;
  errors: string[];
}

export interface DrillSummary {
  drillId: string;
  run: string;
  store: string;
  status: DrillReport['status'];
  compared: number;
  mismatches: number;
  leftovers: number;
  errors: string[];
  report: string;
  published: boolean;
}

const describeError = (where: string, caught: Caught) => {
  const { name, message } = caughtError(caught);
  return `${where}: ${name}${message ? `: ${message}` : ''}`;
};

/**
 * DrillPublish, the last state of a drill: whatever happened (restore, comparison, cleanup) becomes
 * drill.json and an SNS message with a `status` attribute (passed or failed).
 */
export async function finishDrill(state: DrillState, topicArn = process.env.TRIGGERVAULT_TOPIC_ARN) {
  const store = openStore(state.store);
  const plan = await readRestorePlan(store, state);
  const comparison = (await store.getJson(comparisonKey(state))) as DrillComparison | undefined;
  const storedCleanup = await store.getJson(cleanupKey(state));
  const cleanup =
    storedCleanup === undefined ? undefined : parseOrThrow(DrillCleanup, storedCleanup, 'drill cleanup');
  const errors = (
    [
      ['restore', state.error],
      ['comparison', state.comparisonError],
      ['cleanup', state.cleanupError],
    ] as const
  ).flatMap(([where, error]) => (error ? [describeError(where, error)] : []));
  const leftovers = cleanup ? cleanup.resources.filter((resource) => resource.action === 'failed').length : 0;
  const passed =
    Boolean(comparison?.passed) && errors.length === 0 && cleanup !== undefined && leftovers === 0;
  const report: DrillReport = {
    drillId: state.restoreId,
    run: state.run,
    store: store.url,
    status: passed ? 'passed' : 'failed',
    suffix: plan.options.nameSuffix ?? '',
    regions: plan.regions.map((region) => ({ source: region.source, target: region.target })),
    startedAt: plan.createdAt,
    finishedAt: new Date().toISOString(),
    restore: comparison?.restore,
    items: comparison?.items ?? [],
    cleanup,
    errors,
  };
  const written = await store.putJson(drillReportKey(state), report);
  const summary: DrillSummary = {
    drillId: report.drillId,
    run: report.run,
    store: report.store,
    status: report.status,
    compared: report.items.length,
    mismatches: report.items.filter((item) => !item.equal).length,
    leftovers,
    errors,
    report: written.key,
    published: Boolean(topicArn),
  };
  if (topicArn) {
    const mismatching = report.items
      .filter((item) => !item.equal)
      .slice(0, 20)
      .map((item) => ({ ...item, differences: item.differences.slice(0, 10) }));
    await client(SNSClient, topicArn.split(':')[3] ?? 'us-east-1').send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: `triggervault drill of run ${report.run}: ${report.status}`.slice(0, 99),
        Message: JSON.stringify({ ...summary, restore: report.restore, mismatching }, null, 1).slice(
          0,
          200_000,
        ),
        MessageAttributes: { status: { DataType: 'String', StringValue: report.status } },
      }),
    );
  }
  return summary;
}
