import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { IntegrityError } from '../../src/errors.js';
import { readBlob, storedCodeLocation } from '../../src/reconcile/store-code.js';
import { sha256Hex } from '../../src/store/hashing.js';
import { openStore } from '../../src/store/open.js';
import { S3Backend } from '../../src/store/s3-backend.js';
import { BackupStore } from '../../src/store/store.js';

const BLOB = 'blobs/sha256/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

describe('stored code for a restore', () => {
  it('lets Lambda read a package in place only from an S3 store in the target region', () => {
    // Prepare
    const s3 = new BackupStore(new S3Backend('tv-backups', 'team/a/', 'eu-west-1'));
    // Act
    const sameRegion = storedCodeLocation(s3, BLOB, 'eu-west-1');
    const otherRegion = storedCodeLocation(s3, BLOB, 'us-east-1');
    const fileStore = storedCodeLocation(openStore('file:///tmp/tv-store'), BLOB, 'eu-west-1');
    // Assess
    expect(sameRegion).toEqual({ S3Bucket: 'tv-backups', S3Key: `team/a/${BLOB}` });
    expect(otherRegion).toBeUndefined();
    expect(fileStore).toBeUndefined();
  });

  it('reads a blob whose bytes hash to its name, and refuses one that does not', async () => {
    // Prepare
    const directory = await mkdtemp(join(tmpdir(), 'tv-blob-'));
    try {
      const bytes = Buffer.from('zip bytes');
      const good = `blobs/sha256/${sha256Hex(bytes)}`;
      await mkdir(join(directory, 'blobs', 'sha256'), { recursive: true });
      await writeFile(join(directory, good), bytes);
      await writeFile(join(directory, BLOB), bytes);
      const store = openStore(`file://${directory}`);
      // Act
      const read = await readBlob(store, good);
      const damaged = readBlob(store, BLOB);
      // Assess
      expect(read.equals(bytes)).toBe(true);
      await expect(damaged).rejects.toBeInstanceOf(IntegrityError);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
