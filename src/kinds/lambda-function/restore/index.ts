import type { ItemResult } from '../../../../schemas/work-item.js';
import type { RestoreContext, RestoreResult } from '../../../reconcile/context.js';
import { restoreStatements } from '../../../reconcile/permissions.js';
import { loadFunctionSnapshot } from '../format.js';
import { restoreAttachments } from './attachments.js';
import { restoreCodeAndVersions } from './versions.js';

/** Restores one function: code, configuration, versions, aliases, URLs, concurrency, invoke configs, policy. */
export async function restoreFunction(item: ItemResult, context: RestoreContext): Promise<RestoreResult> {
  const snapshot = await loadFunctionSnapshot(context.store, context.runId, item.region, item.name);
  const name = context.mapper.mapName('function', snapshot.name);
  const region = context.targetRegion;
  const packages = [snapshot.code, ...snapshot.versions.map((version) => version.code)];
  if (packages.some((code) => !('path' in code) && !('imageUri' in code && code.imageUri)))
    return {
      changes: [
        {
          resource: `function ${name}`,
          action: 'blocked',
          note: `run ${context.runId} did not capture its code`,
        },
      ],
      notes: [],
    };
  const published = await restoreCodeAndVersions(snapshot, name, context);
  const { exists, versionMap, latest, changes, notes } = published;
  const local: RestoreContext = {
    ...context,
    mapper: context.mapper.derive({
      functionVersions: { ...context.mapper.spec.functionVersions, [snapshot.name]: versionMap },
    }),
  };
  changes.push(...(await restoreAttachments(snapshot, name, local, published)));
  if (exists || !context.apply)
    changes.push(
      ...(await restoreStatements(
        local,
        snapshot.policy.flatMap((entry) => entry.statements),
      )),
    );
  if (context.targetRegion !== context.sourceRegion && latest.settings.VpcConfig)
    notes.push(`${name}: subnets and security groups are regional; map them before invoking it in ${region}`);
  return { changes, notes, details: { targetName: name, versionMap } };
}
