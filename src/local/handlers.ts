import { handler as discover } from '../../handlers/discover.js';
import { handler as drillCleanup } from '../../handlers/drill-cleanup.js';
import { handler as drillCompare } from '../../handlers/drill-compare.js';
import { handler as drillPublish } from '../../handlers/drill-publish.js';
import { handler as exportBucket } from '../../handlers/export-bucket.js';
import { handler as exportStream } from '../../handlers/export-stream.js';
import { handler as exportTable } from '../../handlers/export-table.js';
import { handler as finalize } from '../../handlers/finalize.js';
import { handler as plan } from '../../handlers/plan.js';
import { handler as publish } from '../../handlers/publish.js';
import { handler as recordFailure } from '../../handlers/record-failure.js';
import { handler as restoreData } from '../../handlers/restore-data.js';
import { handler as restoreFailure } from '../../handlers/restore-failure.js';
import { handler as restoreFunction } from '../../handlers/restore-function.js';
import { handler as restorePlan } from '../../handlers/restore-plan.js';
import { handler as restoreRegion } from '../../handlers/restore-region.js';
import { handler as restoreReport } from '../../handlers/restore-report.js';
import { handler as restoreTriggers } from '../../handlers/restore-triggers.js';
import { handler as snapshotFunction } from '../../handlers/snapshot-function.js';
import { handler as verify } from '../../handlers/verify.js';

export type LocalHandler = (event: unknown, context: unknown) => Promise<unknown>;

/** The handlers by the logical names serverless.yml gives them (and the ASL's Fn::GetAtt uses). */
export const LOCAL_HANDLERS: Record<string, LocalHandler> = {
  plan,
  discover,
  snapshotFunction,
  exportTable,
  exportBucket,
  exportStream,
  recordFailure,
  verify,
  finalize,
  publish,
  restorePlan,
  restoreRegion,
  restoreFunction,
  restoreData,
  restoreTriggers,
  restoreFailure,
  restoreReport,
  drillCompare,
  drillCleanup,
  drillPublish,
} as Record<string, LocalHandler>;
