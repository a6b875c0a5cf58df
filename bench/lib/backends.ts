import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type Emulator, startEmulator } from '../../src/local/emulator.js';
import { type Routing, routeByOperation } from '../../src/local/proxy-routes.js';

/**
 * The bench's backends (see BENCHMARKS.md): moto for everything, and, routed by operation in front
 * of it, fauxqs (S3 objects), dynalite (DynamoDB Scan) and optionally kinesalite (Kinesis reads),
 * each an npm devDependency run as a child process on 127.0.0.1, so that its CPU time is its own
 * (/proc/<pid>/stat) and a busy server never shares an event loop with the latency proxy. Children
 * exit when their stdin closes, so none outlives the bench, whatever ends it.
 */

export type BackendName = 'moto' | 'fauxqs' | 'dynalite' | 'kinesalite';

export interface Backend {
  name: BackendName;
  endpoint: string;
  pid?: number;
  version: string;
  stop(): Promise<void>;
}

export interface BackendSet {
  /** `routed`: each request to the backend that is not the bottleneck; `moto`: everything on moto (reference). */
  mode: 'routed' | 'moto';
  moto: Backend;
  others: Backend[];
  /** What the proxies route (undefined in moto-only mode). */
  routing?: Routing;
  /** CPU milliseconds each backend process has used so far (null where the pid is unknown). */
  cpuMs(): Record<string, number | null>;
  stop(): Promise<void>;
}

const SERVER = fileURLToPath(new URL('../servers/serve.mjs', import.meta.url));
const TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/** utime + stime of a live process, in ms; null when it cannot be read. */
export function processCpuMs(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** The Node binary for the backends: the node@22 devDependency's (fauxqs needs >= 22.5), else ours. */
export function backendNode(): string {
  const packaged = fileURLToPath(new URL('../../node_modules/node/bin/node', import.meta.url));
  const binary = existsSync(packaged) ? packaged : process.execPath;
  const version = spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  if (major < 22 || (major === 22 && minor < 5))
    throw new Error(
      `the bench backends need Node >= 22.5 (fauxqs imports node:sqlite); ${binary} is ${version}: run npm ci (the node@22 devDependency)`,
    );
  return binary;
}

/** A devDependency's version, from its package.json (read as a file: fauxqs exports no ./package.json). */
const packageVersion = (name: string): string => {
  const file = fileURLToPath(new URL(`../../node_modules/${name}/package.json`, import.meta.url));
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
};

/** Starts one npm backend; resolves once it listens. */
export async function startBackend(name: Exclude<BackendName, 'moto'>): Promise<Backend> {
  const child = spawn(backendNode(), ['--no-warnings', SERVER, name], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const ready = await new Promise<{ endpoint: string; pid: number }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within 30 s: ${stderr}`));
    }, 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with code ${code} before listening: ${stderr}`));
    });
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line) as { endpoint: string; pid: number });
      } catch {
        reject(new Error(`unexpected output from the ${name} backend: ${line}`));
      }
    });
  });
  return { name, ...ready, version: packageVersion(name), stop: () => stopChild(child) };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    const hard = setTimeout(() => child.kill('SIGKILL'), 3_000);
    hard.unref();
    child.stdin?.end();
    child.kill('SIGTERM');
  });
}

export interface BackendOptions {
  mode: 'routed' | 'moto';
  /** Kinesis reads on kinesalite (default in routed mode) or on moto. */
  kinesis?: 'kinesalite' | 'moto';
  /** A moto already running (the tests' emulator): used as is, not stopped. */
  moto?: { endpoint: string; pid?: number };
}

/** moto (started here unless given) and, in routed mode, the npm backends, with the routing. */
export async function startBackends(options: BackendOptions): Promise<BackendSet> {
  const started: Backend[] = [];
  try {
    let emulator: Emulator | undefined;
    if (!options.moto) emulator = await startEmulator();
    const motoVersion = spawnSync(process.env.TRIGGERVAULT_PYTHON ?? 'python3', [
      '-c',
      'import moto; print(moto.__version__)',
    ]);
    const moto: Backend = {
      name: 'moto',
      endpoint: emulator?.endpoint ?? (options.moto?.endpoint as string),
      pid: emulator?.pid ?? options.moto?.pid,
      version: motoVersion.stdout.toString().trim() || 'unknown',
      stop: () => emulator?.stop() ?? Promise.resolve(),
    };
    started.push(moto);
    let routing: Routing | undefined;
    if (options.mode === 'routed') {
      const names: Exclude<BackendName, 'moto'>[] = ['fauxqs', 'dynalite'];
      if ((options.kinesis ?? 'kinesalite') === 'kinesalite') names.push('kinesalite');
      const settled = await Promise.allSettled(names.map((name) => startBackend(name)));
      const others = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
      started.push(...others);
      const failed = settled.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
      const endpoint = (name: BackendName) => others.find((backend) => backend.name === name)?.endpoint;
      routing = routeByOperation({
        s3Objects: endpoint('fauxqs'),
        dynamoScan: endpoint('dynalite'),
        kinesisReads: endpoint('kinesalite'),
      });
    }
    return {
      mode: options.mode,
      moto,
      others: started.slice(1),
      routing,
      cpuMs: () => Object.fromEntries(started.map((backend) => [backend.name, processCpuMs(backend.pid)])),
      stop: async () => {
        await Promise.all(started.map((backend) => backend.stop()));
      },
    };
  } catch (error) {
    await Promise.all(started.map((backend) => backend.stop()));
    throw error;
  }
}
