import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { unique } from '../helpers/aws.js';
import { runCli } from '../helpers/cli.js';

// Bad input, as a user types it: exit 2 with the field named, found before any work, nothing written.
// The real command line in a child process. No AWS resource is made (a bucket that does not exist is
// asked for, on the emulator).
let directory: string;
let store: string;
const missingRun = '20200101T000000Z-abcdef';

/** Every file and folder under the test directory with size and mtime: "nothing written" is equality. */
async function listing(): Promise<string[]> {
  const entries: string[] = [];
  const walk = async (folder: string) => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const full = join(folder, entry.name);
      const info = await stat(full);
      entries.push(`${relative(directory, full)} ${info.size} ${info.mtimeMs}`);
      if (entry.isDirectory()) await walk(full);
    }
  };
  await walk(directory);
  return entries.sort();
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-refused-'));
  store = `file://${directory}/store`;
  await mkdir(join(directory, 'store', 'runs'), { recursive: true });
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('refused before any work: exit 2, the field named, nothing written', () => {
  const missingBucket = unique('tv-no-such-bucket');
  it.each([
    [
      'an unknown region',
      ['backup', '--bucket', () => store, '--regions', 'us-east-9'],
      /regions\.0: us-east-9 is not an AWS region/,
    ],
    [
      '--resume of a missing run',
      ['backup', '--bucket', () => store, '--resume', missingRun],
      /resume: no run 20200101T000000Z-abcdef/,
    ],
    [
      'verify of a missing run',
      ['verify', '--bucket', () => store, '--run', missingRun],
      /run: no run 20200101T000000Z-abcdef/,
    ],
    [
      'verify in a missing bucket',
      ['verify', '--bucket', missingBucket, '--run', missingRun],
      /bucket: tv-no-such-bucket-\w+ does not exist/,
    ],
    [
      'backup into a missing bucket',
      ['backup', '--bucket', missingBucket, '--regions', 'us-east-1'],
      /bucket: .* does not exist/,
    ],
    ['list of a missing bucket', ['list', '--bucket', `s3://${missingBucket}`], /bucket: .* does not exist/],
    ['restore of a missing run', ['restore', '--bucket', () => store, '--run', missingRun], /run: no run/],
    [
      'report --out into a missing folder',
      [
        'report',
        '--bucket',
        () => store,
        '--run',
        missingRun,
        '--out',
        () => join(directory, 'nope', 'r.html'),
      ],
      /out: the folder .*nope does not exist/,
    ],
    [
      'file://host/path as store',
      ['verify', '--bucket', 'file://nas01/backups', '--run', missingRun],
      /bucket: .*names the host "nas01"/,
    ],
    [
      'a file path as store',
      ['list', '--bucket', () => join(directory, 'store')],
      /bucket: .*is a file path/,
    ],
    [
      'a copy to file://host/path',
      ['copy', '--bucket', () => store, '--run', missingRun, '--to', 'file://nas01/copies'],
      /to: .*names the host "nas01"/,
    ],
  ])('%s', async (_label, args, message) => {
    // Prepare
    const before = await listing();
    const started = Date.now();
    // Act
    const result = runCli(args.map((arg) => (typeof arg === 'function' ? arg() : arg)));
    // Assess
    expect(result.stderr).toMatch(message);
    expect(result.status).toBe(2);
    expect(await listing()).toEqual(before);
    // Found at once, not after minutes of retries (the child process start-up is most of it).
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
