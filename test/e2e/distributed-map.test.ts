import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { WorkItem } from '../../schemas/work-item.js';
import { LOCAL_TASK_PREFIX } from '../../src/lambda/task-prefix.js';
import { prepareDistributedMaps, runMapRun } from '../../src/local/distributed-map.js';
import { runStateMachineLocally } from '../../src/local/runner.js';
import { mapResultsPrefix, workKey } from '../../src/store/layout.js';
import { openStore } from '../../src/store/open.js';
import { syntheticHandlers, syntheticName } from '../helpers/synthetic-run.js';

// The local runner performs the backup ASL's Distributed Map as Step Functions does: items read
// from the work list in the store (ItemReader), ItemSelector per item, one child execution per
// item, results written by ResultWriter in item order, tolerated failures. Expected values are
// written from the documented semantics (state-map-distributed, input-output-resultwriter, and
// history event types AWS records), not from what the runner produced.

// No AWS call is made (file:// store, synthetic Discover): the region is only a label.
const REGION = 'zz-dmap-1';
let directory: string;
let storeUrl: string;

const TRAITS = ['', '~chunks2', '', '~flaky', '~denied', '', '~chunks2~flaky'];
const names = () => TRAITS.map((traits, index) => syntheticName(index, traits));

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-dmap-'));
  storeUrl = `file://${directory}`;
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** The history event types AWS records for each state, in order (see src/local/history.ts). */
const task = ['TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskSucceeded', 'TaskStateExited'];
const retriedTask = [
  'TaskStateEntered',
  'TaskScheduled',
  'TaskStarted',
  'TaskFailed',
  'TaskScheduled',
  'TaskStarted',
  'TaskSucceeded',
  'TaskStateExited',
];
const caughtTask = ['TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskFailed', 'TaskStateExited'];
const choice = ['ChoiceStateEntered', 'ChoiceStateExited'];
const pass = ['PassStateEntered', 'PassStateExited'];
const succeed = ['SucceedStateEntered', 'SucceedStateExited'];

describe('the backup Distributed Map, run locally', () => {
  it('reads the stored work list and gives each item, in order, the result the deployed Map would', async () => {
    // Prepare
    const { handlers, record } = syntheticHandlers(names);
    // Act
    const { summary, executions } = await runStateMachineLocally(
      'backup.asl.yaml',
      { store: storeUrl, regions: [REGION], include: ['lambda-function'] },
      { handlers, retryIntervalMs: 0 },
    );
    // Assess: every item of the stored list ran, exactly as often as its chunks and retries ask
    const store = openStore(storeUrl);
    const list = (await store.getJson(workKey(summary.runId, REGION))) as WorkItem[];
    expect(list.map((item) => item.name)).toEqual(names());
    const callsOf = (name: string) => record.calls.filter((call) => call.name === name).length;
    expect(names().map(callsOf)).toEqual([1, 2, 1, 2, 1, 1, 3]);
    expect(record.failures).toEqual([syntheticName(4, '~denied')]);
    // Assess: ResultWriter wrote one SUCCEEDED entry per item, in item order, with the ASL's outputs
    const manifests: string[] = [];
    for await (const key of store.list(`${mapResultsPrefix(summary.runId, REGION)}/`))
      if (key.endsWith('manifest.json')) manifests.push(key);
    expect(manifests).toHaveLength(1);
    const manifest = (await store.getJson(manifests[0] as string)) as {
      ResultFiles: { SUCCEEDED: { Key: string }[]; FAILED: unknown[] };
    };
    expect(manifest.ResultFiles.FAILED).toEqual([]);
    const results = (await store.getJson(manifest.ResultFiles.SUCCEEDED[0]?.Key as string)) as {
      Input: string;
      Output: string;
      Status: string;
    }[];
    const done = (item: WorkItem) => ({ ...item, done: true, status: 'ok' });
    const expected = list.map((item) => {
      const input = { taskPrefix: LOCAL_TASK_PREFIX, item };
      if (item.name.includes('~denied')) return { input, output: { ...item, done: true, status: 'failed' } };
      if (!item.name.includes('~chunks2'))
        return { input, output: { ...input, step: { done: true, item: done(item) } } };
      const first = { ...item, cursor: { chunk: 1 }, done: false, status: 'running' };
      const { cursor: _cursor, ...last } = first;
      return {
        input,
        output: {
          taskPrefix: LOCAL_TASK_PREFIX,
          item: first,
          step: { done: true, item: done(last as WorkItem) },
        },
      };
    });
    expect(results.map((result) => result.Status)).toEqual(list.map(() => 'SUCCEEDED'));
    expect(
      results.map((result) => ({ input: JSON.parse(result.Input), output: JSON.parse(result.Output) })),
    ).toEqual(expected);
    // Assess: the histories are the ones AWS records for these paths
    const [parent, ...children] = executions;
    expect(parent?.events).toBe(48);
    expect(children.map((child) => child.events)).toEqual(
      [
        [task, choice, succeed],
        [task, choice, pass, task, choice, succeed],
        [task, choice, succeed],
        [retriedTask, choice, succeed],
        [caughtTask, task],
        [task, choice, succeed],
        [retriedTask, choice, pass, task, choice, succeed],
      ].map((states) => 2 + states.flat().length),
    );
  });

  it('fails the Map Run past its tolerated failures and writes FAILED entries', async () => {
    // Prepare: three items, the second fails in its child (children are stubbed: the Map Run is under test)
    const store = openStore(storeUrl);
    await store.putJson('lists/three.json', [{ fail: false }, { fail: true }, { fail: false }]);
    const child = { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } };
    const map = (tolerated: number) =>
      prepareDistributedMaps({
        StartAt: 'M',
        States: {
          M: {
            Type: 'Map',
            ItemReader: {
              Resource: 'arn:aws:states:::s3:getObject',
              ReaderConfig: { InputType: 'JSON' },
              Parameters: { 'Bucket.$': '$.bucket', Key: 'lists/three.json' },
            },
            ToleratedFailureCount: tolerated,
            ResultWriter: {
              Resource: 'arn:aws:states:::s3:putObject',
              Parameters: { 'Bucket.$': '$.bucket', Prefix: `out-${tolerated}` },
            },
            ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, ...child },
            End: true,
          },
        },
      }).maps.get('M');
    const args = {
      input: { bucket: storeUrl },
      context: {},
      reader: { Bucket: storeUrl, Key: 'lists/three.json' },
    };
    const runChild = async (_label: string, _definition: unknown, input: unknown) =>
      (input as { fail: boolean }).fail
        ? { error: { name: 'Boom', message: 'this item fails' } }
        : { output: input };
    // Act
    const strict = runMapRun(
      'M',
      map(0) as never,
      { ...args, writer: { Bucket: storeUrl, Prefix: 'out-0' } },
      runChild,
    );
    const tolerant = await runMapRun(
      'M',
      map(1) as never,
      { ...args, writer: { Bucket: storeUrl, Prefix: 'out-1' } },
      runChild,
    );
    // Assess
    await expect(strict).rejects.toMatchObject({ name: 'States.ExceedToleratedFailureThreshold' });
    const details = (tolerant as { ResultWriterDetails: { Key: string } }).ResultWriterDetails;
    const written = (await store.getJson(details.Key)) as { ResultFiles: { FAILED: { Key: string }[] } };
    const failed = (await store.getJson(written.ResultFiles.FAILED[0]?.Key as string)) as {
      Error: string;
      Input: string;
    }[];
    expect(failed).toEqual([
      expect.objectContaining({ Error: 'Boom', Input: JSON.stringify({ fail: true }) }),
    ]);
  });
});
