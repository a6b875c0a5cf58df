import {
  CreateAliasCommand,
  CreateFunctionUrlConfigCommand,
  GetAliasCommand,
  GetFunctionCodeSigningConfigCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionEventInvokeConfigCommand,
  GetFunctionUrlConfigCommand,
  GetProvisionedConcurrencyConfigCommand,
  LambdaClient,
  PutFunctionCodeSigningConfigCommand,
  PutFunctionConcurrencyCommand,
  PutFunctionEventInvokeConfigCommand,
  PutProvisionedConcurrencyConfigCommand,
  TagResourceCommand,
  UpdateAliasCommand,
  UpdateFunctionUrlConfigCommand,
} from '@aws-sdk/client-lambda';
import type { Change } from '../../../../schemas/restore.js';
import { client } from '../../../aws/clients.js';
import { ifExists } from '../../../aws/errors.js';
import type { RestoreContext } from '../../../reconcile/context.js';
import { pick, reconcile } from '../../../reconcile/diff.js';
import type { FunctionSnapshot } from '../format.js';
import type { Published } from './versions.js';

/**
 * What hangs on the function once its versions exist: tags, aliases (on the republished version
 * numbers), URLs, reserved and provisioned concurrency, event invoke configs, code signing.
 */
export async function restoreAttachments(
  snapshot: FunctionSnapshot,
  name: string,
  local: RestoreContext,
  published: Pick<Published, 'found' | 'exists'>,
): Promise<Change[]> {
  const { found, exists } = published;
  const mapper = local.mapper;
  const lambda = client(LambdaClient, local.targetRegion);
  const changes: Change[] = [];
  const arn = mapper.mapArn(snapshot.arn);
  const qualified = (qualifier?: string) => (qualifier ? `${arn}:${qualifier}` : arn);
  const read = <T>(call: () => Promise<T>) => (exists && found ? ifExists(call) : Promise.resolve(undefined));

  // Tags (set on create).
  const tags = found ? (found.Tags ?? {}) : snapshot.tags;
  changes.push(
    await reconcile(local, {
      resource: `tags of ${name}`,
      current: tags,
      desired: snapshot.tags,
      create: async () => undefined,
      update: async () => {
        await lambda.send(new TagResourceCommand({ Resource: arn, Tags: snapshot.tags }));
      },
    }),
  );

  for (const alias of snapshot.aliases) {
    const weights = alias.RoutingConfig?.AdditionalVersionWeights;
    const desired = {
      FunctionVersion: mapper.mapVersion(snapshot.name, alias.FunctionVersion ?? '$LATEST'),
      Description: alias.Description ?? '',
      ...(weights && Object.keys(weights).length
        ? {
            RoutingConfig: {
              AdditionalVersionWeights: Object.fromEntries(
                Object.entries(weights).map(([version, weight]) => [
                  mapper.mapVersion(snapshot.name, version),
                  weight,
                ]),
              ),
            },
          }
        : {}),
    };
    const current = await read(() =>
      lambda.send(new GetAliasCommand({ FunctionName: name, Name: alias.Name })),
    );
    changes.push(
      await reconcile(local, {
        resource: `alias ${alias.Name} of ${name}`,
        current:
          current &&
          ({
            ...pick(current, ['FunctionVersion', 'RoutingConfig']),
            Description: current.Description ?? '',
          } as typeof desired),
        desired,
        create: async () => {
          await lambda.send(new CreateAliasCommand({ FunctionName: name, Name: alias.Name, ...desired }));
        },
        update: async () => {
          await lambda.send(new UpdateAliasCommand({ FunctionName: name, Name: alias.Name, ...desired }));
        },
      }),
    );
  }

  for (const url of snapshot.urlConfigs) {
    const desired = pick(url, ['AuthType', 'Cors', 'InvokeMode']);
    const input = { FunctionName: name, Qualifier: url.qualifier, ...desired };
    const found = await read(() =>
      lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: name, Qualifier: url.qualifier })),
    );
    const current = found?.FunctionArn === qualified(url.qualifier) ? found : undefined;
    changes.push(
      await reconcile(local, {
        resource: `function URL of ${url.qualifier ? `${name}:${url.qualifier}` : name}`,
        current: current && pick(current, ['AuthType', 'Cors', 'InvokeMode']),
        desired,
        create: async () => {
          await lambda.send(new CreateFunctionUrlConfigCommand(input as never));
        },
        update: async () => {
          await lambda.send(new UpdateFunctionUrlConfigCommand(input as never));
        },
      }),
    );
  }

  const reserved = snapshot.concurrency.reserved;
  if (reserved !== undefined) {
    const current = await read(() => lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: name })));
    const put = async () => {
      await lambda.send(
        new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: reserved }),
      );
    };
    changes.push(
      await reconcile(local, {
        resource: `reserved concurrency of ${name}`,
        current:
          current?.ReservedConcurrentExecutions === undefined
            ? undefined
            : { reserved: current.ReservedConcurrentExecutions },
        desired: { reserved },
        create: put,
        update: put,
      }),
    );
  }

  const provisioned = snapshot.concurrency.provisioned;
  for (const config of Array.isArray(provisioned) ? provisioned : []) {
    const qualifier = mapper.mapArn(config.FunctionArn ?? '').split(':')[7] ?? '';
    const desired = {
      RequestedProvisionedConcurrentExecutions: config.RequestedProvisionedConcurrentExecutions,
    };
    const current = await read(() =>
      lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: qualifier })),
    );
    const put = async () => {
      await lambda.send(
        new PutProvisionedConcurrencyConfigCommand({
          FunctionName: name,
          Qualifier: qualifier,
          ...desired,
        } as never),
      );
    };
    changes.push(
      await reconcile(local, {
        resource: `provisioned concurrency of ${name}:${qualifier}`,
        current: current && pick(current, ['RequestedProvisionedConcurrentExecutions']),
        desired,
        create: put,
        update: put,
      }),
    );
  }

  for (const config of snapshot.eventInvokeConfigs) {
    const qualifier = mapper.mapArn(config.FunctionArn ?? '').split(':')[7] ?? '$LATEST';
    const desired = mapper.mapDeep(
      pick(config, ['MaximumRetryAttempts', 'MaximumEventAgeInSeconds', 'DestinationConfig']),
    );
    const current = await read(() =>
      lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: name, Qualifier: qualifier })),
    );
    const put = async () => {
      await lambda.send(
        new PutFunctionEventInvokeConfigCommand({ FunctionName: name, Qualifier: qualifier, ...desired }),
      );
    };
    changes.push(
      await reconcile(local, {
        resource: `event invoke config of ${name}:${qualifier}`,
        current:
          current && pick(current, ['MaximumRetryAttempts', 'MaximumEventAgeInSeconds', 'DestinationConfig']),
        desired,
        create: put,
        update: put,
      }),
    );
  }

  if (snapshot.codeSigningConfigArn) {
    const desired = { CodeSigningConfigArn: mapper.mapArn(snapshot.codeSigningConfigArn) };
    const current = await read(() =>
      lambda.send(new GetFunctionCodeSigningConfigCommand({ FunctionName: name })),
    );
    const put = async () => {
      await lambda.send(new PutFunctionCodeSigningConfigCommand({ FunctionName: name, ...desired }));
    };
    changes.push(
      await reconcile(local, {
        resource: `code signing config of ${name}`,
        current: current?.CodeSigningConfigArn ? pick(current, ['CodeSigningConfigArn']) : undefined,
        desired,
        create: put,
        update: put,
      }),
    );
  }

  return changes;
}
