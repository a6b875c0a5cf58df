import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { WorkItem } from '../../../schemas/work-item.js';
import { client } from '../../aws/clients.js';
import { matchesAny } from '../../glob.js';
import { refreshTriggers } from '../../triggers/index.js';
import type { FunctionRef } from '../../triggers/types.js';
import { captures } from '../shared/attributes.js';
import type { BackupContext, BackupStep, ResourceKind } from '../types.js';
import { type CaptureOptions, snapshotArtifacts, snapshotFunction } from './capture.js';
import {
  aliasesUnchanged,
  type CaptureReason,
  type CaptureRecord,
  checkUnchanged,
  triggersDiffer,
} from './carry-over.js';
import { type FunctionSnapshot, snapshotKey } from './format.js';
import {
  aliasesFingerprint,
  configurationFingerprint,
  regionFunctions,
  takeRegionFunctions,
} from './listing.js';
import { restoreFunction } from './restore/index.js';
import { lambdaFunctionStack } from './stack.js';
import { functionTeardown } from './teardown.js';
import { templateFunction } from './template.js';

/**
 * Lambda functions: code (content-addressed, checked against CodeSha256), configuration, versions,
 * aliases, URLs, concurrency, invoke configs, resource policy, layers, and every trigger wired to them.
 */

const lambda = (region: string) => client(LambdaClient, region);

async function discover(region: string, selection: { patterns: string[] }): Promise<string[]> {
  return [...(await regionFunctions(region)).keys()]
    .filter((name) => name && matchesAny(name, selection.patterns))
    .sort();
}

/** Discover's fingerprint of each function: its listed configuration and versions (listing.ts). */
async function fingerprints(region: string, names: string[]): Promise<Record<string, string>> {
  const listed = await takeRegionFunctions(region);
  return Object.fromEntries(names.map((name) => [name, configurationFingerprint(listed.get(name) ?? [])]));
}

/** Writes this run's function.json and answers the step (full capture or carried over alike). */
async function stored(
  item: WorkItem,
  context: BackupContext,
  snapshot: FunctionSnapshot,
  change: { change: 'captured' | 'unchanged' | 'triggers'; reasons: CaptureReason[] | ['triggers'] | [] },
  captured: CaptureRecord,
): Promise<BackupStep> {
  const written = await context.store.putJson(snapshotKey(item.runId, item.region, item.name), snapshot);
  return {
    done: true,
    artifacts: [
      {
        role: 'config',
        path: written.key,
        sha256: written.sha256,
        bytes: written.bytes,
        counts: {
          versions: snapshot.versions.length,
          aliases: snapshot.aliases.length,
          triggers: snapshot.triggers.length,
          layers: snapshot.layers.length,
        },
      },
      ...snapshotArtifacts(snapshot),
    ],
    summary: {
      codeSha256: snapshot.configuration.CodeSha256,
      triggers: [...new Set(snapshot.triggers.map((trigger) => trigger.type))],
      ...change,
      captured,
    },
  };
}

/**
 * Backs up one function. An unchanged function (carry-over.ts) costs ListAliases and the re-read of
 * its triggers: its previous snapshot is carried over with this run's triggers. Any other is
 * captured in full (capture.ts).
 */
async function backup(item: WorkItem, context: BackupContext): Promise<BackupStep> {
  const capture: CaptureOptions = { code: captures(item, 'code'), triggers: captures(item, 'triggers') };
  const check = await checkUnchanged(item, context.store, capture);
  let reasons = check.unchanged ? [] : check.reasons;
  if (check.unchanged) {
    const previous = check.snapshot;
    const fn: FunctionRef = {
      region: item.region,
      accountId: previous.arn.split(':')[4] ?? '',
      name: item.name,
      arn: previous.arn,
      policy: previous.policy.flatMap((entry) => entry.statements),
    };
    const [sameAliases, triggers] = await Promise.all([
      aliasesUnchanged(item, check.record),
      capture.triggers ? refreshTriggers(fn, previous.triggers) : [],
    ]);
    if (sameAliases) {
      const changed = triggersDiffer(previous.triggers, triggers);
      return stored(
        item,
        context,
        { ...previous, triggers },
        changed ? { change: 'triggers', reasons: ['triggers'] } : { change: 'unchanged', reasons: [] },
        check.record,
      );
    }
    reasons = ['aliases'];
  }
  const snapshot = await snapshotFunction(context.store, item.region, item.name, capture);
  return stored(
    item,
    context,
    snapshot,
    { change: 'captured', reasons },
    {
      fingerprint: item.fingerprint ?? '',
      aliases: aliasesFingerprint(snapshot.aliases),
      capturedIn: item.runId,
      capturedAt: new Date().toISOString(),
      capture,
    },
  );
}

export const lambdaFunction: ResourceKind = {
  stack: lambdaFunctionStack,
  kind: 'lambda-function',
  nameKind: 'function',
  restoreTier: 'functions',
  discover,
  fingerprints,
  backup,
  restore: restoreFunction,
  template: templateFunction,
  async tags(region, name) {
    return (await lambda(region).send(new GetFunctionCommand({ FunctionName: name }))).Tags ?? {};
  },
  teardown: (region, name) => functionTeardown(region, name),
};
