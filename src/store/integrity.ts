import type { Artifact, ItemResult } from '../../schemas/work-item.js';
import { mapLimit } from '../concurrency.js';
import type { BackupStore } from './store.js';

export interface Damage {
  path: string;
  problem: string;
}

/** Distinct artifacts (a blob shared by several items is checked once). */
export function distinctArtifacts(items: ItemResult[]): Artifact[] {
  return [
    ...new Map(items.flatMap((item) => item.artifacts).map((artifact) => [artifact.path, artifact])).values(),
  ];
}

/** Re-reads every artifact and compares sha256 and size with what was recorded. */
export async function verifyArtifacts(store: BackupStore, artifacts: Artifact[]): Promise<Damage[]> {
  const damaged: Damage[] = [];
  await mapLimit(artifacts, 16, async (artifact) => {
    const actual = await store.measure(artifact.path);
    if (!actual) damaged.push({ path: artifact.path, problem: 'missing' });
    else if (actual.bytes !== artifact.bytes)
      damaged.push({ path: artifact.path, problem: `size ${actual.bytes}, expected ${artifact.bytes}` });
    else if (actual.sha256 !== artifact.sha256)
      damaged.push({ path: artifact.path, problem: `sha256 ${actual.sha256}, expected ${artifact.sha256}` });
  });
  return damaged.sort((a, b) => a.path.localeCompare(b.path));
}
