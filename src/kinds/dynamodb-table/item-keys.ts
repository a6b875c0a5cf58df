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
