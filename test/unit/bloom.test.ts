import { describe, expect, it } from '@jest/globals';
import { BloomFilter } from '../../src/store/bloom.js';

describe('Bloom filter of a block', () => {
  it('says maybe for every key added, and no for nearly every other key', () => {
    // Prepare
    const keys = Array.from({ length: 500 }, (_, index) => `S:user#${index}`);
    const filter = BloomFilter.sized(keys.length);
    for (const key of keys) filter.add(key);
    const copy = BloomFilter.fromBase64(filter.toBase64());
    // Act
    const missed = keys.filter((key) => !copy.mayHave(key));
    const others = Array.from({ length: 10_000 }, (_, index) => `S:other#${index}`);
    const falsePositives = others.filter((key) => copy.mayHave(key)).length;
    // Assess: ~1% expected at 16 bits per key and 11 hashes
    expect(missed).toEqual([]);
    expect(falsePositives / others.length).toBeLessThan(0.005);
  });
});
