import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

/** The machine, the tools' versions, and how peers are run and timed (wall clock and CPU). */

/** The first line a command prints, or undefined when it does not run. */
export function versionOf(command: string, args: string[]): string | undefined {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) return undefined;
  return `${result.stdout}${result.stderr}`.trim().split('\n')[0];
}

export interface Machine {
  cpus: number;
  model: string;
  memoryGiB: number;
  os: string;
  node: string;
  awscli?: string;
  rclone?: string;
}

export function machine(): Machine {
  const list = cpus();
  return {
    cpus: list.length,
    model: list[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os: `${platform()} ${release()}`,
    node: process.version,
    awscli: versionOf('aws', ['--version']),
    rclone: versionOf('rclone', ['version']),
  };
}

const ENSURE_RCLONE = fileURLToPath(new URL('../../scripts/ensure-rclone.sh', import.meta.url));

/**
 * rclone is a peer of every S3 figure: finds it, else installs it (scripts/ensure-rclone.sh, Debian's
 * package), else fails with what to do. Never skipped.
 */
export function requireRclone(): string {
  const present = versionOf('rclone', ['version']);
  if (present) return present;
  const installed = spawnSync('bash', [ENSURE_RCLONE], { encoding: 'utf8' });
  const version = versionOf('rclone', ['version']);
  if (!version)
    throw new Error(
      `rclone is missing and scripts/ensure-rclone.sh could not install it (exit ${installed.status}): ${installed.stderr.trim()}; install it with 'apt-get install -y rclone'`,
    );
  return version;
}

/** Samples the 1-minute load average every few seconds: the load a run shared the machine with. */
export class LoadSampler {
  private readonly samples: number[] = [loadavg()[0] as number];
  private readonly timer: NodeJS.Timeout;

  constructor(everyMs = 5_000) {
    this.timer = setInterval(() => this.samples.push(loadavg()[0] as number), everyMs);
    this.timer.unref();
  }

  summary(): { min: number; mean: number; max: number; samples: number } {
    const all = [...this.samples, loadavg()[0] as number];
    const round = (value: number) => Math.round(value * 100) / 100;
    return {
      min: round(Math.min(...all)),
      mean: round(all.reduce((sum, value) => sum + value, 0) / all.length),
      max: round(Math.max(...all)),
      samples: all.length,
    };
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export interface CommandResult {
  code: number | null;
  ms: number;
  /** User + system CPU time of the command and its children (bash `times`), in ms. */
  cpuMs: number;
  stderr: string;
}

const TIMES = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/;

/**
 * Runs a command to completion (stdout to `stdoutFile` or discarded), timing it and reading its CPU
 * time: it runs under bash, whose `times` prints the CPU its children used once they exited.
 */
export function runCommand(
  command: string,
  args: string[],
  options: { env?: Record<string, string | undefined>; stdoutFile?: string } = {},
): Promise<CommandResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return new Promise((resolve, reject) => {
    const out = options.stdoutFile ? openSync(options.stdoutFile, 'w') : 'ignore';
    const started = performance.now();
    const child = spawn(
      'bash',
      ['-c', '"$@"; status=$?; times >&2; exit $status', 'bench', command, ...args],
      {
        env,
        stdio: ['ignore', out, 'pipe'],
      },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-8000);
    });
    child.on('error', (error) => {
      if (typeof out === 'number') closeSync(out);
      reject(error);
    });
    child.on('close', (code) => {
      if (typeof out === 'number') closeSync(out);
      const lines = stderr.trimEnd().split('\n');
      const times = TIMES.exec(lines.at(-1) ?? '');
      if (!times) {
        reject(new Error(`${command}: no CPU times in its output: ${stderr.slice(-500)}`));
        return;
      }
      const [, um, us, sm, ss] = times.map(Number) as number[];
      resolve({
        code,
        ms: performance.now() - started,
        cpuMs: ((um as number) * 60 + (us as number) + (sm as number) * 60 + (ss as number)) * 1000,
        stderr: lines.slice(0, -2).join('\n'),
      });
    });
  });
}
