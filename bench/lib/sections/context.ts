import { cpus, loadavg } from 'node:os';
import type { LoopbackProxy, ProxyStats } from '../../../src/local/proxy.js';
import type { BackupResult } from '../../child.js';
import type { PacingRecorder } from '../kinesis-pacing.js';
import type { Figure } from '../report.js';

/** What every bench section gets and returns, and how it measures one run of a tool. */

/** How much data each section makes. The "1×" runs (memory, orchestration) use a tenth of it. */
export interface Sizes {
  functions: number;
  /** Functions the sequential baseline captures (its rate is per function, so a subset measures it). */
  baselineFunctions: number;
  s3Small: number;
  s3SmallBytes: number;
  s3Large: number;
  s3LargeBytes: number;
  dynamoItems: number;
  dynamoItemBytes: number;
  kinesisShards: number;
  kinesisPerShard: number;
  /** Copies in flight of the raw SDK loop (ours: TRIGGERVAULT_S3_CONCURRENCY, 32 by default). */
  copyConcurrency: number;
}

export const tenth = (value: number): number => Math.max(1, Math.round(value / 10));

/** Where each section puts its data; tests pass a suffix and regions of their own. */
export interface Names {
  lambdaRegion: string;
  lambdaRegion1x: string;
  dataRegion: string;
  suffix: string;
  /** The budgets section's accounts (1×, 10×, and the change-detection one); default: its own regions. */
  budgetRegions?: { oneX: string; tenX: string; changes: string };
}

export interface BenchContext {
  /** The routing proxy without added latency: seeding, direct runs, reading results. */
  direct: LoopbackProxy;
  /** The same routing behind the latency proxy (also counts requests). */
  proxy: LoopbackProxy;
  latencyMs: number;
  sizes: Sizes;
  names: Names;
  /** A scratch directory (file:// stores, peers' output). */
  workDir: string;
  /** rclone's version (it is required: see env.ts requireRclone). */
  rclone: string;
  /** `routed` (each request to the backend that is not the bottleneck) or `moto` (reference). */
  mode: 'routed' | 'moto';
  /** CPU ms each backend process has used so far. */
  backendCpuMs(): Record<string, number | null>;
  /** Kinesis reads seen by the latency proxy, per shard (see kinesis-pacing.ts). */
  pacing: PacingRecorder;
  log: (line: string) => void;
}

export interface SectionResult {
  figures: Figure[];
  /** Every measured number behind the figures, for the results file. */
  details: Record<string, unknown>;
}

export interface Measured<T> {
  result: T;
  /** Requests the proxy saw during the run. */
  stats: ProxyStats;
  /** CPU ms each backend spent during the run. */
  serverCpuMs: Record<string, number>;
  /** CPU ms of the bench process (the proxies) during the run. */
  proxyCpuMs: number;
  /** 1-minute load average at the start and end of the run. */
  load: [number, number];
}

/**
 * Runs `work` (a tool's run) and measures around it: requests through `proxy` (counters reset first),
 * each backend's CPU, the bench process's CPU (the proxies' work) and the load average.
 */
export async function measure<T>(
  context: BenchContext,
  proxy: LoopbackProxy,
  work: () => Promise<T>,
): Promise<Measured<T>> {
  proxy.reset();
  const before = context.backendCpuMs();
  const ownCpu = process.cpuUsage();
  const loadBefore = loadavg()[0] as number;
  const result = await work();
  const used = process.cpuUsage(ownCpu);
  const after = context.backendCpuMs();
  const serverCpuMs: Record<string, number> = {};
  for (const [name, value] of Object.entries(after)) {
    const start = before[name];
    if (value !== null && start !== null && start !== undefined)
      serverCpuMs[name] = Math.round(value - start);
  }
  return {
    result,
    stats: proxy.stats(),
    serverCpuMs,
    proxyCpuMs: Math.round((used.user + used.system) / 1000),
    load: [loadBefore, loadavg()[0] as number],
  };
}

/** The operations a run made: `service:Operation` → count. */
export const op = (stats: ProxyStats, key: string): number => stats.byOperation[key] ?? 0;

export const proxyLabel = (context: BenchContext) => `${context.latencyMs} ms proxy`;

/** "fauxqs 0.41, moto 0.02 ms/object": each backend's CPU per unit during a run. */
export function serverCpuNote(measured: Measured<unknown>, units: number, unit: string): string {
  const parts = Object.entries(measured.serverCpuMs)
    .filter(([, ms]) => ms > 0)
    .map(([name, ms]) => `${name} ${(ms / Math.max(1, units)).toFixed(2)}`);
  return parts.length ? `server CPU ${parts.join(', ')} ms/${unit}` : 'server CPU not measured';
}

