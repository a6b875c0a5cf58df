import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { Bandwidth } from '../../schemas/bandwidth.js';
import {
  BandwidthPool,
  ByteRateLimiter,
  bandwidthLimiter,
  type Clock,
  paced,
  shareBandwidth,
  withBandwidthCap,
} from '../../src/store/bandwidth.js';
import { openStore } from '../../src/store/open.js';

/** Time that moves only when someone sleeps: each sleep is recorded and jumps the clock at once. */
class SteppingClock implements Clock {
  time = 0;
  readonly sleeps: number[] = [];
  now = (): number => this.time;
  sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.time += ms;
  };
  get slept(): number {
    return this.sleeps.reduce((sum, ms) => sum + ms, 0);
  }
}

/**
 * Virtual time for concurrent callers: a sleep ends when the clock reaches its wake time, and the
 * clock jumps to the earliest pending wake time once every caller waits (no real time passes).
 */
class VirtualClock implements Clock {
  time = 0;
  private timers: { wake: number; resolve: () => void }[] = [];
  now = (): number => this.time;
  sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => this.timers.push({ wake: this.time + ms, resolve }));

  async run<T>(work: Promise<T>): Promise<T> {
    let settled = false;
    work.then(
      () => (settled = true),
      () => (settled = true),
    );
    while (!settled) {
      // One turn of the event loop lets every caller that can go on run until it waits again.
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.timers.sort((a, b) => a.wake - b.wake);
      const next = this.timers.shift();
      if (!next) continue;
      this.time = Math.max(this.time, next.wake);
      next.resolve();
    }
    return work;
  }
}

const chunksOf = (bytes: Buffer, size: number): Buffer[] =>
  Array.from({ length: Math.ceil(bytes.length / size) }, (_, index) =>
    bytes.subarray(index * size, (index + 1) * size),
  );

async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

describe('ByteRateLimiter', () => {
  it('asks for sleeps totalling (N - burst) / R for N bytes at R bytes per second, passing every byte on', async () => {
    // Prepare
    const clock = new SteppingClock();
    const rate = 10_000;
    const limiter = new ByteRateLimiter(rate, { clock });
    const data = randomBytes(100_000);
    // Act
    const received = await drain(paced(Readable.from(chunksOf(data, 4096)), limiter));
    // Assess
    expect(received.equals(data)).toBe(true);
    expect(limiter.bytes).toBe(data.length);
    expect(limiter.burst).toBe(rate);
    expect(clock.slept).toBeCloseTo(((data.length - rate) / rate) * 1000, 6);
  });

  it('lets a transfer within the burst through without asking to wait', async () => {
    // Prepare
    const clock = new SteppingClock();
    const limiter = new ByteRateLimiter(50_000, { clock, burst: 20_000 });
    // Act
    await drain(paced(Readable.from(chunksOf(randomBytes(20_000), 1000)), limiter));
    // Assess
    expect(clock.sleeps).toEqual([]);
    expect(limiter.bytes).toBe(20_000);
  });

  it('makes concurrent streams share one budget: together they take as long as their sum at the rate', async () => {
    // Prepare
    const clock = new VirtualClock();
    const rate = 8_000;
    const limiter = new ByteRateLimiter(rate, { clock });
    const first = randomBytes(40_000);
    const second = randomBytes(40_000);
    // Act
    const [a, b] = await clock.run(
      Promise.all([
        drain(paced(Readable.from(chunksOf(first, 2000)), limiter)),
        drain(paced(Readable.from(chunksOf(second, 2000)), limiter)),
      ]),
    );
    // Assess: one stream alone would be done at (40,000 - burst) / rate = 4 s; both share the rate.
    expect(a.equals(first)).toBe(true);
    expect(b.equals(second)).toBe(true);
    expect(limiter.bytes).toBe(80_000);
    const expectedMs = ((80_000 - rate) / rate) * 1000;
    expect(clock.time).toBeGreaterThanOrEqual(expectedMs - (2000 / rate) * 1000);
    expect(clock.time).toBeLessThanOrEqual(expectedMs + (2000 / rate) * 1000);
  });

  it('counts a stream paced twice by the same limiter once', async () => {
    // Prepare
    const limiter = new ByteRateLimiter(1_000_000, { clock: new SteppingClock() });
    const data = randomBytes(30_000);
    // Act
    const received = await drain(paced(paced(Readable.from([data]), limiter), limiter));
    // Assess
    expect(received.equals(data)).toBe(true);
    expect(limiter.bytes).toBe(data.length);
  });

  it('passes a source error on to the reader of the paced stream', async () => {
    // Prepare
    const limiter = new ByteRateLimiter(1_000_000, { clock: new SteppingClock() });
    const failing = new Readable({
      read() {
        this.destroy(new Error('disk went away'));
      },
    });
    // Act
    const reading = drain(paced(failing, limiter));
    // Assess
    await expect(reading).rejects.toThrow('disk went away');
  });

  it('refuses a rate that is not a positive number', () => {
    expect(() => new ByteRateLimiter(0)).toThrow(RangeError);
    expect(() => new ByteRateLimiter(Number.NaN)).toThrow(RangeError);
  });
});

