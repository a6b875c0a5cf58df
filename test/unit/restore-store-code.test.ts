import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from '@jest/globals';
import { client } from '../../src/aws/clients.js';
import { IntegrityError } from '../../src/errors.js';
import { readBlob, storedCodeLocation } from '../../src/reconcile/store-code.js';
import { sha256Hex } from '../../src/store/hashing.js';
import { openStore } from '../../src/store/open.js';
import { S3Backend } from '../../src/store/s3-backend.js';
import { BackupStore } from '../../src/store/store.js';
import { unique } from '../helpers/aws.js';

const BLOB = 'blobs/sha256/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

describe('stored code for a restore', () => {
  it('lets Lambda read a package in place only from an S3 store in the target region, bytes checked first', async () => {
    // Prepare: a store bucket on the emulator holding one package (S3 clients here are us-east-1's).
    const bucket = unique('tv-code');
    await client(S3Client, 'us-east-1').send(new CreateBucketCommand({ Bucket: bucket }));
    const s3 = new BackupStore(new S3Backend(bucket, 'team/a/', 'us-east-1'));
    const bytes = Buffer.from('zip bytes in place');
    const written = await s3.putBlob(async () => Readable.from([bytes]));
    const code = { path: written.key, sha256: written.sha256, bytes: written.bytes };
    // Act
    const sameRegion = await storedCodeLocation(s3, code, 'us-east-1');
    const otherRegion = await storedCodeLocation(s3, code, 'eu-west-1');
    const fileStore = await storedCodeLocation(openStore('file:///tmp/tv-store'), code, 'us-east-1');
    await s3.putStream(written.key, Readable.from([Buffer.from('zip bytes changed!')]));
    const tampered = storedCodeLocation(s3, code, 'us-east-1');
    // Assess
    expect(sameRegion).toEqual({ S3Bucket: bucket, S3Key: `team/a/${written.key}` });
    expect(otherRegion).toBeUndefined();
    expect(fileStore).toBeUndefined();
    await expect(tampered).rejects.toThrow(IntegrityError);
    await expect(tampered).rejects.toThrow(/the manifest records/);
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
