import { APIGatewayClient, DeleteResourceCommand } from '@aws-sdk/client-api-gateway';
import {
  DeleteFunctionCommand,
  DeleteLayerVersionCommand,
  GetFunctionCommand,
  LambdaClient,
} from '@aws-sdk/client-lambda';
import { DeleteBucketCommand, DeleteObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { client } from '../../src/aws/clients.js';
import { runStateMachineLocally } from '../../src/local/runner.js';
import type { RestoreSummary } from '../../src/restore/report.js';
import { clearListingMemos, listTriggers, loadFunctionRef, TRIGGER_TYPES } from '../../src/triggers/index.js';
import type { TriggerRecord } from '../../src/triggers/types.js';

/** Runs the restore state machine in-process, as the CLI does. */
export async function runRestore(input: Record<string, unknown>): Promise<RestoreSummary> {
  return (await runStateMachineLocally('restore.asl.yaml', input)).summary as unknown as RestoreSummary;
}

/**
 * Removes one trigger the way an accident (or a teardown) would, leaving its source in place. A REST
 * method goes with its whole resource path: restore must re-create the path, the method and the integration.
 */
async function removeTrigger(region: string, record: TriggerRecord): Promise<void> {
  if (record.type !== 'apigateway-rest') {
    const remove = TRIGGER_TYPES.find((type) => type.type === record.type)?.remove;
    if (!remove) throw new Error(`no way to remove a ${record.type} trigger`);
    return remove(region, record);
  }
  const config = record.config as Record<string, string>;
  await client(APIGatewayClient, region).send(
    new DeleteResourceCommand({ restApiId: config.restApiId, resourceId: config.resourceId }),
  );
}

/** Deletes the functions with every trigger wired to them and the layer versions they use; sources stay. */
export async function wipeFunctions(region: string, names: string[]): Promise<void> {
  clearListingMemos();
  const lambda = client(LambdaClient, region);
  const layers = new Set<string>();
  for (const name of names) {
    for (const record of await listTriggers(await loadFunctionRef(region, name)))
      await removeTrigger(region, record);
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

/** Empties and deletes a bucket (to re-create it in another region: bucket names are global). */
export async function deleteBucket(region: string, bucket: string): Promise<void> {
  const s3 = client(S3Client, region);
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  for (const object of listed.Contents ?? [])
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: object.Key }));
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}
