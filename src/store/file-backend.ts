import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BackendCapabilities, StoreBackend } from './store.js';

/** A local directory as backup store (`file:///path`), for laptops, hybrid and on-premises copies. */
export class FileBackend implements StoreBackend {
  readonly capabilities: BackendCapabilities = { storedChecksums: false };

  constructor(
    readonly root: string,
    readonly url = `file://${root}`,
  ) {}

  private path(key: string): string {
    return join(this.root, ...key.split('/'));
  }

  async write(key: string, body: Readable): Promise<void> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    // Write beside the target and rename: a reader never sees a half-written file.
    const partial = `${target}.partial-${process.pid}-${Math.random().toString(36).slice(2)}`;
    try {
      await pipeline(body, createWriteStream(partial));
      await rename(partial, target);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
  }

  async read(key: string): Promise<Readable | undefined> {
    if ((await this.size(key)) === undefined) return undefined;
    return createReadStream(this.path(key));
  }

  async readRange(key: string, start: number, end: number): Promise<Readable | undefined> {
    if ((await this.size(key)) === undefined) return undefined;
    return createReadStream(this.path(key), { start, end });
  }

  async size(key: string): Promise<number | undefined> {
    try {
      const info = await stat(this.path(key));
      return info.isFile() ? info.size : undefined;
    } catch {
      return undefined;
    }
  }

  async move(from: string, to: string): Promise<void> {
    await mkdir(dirname(this.path(to)), { recursive: true });
    await rename(this.path(from), this.path(to));
  }

  async remove(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  async removeAll(prefix: string): Promise<void> {
    const folder = prefix.endsWith('/') ? prefix.slice(0, -1) : undefined;
    if (folder) await rm(this.path(folder), { recursive: true, force: true });
    else for await (const key of this.list(prefix)) await this.remove(key);
  }

  async children(prefix: string): Promise<string[]> {
    try {
      return (await readdir(this.path(prefix.replace(/\/$/, '') || '.')))
        .filter((name) => !name.includes('.partial-'))
        .sort();
    } catch {
      return [];
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    const keys: string[] = [];
    const walk = async (directory: string): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await readdir(directory, { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) {
        const full = join(directory, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (!entry.name.includes('.partial-')) keys.push(relative(this.root, full).split(sep).join('/'));
      }
    };
    // Only walk the deepest directory the prefix names, then filter on the rest.
    const directoryPart = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    await walk(this.path(directoryPart || '.'));
    yield* keys.filter((key) => key.startsWith(prefix)).sort();
  }
}