/** What results.json keeps of a measured run. */
export function measuredDetails(measured: Measured<{ ms: number; cpuMs: number }>) {
  return {
    ms: Math.round(measured.result.ms),
    cpuMs: Math.round(measured.result.cpuMs),
    requests: measured.stats.requests,
    byOperation: measured.stats.byOperation,
    byBackend: measured.stats.byBackend,
    serverCpuMs: measured.serverCpuMs,
    proxyCpuMs: measured.proxyCpuMs,
    load: measured.load.map((value) => Math.round(value * 100) / 100),
  };
}

export function runSummary(result: BackupResult) {
  return {
    ms: Math.round(result.ms),
    cpuMs: Math.round(result.cpuMs),
    stateTransitions: result.stateTransitions,
    maxRssKb: result.maxRssKb,
    handlerMs: result.handlerMs,
  };
}

/** Memory and orchestration figures of one kind, from its 1× and 10× runs. */
export function scalingFigures(
  kind: string,
  unit: string,
  one: { result: BackupResult; units: number } | undefined,
  ten: { result: BackupResult; units: number } | undefined,
  options: { memoryTarget: boolean; transitionsTarget: number },
): Figure[] {
  const singular = unit.replace(/s$/, '');
  const note = (run: { result: BackupResult; units: number } | undefined, label: string) =>
    run
      ? `${label}: ${run.units} ${unit}, ${Math.round(run.result.maxRssKb / 1024)} MiB, ${run.result.stateTransitions} transitions`
      : `${label}: not measured`;
  const ratio = (a?: number, b?: number) => (a === undefined || b === undefined || b === 0 ? null : a / b);
  return [
    {
      section: 'memory',
      label: `${kind}: peak RSS at 10× / 1×`,
      value: ratio(ten?.result.maxRssKb, one?.result.maxRssKb),
      unit: '×',
      target: options.memoryTarget ? { cmp: '<=', value: 1.5 } : undefined,
      note: `${note(one, '1×')}; ${note(ten, '10×')}`,
      limit: 'the process baseline (Node, SDK clients, the local state machine) is most of the 1× peak',
    },
    {
      section: 'orchestration',
      label: `${kind}: state transitions at 10× / 1×`,
      value: ratio(ten?.result.stateTransitions, one?.result.stateTransitions),
      unit: '×',
      target: { cmp: '<=', value: options.transitionsTarget },
      note: `${one?.result.stateTransitions ?? '?'} → ${ten?.result.stateTransitions ?? '?'} transitions; ${one ? (one.result.stateTransitions / Math.max(1, one.units)).toFixed(3) : '?'} → ${ten ? (ten.result.stateTransitions / Math.max(1, ten.units)).toFixed(3) : '?'} per ${singular}`,
    },
  ];
}

/**
 * What limits a run, from its measurements: the client's CPU time as a share of the wall time (100% =
 * one core busy throughout), the busiest backend's and the proxies' likewise, the latency floor
 * (requests × latency / requests in flight), and the machine's load around the run.
 */
export function limitOf(
  measured: Measured<{ ms: number; cpuMs: number }>,
  options: { latencyMs?: number; inFlight?: number; what?: string } = {},
): string {
  const wall = measured.result.ms;
  const share = (ms: number) => `${Math.round((ms / wall) * 100)}%`;
  const parts = [`client CPU ${share(measured.result.cpuMs)} of wall`];
  const busiest = Object.entries(measured.serverCpuMs).sort((a, b) => b[1] - a[1])[0];
  if (busiest && busiest[1] > 0) parts.push(`${busiest[0]} CPU ${share(busiest[1])}`);
  if (measured.proxyCpuMs > 0) parts.push(`proxy CPU ${share(measured.proxyCpuMs)}`);
  if (options.latencyMs && options.inFlight) {
    const floor = (measured.stats.requests * options.latencyMs) / options.inFlight;
    parts.push(
      `latency floor ${share(floor)} (${measured.stats.requests} req × ${options.latencyMs} ms / ${options.inFlight})`,
    );
  }
  parts.push(`load ${measured.load[0].toFixed(1)}→${measured.load[1].toFixed(1)} on ${cpus().length} cores`);
  return `${options.what ? `${options.what}: ` : ''}${parts.join(', ')}`;
}

/** Runs `work` with AWS_ENDPOINT_URL pointing at `endpoint` (the SDK clients are cached per endpoint). */
export async function withEndpoint<T>(endpoint: string, work: () => Promise<T>): Promise<T> {
  const before = process.env.AWS_ENDPOINT_URL;
  process.env.AWS_ENDPOINT_URL = endpoint;
  try {
    return await work();
  } finally {
    process.env.AWS_ENDPOINT_URL = before;
  }
}
