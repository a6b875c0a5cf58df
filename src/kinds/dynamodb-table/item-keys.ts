import type { KeySchemaElement } from '@aws-sdk/client-dynamodb';
import { InputValidationError } from '../../errors.js';
import type { JsonAttributeValue, JsonItem } from './json.js';

/**
 * Item keys as the lookup compares them: a key attribute (S, N or B) as one text, the same for a
 * stored item and a key a user typed. Numbers are written in one canonical form (DynamoDB treats
 * `1.50`, `1.5` and `15E-1` as the same number), binary as its base64.
 */

/** Digits without leading or trailing zeros and the exponent of the last digit: one text per number. */
export function canonicalNumber(text: string): string {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!match || `${match[2]}${match[3] ?? ''}` === '')
    throw new InputValidationError(`"${text}" is not a DynamoDB number`);
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = match;
  const digits = `${whole}${fraction}`.replace(/^0+/, '');
  if (digits === '') return '0';
  const trimmed = digits.replace(/0+$/, '');
  const scale = Number(exponent) - fraction.length + (digits.length - trimmed.length);
  return `${sign === '-' ? '-' : ''}${trimmed}e${scale}`;
}

/** One key attribute as text; undefined for a type that cannot be a key. */
export function keyValueText(value: JsonAttributeValue | undefined): string | undefined {
  if (!value) return undefined;
  if ('S' in value) return `S:${value.S}`;
  if ('N' in value) return `N:${canonicalNumber(value.N)}`;
  if ('B' in value) return `B:${value.B}`;
  return undefined;
}

/** The table's partition (HASH) and sort (RANGE) key attribute names. */
export interface KeyNames {
  partition: string;
  sort?: string;
}

export function keyNamesOf(schema: KeySchemaElement[] | undefined): KeyNames {
  const partition = schema?.find((element) => element.KeyType === 'HASH')?.AttributeName;
  if (!partition) throw new InputValidationError('the stored table schema has no partition (HASH) key');
  const sort = schema?.find((element) => element.KeyType === 'RANGE')?.AttributeName;
  return sort ? { partition, sort } : { partition };
}

/** The text of an item's primary key (partition, then sort), for matching and reports. */
export const primaryKeyText = (item: JsonItem, names: KeyNames): string =>
  [names.partition, names.sort]
    .filter((name): name is string => name !== undefined)
    .map((name) => `${name}=${keyValueText(item[name]) ?? '?'}`)
    .join(',');

/** Orders two DynamoDB numbers (any notation) by value. */
export function compareNumbers(a: string, b: string): number {
  const parse = (text: string) => {
    const canonical = canonicalNumber(text);
    if (canonical === '0') return { sign: 0, digits: '', magnitude: 0 };
    const [, minus, digits = '', scale = '0'] = /^(-?)(\d+)e(-?\d+)$/.exec(canonical) ?? [];
    // The position of the most significant digit orders magnitudes; then the digits do.
    return { sign: minus ? -1 : 1, digits, magnitude: digits.length + Number(scale) };
  };
  const x = parse(a);
  const y = parse(b);
  if (x.sign !== y.sign) return x.sign < y.sign ? -1 : 1;
  if (x.sign === 0) return 0;
  let order = x.magnitude - y.magnitude;
  if (order === 0) {
    const width = Math.max(x.digits.length, y.digits.length);
    const left = x.digits.padEnd(width, '0');
    const right = y.digits.padEnd(width, '0');
    order = left < right ? -1 : left > right ? 1 : 0;
  }
  return Math.sign(order) * x.sign;
}

/** Orders two key values of one type as DynamoDB does: numbers by value, strings and binary by bytes. */
export function compareKeyValues(a: JsonAttributeValue, b: JsonAttributeValue): number {
  if ('N' in a && 'N' in b) return compareNumbers(a.N, b.N);
  if ('S' in a && 'S' in b) return Buffer.compare(Buffer.from(a.S, 'utf8'), Buffer.from(b.S, 'utf8'));
  if ('B' in a && 'B' in b) return Buffer.compare(Buffer.from(a.B, 'base64'), Buffer.from(b.B, 'base64'));
  throw new InputValidationError('key values of different types cannot be compared');
}

/** A key value as a person reads it in a report: the string, the number as stored, binary in base64. */
export function displayKeyValue(value: JsonAttributeValue | undefined): string {
  if (!value) return '?';
  if ('S' in value) return JSON.stringify(value.S);
  if ('N' in value) return value.N;
  if ('B' in value) return `b64:${value.B}`;
  return '?';
}

/** An item's primary key as a person reads it: `pk="order#1" sk=1`. */
export const displayKey = (item: JsonItem, names: KeyNames): string =>
  [names.partition, names.sort]
    .filter((name): name is string => name !== undefined)
    .map((name) => `${name}=${displayKeyValue(item[name])}`)
    .join(' ');
