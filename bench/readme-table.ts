/**
 * `npm run bench:table`: the README's benchmark table from the dated record (bench/results.json), so
 * the table is never typed by hand. Prints the "Latest full run" line and the table; README keeps the
 * analysis of what limits each figure.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { type Figure, formatMarkdown, verdict } from './lib/report.js';

const Results = z.object({
  date: z.string(),
  elapsedSeconds: z.number(),
  machine: z.object({ cpus: z.number(), model: z.string(), memoryGiB: z.number(), node: z.string() }),
  versions: z.record(z.string(), z.string()),
  loadAverage: z.object({ min: z.number(), max: z.number(), mean: z.number() }).partial(),
  figures: z.array(z.custom<Figure>((value) => typeof value === 'object' && value !== null)),
});

const results = Results.parse(JSON.parse(await readFile(new URL('./results.json', import.meta.url), 'utf8')));
const judged = results.figures.filter((figure) => figure.target);
const passes = judged.filter((figure) => verdict(figure) === 'PASS').length;
const load = results.loadAverage;
console.log(
  [
    `Latest full run (\`bench/results.json\`): ${results.date.replace('T', ' ').slice(0, 16)} UTC,`,
    `${results.machine.cpus} × ${results.machine.model}, ${results.machine.memoryGiB} GiB, Node ${results.machine.node};`,
    `${Object.entries(results.versions)
      .map(([name, version]) => `${name} ${version.replace(/^[a-z-]+\/|^rclone v/, '').split(' ')[0]}`)
      .join(', ')}; ${results.elapsedSeconds} s.`,
    `Load average ${load.min?.toFixed(1)}–${load.max?.toFixed(1)} (mean ${load.mean?.toFixed(1)}) on ${results.machine.cpus} cores.`,
    `${passes} PASS, ${judged.length - passes} MISS.`,
    '',
    formatMarkdown(results.figures),
  ].join('\n'),
);
