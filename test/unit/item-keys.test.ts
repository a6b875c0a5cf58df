import { describe, expect, it } from '@jest/globals';
import { canonicalNumber, compareNumbers } from '../../src/kinds/dynamodb-table/item-keys.js';
import { blockMayMatch, withinBounds } from '../../src/reconcile/item-lookup.js';
import { BloomFilter } from '../../src/store/bloom.js';

describe('table keys as the item lookup compares them', () => {
  it('writes equal numbers in any notation as one text, and different numbers as different texts', () => {
    // Act
    const same = ['1.50', '1.5', '15E-1', '0001.500', '+1.5'].map(canonicalNumber);
    const zero = ['0', '-0', '0.000', '0e10'].map(canonicalNumber);
    const distinct = new Set(['1', '10', '100', '0.1', '-1', '1e2'].map(canonicalNumber));
    // Assess
    expect(new Set(same)).toEqual(new Set(['15e-1']));
    expect(new Set(zero)).toEqual(new Set(['0']));
    expect(distinct.size).toBe(5);
    expect(() => canonicalNumber('1.2.3')).toThrow('not a DynamoDB number');
  });

  it('orders numbers by value, whatever their notation or length', () => {
    // Prepare
    const numbers = [
      '-100',
      '-2.5',
      '-0.001',
      '0',
      '0.0009',
      '1',
      '1.5',
      '9.99',
      '10',
      '1e3',
      '12345678901234567890.5',
    ];
    // Act
    const shuffled = [...numbers].reverse().sort(compareNumbers);
    // Assess
    expect(shuffled).toEqual(numbers);
    expect(compareNumbers('1e2', '100.0')).toBe(0);
  });
});

describe('which blocks a lookup reads', () => {
  it('skips blocks whose range or Bloom filter cannot hold what is looked for', () => {
    // Prepare
    const bloom = BloomFilter.sized(2);
    bloom.add('S:user#1');
    bloom.add('S:user#2');
    const block = {
      offset: 0,
      bytes: 10,
      lines: 2,
      range: ['b', 'd'] as [string, string],
      bloom: bloom.toBase64(),
    };
    // Act
    const verdicts = {
      inRange: blockMayMatch(block, { range: withinBounds('c', 'z') }),
      before: blockMayMatch(block, { range: withinBounds(undefined, 'a') }),
      after: blockMayMatch(block, { range: withinBounds('e', undefined) }),
      keyThere: blockMayMatch(block, { keys: ['S:user#9', 'S:user#2'] }),
      keyAbsent: blockMayMatch(block, { keys: ['S:user#9'] }),
      noFilter: blockMayMatch(
        { offset: 0, bytes: 1, lines: 1 },
        { keys: ['S:x'], range: withinBounds('x', 'y') },
      ),
    };
    // Assess
    expect(verdicts).toEqual({
      inRange: true,
      before: false,
      after: false,
      keyThere: true,
      keyAbsent: false,
      noFilter: true,
    });
  });
});
