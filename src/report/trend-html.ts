import { formatBytes, formatDuration } from './html.js';
import type { Trend, TrendRow } from './trend.js';

/**
 * `report --runs N` as one self-contained HTML page: inline CSS and SVG bar charts (one bar per run,
 * oldest on the left), no script and no external resource. Every bar carries `data-run`,
 * `data-series` and `data-value`; each series has a colour of its own on the page, drawn with crisp
 * edges, so a screenshot shows the plotted values exactly (test/e2e/trend-report.test.ts checks it).
 */

const html = (value: unknown): string =>
  String(value ?? '').replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] as string,
  );

/** Where a chart's bars are drawn inside its SVG (px). */
export const PLOT = { left: 72, top: 16, width: 880, height: 160, bottom: 36 } as const;

export interface Series {
  id: string;
  name: string;
  color: string;
  value: (row: TrendRow) => number;
}

/** One colour per series, none used twice on the page (nor by text, swatches or anomaly marks). */
export const SERIES = {
  duration: { id: 'duration', name: 'duration', color: '#1f5fbf', value: (row) => row.durationS },
  bytesStored: { id: 'bytes-stored', name: 'stored', color: '#2a8a3e', value: (row) => row.bytesStored },
  bytesNew: { id: 'bytes-new', name: 'new', color: '#86c98f', value: (row) => row.bytesNew },
  objects: { id: 'objects', name: 'objects', color: '#7b4fb0', value: (row) => row.objects },
  items: { id: 'items', name: 'items', color: '#8c5a3c', value: (row) => row.items },
  records: { id: 'records', name: 'records', color: '#c2489c', value: (row) => row.records },
  functionsChanged: {
    id: 'functions-changed',
    name: 'changed',
    color: '#e08a1e',
    value: (row) => row.functionsChanged,
  },
  functionsDeleted: {
    id: 'functions-deleted',
    name: 'deleted',
    color: '#9c2f2f',
    value: (row) => row.functionsDeleted,
  },
  triggersChanged: {
    id: 'triggers-changed',
    name: 'changed',
    color: '#1f9aa8',
    value: (row) => row.triggersChanged,
  },
  triggersDeleted: {
    id: 'triggers-deleted',
    name: 'deleted',
    color: '#5c2a7a',
    value: (row) => row.triggersDeleted,
  },
  failed: { id: 'failed', name: 'failed items', color: '#6b6f78', value: (row) => row.failed },
  damaged: { id: 'damaged', name: 'damaged artifacts', color: '#b5a21a', value: (row) => row.damaged },
} satisfies Record<string, Series>;

const DRILL_COLOR = { passed: '#3c9b4f', failed: '#d13b3b', none: '#c9ced8' } as const;

const shortTime = (iso: string) => iso.slice(5, 16).replace('T', ' ');

