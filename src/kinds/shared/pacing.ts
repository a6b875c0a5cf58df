/** Time, concurrency and throttling helpers shared by the resource kinds. */

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A positive number from the environment, or the fallback when unset or invalid. */
export function envNumber(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/**
 * How much one step may still do: stops before `deadline` with room for one more request of the
 * slowest kind seen so far, and caps the items a part holds (`BackupContext.chunkItems`).
 */
export class StepBudget {
  private slowestMs = 0;
  readonly maxItems: number;

  constructor(
    readonly deadline: number,
    maxItems?: number,
  ) {
    this.maxItems = maxItems !== undefined && maxItems > 0 ? Math.floor(maxItems) : Number.POSITIVE_INFINITY;
  }

  /** Runs one request and remembers how long it took. */
  async timed<T>(request: () => Promise<T>): Promise<T> {
    const started = Date.now();
    try {
      return await request();
    } finally {
      this.slowestMs = Math.max(this.slowestMs, Date.now() - started);
    }
  }

  /** True while another request (plus `extraMs` of waiting or work) still ends before the deadline. */
  hasTime(extraMs = 0): boolean {
    return Date.now() + this.slowestMs + extraMs < this.deadline;
  }
}

/** Exponential backoff with jitter: 100 ms, 200 ms, … up to 10 s. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly baseMs = 100,
    private readonly maxMs = 10_000,
  ) {}

  next(): number {
    const cap = Math.min(this.maxMs, this.baseMs * 2 ** this.attempt);
    this.attempt += 1;
    return cap / 2 + Math.random() * (cap / 2);
  }

  reset(): void {
    this.attempt = 0;
  }
}

/**
 * A token bucket in capacity units per second, shared by concurrent workers: each reserves its
 * estimated cost before a request and settles the real cost after. Halves its rate when throttled
 * and climbs back in steps of 5% of the ceiling while requests succeed. `Infinity` = unlimited.
 */
export class RateLimiter {
  private rate: number;
  private tokens: number;
  private last = Date.now();

  constructor(readonly ceiling: number) {
    this.rate = ceiling;
    this.tokens = Number.isFinite(ceiling) ? ceiling : 0;
  }

  get limited(): boolean {
    return Number.isFinite(this.ceiling);
  }

  get currentRate(): number {
    return this.rate;
  }

  private refill(): void {
    const now = Date.now();
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }

  /** Reserves `units`; returns how long to wait (ms) before sending the request. */
  reserve(units: number): number {
    if (!this.limited) return 0;
    this.refill();
    const wait = this.tokens >= 0 ? 0 : (-this.tokens / this.rate) * 1000;
    this.tokens -= units;
    return wait;
  }

  /** Corrects a reservation with what the request really consumed. */
  settle(reserved: number, consumed: number): void {
    if (!this.limited) return;
    this.tokens += reserved - consumed;
    if (this.rate < this.ceiling) this.rate = Math.min(this.ceiling, this.rate + this.ceiling / 20);
  }

  throttled(reserved: number): void {
    if (!this.limited) return;
    this.tokens += reserved;
    this.rate = Math.max(this.ceiling / 64, this.rate / 2);
  }
}

/**
 * Maps `source` through `work` with at most `concurrency` calls running and yields the results in
 * source order. Up to `window` items may wait for their turn, so one slow item does not stall the
 * others. Calls start in source order.
 */
export async function* mapOrdered<T, R>(
  source: AsyncIterable<T>,
  concurrency: number,
  work: (item: T) => Promise<R>,
  window = concurrency * 16,
): AsyncGenerator<R> {
  const iterator = source[Symbol.asyncIterator]();
  const queue: Promise<R>[] = [];
  let running = 0;
  const waiting: (() => void)[] = [];
  const acquire = async (): Promise<void> => {
    if (running < concurrency) {
      running += 1;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  };
  let exhausted = false;
  try {
    while (true) {
      while (!exhausted && queue.length < window) {
        const next = await iterator.next();
        if (next.done) {
          exhausted = true;
          break;
        }
        const task = acquire().then(async () => {
          try {
            return await work(next.value);
          } finally {
            release();
          }
        });
        task.catch(() => undefined);
        queue.push(task);
      }
      const head = queue.shift();
      if (!head) return;
      yield await head;
    }
  } finally {
    await Promise.allSettled(queue);
    if (!exhausted) await iterator.return?.();
  }
}
