import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TrendRow } from '../../src/report/trend.js';
import { PLOT, renderTrendReport, SERIES } from '../../src/report/trend-html.js';
import { renderInChromium } from '../helpers/chromium.js';
import { type Picture, readPng } from '../helpers/png.js';

// `report --runs N` drawn from known values (no AWS requests): the page is rendered in headless
// Chromium, its bars read back from the DOM, and the screenshot measured pixel by pixel: each bar's
// height in pixels must be its value over the chart's largest value times the plot height.
const WINDOW = '1100,3400';
const DURATIONS = [30, 60, 120, 90, 15, 240];
const STORED = [1000, 1000, 2000, 2000, 2000, 4000];
const FRESH = [1000, 0, 1000, 500, 0, 2000];
const DRILLS: TrendRow['drill'][] = ['passed', 'passed', 'failed', 'none', 'passed', 'failed'];

const rows: TrendRow[] = DURATIONS.map((durationS, index) => ({
  runId: `20261${120 + index}T020000Z-run00${index}`,
  startedAt: `2026-11-${20 + index}T02:00:00.000Z`,
  status: 'succeeded',
  regions: ['eu-west-1'],
  kinds: ['lambda-function', 's3-bucket'],
  durationS,
  bytesStored: STORED[index] as number,
  bytesNew: FRESH[index] as number,
  objects: 100 * (index + 1),
  items: 0,
  records: 0,
  functionsChanged: index % 2,
  functionsDeleted: index === 5 ? 4 : 0,
  triggersChanged: 0,
  triggersDeleted: 0,
  failed: index === 2 ? 1 : 0,
  damaged: 0,
  drill: DRILLS[index] as TrendRow['drill'],
  massDeletion: index === 5 ? ['functions'] : [],
}));

/** Writes the bounding boxes of every chart and bar into the page (a test-only copy: the report has no script). */
const GEOMETRY_SCRIPT = `<script>
const box = (element) => { const r = element.getBoundingClientRect(); return { left: r.left + scrollX, top: r.top + scrollY, width: r.width, height: r.height }; };
const geometry = {
  charts: Object.fromEntries([...document.querySelectorAll('figure')].map((figure) => [figure.dataset.testid, box(figure.querySelector('svg'))])),
  bars: [...document.querySelectorAll('rect[data-series]')].map((rect) => ({ series: rect.dataset.series, run: rect.dataset.run, ...box(rect) })),
};
const pre = document.createElement('pre'); pre.id = 'geometry'; pre.textContent = JSON.stringify(geometry); document.body.append(pre);
</script>`;

interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}
interface Geometry {
  charts: Record<string, Box>;
  bars: (Box & { series: string; run: string })[];
}

let directory: string;
let report: string;
let dom: string;
let geometry: Geometry;
let picture: Picture;

const rgb = (hex: string): [number, number, number] =>
  [1, 3, 5].map((at) => Number.parseInt(hex.slice(at, at + 2), 16)) as [number, number, number];
const same = (a: number[], b: number[]) => a.every((value, index) => value === b[index]);

/**
 * In the screenshot, the run of `color` pixels in the middle column of a bar, searched over the plot's
 * height from the chart's top: its length and the row it ends on.
 */
function measureBar(bar: Box, chart: Box, color: string): { height: number; bottom: number } {
  const x = Math.round(bar.left + bar.width / 2);
  const target = rgb(color);
  let height = 0;
  let bottom = -1;
  for (let y = Math.floor(chart.top); y <= Math.ceil(chart.top + PLOT.top + PLOT.height + 2); y += 1) {
    if (same(picture.pixel(x, y), target)) {
      height += 1;
      bottom = y;
    }
  }
  return { height, bottom };
}

