import { APIGatewayClient, DeleteMethodCommand } from '@aws-sdk/client-api-gateway';
import {
  DeleteFunctionCommand,
  DeleteLayerVersionCommand,
  GetFunctionCommand,
  LambdaClient,
} from '@aws-sdk/client-lambda';
import { client } from '../../src/aws/clients.js';
import { clearListingMemos, listTriggers, loadFunctionRef, TRIGGER_TYPES } from '../../src/triggers/index.js';

/**
 * Deletes functions, the layer versions they use, and everything that wires a source to them (a REST
 * API loses the method, keeping its resource path), leaving the sources themselves: what an IaC
 * template that takes its sources as parameters re-creates.
 */
export async function wipeFunctionsKeepingSources(region: string, names: string[]): Promise<void> {
  clearListingMemos();
  const lambda = client(LambdaClient, region);
  const layers = new Set<string>();
  for (const name of names) {
    for (const record of await listTriggers(await loadFunctionRef(region, name))) {
      if (record.type === 'apigateway-rest') {
        const config = record.config as { restApiId: string; resourceId: string; httpMethod: string };
        await client(APIGatewayClient, region).send(new DeleteMethodCommand(config));
        continue;
      }
      const remove = TRIGGER_TYPES.find((type) => type.type === record.type)?.remove;
      if (!remove) throw new Error(`no way to remove a ${record.type} trigger`);
      await remove(region, record);
    }
    const { Configuration } = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
    for (const layer of Configuration?.Layers ?? []) layers.add(layer.Arn as string);
    await lambda.send(new DeleteFunctionCommand({ FunctionName: name }));
  }
  for (const arn of layers) {
    const [, , , , , , LayerName, version] = arn.split(':');
    await lambda.send(new DeleteLayerVersionCommand({ LayerName, VersionNumber: Number(version) }));
  }
  clearListingMemos();
}
