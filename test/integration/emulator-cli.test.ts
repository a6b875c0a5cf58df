import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from '@jest/globals';

const CLI = ['node_modules/tsx/dist/cli.mjs', 'src/cli/main.ts'];

describe('triggervault emulator', () => {
  it('exits 2 and says what to install when moto is missing', async () => {
    // Prepare: a "python" that cannot import anything
    const directory = await mkdtemp(join(tmpdir(), 'tv-nopython-'));
    const fakePython = join(directory, 'python3');
    await writeFile(fakePython, '#!/bin/sh\nexit 1\n');
    await chmod(fakePython, 0o755);
    try {
      // Act
      const result = spawnSync(process.execPath, [...CLI, 'emulator'], {
        encoding: 'utf8',
        env: { ...process.env, TRIGGERVAULT_PYTHON: fakePython },
      });
      // Assess
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/moto\[server\]/);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('serves AWS APIs in the foreground and leaves no process behind on Ctrl-C', async () => {
    // Act
    const child = spawn(process.execPath, [...CLI, 'emulator'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = createInterface({ input: child.stdout });
    const endpoint = await new Promise<string>((resolve) => {
      lines.on('line', (line) => {
        const match = /listening on (http:\/\/\S+)/.exec(line);
        if (match?.[1]) resolve(match[1]);
      });
    });
    const answer = await fetch(`${endpoint}/moto-api/`);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    // Assess
    expect(answer.status).toBe(200);
    expect(code).toBe(0);
    await expect(fetch(`${endpoint}/moto-api/`)).rejects.toThrow();
  });
});
