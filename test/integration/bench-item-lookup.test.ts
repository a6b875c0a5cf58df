import { describe, expect, it } from '@jest/globals';
import type { BenchContext, Sizes } from '../../bench/lib/sections/context.js';
import { itemLookupSection } from '../../bench/lib/sections/item-lookup.js';
import type { LoopbackProxy } from '../../src/local/proxy.js';
import { unique } from '../helpers/aws.js';

/**
 * The bench's item-lookup section (bench/lib/sections/item-lookup.ts) on a small table, so it cannot rot
 * unnoticed: it finds the item with and without the lookup documents, and reads less with them.
 * Asserts what is read, never timings. A region of its own (moto serves it: test/helpers/global-setup.mjs).
 */
describe('bench: item lookup', () => {
  it('finds one item reading a small share of the table, and the whole table without lookups', async () => {
    // Act
    // Only the direct routing is used: here, moto itself.
    const direct = { endpoint: process.env.AWS_ENDPOINT_URL as string } as LoopbackProxy;
    const { figures, details } = await itemLookupSection({
      direct,
      proxy: direct,
      latencyMs: 0,
      sizes: { dynamoItems: 1500, dynamoItemBytes: 512 } as Sizes,
      names: {
        lambdaRegion: 'unused',
        lambdaRegion1x: 'unused',
        dataRegion: 'tv-lookup-1',
        suffix: `-${unique('t').slice(2)}`,
      },
      workDir: '/tmp',
      log: () => undefined,
    } as unknown as BenchContext);
    // Assess
    const { indexed, whole } = details as {
      indexed: { found: boolean; read: { bytes: number }; stats: { blocks: number; blocksRead: number } };
      whole: { found: boolean; read: { bytes: number }; stats: { partsReadWhole: number; parts: number } };
    };
    expect([indexed.found, whole.found]).toEqual([true, true]);
    expect(indexed.stats.blocks).toBeGreaterThan(5);
    expect(indexed.stats.blocksRead).toBeLessThan(indexed.stats.blocks);
    expect(indexed.read.bytes).toBeLessThan(whole.read.bytes / 3);
    expect(whole.stats.partsReadWhole).toBe(whole.stats.parts);
    expect(figures.map((figure) => [figure.section, figure.value !== null])).toEqual([
      ['item-lookup', true],
      ['item-lookup', true],
      ['item-lookup', true],
    ]);
  }, 240_000);
});
