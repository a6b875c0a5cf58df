import { AsyncLocalStorage } from 'node:async_hooks';
import { type Readable, Transform, type TransformCallback } from 'node:stream';

/**
 * `--max-bandwidth`: a cap on the bytes per second a command moves through its own process (store
 * reads and writes, and the uploads fed by them). Server-side copies (CopyObject, UploadPartCopy, S3
 * exports) never cross the caller's link and are never paced.
 *
 * Scope. A handler runs its work under `withBandwidthCap(rate, …)` (the rate comes from its input or
 * its stored plan); every stream the store opens inside takes its bytes from that invocation's
 * limiter. A process that runs many invocations at once (the CLI runs the whole state machine
 * in-process) opens `shareBandwidth(pool, …)` around them: each cap then has one limiter for the
 * process, so concurrent items share one budget instead of each getting the whole rate. Deployed,
 * each Lambda invocation paces itself. The scope is an AsyncLocalStorage: nothing leaks between runs.
 */

/** Time as the limiter sees it; tests pass a fake one and assert on the waits it was asked for. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * A token bucket in bytes: holds up to `burst` bytes (default one second's worth), refills at
 * `bytesPerSecond`. A caller takes its bytes and waits off the debt it leaves, so concurrent callers
 * queue behind each other's bytes and together stay under the rate.
 */
export class ByteRateLimiter {
  readonly burst: number;
  private readonly clock: Clock;
  private tokens: number;
  private last: number;
  /** Bytes let through so far (what tests and benchmarks count). */
  bytes = 0;

  constructor(
    readonly bytesPerSecond: number,
    options: { burst?: number; clock?: Clock } = {},
  ) {
    if (!(bytesPerSecond > 0) || !Number.isFinite(bytesPerSecond))
      throw new RangeError(
        `a bandwidth cap must be a positive number of bytes per second, not ${bytesPerSecond}`,
      );
    this.burst = Math.max(1, options.burst ?? bytesPerSecond);
    this.clock = options.clock ?? systemClock;
    this.tokens = this.burst;
    this.last = this.clock.now();
  }

  /** Resolves once `bytes` more fit under the rate. */
  async take(bytes: number): Promise<void> {
    if (bytes <= 0) return;
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.bytesPerSecond);
    this.last = now;
    this.tokens -= bytes;
    this.bytes += bytes;
    if (this.tokens < 0) await this.clock.sleep((-this.tokens / this.bytesPerSecond) * 1000);
  }
}

/** The limiters of one process (or test): one per cap, shared by every invocation run in its scope. */
export class BandwidthPool {
  private readonly byRate = new Map<number, ByteRateLimiter>();

  constructor(private readonly clock: Clock = systemClock) {}

  limiter(bytesPerSecond: number): ByteRateLimiter {
    let limiter = this.byRate.get(bytesPerSecond);
    if (!limiter) {
      limiter = new ByteRateLimiter(bytesPerSecond, { clock: this.clock });
      this.byRate.set(bytesPerSecond, limiter);
    }
    return limiter;
  }

  /** Every limiter handed out, by cap (empty: nothing asked for a cap). */
  get limiters(): ReadonlyMap<number, ByteRateLimiter> {
    return this.byRate;
  }
}

interface BandwidthScope {
  pool?: BandwidthPool;
  limiter?: ByteRateLimiter;
}

const scope = new AsyncLocalStorage<BandwidthScope>();

/** Runs `work` with `pool` giving the limiters of every capped invocation inside it. */
export function shareBandwidth<T>(pool: BandwidthPool, work: () => Promise<T>): Promise<T> {
  return scope.run({ pool }, work);
}

/**
 * Runs `work` with its store transfers capped at `bytesPerSecond`, or not capped at all when the cap
 * is absent (an outer cap does not carry into an uncapped invocation).
 */
export function withBandwidthCap<T>(
  bytesPerSecond: number | null | undefined,
  work: () => Promise<T>,
): Promise<T> {
  const pool = scope.getStore()?.pool;
  const limiter = bytesPerSecond ? (pool ?? new BandwidthPool()).limiter(bytesPerSecond) : undefined;
  return scope.run({ pool, limiter }, work);
}

/** The limiter of the current invocation; undefined when it is not capped. */
export const bandwidthLimiter = (): ByteRateLimiter | undefined => scope.getStore()?.limiter;

/** Bytes a paced stream asks for at once: small enough to keep the flow smooth at low rates. */
const SLICE_BYTES = 64 * 1024;

/** A pass-through that takes every byte from its limiter before handing it on. */
class PacedStream extends Transform {
  constructor(readonly limiter: ByteRateLimiter) {
    super();
  }

  override _transform(chunk: Buffer | string, encoding: BufferEncoding, callback: TransformCallback): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
    const slice = Math.max(1024, Math.min(SLICE_BYTES, this.limiter.burst));
    (async () => {
      for (let start = 0; start < bytes.length; start += slice) {
        const part = bytes.subarray(start, start + slice);
        await this.limiter.take(part.length);
        this.push(part);
      }
    })().then(() => callback(), callback);
  }
}

/**
 * `body` paced by `limiter` (the current invocation's by default); unchanged when there is no cap
 * or when it is already paced by the same limiter, so no byte is counted twice.
 */
export function paced(body: Readable, limiter = bandwidthLimiter()): Readable {
  if (!limiter || (body instanceof PacedStream && body.limiter === limiter)) return body;
  const stream = new PacedStream(limiter);
  body.on('error', (error) => stream.destroy(error));
  return body.pipe(stream);
}
