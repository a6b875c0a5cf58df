import type { KindName } from '../../schemas/common.js';

/** One path segment from any resource name: reversible, never `.`/`..`, never a separator. */
export const segment = (name: string): string =>
  encodeURIComponent(name).replace(/\./g, '%2E').replace(/\*/g, '%2A');

export const runPrefix = (runId: string): string => `runs/${runId}/`;
export const manifestKey = (runId: string): string => `runs/${runId}/manifest.json`;
export const planKey = (runId: string): string => `runs/${runId}/plan.json`;
/** The run's small search index (schemas/run-index.ts), written by Finalize before the manifest. */
export const runIndexKey = (runId: string): string => `runs/${runId}/index.json`;
export const workKey = (runId: string, region: string): string => `runs/${runId}/work/${region}.json`;
/** A redrive's work list: the region's failed items, next to the run's own list (which stays). */
export const redriveWorkKey = (runId: string, region: string): string =>
  `runs/${runId}/work/${region}.redrive.json`;
/** Where a region's Distributed Map writes its Map Run result files (ResultWriter). */
export const mapResultsPrefix = (runId: string, region: string): string =>
  `runs/${runId}/map-results/${region}`;
export const itemResultPrefix = (runId: string): string => `runs/${runId}/items/`;
export const itemResultKey = (runId: string, region: string, kind: KindName, name: string): string =>
  `runs/${runId}/items/${region}/${kind}/${segment(name)}.json`;
export const artifactKey = (
  runId: string,
  region: string,
  kind: KindName,
  name: string,
  file: string,
): string => `runs/${runId}/artifacts/${region}/${kind}/${segment(name)}/${file}`;
/** The manifest's signature (store/signature.ts), written just before the manifest itself. */
export const signatureKey = (runId: string): string => `runs/${runId}/manifest.sig.json`;

/**
 * Data parts that later runs list too (incremental stream backups): written once under the run that
 * read them, kept while any kept run's manifest lists them (prune collects them like blobs).
 */
export const SHARED_PART_PREFIX = 'blobs/parts/';
export const sharedPartKey = (
  runId: string,
  region: string,
  kind: KindName,
  name: string,
  file: string,
): string => `${SHARED_PART_PREFIX}${region}/${kind}/${segment(name)}/${runId}/${file}`;