/** Vertical bars, one group per run, a bar per series; heights in proportion to the chart's largest value. */
function barChart(
  id: string,
  title: string,
  rows: TrendRow[],
  series: Series[],
  format: (n: number) => string,
) {
  const { left, top, width, height, bottom } = PLOT;
  const count = Math.max(1, rows.length);
  const slot = Math.floor(width / count);
  const barWidth = Math.max(1, Math.floor((slot * 0.7) / series.length));
  const max = Math.max(0, ...rows.flatMap((row) => series.map((one) => one.value(row))));
  const scale = max > 0 ? max : 1;
  const bars = rows.flatMap((row, index) => {
    const start = left + index * slot + Math.floor((slot - barWidth * series.length) / 2);
    return series.map((one, position) => {
      const value = one.value(row);
      const drawn = value > 0 ? Math.max(1, Math.round((value / scale) * height)) : 0;
      return `<rect x="${start + position * barWidth}" y="${top + height - drawn}" width="${barWidth}" height="${drawn}" fill="${one.color}" data-run="${html(row.runId)}" data-series="${one.id}" data-value="${value}"><title>${html(`${row.runId} ${one.name}: ${format(value)}`)}</title></rect>`;
    });
  });
  const every = Math.ceil(rows.length / 12);
  const labels = rows
    .map((row, index) =>
      index % every === 0
        ? `<text x="${left + index * slot + slot / 2}" y="${top + height + 16}" text-anchor="middle">${html(shortTime(row.startedAt))}</text>`
        : '',
    )
    .join('');
  const legend = series
    .map(
      (one) =>
        `<span class="key"><span class="swatch" style="border-color:${one.color}"></span>${html(one.name)}</span>`,
    )
    .join(' ');
  const svgHeight = top + height + bottom;
  return `<figure data-testid="${id}"><figcaption>${html(title)} ${series.length > 1 ? legend : ''}</figcaption><svg role="img" aria-label="${html(title)}" width="${left + width + 8}" height="${svgHeight}" viewBox="0 0 ${left + width + 8} ${svgHeight}" shape-rendering="crispEdges"><text x="${left - 8}" y="${top + 10}" text-anchor="end" data-max="${max}">${html(format(max))}</text><text x="${left - 8}" y="${top + height}" text-anchor="end">0</text><line x1="${left}" y1="${top}" x2="${left}" y2="${top + height}" class="axis"/><line x1="${left}" y1="${top + height}" x2="${left + width}" y2="${top + height}" class="axis"/>${bars.join('')}${labels}</svg></figure>`;
}

function drillStrip(rows: TrendRow[]) {
  const { left, width } = PLOT;
  const slot = Math.floor(width / Math.max(1, rows.length));
  const cells = rows
    .map(
      (row, index) =>
        `<rect x="${left + index * slot + 1}" y="4" width="${Math.max(1, slot - 2)}" height="20" fill="${DRILL_COLOR[row.drill]}" data-run="${html(row.runId)}" data-series="drill" data-value="${row.drill}"><title>${html(`${row.runId} drill: ${row.drill}`)}</title></rect>`,
    )
    .join('');
  return `<figure data-testid="chart-drill"><figcaption>Restore drills (green passed, red failed, grey none)</figcaption><svg role="img" aria-label="restore drills" width="${left + width + 8}" height="28" shape-rendering="crispEdges">${cells}</svg></figure>`;
}

/** Runs that stand out: a mass deletion, failures or damage, a failed drill, a run taking over twice the median. */
export function anomalies(rows: TrendRow[]): { runId: string; why: string }[] {
  const durations = rows.map((row) => row.durationS).sort((a, b) => a - b);
  const median = durations[Math.floor(durations.length / 2)] ?? 0;
  return rows.flatMap((row) => {
    const why = [
      ...(row.massDeletion.length ? [`mass deletion of ${row.massDeletion.join(', ')}`] : []),
      ...(row.failed ? [`${row.failed} failed items`] : []),
      ...(row.damaged ? [`${row.damaged} damaged artifacts`] : []),
      ...(row.drill === 'failed' ? ['drill failed'] : []),
      ...(rows.length >= 3 && median > 0 && row.durationS > 2 * median
        ? [`took ${(row.durationS / median).toFixed(1)}× the median`]
        : []),
    ];
    return why.length ? [{ runId: row.runId, why: why.join('; ') }] : [];
  });
}

