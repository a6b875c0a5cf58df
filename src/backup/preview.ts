import type { KindName } from '../../schemas/common.js';
import type { Policy, PolicyFile } from '../../schemas/policy.js';
import { nextRun } from '../../schemas/schedule-expression.js';
import { mapLimit } from '../concurrency.js';
import { KINDS } from '../kinds/index.js';
import { selectResources } from '../policy/select.js';
import { listRegionItems } from './discover.js';
import { enabledRegions } from './plan.js';

/** What `triggervault plan` shows for one policy. */
export interface PolicyPreview {
  policy: string;
  schedule: string;
  timezone: string;
  /** ISO time of the next run (for a rate: counted from now, since a deployed rate starts on deploy). */
  nextRun?: string;
  regions: string[];
  kinds: KindName[];
  /** Kinds the policy names that this build cannot back up. */
  unavailableKinds: KindName[];
  critical: Policy['critical'];
  retention: Policy['retention'];
  awsBackup?: { mode: string; vault: string; kinds: string[]; copies: number };
  copies: string[];
  selected: { region: string; kind: KindName; name: string }[];
}

async function previewPolicy(policy: Policy, now: Date): Promise<PolicyPreview> {
  const regions = policy.select.regions === 'all' ? await enabledRegions() : policy.select.regions;
  const kinds = policy.select.kinds.filter((kind) => KINDS[kind]);
  const perRegion = await mapLimit(regions, 4, async (region) => {
    const items = await listRegionItems({
      runId: 'preview',
      store: 'preview',
      region,
      include: kinds,
      names: Object.fromEntries(kinds.map((kind) => [kind, policy.select.names])),
    });
    return selectResources(items, policy.select);
  });
  return {
    policy: policy.name,
    schedule: policy.schedule,
    timezone: policy.timezone,
    nextRun: nextRun(policy.schedule, now, policy.timezone)?.toISOString(),
    regions,
    kinds,
    unavailableKinds: policy.select.kinds.filter((kind) => !KINDS[kind]),
    critical: policy.critical,
    retention: policy.retention,
    awsBackup: policy.awsBackup && {
      mode: policy.awsBackup.mode,
      vault: policy.awsBackup.vault.name,
      kinds: policy.awsBackup.kinds,
      copies: policy.awsBackup.copyTo.length,
    },
    copies: policy.copies.map((copy) => (copy.region ? `${copy.store} (${copy.region})` : copy.store)),
    selected: perRegion.flat().map(({ region, kind, name }) => ({ region, kind, name })),
  };
}

/** Each policy of a file: what it selects now, and when it runs next. */
export function previewPolicies(file: PolicyFile, now = new Date()): Promise<PolicyPreview[]> {
  return mapLimit(file.policies, 2, (policy) => previewPolicy(policy, now));
}
