import { z } from 'zod';

/**
 * A bandwidth cap, as users write it: `10MB/s`, `512KiB/s`, `20Mbit/s`, `1.5GB` (the `/s` is
 * optional), or a plain number of bytes per second. Decimal units are powers of 1000, binary ones
 * (KiB, MiB, GiB) of 1024; `bit` units count bits. Parsed to bytes per second.
 */

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  bit: 1 / 8,
  kbit: 1e3 / 8,
  mbit: 1e6 / 8,
  gbit: 1e9 / 8,
};
const RATE = /^(\d+(?:\.\d+)?)\s*([a-z]+)?(?:\s*\/\s*s)?$/i;

/** Below this a transfer of one part would take hours: almost surely a typo. */
export const MIN_BANDWIDTH = 1024;
const MAX_BANDWIDTH = 100e9;

/** Bytes per second of a rate text, or undefined when it is not one. */
export function parseBandwidth(text: string): number | undefined {
  const match = RATE.exec(text.trim());
  if (!match) return undefined;
  const unit = UNITS[(match[2] ?? 'b').toLowerCase()];
  return unit === undefined ? undefined : Number(match[1]) * unit;
}

export const Bandwidth = z
  .union([
    z.number(),
    z.string().transform((text, context) => {
      const rate = parseBandwidth(text);
      if (rate !== undefined) return rate;
      context.addIssue({
        code: 'custom',
        message: 'must be a rate such as 10MB/s, 512KiB/s or 20Mbit/s (or bytes per second)',
      });
      return z.NEVER;
    }),
  ])
  .pipe(
    z
      .number()
      .min(MIN_BANDWIDTH, 'must be at least 1KiB/s')
      .max(MAX_BANDWIDTH, 'must be at most 100GB/s')
      .transform(Math.floor),
  );
export type Bandwidth = z.output<typeof Bandwidth>;
