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
 * Every handler of the table (deploy/handlers.ts) by its name: the function key in the stack, the
 * ASL's Fn::GetAtt name, and what follows `<taskPrefix>-` in the name an item Task invokes.
 */
export const LOCAL_HANDLERS: Record<string, LocalHandler> = Object.fromEntries(
  HANDLERS.map((spec) => [spec.name, ENTRIES[spec.entry](spec) as LocalHandler]),
);
