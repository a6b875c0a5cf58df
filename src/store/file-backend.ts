import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, link, lstat, mkdir, readdir, realpath, rename, rm } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AlreadyStoredError, IntegrityError } from '../errors.js';
import type { BackendCapabilities, ObjectStat, StoreBackend, WriteOptions } from './store.js';

/** Owner only, whatever the umask: a store holds function configurations (secrets) and data. */
export const DIRECTORY_MODE = 0o700;
export const FILE_MODE = 0o600;

/** Encrypts what a directory store writes and decrypts what it reads (see store/envelope.ts). */
export interface FileCipher {
  /** Bytes a stored file has beyond its content (the size of an empty encrypted file). */
  readonly overhead: number;
  encrypt(plain: Readable): Readable;
  decrypt(stored: Readable): Readable;
}

const isMissing = (error: unknown) => ['ENOENT', 'ENOTDIR'].includes((error as { code?: string }).code ?? '');

/**
 * A local directory as backup store (`file:///path`), for laptops, hybrid and on-premises copies.
 * Directories are created 0700 and files written 0600 (chmod after creation: the umask cannot widen
 * them). A path that reaches a symbolic link is refused: the store never makes links, and one planted
 * inside it must not lead a read or a write anywhere else.
 */
export class FileBackend implements StoreBackend {
  readonly capabilities: BackendCapabilities = { storedChecksums: false };
  private realRoot: Promise<string> | undefined;

  constructor(
    readonly root: string,
    readonly url = `file://${root}`,
    private readonly cipher?: FileCipher,
  ) {}

  private path(key: string): string {
    return join(this.root, ...key.split('/'));
  }

  /** The root with its own links resolved (a root under /tmp → /private/tmp is fine; links below it are not). */
  private resolvedRoot(): Promise<string> {
    this.realRoot ??= realpath(this.root).catch((error) => {
      this.realRoot = undefined;
      if (isMissing(error)) return this.root;
      throw error;
    });
    return this.realRoot;
  }

