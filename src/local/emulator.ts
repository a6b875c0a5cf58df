import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { EmulatorError } from '../errors.js';

const LAUNCHER = fileURLToPath(new URL('./moto_launcher.py', import.meta.url));
const PYTHON = process.env.TRIGGERVAULT_PYTHON ?? 'python3';

export const MOTO_MISSING_HELP =
  'The local emulator needs the Python package "moto" with its server extras ' +
  '(python3 -m pip install "moto[server]"), and python3 on the PATH ' +
  '(or TRIGGERVAULT_PYTHON pointing at a Python that has it).';

export interface Emulator {
  endpoint: string;
  port: number;
  /** The moto process (its CPU time is the emulator's, read by the benchmarks). */
  pid?: number;
  stop(): Promise<void>;
}

/** True when python3 can import moto's server; no network, no install attempt. */
export function motoAvailable(): boolean {
  const probe = spawnSync(PYTHON, ['-c', 'import moto, werkzeug, flask'], { stdio: 'ignore' });
  return probe.status === 0;
}

/**
 * Starts moto on 127.0.0.1 (port 0 = a free port) behind triggervault's code bridge and resolves
 * once it answers. The child exits when our stdin pipe closes, so it never outlives this process.
 */
export async function startEmulator(options: { port?: number; timeoutMs?: number } = {}): Promise<Emulator> {
  if (!motoAvailable()) throw new EmulatorError(MOTO_MISSING_HELP);
  const child = spawn(PYTHON, [LAUNCHER, String(options.port ?? 0)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const port = await waitForReady(child, options.timeoutMs ?? 30_000, () => stderr);
  const endpoint = `http://127.0.0.1:${port}`;
  await waitForHealthy(endpoint);
  return { endpoint, port, pid: child.pid, stop: () => stopChild(child) };
}

function waitForReady(child: ChildProcess, timeoutMs: number, stderr: () => string): Promise<number> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new EmulatorError(`moto did not start within ${timeoutMs} ms: ${stderr()}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(
        new EmulatorError(code === 3 ? MOTO_MISSING_HELP : `moto exited with code ${code}: ${stderr()}`),
      );
    });
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        const message = JSON.parse(line) as { ready: boolean; port?: number; error?: string };
        if (message.ready && message.port) resolve(message.port);
        else reject(new EmulatorError(message.error ?? MOTO_MISSING_HELP));
      } catch {
        reject(new EmulatorError(`unexpected output from the moto launcher: ${line}`));
      }
    });
  });
}

async function waitForHealthy(endpoint: string): Promise<void> {
  // The socket is bound before READY is printed; one request proves the WSGI app answers.
  const response = await fetch(`${endpoint}/moto-api/`);
  await response.arrayBuffer();
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.stdin?.end();
    const hardStop = setTimeout(() => child.kill('SIGKILL'), 3_000);
    hardStop.unref();
    child.kill('SIGTERM');
  });
}
