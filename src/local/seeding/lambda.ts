import { CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CreateAliasCommand,
  type CreateAliasCommandInput,
  CreateFunctionCommand,
  type CreateFunctionCommandInput,
  LambdaClient,
  PublishLayerVersionCommand,
  PublishVersionCommand,
  UpdateFunctionCodeCommand,
} from '@aws-sdk/client-lambda';
import { client } from '../../aws/clients.js';
import { zipFiles } from '../zip.js';

/**
 * Seeding primitives for Lambda, shared by the demo (src/local), the bench and the tests: a role a
 * function can use, a layer, a function with code, new code published as versions, an alias.
 */

const roles = new Map<string, Promise<string>>();

/** A role Lambda may assume (moto checks that a function's role exists), created once per name. */
export function lambdaRole(name: string): Promise<string> {
  let arn = roles.get(name);
  if (!arn) {
    arn = getOrCreateRole(name);
    arn.catch(() => roles.delete(name));
    roles.set(name, arn);
  }
  return arn;
}

async function getOrCreateRole(RoleName: string): Promise<string> {
  const iam = client(IAMClient, 'us-east-1');
  const existing = async () => (await iam.send(new GetRoleCommand({ RoleName }))).Role?.Arn as string;
  try {
    return await existing();
  } catch {
    const trust = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ],
    };
    try {
      const created = await iam.send(
        new CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: JSON.stringify(trust) }),
      );
      return created.Role?.Arn as string;
    } catch (error) {
      // Another process (a parallel test worker) created it in between.
      if ((error as Error).name !== 'EntityAlreadyExistsException') throw error;
      return existing();
    }
  }
}

/** Publishes a layer version holding `files`; returns its version ARN. */
export async function publishLayer(
  region: string,
  name: string,
  files: Record<string, string>,
  options: { description?: string } = {},
): Promise<string> {
  const layer = await client(LambdaClient, region).send(
    new PublishLayerVersionCommand({
      LayerName: name,
      Description: options.description,
      Content: { ZipFile: zipFiles(files) },
      CompatibleRuntimes: ['nodejs22.x'],
    }),
  );
  return layer.LayerVersionArn as string;
}

export interface FunctionSpec {
  name: string;
  role: string;
  /** The package's files (zipped with fixed timestamps, so the same files give the same CodeSha256). */
  files: Record<string, string>;
  /** Anything else CreateFunction takes (layers, environment, tags, memory, …). */
  settings?: Omit<CreateFunctionCommandInput, 'FunctionName' | 'Role' | 'Code'>;
}

export interface SeededFunction {
  name: string;
  arn: string;
  zip: Uint8Array;
  codeSha256: string;
}

/** A Node.js 22 function (handler index.handler unless `settings` say otherwise) with its code. */
export async function createFunction(region: string, spec: FunctionSpec): Promise<SeededFunction> {
  const zip = zipFiles(spec.files);
  const created = await client(LambdaClient, region).send(
    new CreateFunctionCommand({
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      ...spec.settings,
      FunctionName: spec.name,
      Role: spec.role,
      Code: { ZipFile: zip },
    }),
  );
  return {
    name: spec.name,
    arn: created.FunctionArn as string,
    zip,
    codeSha256: created.CodeSha256 as string,
  };
}

/**
 * Publishes the function's current code as a version, then for each further package: updates the
 * code and publishes it. Returns the versions' numbers ("1", "2", …).
 */
export async function publishVersions(
  region: string,
  name: string,
  releases: { files?: Record<string, string>; description?: string }[],
): Promise<string[]> {
  const lambda = client(LambdaClient, region);
  const versions: string[] = [];
  for (const [index, release] of releases.entries()) {
    if (index > 0 && release.files)
      await lambda.send(
        new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: zipFiles(release.files) }),
      );
    const published = await lambda.send(
      new PublishVersionCommand({ FunctionName: name, Description: release.description }),
    );
    versions.push(published.Version as string);
  }
  return versions;
}

/** An alias; returns its ARN. */
export async function createAlias(
  region: string,
  alias: Pick<CreateAliasCommandInput, 'FunctionName' | 'Name' | 'FunctionVersion' | 'RoutingConfig'>,
): Promise<string> {
  const created = await client(LambdaClient, region).send(new CreateAliasCommand(alias));
  return created.AliasArn as string;
}
