import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { backupCommand, listRuns, verifyCommand } from '../../src/cli/commands.js';
import { InputValidationError } from '../../src/errors.js';
import { runStateMachineLocally } from '../../src/local/runner.js';
import { openStore } from '../../src/store/open.js';
import { createTestFunction } from '../helpers/aws.js';

const REGION = 'ap-southeast-7';
let directory: string;
let storeUrl: string;
let goodRun: string;

/** Every file in the store with its size and mtime: "nothing written, nothing deleted" is equality. */
async function storeListing(): Promise<string[]> {
  const entries: string[] = [];
  const walk = async (folder: string) => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const full = join(folder, entry.name);
      if (entry.isDirectory()) await walk(full);
      else
        entries.push(`${relative(directory, full)} ${(await stat(full)).size} ${(await stat(full)).mtimeMs}`);
    }
  };
  await walk(directory);
  return entries.sort();
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-bad-'));
  storeUrl = `file://${directory}`;
  await createTestFunction(REGION);
  const { summary } = await runStateMachineLocally('backup.asl.yaml', {
    store: storeUrl,
    regions: [REGION],
    include: ['lambda-function'],
  });
  goodRun = summary.runId;
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('bad state-machine input fails in Plan, names the field and touches nothing', () => {
  const row = (input: Record<string, unknown>, field: string, label = JSON.stringify(input)) => ({
    label,
    input,
    field,
  });
  it.each([
    row({ regions: 5 }, 'regions'),
    row({ regions: [] }, 'regions'),
    row({ regions: Array.from({ length: 41 }, () => 'us-east-1') }, 'regions', '41 regions'),
    row({ regions: ['us-east-1; rm -rf /'] }, 'regions.0'),
    row({ include: ['lambda-function', 'ec2'] }, 'include.1'),
    row({ include: 'lambda-function' }, 'include'),
    row({ resume: '../../etc/passwd' }, 'resume'),
    row({ resume: '20261125T120000Z-zzzzzz' }, 'resume'),
    row({ redrive: { runId: 'x\u0000y' } }, 'redrive.runId'),
    row({ tables: Array.from({ length: 1001 }, () => 't') }, 'tables', '1001 table patterns'),
    row({ bogus: 1 }, 'bogus'),
    row({ store: '' }, 'store'),
  ])('$label → $field', async ({ input, field }) => {
    // Prepare
    const before = await storeListing();
    // Act
    const attempt = runStateMachineLocally('backup.asl.yaml', { store: storeUrl, ...input });
    // Assess
    await expect(attempt).rejects.toThrow(new RegExp(field.replace('.', '\\.')));
    expect(await storeListing()).toEqual(before);
  });
});

describe('bad CLI flags are InputValidationError (exit 2) naming the flag', () => {
  it.each([
    [{ bucket: storeUrl, regions: 'us-east-1,not a region' }, 'regions'],
    [{ bucket: storeUrl, include: 'lambda-function,vm' }, 'include'],
    [{ bucket: storeUrl, resume: 'yesterday' }, 'resume'],
    [{ bucket: 'UPPER_case' }, 'bucket'],
    [{}, 'bucket'],
  ])('backup %j → %s', async (flags, field) => {
    const before = await storeListing();
    await expect(backupCommand(flags)).rejects.toThrow(InputValidationError);
    await expect(backupCommand(flags)).rejects.toThrow(new RegExp(field));
    expect(await storeListing()).toEqual(before);
  });

  it.each([
    [{ bucket: storeUrl, run: '../runs' }, 'run'],
    [{ bucket: storeUrl, run: 'run\u001b[31m' }, 'run'],
  ])('verify %j → %s', async (flags, field) => {
    await expect(verifyCommand(flags)).rejects.toThrow(new RegExp(`${field}: must be a run id`));
  });
});

describe('a damaged manifest read back is named, never trusted, never deleted', () => {
  const manifestPath = () => join(directory, 'runs', goodRun, 'manifest.json');
  const signaturePath = () => join(directory, 'runs', goodRun, 'manifest.sig.json');
  const damages: [string, (text: string) => string, RegExp][] = [
    ['truncated', (text) => text.slice(0, Math.floor(text.length / 2)), /not valid JSON/],
    ['from a newer format', (text) => text.replace('"format": 1', '"format": 2'), /format: must be 1/],
    ['with a wrong type', (text) => text.replace(/"status": "succeeded"/, '"status": 7'), /status/],
  ];

  it.each(damages)(
    '%s: its signature no longer matches, so the run is untrusted (exit 1)',
    async (_label, damage) => {
      // Prepare
      const original = await readFile(manifestPath(), 'utf8');
      await writeFile(manifestPath(), damage(original));
      try {
        const before = await storeListing();
        // Act
        const verified = await verifyCommand({ bucket: storeUrl, run: goodRun, json: true });
        // Assess
        expect(verified).toBe(1);
        const listed = (await listRuns(openStore(storeUrl))).find((run) => run.runId === goodRun);
        expect(listed?.status).toBe('untrusted');
        expect(listed?.problem).toMatch(/changed after signing|changed after it was signed/);
        expect(await storeListing()).toEqual(before);
      } finally {
        await writeFile(manifestPath(), original);
      }
    },
  );

  it.each(damages)(
    '%s and unsigned, accepted only with --allow-unsigned: invalid, named',
    async (_label, damage, message) => {
      // Prepare
      const [original, signature] = await Promise.all([
        readFile(manifestPath(), 'utf8'),
        readFile(signaturePath(), 'utf8'),
      ]);
      await writeFile(manifestPath(), damage(original));
      await rm(signaturePath());
      try {
        const before = await storeListing();
        // Act
        const verifying = verifyCommand({ bucket: storeUrl, run: goodRun, allowUnsigned: true });
        // Assess
        await expect(verifying).rejects.toThrow(InputValidationError);
        await expect(verifyCommand({ bucket: storeUrl, run: goodRun, allowUnsigned: true })).rejects.toThrow(
          message,
        );
        expect(await storeListing()).toEqual(before);
      } finally {
        await writeFile(manifestPath(), original);
        await writeFile(signaturePath(), signature);
      }
    },
  );
});
