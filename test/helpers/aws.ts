import { randomBytes } from 'node:crypto';
import { createFunction, lambdaRole as seededRole } from '../../src/local/seeding/lambda.js';

/** A short random suffix so tests sharing one emulator never collide. */
export const unique = (prefix: string): string => `${prefix}-${randomBytes(4).toString('hex')}`;

export const ACCOUNT_ID = '123456789012';

const roleName = unique('tv-test-role');
/** moto checks that a function's role exists in IAM: one role per test process. */
export function lambdaRole(): Promise<string> {
  return seededRole(roleName);
}

/** Creates a small Node.js function in `region` and returns its name, ARN and zip bytes. */
export async function createTestFunction(
  region: string,
  name = unique('tv-fn'),
  source = 'exports.handler = async () => 1;',
) {
  const created = await createFunction(region, {
    name,
    role: await lambdaRole(),
    files: { 'index.js': `${source}\n// ${name}\n` },
  });
  return { name, arn: created.arn, zip: created.zip, codeSha256: created.codeSha256 };
}
