import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from '@jest/globals';
import type { KindName } from '../../schemas/common.js';
import { type Artifact, WorkItem } from '../../schemas/work-item.js';
import { client } from '../../src/aws/clients.js';
import type { BackupStep, ResourceKind } from '../../src/kinds/types.js';
import { readNdjsonPart } from '../../src/store/ndjson-part.js';
import { openStore } from '../../src/store/open.js';
import type { BackupStore } from '../../src/store/store.js';
import { unique } from './aws.js';

/** A run id for `date` (run ids sort by time). */
export const runIdAt = (date = new Date()): string =>
  `${date.toISOString().replace(/[-:]/g, '').slice(0, 15)}Z-${randomBytes(3).toString('hex')}`;

/** A file:// store in a fresh temporary directory. */
export async function fileStore(): Promise<{ store: BackupStore; remove: () => Promise<void> }> {
  const directory = await mkdtemp(join(tmpdir(), 'tv-kind-'));
  return {
    store: openStore(`file://${directory}`),
    remove: () => rm(directory, { recursive: true, force: true }),
  };
}

/** A file:// store for the whole test file: created before its tests, removed after them. */
export function suiteFileStore(): { readonly store: BackupStore } {
  let current: Awaited<ReturnType<typeof fileStore>> | undefined;
  beforeAll(async () => {
    current = await fileStore();
  });
  afterAll(async () => {
    await current?.remove();
  });
  return {
    get store(): BackupStore {
      if (!current) throw new Error('the suite file store exists only while tests run');
      return current.store;
    },
  };
}

/** An S3 store in a new bucket (the store's default region, us-east-1), optionally under a prefix. */
export async function s3Store(prefix = ''): Promise<{ store: BackupStore; bucket: string }> {
  const bucket = unique('tv-store');
  await client(S3Client, 'us-east-1').send(new CreateBucketCommand({ Bucket: bucket }));
  return { store: openStore(prefix ? `s3://${bucket}/${prefix}` : bucket), bucket };
}

export interface Run {
  steps: BackupStep[];
  artifacts: Artifact[];
  summary?: Record<string, unknown>;
}

/**
 * Calls `kind.backup` until it is done, passing each cursor through JSON as the state machine
 * does, and accumulating artifacts the way the caller does.
 */
export async function backupToEnd(
  kind: ResourceKind,
  item: { store: BackupStore; runId: string; region: string; name: string; cursor?: unknown },
  options: { chunkItems?: number; deadline?: () => number; maxSteps?: number } = {},
): Promise<Run> {
  const steps: BackupStep[] = [];
  let cursor = item.cursor;
  for (;;) {
    const workItem = WorkItem.parse({
      runId: item.runId,
      store: item.store.url,
      region: item.region,
      kind: kind.kind as KindName,
      name: item.name,
      cursor,
    });
    const step = await kind.backup(workItem, {
      store: item.store,
      runId: item.runId,
      deadline: options.deadline?.() ?? Date.now() + 120_000,
      chunkItems: options.chunkItems,
    });
    steps.push(step);
    if (step.done) break;
    if (steps.length >= (options.maxSteps ?? 1000)) throw new Error(`not done after ${steps.length} steps`);
    cursor = JSON.parse(JSON.stringify(step.cursor));
  }
  return { steps, artifacts: steps.flatMap((step) => step.artifacts), summary: steps.at(-1)?.summary };
}

/** Every document of the parts with `role`, in artifact order. */
export async function readParts(store: BackupStore, artifacts: Artifact[], role: string): Promise<unknown[]> {
  const documents: unknown[] = [];
  for (const artifact of artifacts.filter((a) => a.role === role)) {
    for await (const document of readNdjsonPart(store, artifact.path)) documents.push(document);
  }
  return documents;
}

/** Re-reads every artifact: the stored bytes must hash and measure as recorded. */
export async function measured(store: BackupStore, artifacts: Artifact[]) {
  return Promise.all(
    artifacts.map(async (artifact) => ({
      path: artifact.path,
      recorded: { sha256: artifact.sha256, bytes: artifact.bytes },
      stored: await store.measure(artifact.path),
    })),
  );
}
