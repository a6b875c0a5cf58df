import { z } from 'zod';
import { parseOrThrow, RegionName } from '../../schemas/common.js';
import { type Found, SEARCHABLE, type SearchReport, search } from '../audit/search.js';
import { formatBytes } from '../report/html.js';
import { openStore } from '../store/open.js';
import { StoreFlag } from './flags.js';
import { createOutput } from './output.js';

const csv = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item).min(1));

export const FindFlags = z.object({
  bucket: StoreFlag,
  pattern: z.string().min(1, 'is required').max(1024),
  what: csv(z.enum(SEARCHABLE)).default([...SEARCHABLE]),
  in: csv(z.string().min(1).max(256)).optional(),
  regions: csv(RegionName).optional(),
  json: z.boolean().default(false),
});

const SIGN = { added: '+', changed: '~', removed: '-' } as const;

function foundLines(found: Found): string[] {
  const where = found.what === 'function' ? found.key : `${found.resource} ${found.key}`;
  return [
    `${found.what} ${found.region} ${where}: in ${found.runs.length} run${found.runs.length === 1 ? '' : 's'}, last ${found.runs.at(-1)?.runId ?? '-'}`,
    ...found.changes.map(
      (change) =>
        `  ${SIGN[change.change]} ${change.runId} ${change.change}${change.version ? `: ${change.version}` : ''}`,
    ),
  ];
}

/** What was read to answer: the figures a user weighs a search's cost by. */
export function describeReads(report: SearchReport): string {
  const { indexes, objectParts, itemParts } = report.read;
  return [
    `searched ${report.runs} runs: ${indexes.stored} run indexes read (${formatBytes(indexes.bytes)}), ${indexes.built} indexed from their snapshots`,
    `objects-index parts: ${objectParts.parts} read of ${objectParts.considered} (${objectParts.shared} shared between runs), ${formatBytes(objectParts.bytes)}`,
    `table data parts: ${itemParts.parts} read of ${itemParts.considered} (${itemParts.shared} shared between runs), ${formatBytes(itemParts.bytes)}`,
  ].join('\n');
}

/** `find`: which runs hold a function, trigger, object key or item key, and when it changed. Exit 1: nothing found. */
export async function findCommand(rawFlags: unknown): Promise<number> {
  const flags = parseOrThrow(FindFlags, rawFlags, 'flags');
  const out = createOutput(flags.json);
  const report = await search(openStore(flags.bucket), {
    pattern: flags.pattern,
    what: flags.what,
    within: flags.in,
    regions: flags.regions,
  });
  out.result(report, () =>
    [
      ...(report.found.length ? report.found.flatMap(foundLines) : [`nothing matches ${flags.pattern}`]),
      describeReads(report),
    ].join('\n'),
  );
  return report.found.length ? 0 : 1;
}
