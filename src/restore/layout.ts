import { segment } from '../store/layout.js';

/** Where one restore of a run keeps its plan, per-item outcomes and report (beside the run, never inside its artifacts). */
export const restorePrefix = (runId: string, restoreId: string): string =>
  `runs/${runId}/restores/${restoreId}/`;
export const restorePlanKey = (runId: string, restoreId: string): string =>
  `${restorePrefix(runId, restoreId)}plan.json`;
export const restoreReportKey = (runId: string, restoreId: string): string =>
  `${restorePrefix(runId, restoreId)}report.json`;
export const layerMapKey = (runId: string, restoreId: string, region: string): string =>
  `${restorePrefix(runId, restoreId)}layers/${region}.json`;
export const outcomePrefix = (runId: string, restoreId: string): string =>
  `${restorePrefix(runId, restoreId)}outcomes/`;
export const outcomeKey = (
  runId: string,
  restoreId: string,
  region: string,
  kind: string,
  name: string,
): string => `${outcomePrefix(runId, restoreId)}${region}/${kind}/${segment(name)}.json`;
/** Ids a restored resource got in the target (a re-created API's), one file per resource: the ARN mapper reads them all. */
export const idMapPrefix = (runId: string, restoreId: string, region: string): string =>
  `${restorePrefix(runId, restoreId)}ids/${region}/`;
export const idMapKey = (runId: string, restoreId: string, region: string, kind: string, name: string) =>
  `${idMapPrefix(runId, restoreId, region)}${kind}/${segment(name)}.json`;
