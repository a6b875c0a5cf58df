import { HANDLERS, type HandlerEntry, type HandlerSpec } from '../../deploy/handlers.js';
import * as backupItem from '../../handlers/backup-item.js';
import { handler as discover } from '../../handlers/discover.js';
import { handler as drillCleanup } from '../../handlers/drill-cleanup.js';
import { handler as drillCompare } from '../../handlers/drill-compare.js';
import { handler as drillPublish } from '../../handlers/drill-publish.js';
import { handler as finalize } from '../../handlers/finalize.js';
import { handler as plan } from '../../handlers/plan.js';
import { handler as publish } from '../../handlers/publish.js';
import { handler as recordFailure } from '../../handlers/record-failure.js';
import { handler as restoreFailure } from '../../handlers/restore-failure.js';
import * as restoreItem from '../../handlers/restore-item.js';
import { handler as restorePlan } from '../../handlers/restore-plan.js';
import { handler as restoreRegion } from '../../handlers/restore-region.js';
import { handler as restoreReport } from '../../handlers/restore-report.js';
import { handler as restoreTriggers } from '../../handlers/restore-triggers.js';
import { handler as retention } from '../../handlers/retention.js';
import { handler as verify } from '../../handlers/verify.js';
import type { KindName } from '../../schemas/common.js';
import { withCallScope } from '../aws/call-log.js';

export type LocalHandler = (event: unknown, context: unknown) => Promise<unknown>;

const kindOf = (spec: HandlerSpec): KindName => {
  if (!spec.kind) throw new Error(`handler ${spec.name} runs ${spec.entry} but names no kind`);
  return spec.kind;
};

/** Each entry module of handlers/; a per-kind entry serves the kind of the handler (deployed: TRIGGERVAULT_KIND). */
const ENTRIES: Record<HandlerEntry, (spec: HandlerSpec) => unknown> = {
  plan: () => plan,
  discover: () => discover,
  'backup-item': (spec) => backupItem.handlerFor(kindOf(spec)),
  'record-failure': () => recordFailure,
  verify: () => verify,
  finalize: () => finalize,
  retention: () => retention,
  publish: () => publish,
  'restore-plan': () => restorePlan,
  'restore-region': () => restoreRegion,
  'restore-item': (spec) => restoreItem.handlerFor(kindOf(spec)),
  'restore-triggers': () => restoreTriggers,
  'restore-failure': () => restoreFailure,
  'restore-report': () => restoreReport,
  'drill-compare': () => drillCompare,
  'drill-cleanup': () => drillCleanup,
  'drill-publish': () => drillPublish,
};

/**
 * Its AWS calls are its own: the call log (TRIGGERVAULT_CALL_LOG) replays them against its deployed
 * role. A test that replaces a handler (runner option `handlers`) is not attributed, only the real
 * handler it may call.
 */
const attributed =
  (name: string, handler: LocalHandler): LocalHandler =>
  (event, context) =>
    withCallScope({ handler: name, bindings: deploymentBindings(name, event) }, () =>
      handler(event, context),
    );

/**
 * Every handler of the table (deploy/handlers.ts) by its name: the function key in the stack, the
 * ASL's Fn::GetAtt name, and what follows `<taskPrefix>-` in the name an item Task invokes.
 */
export const LOCAL_HANDLERS: Record<string, LocalHandler> = Object.fromEntries(
  HANDLERS.map((spec) => [spec.name, attributed(spec.name, ENTRIES[spec.entry](spec) as LocalHandler)]),
);

/** Environment every deployed handler gets from the stack (serverless.yml `provider.environment`) that names a stack resource. */
const STACK_ENVIRONMENT = ['TRIGGERVAULT_STORE'];

/**
 * What a deployed handler would find bound to stack resources, as this local run supplies it: its
 * stack environment variables (the backup store, the results topic, the dead-letter queue) and the
 * store its event names. The call log keeps them so that a replay can put the stack's own in their place.
 */
export function deploymentBindings(name: string, event: unknown): Record<string, string> {
  const spec = HANDLERS.find((candidate) => candidate.name === name);
  const bindings: Record<string, string> = {};
  for (const variable of [...STACK_ENVIRONMENT, ...Object.keys(spec?.environment ?? {})]) {
    const value = process.env[variable];
    if (value) bindings[variable] = value;
  }
  const store = (event as { store?: unknown } | undefined)?.store;
  const summary = (event as { summary?: { store?: unknown } } | undefined)?.summary;
  const storeUrl = store ?? summary?.store;
  if (typeof storeUrl === 'string') bindings.store = storeUrl;
  return bindings;
}
