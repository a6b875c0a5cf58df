import {
  DeleteFunctionCommand,
  DeleteLayerVersionCommand,
  GetFunctionCommand,
  LambdaClient,
  ListLayerVersionsCommand,
} from '@aws-sdk/client-lambda';
import { client } from '../../aws/clients.js';
import { ifExists } from '../../aws/errors.js';
import { paginate } from '../../aws/paginate.js';
import { InputValidationError } from '../../errors.js';
import { clearListingMemos, listTriggers, loadFunctionRef, TRIGGER_TYPES } from '../../triggers/index.js';
import type { TriggerRecord } from '../../triggers/types.js';
import type { Deletion } from '../types.js';

/** Removes one trigger with its type's `remove`; a type without one is left to be removed by hand. */
async function removeTrigger(region: string, record: TriggerRecord): Promise<void> {
  const remove = TRIGGER_TYPES.find((type) => type.type === record.type)?.remove;
  if (!remove) throw new InputValidationError(`a ${record.type} trigger is removed by hand (${record.id})`);
  await remove(region, record);
}

/** The triggers wired to a scratch function, then the function (with its versions, aliases, URLs, permissions). */
export async function functionTeardown(region: string, name: string): Promise<Deletion[]> {
  const lambda = client(LambdaClient, region);
  const found = await ifExists(() => lambda.send(new GetFunctionCommand({ FunctionName: name })));
  if (!found) return [{ resource: `function ${name}`, remove: async () => false }];
  clearListingMemos();
  const triggers = await listTriggers(await loadFunctionRef(region, name));
  return [
    ...triggers.map((record) => ({
      resource: `${record.type} ${record.id}`,
      remove: async () => {
        await removeTrigger(region, record);
        return true;
      },
    })),
    {
      resource: `function ${name}`,
      remove: async () => {
        await lambda.send(new DeleteFunctionCommand({ FunctionName: name }));
        return true;
      },
    },
  ];
}

/** Every version of a scratch layer. */
export async function layerTeardown(region: string, layer: string): Promise<Deletion[]> {
  const lambda = client(LambdaClient, region);
  const versions = await paginate(async (Marker) => {
    const page = await lambda.send(new ListLayerVersionsCommand({ LayerName: layer, Marker }));
    return { items: page.LayerVersions, next: page.NextMarker };
  });
  return versions.map((version) => ({
    resource: `layer version ${layer}:${version.Version}`,
    remove: async () => {
      await lambda.send(new DeleteLayerVersionCommand({ LayerName: layer, VersionNumber: version.Version }));
      return true;
    },
  }));
}
