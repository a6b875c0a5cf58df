import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateStreamCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
  SplitShardCommand,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Manifest } from '../../../schemas/manifest.js';
import { Retention } from '../../../schemas/policy.js';
import type { ItemResult } from '../../../schemas/work-item.js';
import { client } from '../../../src/aws/clients.js';
import type { RecordLine } from '../../../src/kinds/kinesis-stream/format.js';
import { runStateMachineLocally } from '../../../src/local/runner.js';
import { NO_POLICY, pruneStore } from '../../../src/policy/prune.js';
import { RunCatalog } from '../../../src/store/catalog.js';
import { distinctArtifacts, verifyArtifacts } from '../../../src/store/integrity.js';
import { SHARED_PART_PREFIX } from '../../../src/store/layout.js';
import { openStore } from '../../../src/store/open.js';
import type { BackupStore } from '../../../src/store/store.js';
import { unique } from '../../helpers/aws.js';
import { recordsByKey } from '../../helpers/data.js';
import { readParts } from '../../helpers/kinds.js';
import { runRestore } from '../../helpers/restore.js';

// Incremental stream backups through the backup state machine, in a region of this file's own
// (test/helpers/region-claims.ts): discovery there finds only the streams created here.
const REGION = 'tv-kinc-1';
const kinesis = client(KinesisClient, REGION);
const KEYS = 6;

let directory: string;
let store: BackupStore;

async function putRecords(stream: string, label: string, count: number): Promise<void> {
  const records = Array.from({ length: count }, (_, index) => ({
    PartitionKey: `key-${index % KEYS}`,
    Data: Buffer.from(`${label}-${index}`),
  }));
  for (let start = 0; start < records.length; start += 500)
    await kinesis.send(
      new PutRecordsCommand({ StreamName: stream, Records: records.slice(start, start + 500) }),
    );
}

async function createStream(name: string, shards: number): Promise<void> {
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  await waitUntilStreamExists({ client: kinesis, maxWaitTime: 60 }, { StreamName: name });
}

/** One backup run of a stream; its manifest and the stream's item. */
async function backup(stream: string): Promise<{ manifest: Manifest; item: ItemResult }> {
  const { summary } = await runStateMachineLocally('backup.asl.yaml', {
    store: store.url,
    regions: [REGION],
    include: ['kinesis-stream'],
    streams: [stream],
  });
  expect(summary.status).toBe('succeeded');
  const manifest = await new RunCatalog(store).completeManifest(summary.runId);
  const item = manifest.items.find((entry) => entry.name === stream) as ItemResult;
  expect(item.status).toBe('ok');
  return { manifest, item };
}

const recordParts = (item: ItemResult) => item.artifacts.filter((artifact) => artifact.role === 'records');
/** The parts the run read itself: written under its own run id. */
const ownParts = (item: ItemResult, runId: string) =>
  recordParts(item).filter((artifact) => artifact.path.includes(`/${runId}/`));
