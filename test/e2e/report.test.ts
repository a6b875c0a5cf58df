import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LambdaClient, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { PolicyInput } from '../../schemas/policy.js';
import { client } from '../../src/aws/clients.js';
import { LOCAL_HANDLERS } from '../../src/local/handlers.js';
import { runStateMachineLocally } from '../../src/local/runner.js';
import { openStore } from '../../src/store/open.js';
import { createTestFunction, unique } from '../helpers/aws.js';
import { renderInChromium } from '../helpers/chromium.js';
import { runCli } from '../helpers/cli.js';

// A region of its own, so the run holds exactly the three functions made here.
const REGION = 'eu-central-2';
const policy: PolicyInput = { name: 'reported', select: { regions: [REGION], kinds: ['lambda-function'] } };
let directory: string;
let storeUrl: string;
let runId: string;
let names: string[];

/** One function always fails to snapshot, as if its code could not be fetched. */
async function backupWithOneFailure(broken: string) {
  const snapshot = LOCAL_HANDLERS['backup-lambda-function'] as (
    event: unknown,
    context: unknown,
  ) => Promise<unknown>;
  return runStateMachineLocally(
    'backup.asl.yaml',
    { store: storeUrl, policy },
    {
      retryIntervalMs: 1,
      handlers: {
        'backup-lambda-function': async (event, context) => {
          if ((event as { name: string }).name === broken) {
            throw Object.assign(new Error(`code of ${broken} could not be fetched`), {
              name: 'IntegrityError',
            });
          }
          return snapshot(event, context);
        },
      },
    },
  );
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-report-'));
  storeUrl = `file://${directory}/store`;
  names = [unique('report-a'), unique('report-b'), unique('report-c')].sort();
  for (const name of names) await createTestFunction(REGION, name);
  await backupWithOneFailure(names[2] as string);
  await client(LambdaClient, REGION).send(
    new UpdateFunctionConfigurationCommand({ FunctionName: names[0], MemorySize: 512 }),
  );
  const { summary } = await backupWithOneFailure(names[2] as string);
  runId = summary.runId;
  // As `triggervault drill` leaves it beside its restore (an older drill of the run failed).
  const store = openStore(storeUrl);
  await store.putJson(`runs/${runId}/restores/drill-1/drill.json`, {
    status: 'failed',
    finishedAt: '2026-11-25T11:00:00Z',
    errors: ['compare: differs'],
  });
  await store.putJson(`runs/${runId}/restores/drill-2/drill.json`, {
    status: 'passed',
    finishedAt: '2026-11-25T12:00:00Z',
    errors: [],
  });
}, 120_000);

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('triggervault report', () => {
  it("writes one self-contained HTML page that Chromium renders with the run's numbers", async () => {
    // Act
    const out = join(directory, 'report.html');
    const result = runCli(['report', '--bucket', storeUrl, '--run', runId, '--out', out]);
    // Assess: self-contained (no external resource of any kind)
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(`wrote ${out}`);
    const html = await readFile(out, 'utf8');
    expect(html).not.toMatch(/<(script|link|img|iframe)\b|https?:\/\//);
    // Assess: rendered in headless Chromium
    const dom = renderInChromium(out);
    const value = (id: string) => new RegExp(`data-testid="${id}"[^>]*>([^<]*)<`).exec(dom)?.[1];
    expect(value('status')).toBe('partial');
    expect(value('total-items')).toBe('3');
    expect(value('total-ok')).toBe('2');
    expect(value('total-failed')).toBe('1');
    expect(value('failure-count')).toBe('1');
    expect(value('total-changes')).toBe('1');
    expect(value('drill')).toBe('passed at 2026-11-25T12:00:00Z');
    expect(value('verification')).toMatch(/^\d+ artifacts re-read, $/);
    expect(dom).toMatch(/data-testid="verification">\d+ artifacts re-read, <span class="">0 damaged<\/span>/);
    const regionRow = new RegExp(`<tr><td>${REGION}</td><td>3</td><td>2</td><td>1</td>`);
    expect(dom).toMatch(regionRow);
    expect(dom).toContain(`IntegrityError: code of ${names[2]} could not be fetched`);
    // What the run holds, per region and kind.
    expect(value('holds-regions')).toBe(REGION);
    expect(value('holds-kinds')).toBe('lambda-function');
    expect(dom).toMatch(
      new RegExp(
        `data-testid="holds"[\\s\\S]*?<tr><td>${REGION}</td><td>lambda-function</td><td>3</td><td>1</td>`,
      ),
    );
    expect(dom).toMatch(new RegExp(`<td>${names[0]}</td><td>modified</td><td>config: MemorySize</td>`));
    expect(dom).toMatch(/data-testid="chart-duration"/);
    expect(dom).toMatch(/data-testid="chart-bytes"[\s\S]*<rect/);
    // A picture for people (kept beside the report while the test directory exists).
    renderInChromium(out, join(directory, 'report.png'));
    expect(existsSync(join(directory, 'report.png'))).toBe(true);
  });

  it('exits 2 for a run that does not exist, naming it', () => {
    const result = runCli(['report', '--bucket', storeUrl, '--run', '20200101T000000Z-aaaaaa']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('run: no run 20200101T000000Z-aaaaaa');
  });
});
