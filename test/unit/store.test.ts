import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InputValidationError } from '../../src/errors.js';
import { openStore } from '../../src/store/open.js';
import type { BackupStore } from '../../src/store/store.js';

let directory: string;
let store: BackupStore;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-store-'));
  store = openStore(`file://${directory}`);
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('backup store (file backend)', () => {
  it('stores a blob once by content and reuses it without reading the source again', async () => {
    // Prepare
    const body = Buffer.from('same bytes');
    const hex = createHash('sha256').update(body).digest('hex');
    let opened = 0;
    const open = async () => {
      opened += 1;
      return Readable.from([body]);
    };
    // Act
    const first = await store.putBlob(open);
    const second = await store.putBlob(open, hex);
    // Assess
    expect(first).toEqual({ key: `blobs/sha256/${hex}`, sha256: hex, bytes: body.length, reused: false });
    expect(second.reused).toBe(true);
    expect(opened).toBe(1);
    expect(await readdir(join(directory, 'tmp')).catch(() => [])).toEqual([]);
  });

  it('measures what is really stored', async () => {
    await store.putJson('runs/x/doc.json', { a: 1 });
    const measured = await store.measure('runs/x/doc.json');
    expect(measured?.bytes).toBe(Buffer.from('{\n "a": 1\n}\n').length);
    expect(await store.measure('runs/x/missing.json')).toBeUndefined();
  });

  it.each(['../escape', '/absolute', 'a//b', 'a/./b', 'bad\u0000key', 'back\\slash'])(
    'refuses the unsafe key %j',
    async (key) => {
      await expect(store.putJson(key, {})).rejects.toThrow(InputValidationError);
    },
  );

  it('lists children one level down and keys recursively in order', async () => {
    await store.putJson('runs/r2/manifest.json', {});
    await store.putJson('runs/r1/plan.json', {});
    expect(await store.children('runs/')).toEqual(['r1', 'r2', 'x']);
    const keys: string[] = [];
    for await (const key of store.list('runs/r')) keys.push(key);
    expect(keys).toEqual(['runs/r1/plan.json', 'runs/r2/manifest.json']);
  });

  it('rejects a bucket name that S3 would refuse, naming it', () => {
    expect(() => openStore('Not_A_Bucket')).toThrow(/bucket: "Not_A_Bucket"/);
  });
});