const STYLE = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1000px;color:#1d2330;padding:0 1rem}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:2rem 0 .5rem;border-bottom:1px solid #d8dde6;padding-bottom:.25rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0;font-size:12px}th,td{border-bottom:1px solid #e6e9ef;padding:.2rem .35rem;text-align:right}
th{background:#f4f6f9}td:first-child,th:first-child{text-align:left}tr.anomaly td{background:#fff1f0}
figure{margin:1rem 0}figcaption{font-weight:600;margin-bottom:.25rem}svg text{font-size:11px;fill:#1d2330}.axis{stroke:#8a93a6}
.key{font-weight:400;margin-left:.75rem}.swatch{display:inline-block;width:8px;height:8px;border:3px solid;margin-right:.3rem;vertical-align:-1px;background:#fff}
.empty{color:#5b6477;font-style:italic}ul.anomalies li{color:#8a1c1c}`;

export function renderTrendReport(trend: Trend): string {
  const { rows } = trend;
  const flagged = anomalies(rows);
  const flaggedRuns = new Set(flagged.map((entry) => entry.runId));
  const count = (n: number) => n.toLocaleString('en-US');
  const table = `<table data-testid="runs"><thead><tr>${[
    'run',
    'status',
    'regions',
    'kinds',
    'duration',
    'stored',
    'new',
    'objects',
    'items',
    'records',
    'fn changed',
    'fn deleted',
    'triggers changed',
    'triggers deleted',
    'failed',
    'drill',
  ]
    .map((heading) => `<th>${heading}</th>`)
    .join('')}</tr></thead><tbody>${rows
    .map(
      (row) =>
        `<tr${flaggedRuns.has(row.runId) ? ' class="anomaly"' : ''} data-run="${html(row.runId)}">${[
          row.runId,
          row.status,
          row.regions.join(', '),
          row.kinds.join(', '),
          formatDuration(row.durationS * 1000),
          formatBytes(row.bytesStored),
          formatBytes(row.bytesNew),
          count(row.objects),
          count(row.items),
          count(row.records),
          row.functionsChanged,
          row.functionsDeleted,
          row.triggersChanged,
          row.triggersDeleted,
          row.failed,
          row.drill,
        ]
          .map((cell) => `<td>${html(cell)}</td>`)
          .join('')}</tr>`,
    )
    .join('')}</tbody></table>`;
  const seconds = (n: number) => formatDuration(n * 1000);
  const sections = rows.length
    ? [
        `<h2>Stand out (<span data-testid="anomaly-count">${flagged.length}</span>)</h2>`,
        flagged.length
          ? `<ul class="anomalies" data-testid="anomalies">${flagged.map((entry) => `<li><code>${html(entry.runId)}</code>: ${html(entry.why)}</li>`).join('')}</ul>`
          : '<p class="empty" data-testid="anomalies">nothing stands out</p>',
        barChart('chart-duration', 'Run duration', rows, [SERIES.duration], seconds),
        barChart(
          'chart-bytes',
          'Bytes stored and new',
          rows,
          [SERIES.bytesStored, SERIES.bytesNew],
          formatBytes,
        ),
        barChart('chart-objects', 'Objects', rows, [SERIES.objects], count),
        barChart('chart-items', 'Items', rows, [SERIES.items], count),
        barChart('chart-records', 'Records', rows, [SERIES.records], count),
        barChart(
          'chart-functions',
          'Functions changed and deleted',
          rows,
          [SERIES.functionsChanged, SERIES.functionsDeleted],
          count,
        ),
        barChart(
          'chart-triggers',
          'Triggers changed and deleted',
          rows,
          [SERIES.triggersChanged, SERIES.triggersDeleted],
          count,
        ),
        barChart('chart-failures', 'Failures', rows, [SERIES.failed, SERIES.damaged], count),
        drillStrip(rows),
        '<h2>Runs</h2>',
        table,
      ]
    : ['<p class="empty" data-testid="anomalies">no complete run in this store</p>'];
  const span = rows.length ? `${rows[0]?.startedAt} – ${rows.at(-1)?.startedAt}` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>triggervault: the last ${rows.length} runs</title><style>${STYLE}</style></head>
<body><h1>triggervault: the last <span data-testid="run-count">${rows.length}</span> runs</h1>
<p>${html(trend.store)} · ${html(span)}</p>
${sections.join('\n')}
<footer><p class="empty">Generated by triggervault from the runs' manifest.json files</p></footer>
</body></html>
`;
}
