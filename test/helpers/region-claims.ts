import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, expect } from '@jest/globals';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * Every test file talks to one shared emulator, so a region is owned by one test file: a backup,
 * restore or drill sees everything in its region, and another file's resources there (or their
 * deletion mid-listing) change what it finds. Ownership is enforced, not agreed on: this file runs
 * before each test file (jest `setupFilesAfterEnv`) and claims the region of every AWS request the
 * test file's process signs, in a directory the global setup creates for the run. A request in a
 * region another test file has claimed fails, and so does the file (in `afterAll`, should the code
 * under test have caught that error).
 *
 * The exception is the home region, shared by all: store buckets, result topics and queues, IAM
 * roles and other fixtures under unique names. No test may back up, restore or list a whole region there.
 *
 * Requests made by child processes (the CLI run by `runCli`) are not seen here; the test files that
 * run them create their resources in the same regions in-process, which claims them.
 */
export const HOME_REGION = 'us-east-1';

const claimsDirectory = process.env.TRIGGERVAULT_TEST_REGION_CLAIMS;
if (!claimsDirectory)
  throw new Error('TRIGGERVAULT_TEST_REGION_CLAIMS is unset: run the tests with jest.config.js');
const testFile = relative(process.cwd(), expect.getState().testPath ?? 'unknown test file');
const owned = new Set<string>([HOME_REGION]);
const clashes: string[] = [];

function claim(region: string): void {
  if (owned.has(region)) return;
  const path = join(claimsDirectory as string, region);
  try {
    writeFileSync(path, testFile, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const owner = readFileSync(path, 'utf8');
    if (owner !== testFile) {
      const clash = `${testFile} uses region ${region}, which ${owner} uses: give each test file regions of its own (see test/helpers/region-claims.ts)`;
      if (!clashes.includes(clash)) clashes.push(clash);
      throw new Error(clash);
    }
  }
  owned.add(region);
}

/** The signing region of a request: `Credential=<key>/<date>/<region>/<service>/aws4_request`. */
const SIGNED_REGION = /Credential=[^/,\s]+\/\d{8}\/([^/]+)\//;

const handle = NodeHttpHandler.prototype.handle;
NodeHttpHandler.prototype.handle = function (this: NodeHttpHandler, request, options) {
  const authorization = Object.entries(request.headers).find(
    ([name]) => name.toLowerCase() === 'authorization',
  )?.[1];
  const region = authorization?.match(SIGNED_REGION)?.[1];
  if (region) claim(region);
  return handle.call(this, request, options);
};

afterAll(() => {
  if (clashes.length) throw new Error(clashes.join('\n'));
});
