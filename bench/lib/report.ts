/** Figures, their targets, and the table `npm run bench` prints. */

export interface Target {
  cmp: '>=' | '<=' | '<' | '=';
  value: number;
}

export interface Figure {
  section: string;
  label: string;
  /** null: the figure could not be measured (see `note`). */
  value: number | null;
  unit: string;
  target?: Target;
  /** Free text printed after the figure: the absolute numbers behind a ratio, or why it is missing. */
  note?: string;
  /** What limits this figure (CPU, latency, a service limit, an emulator gap), measured. */
  limit?: string;
}

export type Verdict = 'PASS' | 'MISS' | 'n/a' | '';

export function verdict(figure: Figure): Verdict {
  if (!figure.target) return '';
  if (figure.value === null || !Number.isFinite(figure.value)) return 'n/a';
  const { cmp, value } = figure.target;
  const ok =
    cmp === '>='
      ? figure.value >= value
      : cmp === '<='
        ? figure.value <= value
        : cmp === '<'
          ? figure.value < value
          : figure.value === value;
  return ok ? 'PASS' : 'MISS';
}

/** A ratio that is null when either side is missing or the denominator is zero. */
export const ratio = (a: number | null | undefined, b: number | null | undefined): number | null =>
  a === null || a === undefined || b === null || b === undefined || b === 0 ? null : a / b;

/** Items per second from a count and milliseconds. */
export const perSecond = (count: number, ms: number): number => (ms > 0 ? (count / ms) * 1000 : 0);

export function formatValue(value: number | null, unit: string): string {
  if (value === null || !Number.isFinite(value)) return 'not available';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  const number = value.toFixed(digits);
  if (unit === '×') return `${number}×`;
  if (unit === '%') return `${number}%`;
  return unit ? `${number} ${unit}` : number;
}

const formatTarget = (figure: Figure): string =>
  figure.target
    ? `${{ '=': '=', '>=': '≥', '<=': '≤', '<': '<' }[figure.target.cmp]} ${formatValue(figure.target.value, figure.unit)}`
    : '';

/** A plain-text table: section, figure, value, target, PASS/MISS, note, what limits it. */
export function formatTable(figures: Figure[]): string {
  const rows = figures.map((figure) => [
    figure.section,
    figure.label,
    formatValue(figure.value, figure.unit),
    formatTarget(figure),
    verdict(figure),
    figure.note ?? '',
    figure.limit ?? '',
  ]);
  const header = ['section', 'figure', 'value', 'target', 'result', 'note', 'limited by'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] as string).length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] as number)).join(' | ')} |`.trimEnd();
  return [
    line(header),
    `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

/** The same rows as a Markdown table (README's), `|` in cells escaped. */
export function formatMarkdown(figures: Figure[]): string {
  const cell = (text: string) => text.replaceAll('|', '\\|');
  return [
    '| section | figure | value | target | result | measured with it | limited by |',
    '|---|---|---|---|---|---|---|',
    ...figures.map(
      (figure) =>
        `| ${[
          figure.section,
          figure.label,
          formatValue(figure.value, figure.unit),
          formatTarget(figure),
          figure.target ? verdict(figure) : '',
          figure.note ?? '',
          figure.limit ?? '',
        ]
          .map(cell)
          .join(' | ')} |`,
    ),
  ].join('\n');
}
