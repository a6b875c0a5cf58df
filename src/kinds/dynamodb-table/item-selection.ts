import type { KeyValue, SortCondition, TableItemSelection } from '../../../schemas/item-restore.js';
import { InputValidationError } from '../../errors.js';
import type { TableConfig } from './format.js';
import {
  canonicalNumber,
  compareKeyValues,
  type KeyNames,
  keyNamesOf,
  keyValueText,
  primaryKeyText,
} from './item-keys.js';
import type { JsonAttributeValue, JsonItem } from './json.js';

/**
 * An item restore's selection against the table's recorded schema: the keys (or the key condition)
 * typed by the schema's attribute definitions, the partition-key values the parts' Bloom filters are
 * asked about, and the test each stored item passes or not.
 */

type KeyType = 'S' | 'N' | 'B';

export interface ResolvedSelection {
  names: KeyNames;
  /** The partition-key values (as `keyValueText`) a matching item can have: what the lookup asks. */
  partitionValues: string[];
  matches(item: JsonItem): boolean;
  /** The requested keys (keys mode; none for a condition): those not found are reported. */
  keys: JsonItem[];
}

/** A key value the user gave, typed by the schema (a DynamoDB JSON value must have the schema's type). */
function typed(value: KeyValue, type: KeyType, name: string): JsonAttributeValue {
  const problem = (what: string) => new InputValidationError(`items: ${name}: ${what}`);
  if (typeof value === 'object') {
    const [given] = Object.keys(value);
    if (given !== type) throw problem(`is ${type} in the table's schema, not ${given}`);
    if ('N' in value) canonicalNumber(value.N);
    return value as JsonAttributeValue;
  }
  if (type === 'S') {
    if (typeof value !== 'string') throw problem('is a string (S) in the table schema');
    return { S: value };
  }
  if (type === 'N') {
    const text = String(value);
    try {
      canonicalNumber(text);
    } catch {
      throw problem(`"${text}" is not a number (N in the table schema)`);
    }
    return { N: text };
  }
  if (typeof value !== 'string') throw problem('is binary (B in the table schema): give it in base64');
  return { B: value };
}

function typesOf(config: TableConfig): Map<string, KeyType> {
  const definitions = config.create.AttributeDefinitions ?? config.description.AttributeDefinitions ?? [];
  return new Map(
    definitions.map((definition) => [
      definition.AttributeName as string,
      definition.AttributeType as KeyType,
    ]),
  );
}

/** The test of a sort-key condition on a stored value. */
function sortTest(condition: SortCondition, type: KeyType, name: string) {
  const value = (given: KeyValue) => typed(given, type, name);
  const order = (stored: JsonAttributeValue, bound: JsonAttributeValue) => compareKeyValues(stored, bound);
  if ('eq' in condition) return (stored: JsonAttributeValue) => order(stored, value(condition.eq)) === 0;
  if ('lt' in condition) return (stored: JsonAttributeValue) => order(stored, value(condition.lt)) < 0;
  if ('le' in condition) return (stored: JsonAttributeValue) => order(stored, value(condition.le)) <= 0;
  if ('gt' in condition) return (stored: JsonAttributeValue) => order(stored, value(condition.gt)) > 0;
  if ('ge' in condition) return (stored: JsonAttributeValue) => order(stored, value(condition.ge)) >= 0;
  if ('between' in condition) {
    const [low, high] = condition.between.map(value) as [JsonAttributeValue, JsonAttributeValue];
    return (stored: JsonAttributeValue) => order(stored, low) >= 0 && order(stored, high) <= 0;
  }
  if (type === 'N')
    throw new InputValidationError(`items: ${name}: beginsWith needs a string or binary sort key`);
  const prefix = value(condition.beginsWith);
  return (stored: JsonAttributeValue) =>
    'S' in stored && 'S' in prefix
      ? stored.S.startsWith(prefix.S)
      : 'B' in stored &&
        'B' in prefix &&
        Buffer.from(stored.B, 'base64')
          .subarray(0, Buffer.from(prefix.B, 'base64').length)
          .equals(Buffer.from(prefix.B, 'base64'));
}

/** Resolves the selection against the stored schema; a key that does not fit it is bad input. */
export function resolveSelection(selection: TableItemSelection, config: TableConfig): ResolvedSelection {
  const names = keyNamesOf(config.create.KeySchema ?? config.description.KeySchema);
  const types = typesOf(config);
  const typeOf = (name: string): KeyType => {
    const type = types.get(name);
    if (!type) throw new InputValidationError(`items: the schema has no type for key attribute ${name}`);
    return type;
  };
  if (selection.keys && selection.condition)
    throw new InputValidationError('items: give keys or a condition, not both');
  if (selection.keys) {
    const keys = selection.keys.map((key, index) => {
      const extra = Object.keys(key).filter((name) => name !== names.partition && name !== names.sort);
      if (extra.length)
        throw new InputValidationError(
          `items: key ${index + 1}: ${extra.join(', ')} is not part of the primary key (${[names.partition, names.sort].filter(Boolean).join(', ')})`,
        );
      return Object.fromEntries(
        [names.partition, names.sort]
          .filter((name): name is string => name !== undefined)
          .map((name) => {
            const given = key[name];
            if (given === undefined)
              throw new InputValidationError(`items: key ${index + 1}: missing key attribute ${name}`);
            return [name, typed(given, typeOf(name), name)];
          }),
      ) as JsonItem;
    });
    const wanted = new Set(keys.map((key) => primaryKeyText(key, names)));
    return {
      names,
      keys,
      partitionValues: [...new Set(keys.map((key) => keyValueText(key[names.partition]) as string))],
      matches: (item) => wanted.has(primaryKeyText(item, names)),
    };
  }
  if (!selection.condition) throw new InputValidationError('items: give keys or a condition');
  const partition = keyValueText(
    typed(selection.condition.partitionKey, typeOf(names.partition), names.partition),
  );
  const { sortKey } = selection.condition;
  if (sortKey && !names.sort) throw new InputValidationError('items: the table has no sort key for sortKey');
  const sort = sortKey && names.sort ? sortTest(sortKey, typeOf(names.sort), names.sort) : undefined;
  const sortName = names.sort;
  return {
    names,
    keys: [],
    partitionValues: [partition as string],
    matches: (item) => {
      if (keyValueText(item[names.partition]) !== partition) return false;
      if (!sort || !sortName) return true;
      const stored = item[sortName];
      return stored !== undefined && sort(stored);
    },
  };
}
