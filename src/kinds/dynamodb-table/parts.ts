import { parseOrThrow } from '../../../schemas/common.js';
import { type PartPosition, recordsFrom, START } from '../../reconcile/data.js';
import type { BackupStore } from '../../store/store.js';
import { ItemLine } from './format.js';

/**
 * The stored data parts as a restore reads them: scan parts and native export files alike hold one
 * `{"Item": …}` line per item, each parsed with `ItemLine` (a guard per line, no deep zod union: this
 * runs for every item of the table).
 */

/** The items of `parts` from `from` on, each with the position just after it; streamed. */
export async function* storedItemsFrom(
  store: BackupStore,
  parts: string[],
  from: PartPosition = START,
): AsyncGenerator<{ value: ItemLine; next: PartPosition }> {
  for await (const record of recordsFrom<unknown>(store, parts, from)) {
    const parsed = ItemLine.safeParse(record.value);
    // Only a bad line pays for the message (parseOrThrow names the failing fields).
    const value = parsed.success
      ? parsed.data
      : parseOrThrow(
          ItemLine,
          record.value,
          `item at line ${record.next.line} of ${parts[record.next.part]}`,
        );
    yield { value, next: record.next };
  }
}

/** True when the parts are the data files of a native export (ImportTable can read them as they are). */
export const isNativeExport = (parts: string[]) =>
  parts.length > 0 && parts.every((path) => path.includes('/export/AWSDynamoDB/'));