const expectedHeight = (value: number, max: number) =>
  value > 0 ? Math.max(1, Math.round((value / max) * PLOT.height)) : 0;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-trend-'));
  report = join(directory, 'trend.html');
  const html = renderTrendReport({ store: 'file:///backups', rows });
  await writeFile(report, html);
  const measured = join(directory, 'measured.html');
  await writeFile(measured, html.replace('</body>', `${GEOMETRY_SCRIPT}</body>`));
  dom = renderInChromium(report, undefined, WINDOW);
  const withGeometry = renderInChromium(measured, undefined, WINDOW);
  const text = /<pre id="geometry">([\s\S]*?)<\/pre>/.exec(withGeometry)?.[1] ?? '{}';
  geometry = JSON.parse(text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
  renderInChromium(measured, join(directory, 'trend.png'), WINDOW);
  picture = readPng(join(directory, 'trend.png'));
}, 180_000);

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('report --runs: plots over the last runs', () => {
  it('is one self-contained page', async () => {
    const html = await readFile(report, 'utf8');
    expect(html).not.toMatch(/<(script|link|img|iframe)\b|https?:\/\//);
    expect(dom).toMatch(/data-testid="run-count">6</);
  });

  it('draws one bar per run and series whose SVG height is in proportion to its value', () => {
    for (const [series, values] of [
      ['duration', DURATIONS],
      ['bytes-stored', STORED],
      ['bytes-new', FRESH],
    ] as const) {
      const bars = [
        ...dom.matchAll(
          new RegExp(
            `<rect x="\\d+" y="\\d+" width="\\d+" height="(\\d+)" fill="#[0-9a-f]{6}" data-run="([^"]+)" data-series="${series}" data-value="([^"]+)"`,
            'g',
          ),
        ),
      ];
      const max = Math.max(...(series === 'duration' ? DURATIONS : [...STORED, ...FRESH]));
      expect(bars.map((bar) => [bar[2], Number(bar[3])])).toEqual(
        rows.map((row, index) => [row.runId, values[index]]),
      );
      expect(bars.map((bar) => Number(bar[1]))).toEqual(values.map((value) => expectedHeight(value, max)));
    }
  });

  it('shows each value in the screenshot: bar heights in pixels, on the chart baseline', () => {
    const chart = geometry.charts['chart-duration'] as Box;
    const baseline = chart.top + PLOT.top + PLOT.height;
    const bars = geometry.bars.filter((bar) => bar.series === 'duration');
    expect(bars).toHaveLength(6);
    const measured = bars.map((bar) => measureBar(bar, chart, SERIES.duration.color));
    const expected = DURATIONS.map((value) => expectedHeight(value, 240));
    measured.forEach((bar, index) => {
      expect(Math.abs(bar.height - (expected[index] as number))).toBeLessThanOrEqual(1);
      expect(Math.abs(bar.bottom + 1 - baseline)).toBeLessThanOrEqual(1);
    });
    // The longest run is the tallest bar, and the ratios hold: 240 s is 16 times 15 s.
    const heights = measured.map((bar) => bar.height);
    expect(heights.indexOf(Math.max(...heights))).toBe(5);
    expect(Math.round((heights[5] as number) / (heights[4] as number))).toBe(16);
  });

  it('draws two series side by side in their own colours (bytes stored and new)', () => {
    const chart = geometry.charts['chart-bytes'] as Box;
    for (const [series, values] of [
      [SERIES.bytesStored, STORED],
      [SERIES.bytesNew, FRESH],
    ] as const) {
      const bars = geometry.bars.filter((bar) => bar.series === series.id);
      const heights = bars.map((bar) => measureBar(bar, chart, series.color).height);
      values.forEach((value, index) => {
        expect(Math.abs((heights[index] as number) - expectedHeight(value, 4000))).toBeLessThanOrEqual(1);
      });
    }
  });

  it('colours each drill result, and lists the runs that stand out', () => {
    const colors = { passed: '#3c9b4f', failed: '#d13b3b', none: '#c9ced8' };
    const cells = geometry.bars.filter((bar) => bar.series === 'drill');
    expect(
      cells.map((cell) =>
        picture.pixel(Math.round(cell.left + cell.width / 2), Math.round(cell.top + cell.height / 2)),
      ),
    ).toEqual(DRILLS.map((drill) => rgb(colors[drill])));
    const flagged = [...dom.matchAll(/<li><code>([^<]+)<\/code>: ([^<]+)<\/li>/g)].map((match) => [
      match[1],
      match[2],
    ]);
    expect(flagged).toEqual([
      [rows[2]?.runId, '1 failed items; drill failed'],
      [rows[5]?.runId, 'mass deletion of functions; drill failed; took 2.7× the median'],
    ]);
  });
});