  /**
   * The path of `key` (or of the folder `key`), refusing one that passes through a symbolic link.
   * Undefined when nothing is there.
   */
  private async inside(key: string): Promise<string | undefined> {
    const target = this.path(key);
    let real: string;
    try {
      real = await realpath(target);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    const expected = join(await this.resolvedRoot(), ...key.split('/').filter((part) => part !== '.'));
    if (real !== expected)
      throw new IntegrityError(
        `${this.url}: ${key} passes through a symbolic link (to ${real}); links are not followed`,
      );
    return target;
  }

  /** Creates the folders of `key` owner-only; refuses (before creating any) a path through a link. */
  private async folderFor(key: string): Promise<void> {
    const folder = dirname(this.path(key));
    const parts = key.split('/').slice(0, -1);
    for (let depth = 1; depth <= parts.length; depth += 1) {
      const existing = await lstat(join(this.root, ...parts.slice(0, depth))).catch(() => undefined);
      if (!existing) break;
      if (!existing.isDirectory())
        throw new IntegrityError(
          `${this.url}: ${parts.slice(0, depth).join('/')} is a symbolic link or a file; links are not followed`,
        );
    }
    const first = await mkdir(folder, { recursive: true, mode: DIRECTORY_MODE });
    if (first) {
      // mkdir applies the umask: set the mode of every folder it created explicitly.
      for (let created = folder; created.length >= first.length; created = dirname(created)) {
        await chmod(created, DIRECTORY_MODE);
        if (created === first) break;
      }
      if (first === this.root || this.root.startsWith(first)) this.realRoot = undefined;
    }
    const parent = key.includes('/') ? key.slice(0, key.lastIndexOf('/')) : '.';
    await this.inside(parent);
  }

  async write(key: string, body: Readable, options: WriteOptions = {}): Promise<void> {
    await this.folderFor(key);
    const target = this.path(key);
    // Write beside the target and move it in: a reader never sees a half-written file.
    const partial = `${target}.partial-${process.pid}-${Math.random().toString(36).slice(2)}`;
    try {
      const content = this.cipher ? this.cipher.encrypt(body) : body;
      await pipeline(content, createWriteStream(partial, { flags: 'wx', mode: FILE_MODE }));
      await chmod(partial, FILE_MODE);
      if (options.exclusive) await this.linkIn(partial, target, key);
      else {
        if (options.ifMatch !== undefined && (await this.stat(key))?.etag !== options.ifMatch)
          throw new AlreadyStoredError(`${this.url}: ${key} changed since it was read; not replaced`);
        await rename(partial, target);
      }
    } finally {
      await rm(partial, { force: true });
    }
  }

  /** Write-once: a hard link fails when the target exists, where rename would replace it. */
  private async linkIn(partial: string, target: string, key: string): Promise<void> {
    try {
      await link(partial, target);
    } catch (error) {
      if ((error as { code?: string }).code === 'EEXIST')
        throw new AlreadyStoredError(`${this.url}: ${key} already exists and is never replaced`);
      throw error;
    }
  }

  async read(key: string): Promise<Readable | undefined> {
    const path = await this.inside(key);
    if (!path || !(await lstat(path)).isFile()) return undefined;
    const stored = createReadStream(path);
    return this.cipher ? this.cipher.decrypt(stored) : stored;
  }

  async readRange(key: string, start: number, end: number): Promise<Readable | undefined> {
    if ((await this.size(key)) === undefined) return undefined;
    return createReadStream(this.path(key), { start, end });
  }

  async size(key: string): Promise<number | undefined> {
    return (await this.stat(key))?.bytes;
  }

  async stat(key: string): Promise<ObjectStat | undefined> {
    const path = await this.inside(key);
    if (!path) return undefined;
    const info = await lstat(path, { bigint: true });
    // Replacing a file (write, rename) gives it a new inode or modification time: that is its ETag.
    const etag = `${info.ino}-${info.size}-${info.mtimeNs}`;
    return info.isFile() ? { bytes: Number(info.size) - (this.cipher?.overhead ?? 0), etag } : undefined;
  }

  async move(from: string, to: string): Promise<void> {
    await this.folderFor(to);
    const source = await this.inside(from);
    if (!source) throw new IntegrityError(`${this.url}: ${from} vanished before it was moved`);
    // Blobs are content-addressed: one that is already there holds the same bytes and is kept.
    try {
      await link(source, this.path(to));
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error;
    }
    await rm(source, { force: true });
  }

  async remove(key: string): Promise<void> {
    const path = await this.inside(key);
    if (path) await rm(path, { force: true });
  }

  async removeAll(prefix: string): Promise<void> {
    const folder = prefix.endsWith('/') ? prefix.slice(0, -1) : undefined;
    if (folder) {
      const path = await this.inside(folder);
      if (path) await rm(path, { recursive: true, force: true });
    } else for await (const key of this.list(prefix)) await this.remove(key);
  }

  async children(prefix: string): Promise<string[]> {
    const path = await this.inside(prefix.replace(/\/$/, '') || '.').catch(() => undefined);
    if (!path) return [];
    try {
      return (await readdir(path)).filter((name) => !name.includes('.partial-')).sort();
    } catch {
      return [];
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    for await (const entry of this.listStats(prefix)) yield entry.key;
  }

  async *listStats(prefix: string): AsyncIterable<ObjectStat & { key: string }> {
    const entries: (ObjectStat & { key: string })[] = [];
    const overhead = this.cipher?.overhead ?? 0;
    const walk = async (directory: string): Promise<void> => {
      let found: import('node:fs').Dirent[];
      try {
        found = await readdir(directory, { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of found) {
        const full = join(directory, entry.name);
        // Links are listed (verify then names them) but never walked into.
        if (entry.isDirectory()) await walk(full);
        else if (!entry.name.includes('.partial-')) {
          const key = relative(this.root, full).split(sep).join('/');
          const bytes = entry.isFile() ? (await lstat(full)).size - overhead : -1;
          entries.push({ key, bytes });
        }
      }
    };
    // Only walk the deepest directory the prefix names, then filter on the rest.
    const directoryPart = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const start = await this.inside(directoryPart || '.').catch(() => undefined);
    if (start) await walk(start);
    yield* entries.filter((entry) => entry.key.startsWith(prefix)).sort((a, b) => (a.key < b.key ? -1 : 1));
  }
}
