import { GetFunctionCommand, LambdaClient, paginateListFunctions } from '@aws-sdk/client-lambda';
import type { WorkItem } from '../../../schemas/work-item.js';
import { client } from '../../aws/clients.js';
import { matchesAny } from '../../glob.js';
import { captures } from '../shared/attributes.js';
import type { BackupContext, BackupStep, ResourceKind } from '../types.js';
import { collect, snapshotArtifacts, snapshotFunction } from './capture.js';
import { snapshotKey } from './format.js';
import { restoreFunction } from './restore/index.js';
import { lambdaFunctionStack } from './stack.js';
import { functionTeardown } from './teardown.js';

/**
 * Lambda functions: code (content-addressed, checked against CodeSha256), configuration, versions,
 * aliases, URLs, concurrency, invoke configs, resource policy, layers, and every trigger wired to them.
 */

const lambda = (region: string) => client(LambdaClient, region);

async function discover(region: string, selection: { patterns: string[] }): Promise<string[]> {
  const functions = await collect(
    paginateListFunctions({ client: lambda(region) }, {}),
    (page) => page.Functions,
  );
  return functions
    .map((fn) => fn.FunctionName ?? '')
    .filter((name) => name && matchesAny(name, selection.patterns))
    .sort();
}

async function backup(item: WorkItem, context: BackupContext): Promise<BackupStep> {
  const snapshot = await snapshotFunction(context.store, item.region, item.name, {
    code: captures(item, 'code'),
    triggers: captures(item, 'triggers'),
  });
  const written = await context.store.putJson(snapshotKey(item.runId, item.region, item.name), snapshot);
  return {
    done: true,
    artifacts: [
      {
        role: 'config',
        path: written.key,
        sha256: written.sha256,
        bytes: written.bytes,
        counts: {
          versions: snapshot.versions.length,
          aliases: snapshot.aliases.length,
          triggers: snapshot.triggers.length,
          layers: snapshot.layers.length,
        },
      },
      ...snapshotArtifacts(snapshot),
    ],
    summary: {
      codeSha256: snapshot.configuration.CodeSha256,
      triggers: [...new Set(snapshot.triggers.map((trigger) => trigger.type))],
    },
  };
}

export const lambdaFunction: ResourceKind = {
  stack: lambdaFunctionStack,
  kind: 'lambda-function',
  nameKind: 'function',
  restoreTier: 'functions',
  discover,
  backup,
  restore: restoreFunction,
  async tags(region, name) {
    return (await lambda(region).send(new GetFunctionCommand({ FunctionName: name }))).Tags ?? {};
  },
  teardown: (region, name) => functionTeardown(region, name),
};
