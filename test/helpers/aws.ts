import { randomBytes } from 'node:crypto';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { client } from '../../src/aws/clients.js';
import { zipFiles } from '../../src/local/zip.js';

/** A short random suffix so tests sharing one emulator never collide. */
export const unique = (prefix: string): string => `${prefix}-${randomBytes(4).toString('hex')}`;

export const ACCOUNT_ID = '123456789012';

let roleArn: string | undefined;
/** moto checks that a function's role exists in IAM. */
export async function lambdaRole(): Promise<string> {
  if (roleArn) return roleArn;
  const name = unique('tv-test-role');
  const response = await client(IAMClient, 'us-east-1').send(
    new CreateRoleCommand({
      RoleName: name,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    }),
  );
  roleArn = response.Role?.Arn ?? `arn:aws:iam::${ACCOUNT_ID}:role/${name}`;
  return roleArn;
}

/** Creates a small Node.js function in `region` and returns its name, ARN and zip bytes. */
export async function createTestFunction(
  region: string,
  name = unique('tv-fn'),
  source = 'exports.handler = async () => 1;',
) {
  const zip = zipFiles({ 'index.js': `${source}\n// ${name}\n` });
  const response = await client(LambdaClient, region).send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Role: await lambdaRole(),
      Code: { ZipFile: zip },
    }),
  );
  return { name, arn: response.FunctionArn as string, zip, codeSha256: response.CodeSha256 as string };
}
