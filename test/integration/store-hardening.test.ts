import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import {
  CreateBucketCommand,
  HeadObjectCommand,
  PutBucketEncryptionCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { client } from '../../src/aws/clients.js';
import { verifyCommand } from '../../src/cli/commands.js';
import {
  AlreadyStoredError,
  InputValidationError,
  IntegrityError,
  UntrustedManifestError,
} from '../../src/errors.js';
import { RunCatalog } from '../../src/store/catalog.js';
import { ENVELOPE_FILE } from '../../src/store/envelope.js';
import { FileBackend } from '../../src/store/file-backend.js';
import { sha256Hex } from '../../src/store/hashing.js';
import { manifestKey, signatureKey } from '../../src/store/layout.js';
import { openStore } from '../../src/store/open.js';
import { ensureKey } from '../../src/store/secure-bucket.js';
import { BackupStore } from '../../src/store/store.js';
import { unique } from '../helpers/aws.js';
import { runIdAt } from '../helpers/kinds.js';
import { storeSignedManifest, syntheticManifest } from '../helpers/manifests.js';

// Stores as an attacker and a careless umask would meet them: modes, links, write-once, huge garbage,
// unsafe keys, SSE-KMS on S3, envelope encryption of directory copies. S3 and KMS on the emulator
// (us-east-1: buckets and keys only, nothing region-wide is listed).
let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-harden-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** A directory store whose reads are counted, to prove what was (not) read. */
function countingStore(root: string): { store: BackupStore; read: () => number } {
  let bytes = 0;
  const backend = new FileBackend(root);
  const read = backend.read.bind(backend);
  backend.read = async (key: string) => {
    const body = await read(key);
    if (!body) return body;
    const counted = new PassThrough();
    body.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    return body.pipe(counted);
  };
  return { store: new BackupStore(backend), read: () => bytes };
}

describe('a directory store', () => {
  it('writes folders 0700 and files 0600 even under umask 0', async () => {
    // Prepare
    const previous = process.umask(0);
    try {
      const store = openStore(`file://${directory}/modes`);
      // Act
      await store.putJson('runs/x/items/a.json', { a: 1 });
      await store.putBlob(async () => Readable.from([Buffer.from('blob')]));
    } finally {
      process.umask(previous);
    }
    // Assess
    const modes: string[] = [];
    const walk = async (folder: string): Promise<void> => {
      for (const entry of await readdir(folder, { withFileTypes: true })) {
        const path = join(folder, entry.name);
        modes.push(`${entry.isDirectory() ? 'd' : 'f'}${((await stat(path)).mode & 0o777).toString(8)}`);
        if (entry.isDirectory()) await walk(path);
      }
    };
    await walk(join(directory, 'modes'));
    expect(modes.length).toBeGreaterThan(5);
    expect(new Set(modes)).toEqual(new Set(['d700', 'f600']));
    expect(((await stat(join(directory, 'modes'))).mode & 0o777).toString(8)).toBe('700');
  });

  it('never follows a symbolic link out of the store, reading or writing, and verify names each one', async () => {
    // Prepare: a secret outside the store; links to it and to a folder outside.
    const outside = join(directory, 'outside');
    await mkdir(outside, { recursive: true });
    await writeFile(join(outside, 'secret.txt'), 'outside the store');
    const root = join(directory, 'linked');
    const store = openStore(`file://${root}`);
    await store.putJson('runs/r/artifacts/a.json', { fine: true });
    await symlink(join(outside, 'secret.txt'), join(root, 'runs', 'r', 'artifacts', 'link.json'));
    await symlink(outside, join(root, 'blobs'));
    // Act
    const read = store.read('runs/r/artifacts/link.json');
    const write = store.putJson('blobs/sha256/planted', { written: 'outside?' });
    const damaged = await (await import('../../src/store/integrity.js')).verifyArtifacts(store, [
      { role: 'config', path: 'runs/r/artifacts/link.json', sha256: 'a'.repeat(64), bytes: 17 },
      { role: 'config', path: 'blobs/secret.txt', sha256: 'a'.repeat(64), bytes: 17 },
    ]);
    // Assess
    await expect(read).rejects.toThrow(IntegrityError);
    await expect(read).rejects.toThrow(/symbolic link/);
    await expect(write).rejects.toThrow(/symbolic link/);
    expect(await readdir(outside)).toEqual(['secret.txt']);
    expect(damaged.map((damage) => [damage.path, /symbolic link/.test(damage.problem)])).toEqual([
      ['blobs/secret.txt', true],
      ['runs/r/artifacts/link.json', true],
    ]);
  });

  it('writes a manifest once: a second exclusive write is refused, on a directory and on S3', async () => {
    // Prepare
    const bucket = unique('tv-once');
    await client(S3Client, 'us-east-1').send(new CreateBucketCommand({ Bucket: bucket }));
    for (const store of [openStore(`file://${directory}/once`), openStore(`s3://${bucket}`)]) {
      await store.putJson('runs/x/manifest.json', { first: true }, { exclusive: true });
      // Act
      const second = store.putJson('runs/x/manifest.json', { second: true }, { exclusive: true });
      // Assess
      await expect(second).rejects.toThrow(AlreadyStoredError);
      expect(await store.getJson('runs/x/manifest.json')).toEqual({ first: true });
    }
  });
});

describe('a 50 MB garbage manifest is never read whole', () => {
  const runId = runIdAt(new Date('2026-01-02T03:04:05Z'));
  let root: string;
  beforeAll(async () => {
    root = join(directory, 'garbage');
    await mkdir(join(root, 'runs', runId), { recursive: true });
    await writeFile(join(root, 'runs', runId, 'manifest.json'), randomBytes(50 * 1024 * 1024));
  });

  it('unsigned: untrusted without reading a byte of it', async () => {
    // Prepare
    const { store, read } = countingStore(root);
    // Act
    const reading = new RunCatalog(store).manifest(runId);
    // Assess
    await expect(reading).rejects.toThrow(UntrustedManifestError);
    expect(read()).toBe(0);
  });

  it('with a signature of another manifest: refused by its size, unread', async () => {
    // Prepare: a genuine signature, of a small manifest, beside the garbage.
    const genuine = openStore(`file://${directory}/genuine`);
    await storeSignedManifest(genuine, syntheticManifest(runId, []));
    await writeFile(
      join(root, 'runs', runId, 'manifest.sig.json'),
      (await genuine.getBytes(signatureKey(runId))) as Buffer,
    );
    const { store, read } = countingStore(root);
    // Act
    const reading = new RunCatalog(store).manifest(runId);
    // Assess
    await expect(reading).rejects.toThrow(/no signed version is/);
    expect(read()).toBeLessThan(64 * 1024);
    await rm(join(root, 'runs', runId, 'manifest.sig.json'));
  });

  it('accepted unsigned (--allow-unsigned): refused at its first bytes', async () => {
    // Prepare
    const { store, read } = countingStore(root);
    // Act
    const reading = new RunCatalog(store, { allowUnsigned: true }).manifest(runId);
    // Assess
    await expect(reading).rejects.toThrow(InputValidationError);
    await expect(new RunCatalog(store, { allowUnsigned: true }).manifest(runId)).rejects.toThrow(
      /not a JSON object/,
    );
    expect(read()).toBeLessThan(2 * 1024 * 1024);
  });
});

describe('verify lists every unsafe key as damaged and goes on', () => {
  it('names all three unsafe keys and checks the good artifact', async () => {
    // Prepare: a signed manifest (as a writer with the key could make) naming unsafe paths.
    const store = openStore(`file://${directory}/unsafe`);
    const runId = runIdAt(new Date('2026-02-03T04:05:06Z'));
    const good = await store.putJson(`runs/${runId}/artifacts/x/config.json`, { ok: true });
    const manifest = syntheticManifest(runId, []);
    (manifest.items[0] as { artifacts: unknown[] }).artifacts = [
      { role: 'config', path: good.key, sha256: good.sha256, bytes: good.bytes },
      ...['../../etc/passwd', '/etc/shadow', 'runs//x'].map((path) => ({
        role: 'config',
        path,
        sha256: sha256Hex(path),
        bytes: 1,
      })),
    ];
    await storeSignedManifest(store, manifest);
    const printed: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((text) => {
      printed.push(String(text));
      return true;
    });
    // Act
    let code: number;
    try {
      code = await verifyCommand({ bucket: store.url, run: runId, json: true });
    } finally {
      spy.mockRestore();
    }
    // Assess
    expect(code).toBe(1);
    const output = JSON.parse(printed.join(''));
    expect(output.artifacts).toBe(4);
    expect(output.damaged.map((damage: { path: string }) => damage.path)).toEqual([
      '../../etc/passwd',
      '/etc/shadow',
      'runs//x',
    ]);
    expect(
      output.damaged.every((damage: { problem: string }) => damage.problem.includes('unsafe store key')),
    ).toBe(true);
  });
});

describe('encryption', () => {
  it('writes an S3 store SSE-KMS, naming the bucket key, or the aws/s3 KMS key when the bucket has none', async () => {
    // Prepare
    const plain = unique('tv-plain');
    const withKey = unique('tv-cmk');
    const s3 = client(S3Client, 'us-east-1');
    await s3.send(new CreateBucketCommand({ Bucket: plain }));
    await s3.send(new CreateBucketCommand({ Bucket: withKey }));
    const keyArn = await ensureKey('us-east-1');
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: withKey,
        ServerSideEncryptionConfiguration: {
          Rules: [
            { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn } },
          ],
        },
      }),
    );
    // Act
    await openStore(plain).putJson('runs/x/a.json', {});
    await openStore(withKey).putJson('runs/x/a.json', {});
    const [fromPlain, fromKeyed] = await Promise.all(
      [plain, withKey].map((Bucket) => s3.send(new HeadObjectCommand({ Bucket, Key: 'runs/x/a.json' }))),
    );
    // Assess
    expect(fromPlain?.ServerSideEncryption).toBe('aws:kms');
    expect(fromKeyed?.ServerSideEncryption).toBe('aws:kms');
    expect(fromKeyed?.SSEKMSKeyId).toBe(keyArn);
  });

  it('envelope-encrypts a directory copy: no plaintext on disk, read back whole, a changed byte refused', async () => {
    // Prepare
    const keyArn = await ensureKey('us-east-1');
    const root = join(directory, 'sealed');
    const sealed = openStore(`file://${root}`, { encryptKey: keyArn });
    const document = { secretish: 'plain text that must not be on disk', n: [1, 2, 3] };
    // Act
    const written = await sealed.putJson('runs/x/doc.json', document);
    const onDisk = await readFile(join(root, 'runs', 'x', 'doc.json'));
    const reopened = openStore(`file://${root}`);
    const back = await reopened.getJson('runs/x/doc.json');
    const measured = await reopened.measure('runs/x/doc.json');
    onDisk[onDisk.length - 20] = (onDisk[onDisk.length - 20] as number) ^ 1;
    await writeFile(join(root, 'runs', 'x', 'doc.json'), onDisk);
    // Assess
    expect(onDisk.subarray(0, 4).toString()).toBe('TVE1');
    expect(onDisk.toString('latin1')).not.toContain('plain text');
    expect(JSON.parse(await readFile(join(root, ENVELOPE_FILE), 'utf8'))).toMatchObject({ kmsKeyId: keyArn });
    expect(back).toEqual(document);
    expect(measured).toEqual({ sha256: written.sha256, bytes: written.bytes });
    expect(await reopened.size('runs/x/doc.json')).toBe(written.bytes);
    await expect(reopened.getJson('runs/x/doc.json')).rejects.toThrow(IntegrityError);
  });
});

describe('store locations that are not stores', () => {
  it.each([
    ['file://backup-host/srv/backups', /bucket: .*names the host "backup-host"/],
    ['/srv/backups', /bucket: .*is a file path/],
    ['./backups', /bucket: .*is a file path/],
    ['C:\\backups', /bucket: .*is a file path/],
    ['ftp://host/x', /bucket: .*neither a bucket/],
  ])('%s is refused, naming the flag', (location, message) => {
    expect(() => openStore(location)).toThrow(InputValidationError);
    expect(() => openStore(location)).toThrow(message);
  });

  it('a manifest key that is a link is not a manifest', async () => {
    // Prepare
    const root = join(directory, 'manifest-link');
    const store = openStore(`file://${root}`);
    const runId = runIdAt(new Date('2026-03-04T05:06:07Z'));
    await store.putJson(`runs/${runId}/plan.json`, {});
    await symlink('/etc/hostname', join(root, 'runs', runId, 'manifest.json'));
    // Act
    const reading = new RunCatalog(store).manifest(runId);
    // Assess
    await expect(reading).rejects.toThrow(/symbolic link/);
    expect(manifestKey(runId)).toBe(`runs/${runId}/manifest.json`);
  });
});
