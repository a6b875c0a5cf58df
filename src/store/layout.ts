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
