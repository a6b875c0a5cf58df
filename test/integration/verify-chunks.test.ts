import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ItemResult } from '../../schemas/work-item.js';
import { damageFound, type VerifyProgress, verifyStep } from '../../src/backup/verify.js';
import { itemResultKey } from '../../src/store/layout.js';
import { openStore } from '../../src/store/open.js';

// Verify in chunks: each invocation builds or checks a bounded part of the list of checks and
// answers a cursor; damage is kept in the store, so the answer stays small however large the run.

const RUN = '20260101T000000Z-00abcd';
const REGION = 'zz-verify-1';
let directory: string;
let storeUrl: string;
const blobs: string[] = [];

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-verify-'));
  storeUrl = `file://${directory}`;
  const store = openStore(storeUrl);
  // 7 items, 2 artifacts each; every item also shares one blob with the others (checked once per part).
  const shared = await store.putJson('blobs/shared', { shared: true });
  for (let index = 0; index < 7; index += 1) {
    const own = await store.putJson(`runs/${RUN}/artifacts/${index}.json`, { index });
    blobs.push(own.key);
    const result: ItemResult = {
      region: REGION,
      kind: 'lambda-function',
      name: `fn-${index}`,
      status: 'ok',
      artifacts: [own, shared].map((written) => ({
        role: 'config',
        path: written.key,
        sha256: written.sha256,
        bytes: written.bytes,
      })),
    };
    await store.putJson(itemResultKey(RUN, REGION, 'lambda-function', `fn-${index}`), result);
  }
  await appendFile(join(directory, blobs[5] as string), 'tampered');
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
  delete process.env.TRIGGERVAULT_CHUNK_ITEMS;
});

describe('Verify in chunks', () => {
  it('builds its list of checks and checks it over several invocations, each answering a small cursor', async () => {
    // Prepare: at most 3 item results read, or checks made, per invocation
    process.env.TRIGGERVAULT_CHUNK_ITEMS = '3';
    const answers: VerifyProgress[] = [];
    // Act
    let progress: VerifyProgress | undefined;
    do {
      progress = await verifyStep({ runId: RUN, store: storeUrl, previous: progress });
      answers.push(progress);
    } while (!progress.done && answers.length < 50);
    // Assess
    const phases = answers.map((answer) => answer.cursor?.phase ?? 'done');
    expect(phases.filter((phase) => phase === 'build').length).toBeGreaterThanOrEqual(2);
    expect(phases.at(-1)).toBe('done');
    expect(new Set(answers.map((answer) => answer.attempt)).size).toBe(1);
    for (const answer of answers) expect(JSON.stringify(answer).length).toBeLessThan(400);
    // 7 own artifacts + the shared blob once per part of 3 items (3 parts)
    expect(progress.checks).toBe(7 + 3);
    expect(progress.damaged).toBe(1);
    const damage = await damageFound(openStore(storeUrl), RUN, progress.attempt);
    expect(damage).toEqual([{ path: blobs[5], problem: expect.stringMatching(/^size \d+, expected \d+$/) }]);
  });
});
