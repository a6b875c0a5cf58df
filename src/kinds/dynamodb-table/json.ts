import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { InputValidationError } from '../../errors.js';

/**
 * DynamoDB JSON: the low-level AttributeValue shape as plain JSON, as AWS's own exports write it.
 * Numbers stay strings (full precision), binary is base64; everything round-trips exactly.
 */
export type JsonAttributeValue =
  | { S: string }
  | { N: string }
  | { B: string }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] }
  | { M: JsonItem }
  | { L: JsonAttributeValue[] }
  | { NULL: true }
  | { BOOL: boolean };
export type JsonItem = Record<string, JsonAttributeValue>;
export type Item = Record<string, AttributeValue>;

const base64 = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));

export function toJsonValue(value: AttributeValue): JsonAttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.SS !== undefined) return { SS: [...value.SS] };
  if (value.NS !== undefined) return { NS: [...value.NS] };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  if (value.M !== undefined) return { M: toJsonItem(value.M) };
  if (value.L !== undefined) return { L: value.L.map(toJsonValue) };
  if (value.NULL !== undefined) return { NULL: true };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  throw new InputValidationError(`unsupported DynamoDB attribute value: ${Object.keys(value).join(',')}`);
}

export function fromJsonValue(value: JsonAttributeValue): AttributeValue {
  if ('S' in value) return { S: value.S };
  if ('N' in value) return { N: value.N };
  if ('B' in value) return { B: bytes(value.B) };
  if ('SS' in value) return { SS: [...value.SS] };
  if ('NS' in value) return { NS: [...value.NS] };
  if ('BS' in value) return { BS: value.BS.map(bytes) };
  if ('M' in value) return { M: fromJsonItem(value.M) };
  if ('L' in value) return { L: value.L.map(fromJsonValue) };
  if ('NULL' in value) return { NULL: true };
  if ('BOOL' in value) return { BOOL: value.BOOL };
  throw new InputValidationError(`unsupported DynamoDB JSON value: ${Object.keys(value).join(',')}`);
}

const isStrings = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((entry) => typeof entry === 'string');
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * True when `value` is a DynamoDB JSON attribute value, checked all the way down, its type read by the
 * first type key in the order `fromJsonValue` reads them. Hand-written, not a zod union: it runs for
 * every attribute of every stored item and allocates nothing.
 */
export function isJsonAttributeValue(value: unknown): value is JsonAttributeValue {
  if (!isObject(value)) return false;
  if ('S' in value) return typeof value.S === 'string';
  if ('N' in value) return typeof value.N === 'string';
  if ('B' in value) return typeof value.B === 'string';
  if ('SS' in value) return isStrings(value.SS);
  if ('NS' in value) return isStrings(value.NS);
  if ('BS' in value) return isStrings(value.BS);
  if ('M' in value) return isJsonItem(value.M);
  if ('L' in value) return Array.isArray(value.L) && value.L.every(isJsonAttributeValue);
  if ('NULL' in value) return value.NULL === true;
  if ('BOOL' in value) return typeof value.BOOL === 'boolean';
  return false;
}

/** True when `value` is an item in DynamoDB JSON (see `isJsonAttributeValue`). */
export function isJsonItem(value: unknown): value is JsonItem {
  if (!isObject(value)) return false;
  for (const name in value)
    if (Object.hasOwn(value, name) && !isJsonAttributeValue(value[name])) return false;
  return true;
}

// Object.fromEntries defines own properties, so an attribute named "__proto__" stays an attribute.
export const toJsonItem = (item: Item): JsonItem =>
  Object.fromEntries(Object.entries(item).map(([name, value]) => [name, toJsonValue(value)]));

export const fromJsonItem = (item: JsonItem): Item =>
  Object.fromEntries(Object.entries(item).map(([name, value]) => [name, fromJsonValue(value)]));