describe('bandwidth scope', () => {
  it('gives every invocation in one pool the same limiter per cap, and none to an uncapped one', async () => {
    // Prepare
    const pool = new BandwidthPool(new SteppingClock());
    const rate = Bandwidth.parse('16KiB/s');
    // Act
    const [first, second, uncapped, nestedUncapped] = await shareBandwidth(pool, () =>
      Promise.all([
        withBandwidthCap(rate, async () => bandwidthLimiter()),
        withBandwidthCap(rate, async () => bandwidthLimiter()),
        withBandwidthCap(undefined, async () => bandwidthLimiter()),
        withBandwidthCap(rate, () => withBandwidthCap(null, async () => bandwidthLimiter())),
      ]),
    );
    // Assess
    expect(rate).toBe(16_384);
    expect(first).toBeDefined();
    expect(second).toBe(first);
    expect(pool.limiters.get(rate)).toBe(first);
    expect(uncapped).toBeUndefined();
    expect(nestedUncapped).toBeUndefined();
    expect(bandwidthLimiter()).toBeUndefined();
  });

  it('gives each invocation outside a pool a limiter of its own (a Lambda invocation paces itself)', async () => {
    // Act
    const first = await withBandwidthCap(4096, async () => bandwidthLimiter());
    const second = await withBandwidthCap(4096, async () => bandwidthLimiter());
    // Assess
    expect(first?.bytesPerSecond).toBe(4096);
    expect(second?.bytesPerSecond).toBe(4096);
    expect(second).not.toBe(first);
  });

  it('paces the store: what a capped invocation writes and reads back is taken from its limiter', async () => {
    // Prepare
    const directory = await mkdtemp(join(tmpdir(), 'tv-bandwidth-'));
    const store = openStore(`file://${directory}`);
    const clock = new SteppingClock();
    const pool = new BandwidthPool(clock);
    const data = randomBytes(50_000);
    try {
      // Act
      const read = await shareBandwidth(pool, () =>
        withBandwidthCap(10_000, async () => {
          await store.putStream('runs/r/data.bin', Readable.from(chunksOf(data, 8192)));
          return drain((await store.read('runs/r/data.bin')) as Readable);
        }),
      );
      const uncapped = await shareBandwidth(pool, async () =>
        drain((await store.read('runs/r/data.bin')) as Readable),
      );
      // Assess
      expect(read.equals(data)).toBe(true);
      expect(uncapped.equals(data)).toBe(true);
      expect([...pool.limiters.keys()]).toEqual([10_000]);
      expect(pool.limiters.get(10_000)?.bytes).toBe(2 * data.length);
      expect(clock.slept).toBeCloseTo(((2 * data.length - 10_000) / 10_000) * 1000, 6);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
