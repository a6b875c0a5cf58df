import { PassThrough, type Readable } from 'node:stream';
import type { Manifest } from '../../../schemas/manifest.js';
import type { LookupStats } from '../../../src/reconcile/item-lookup.js';
import { restoreItems } from '../../../src/restore/items.js';
import { manifestKey } from '../../../src/store/layout.js';
import { writeManifest } from '../../../src/store/manifest-write.js';
import { S3Backend } from '../../../src/store/s3-backend.js';
import { BackupStore, type StoreBackend } from '../../../src/store/store.js';
import { runOurs } from '../ours.js';
import type { Figure } from '../report.js';
import { ensureBucket, seedTable } from '../seed.js';
import { type BenchContext, type SectionResult, withEndpoint } from './context.js';

/**
 * Item lookup: the bytes a one-item restore reads from the store in a table of `sizes.dynamoItems`
 * items, with the lookup documents the backup now writes, and the same restore against the same run
 * without them (a run of an older version: every data part read whole). Bytes are counted by a store
 * backend that wraps the S3 one and counts what every read and ranged read returns, whatever the code
 * under measurement says it read.
 * Runs on the direct routing (no latency proxy): it counts bytes, not time.
 */

/** A backend that counts the bytes its reads return, per store key. */
class CountingBackend implements StoreBackend {
  readonly bytes = new Map<string, number>();

  constructor(private readonly inner: StoreBackend) {}

  get url() {
    return this.inner.url;
  }

  get capabilities() {
    return this.inner.capabilities;
  }

  private counted(key: string, body: Readable | undefined): Readable | undefined {
    if (!body) return body;
    const counter = new PassThrough();
    counter.on('data', (chunk: Buffer) => this.bytes.set(key, (this.bytes.get(key) ?? 0) + chunk.length));
    body.on('error', (error) => counter.destroy(error));
    return body.pipe(counter);
  }

  async read(key: string) {
    return this.counted(key, await this.inner.read(key));
  }

  async readRange(key: string, start: number, end: number) {
    return this.counted(key, await this.inner.readRange(key, start, end));
  }

  write = (...args: Parameters<StoreBackend['write']>) => this.inner.write(...args);
  size = (key: string) => this.inner.size(key);
  stat = (key: string) => this.inner.stat(key);
  listStats = (prefix: string) => this.inner.listStats(prefix);
  move = (from: string, to: string) => this.inner.move(from, to);
  remove = (key: string) => this.inner.remove(key);
  removeAll = (prefix: string) => this.inner.removeAll(prefix);
  list = (prefix: string) => this.inner.list(prefix);
  children = (prefix: string) => this.inner.children(prefix);

  /** Bytes read from the table's data (parts and their lookup documents), and how many reads. */
  dataRead(): { bytes: number; objects: number } {
    const data = [...this.bytes].filter(
      ([key]) => key.includes('/dynamodb-table/') && key.includes('/data/'),
    );
    return { bytes: data.reduce((sum, [, bytes]) => sum + bytes, 0), objects: data.length };
  }
}

const kib = (bytes: number) => bytes / 1024;

export async function itemLookupSection(context: BenchContext): Promise<SectionResult> {
  const { sizes, names, direct, log } = context;
  const region = names.dataRegion;
  const table = `bench-lookup${names.suffix}`;
  const bucket = `bench-lookup-store${names.suffix}`;
  const prefix = 'lookup';
  log(`item-lookup: seeding ${sizes.dynamoItems} items of ~${sizes.dynamoItemBytes} B`);
  await withEndpoint(direct.endpoint, async () => {
    await seedTable(region, table, sizes.dynamoItems, { itemBytes: sizes.dynamoItemBytes });
    await ensureBucket(region, bucket);
  });
  log('item-lookup: backing the table up');
  const run = await runOurs(
    { store: `s3://${bucket}/${prefix}`, regions: [region], include: ['dynamodb-table'], tables: [table] },
    { endpoint: direct.endpoint, directEndpoint: direct.endpoint, region },
  );
  const wanted = `item#${String(Math.floor(sizes.dynamoItems / 2)).padStart(7, '0')}`;

  /** A dry-run restore of the one item from `runId`, its bytes read as the counting backend saw them. */
  const lookUp = (runId: string) =>
    withEndpoint(direct.endpoint, async () => {
      const backend = new CountingBackend(new S3Backend(bucket, prefix, region));
      const report = await restoreItems(new BackupStore(backend), {
        run: runId,
        only: { kind: 'dynamodb-table', name: table },
        selection: { kind: 'dynamodb-table', keys: [{ pk: wanted }] },
        dryRun: true,
        force: false,
      });
      const outcome = report.items[0];
      return {
        found: outcome?.changes.map((change) => change.action).join(',') === 'unchanged',
        stats: outcome?.details?.lookup as LookupStats,
        read: backend.dataRead(),
      };
    });

  log(`item-lookup: one item (${wanted}) with the lookups`);
  const indexed = await lookUp(run.runId);
  // The same run as an older version wrote it: no lookup documents, so every part is read whole.
  const older = `${run.runId.slice(0, -6)}zzzzzz`;
  await withEndpoint(direct.endpoint, async () => {
    const plain = new BackupStore(new S3Backend(bucket, prefix, region));
    const manifest = (await plain.getJson(manifestKey(run.runId))) as Manifest;
    // Signed like any run (the emulator's signing key): restores read only trusted runs.
    await writeManifest(plain, {
      ...manifest,
      runId: older,
      items: manifest.items.map((item) => ({
        ...item,
        artifacts: item.artifacts.filter((artifact) => artifact.role !== 'lookup'),
      })),
    });
  });
  log('item-lookup: one item from the same run without lookups (full read)');
  const whole = await lookUp(older);

  const share = (indexed.read.bytes / Math.max(1, whole.read.bytes)) * 100;
  const items = sizes.dynamoItems.toLocaleString('en');
  const figures: Figure[] = [
    {
      section: 'item-lookup',
      label: `bytes read to find one item in a ${items}-item table`,
      value: indexed.found ? kib(indexed.read.bytes) : null,
      unit: 'KiB',
      note: indexed.found
        ? `${indexed.stats.blocksRead} of ${indexed.stats.blocks} blocks in ${indexed.stats.parts} part(s); ${indexed.read.objects} objects read (lookup documents and parts, ranged); the code's own count ${kib(indexed.stats.bytesRead).toFixed(1)} KiB`
        : `the item was not found: ${JSON.stringify(indexed.stats)}`,
    },
    {
      section: 'item-lookup',
      label: 'share of a full read',
      value: indexed.found && whole.found ? share : null,
      unit: '%',
      target: { cmp: '<=', value: 5 },
      note: `${kib(indexed.read.bytes).toFixed(1)} KiB vs ${kib(whole.read.bytes).toFixed(1)} KiB`,
    },
    {
      section: 'item-lookup',
      label: `bytes read for one item, run without lookups (older runs)`,
      value: whole.found ? kib(whole.read.bytes) : null,
      unit: 'KiB',
      note: `${whole.stats.partsReadWhole} of ${whole.stats.parts} part(s) read whole`,
    },
  ];
  return {
    figures,
    details: { table, items: sizes.dynamoItems, wanted, run: run.runId, indexed, whole },
  };
}
