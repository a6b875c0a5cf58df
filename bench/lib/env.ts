import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { cpus, platform, release, totalmem } from 'node:os';

const PYTHON = process.env.TRIGGERVAULT_PYTHON ?? 'python3';

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
  moto?: string;
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
    moto: versionOf(PYTHON, ['-c', 'import moto; print(moto.__version__)']),
    awscli: versionOf('aws', ['--version']),
    rclone: versionOf('rclone', ['version']),
  };
}

/**
 * rclone is a Debian package: installs it with apt-get when missing (apt-get update first when the
 * package lists do not know it yet). Returns its version, or undefined when it cannot be had.
 */
export function ensureRclone(log: (line: string) => void = () => undefined): string | undefined {
  const present = versionOf('rclone', ['version']);
  if (present) return present;
  log('rclone is missing: apt-get install -y rclone');
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '-qq', 'rclone'], { stdio: 'ignore' }).status === 0;
  if (!install()) {
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
    install();
  }
  return versionOf('rclone', ['version']);
}

export interface CommandResult {
  code: number | null;
  ms: number;
  stderr: string;
}

/** Runs a command to completion (stdout to `stdoutFile` or discarded) and times it. */
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
    const child = spawn(command, args, {
      env,
      stdio: ['ignore', out, 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child.on('error', (error) => {
      if (typeof out === 'number') closeSync(out);
      reject(error);
    });
    child.on('close', (code) => {
      if (typeof out === 'number') closeSync(out);
      resolve({ code, ms: performance.now() - started, stderr });
    });
  });
}
