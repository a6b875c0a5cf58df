import {
  GetLayerVersionCommand,
  LambdaClient,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
} from '@aws-sdk/client-lambda';
import type { Change } from '../../../schemas/restore.js';
import { client } from '../../aws/clients.js';
import { ifExists } from '../../aws/errors.js';
import { paginate } from '../../aws/paginate.js';
import type { RestoreContext } from '../../reconcile/context.js';
import { assertCodeSha256, readBlob } from '../../reconcile/store-code.js';
import { base64ToHex } from '../../store/hashing.js';
import type { FunctionSnapshot } from './format.js';
import { restoreLayerPermissions } from './layer-permissions.js';

export type StoredLayer = FunctionSnapshot['layers'][number];

/** The version of `layerName` in the region whose code has this sha256 (hex), newest first. */
async function versionWithCode(
  region: string,
  layerName: string,
  sha256: string,
): Promise<string | undefined> {
  const lambda = client(LambdaClient, region);
  const versions =
    (await ifExists(() =>
      paginate(async (Marker) => {
        const page = await lambda.send(new ListLayerVersionsCommand({ LayerName: layerName, Marker }));
        return { items: page.LayerVersions, next: page.NextMarker };
      }),
    )) ?? [];
  for (const version of versions.sort((a, b) => (b.Version ?? 0) - (a.Version ?? 0))) {
    const details = await lambda.send(
      new GetLayerVersionCommand({ LayerName: layerName, VersionNumber: version.Version }),
    );
    if (details.Content?.CodeSha256 && base64ToHex(details.Content.CodeSha256) === sha256)
      return details.LayerVersionArn ?? version.LayerVersionArn;
  }
  return undefined;
}

/**
 * Makes every layer version the functions use exist in the target region: an existing version with
 * the same code is reused, else the stored zip is published as a new version; either way with the
 * version's permissions (layer-permissions.ts), compared first. Returns the old layer
 * version ARN → new one (the ARN mapper's `layerVersions`). Runs once per region, before the functions.
 */
export async function restoreLayers(
  layers: StoredLayer[],
  context: RestoreContext,
): Promise<{ layerVersions: Record<string, string>; changes: Change[] }> {
  const layerVersions: Record<string, string> = {};
  const changes: Change[] = [];
  const unique = [...new Map(layers.map((layer) => [layer.arn, layer])).values()];
  for (const layer of unique) {
    const [, , , , , , layerName = '', version = ''] = layer.arn.split(':');
    const name = context.mapper.mapName('layer', layerName);
    const resource = `layer ${name} (was ${layerName}:${version})`;
    const permissions = (target: string | undefined, created: boolean) =>
      layer.permissions
        ? restoreLayerPermissions(
            context.targetRegion,
            target,
            `${name}:${target?.split(':').at(-1) ?? 'new'}`,
            layer.permissions,
            {
              ...context,
              created,
            },
          )
        : Promise.resolve([]);
    const existing = await versionWithCode(context.targetRegion, name, layer.code.sha256);
    if (existing) {
      layerVersions[layer.arn] = existing;
      changes.push({ resource, action: 'unchanged', note: `same code as ${existing}` });
      changes.push(...(await permissions(existing, false)));
      continue;
    }
    let note: string | undefined;
    if (context.apply) {
      const published = await client(LambdaClient, context.targetRegion).send(
        new PublishLayerVersionCommand({
          LayerName: name,
          Description: layer.description,
          Content: { ZipFile: await readBlob(context.store, layer.code.path) },
          CompatibleRuntimes: layer.compatibleRuntimes as never,
          CompatibleArchitectures: layer.compatibleArchitectures as never,
          LicenseInfo: layer.licenseInfo,
        }),
      );
      // Checked like a function's code: a published layer must hold the backup's bytes.
      assertCodeSha256(`layer ${name}`, published.Content?.CodeSha256, layer.code.sha256);
      layerVersions[layer.arn] = published.LayerVersionArn as string;
      note = `published as ${published.LayerVersionArn}`;
    }
    changes.push({ resource, action: 'create', ...(note ? { note } : {}) });
    changes.push(...(await permissions(layerVersions[layer.arn], true)));
  }
  return { layerVersions, changes };
}