const dataOf = async (item: ItemResult, runId: string) =>
  ((await readParts(store, ownParts(item, runId), 'records')) as RecordLine[]).map((line) =>
    Buffer.from(line.data, 'base64').toString(),
  );

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-kinesis-inc-'));
  store = openStore(`file://${directory}`);
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('incremental Kinesis backups', () => {
  const stream = unique('tv-inc-clicks');
  let first: { manifest: Manifest; item: ItemResult };
  let second: { manifest: Manifest; item: ItemResult };

  beforeAll(async () => {
    await createStream(stream, 2);
    await putRecords(stream, 'first', 120);
    first = await backup(stream);
    await putRecords(stream, 'second', 80);
    second = await backup(stream);
  });

  it('reads the whole stream the first time, and says why', () => {
    // Assess
    expect(first.item.summary).toMatchObject({
      records: 120,
      newRecords: 120,
      incremental: { carriedParts: 0, continued: 0 },
    });
    const incremental = first.item.summary?.incremental as { reason?: string } | undefined;
    expect(incremental?.reason).toMatch(/no earlier complete run/);
    expect(recordParts(first.item).every((part) => part.path.startsWith(SHARED_PART_PREFIX))).toBe(true);
  });

  it('a second run reads only the records that arrived since the first and lists the first run parts', async () => {
    // Act
    const readBySecond = await dataOf(second.item, second.manifest.runId);
    // Assess
    expect(second.item.summary).toMatchObject({
      records: 200,
      newRecords: 80,
      incremental: {
        from: first.manifest.runId,
        continued: 2,
        fromTrimHorizon: {},
        carriedParts: recordParts(first.item).length,
        carriedRecords: 120,
        droppedParts: 0,
      },
    });
    expect(readBySecond.sort()).toEqual(Array.from({ length: 80 }, (_, index) => `second-${index}`).sort());
    const listed = new Map(second.item.artifacts.map((artifact) => [artifact.path, artifact.sha256]));
    for (const part of recordParts(first.item)) expect(listed.get(part.path)).toBe(part.sha256);
  });

  it("restores every record from the second run's manifest alone, after retention deleted the first run", async () => {
    // Prepare: keep only the newest run; the first run's parts stay while the second lists them.
    const retention = Retention.parse({ keepLast: 1, daily: 0, weekly: 0, monthly: 0, minAgeDays: 0 });
    const pruned = await pruneStore(store, { retention: { [NO_POLICY]: retention }, dryRun: false });
    expect(pruned.deletedRuns).toEqual([first.manifest.runId]);
    expect(await new RunCatalog(store).manifest(first.manifest.runId)).toBeUndefined();
    // Act
    const damaged = await verifyArtifacts(store, distinctArtifacts(second.manifest.items));
    const summary = await runRestore({
      store: store.url,
      run: second.manifest.runId,
      only: [`kinesis-stream:${stream}`],
      nameSuffix: '-inc',
    });
    // Assess
    expect(damaged).toEqual([]);
    expect(summary.status).toBe('restored');
    const original = await recordsByKey(REGION, stream);
    expect(Object.values(original).flat()).toHaveLength(200);
    expect(await recordsByKey(REGION, `${stream}-inc`)).toEqual(original);
  });

  it('a run with nothing new reads no record and carries every part', async () => {
    // Act
    const third = await backup(stream);
    // Assess
    expect(third.item.summary).toMatchObject({
      records: 200,
      newRecords: 0,
      incremental: { from: second.manifest.runId, carriedRecords: 200, continued: 2 },
    });
    expect(ownParts(third.item, third.manifest.runId)).toEqual([]);
  });
});

describe('incremental Kinesis backups when the shard set changes', () => {
  const stream = unique('tv-inc-split');

  it('continues the split parent from its position and reads the new children from TRIM_HORIZON', async () => {
    // Prepare
    await createStream(stream, 1);
    await putRecords(stream, 'before', 40);
    await backup(stream);
    const [parent] = (await kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
    await kinesis.send(
      new SplitShardCommand({
        StreamName: stream,
        ShardToSplit: parent?.ShardId,
        NewStartingHashKey: (2n ** 127n).toString(),
      }),
    );
    await putRecords(stream, 'after', 30);
    // Act
    const { item } = await backup(stream);
    // Assess
    const incremental = item.summary?.incremental as {
      continued: number;
      fromTrimHorizon: Record<string, string>;
    };
    expect(incremental.continued).toBe(1);
    expect(Object.keys(incremental.fromTrimHorizon)).toHaveLength(2);
    for (const reason of Object.values(incremental.fromTrimHorizon))
      expect(reason).toMatch(/new since run .* \(the shard set changed\)/);
    // moto's SplitShard moves the parent's records into the children (AWS leaves them in the
    // parent, closed): here the children also hold the 40 earlier records again, so only the new
    // ones are asserted, not the total.
    const stored = (await readParts(store, recordParts(item), 'records')) as RecordLine[];
    const data = new Set(stored.map((line) => Buffer.from(line.data, 'base64').toString()));
    for (let index = 0; index < 30; index += 1) expect(data.has(`after-${index}`)).toBe(true);
    for (let index = 0; index < 40; index += 1) expect(data.has(`before-${index}`)).toBe(true);
  });
});
