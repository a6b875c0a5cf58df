/** Terminal output: human tables on a TTY, JSON when asked or when piped. */
export interface Output {
  json: boolean;
  interactive: boolean;
  info(line: string): void;
  result(value: unknown, human: () => string): void;
  error(line: string): void;
}

export function createOutput(json: boolean): Output {
  const interactive = Boolean(process.stderr.isTTY) && !json;
  return {
    json,
    interactive,
    info: (line) => {
      if (!json) process.stderr.write(`${line}\n`);
    },
    result: (value, human) => {
      process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
    },
    error: (line) => process.stderr.write(`${line}\n`),
  };
}

/** A plain aligned table. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...cells.slice(1).map(line)].join(
    '\n',
  );
}
