import type { FunctionChange } from '../../schemas/audit.js';
import type { RunReport } from './run-report.js';

/**
 * A run report as one self-contained HTML page: inline CSS and SVG charts, no script, no external
 * resource, so it opens from a mail attachment or an S3 console download as it is.
 */

const html = (value: unknown): string =>
  String(value ?? '').replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] as string,
  );

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export const formatDuration = (ms: number): string =>
  ms < 1000
    ? `${Math.round(ms)} ms`
    : ms < 120_000
      ? `${(ms / 1000).toFixed(1)} s`
      : `${(ms / 60_000).toFixed(1)} min`;

function table(id: string, headers: string[], rows: unknown[][], empty: string): string {
  if (rows.length === 0) return `<p class="empty" data-testid="${id}">${html(empty)}</p>`;
  return `<table data-testid="${id}"><thead><tr>${headers.map((h) => `<th>${html(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((row) => `<tr>${row.map((cell) => `<td>${html(cell)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** Horizontal bars, one per label, with the formatted value written beside each. */
function barChart(
  id: string,
  title: string,
  bars: { label: string; value: number }[],
  format: (n: number) => string,
) {
  const width = 640;
  const labelWidth = 150;
  const row = 26;
  const max = Math.max(1, ...bars.map((bar) => bar.value));
  const body = bars
    .map((bar, index) => {
      const length = Math.round(((width - labelWidth - 120) * bar.value) / max);
      const y = index * row + 4;
      return `<text x="0" y="${y + 14}">${html(bar.label)}</text><rect x="${labelWidth}" y="${y}" width="${Math.max(length, 1)}" height="18" rx="2"/><text x="${labelWidth + length + 6}" y="${y + 14}" data-value="${bar.value}">${html(format(bar.value))}</text>`;
    })
    .join('');
  return `<figure data-testid="${id}"><figcaption>${html(title)}</figcaption><svg role="img" aria-label="${html(title)}" width="${width}" height="${bars.length * row + 8}" viewBox="0 0 ${width} ${bars.length * row + 8}">${body}</svg></figure>`;
}

function describeChange(change: FunctionChange): string {
  const parts: string[] = [];
  if (change.code)
    parts.push(`code ${change.code.from?.slice(0, 12) ?? '-'} → ${change.code.to?.slice(0, 12) ?? '-'}`);
  if (change.config?.length) parts.push(`config: ${change.config.map((field) => field.field).join(', ')}`);
  if (change.triggers?.added.length) parts.push(`triggers added: ${change.triggers.added.join(', ')}`);
  if (change.triggers?.removed.length) parts.push(`triggers removed: ${change.triggers.removed.join(', ')}`);
  return parts.join('; ') || change.change;
}

const who = (change: FunctionChange) =>
  change.who
    ?.map((event) => `${event.user ?? event.source ?? '?'} ${event.event} ${event.time}`)
    .join('; ') ?? '';

const STYLE = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1000px;color:#1d2330;padding:0 1rem}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:2rem 0 .5rem;border-bottom:1px solid #d8dde6;padding-bottom:.25rem}
.status{display:inline-block;padding:.1rem .6rem;border-radius:1rem;font-weight:600}
.succeeded{background:#dcf5e3;color:#145c2c}.partial{background:#fde8cf;color:#7a3d00}
.cards{display:flex;gap:1rem;flex-wrap:wrap;margin:1rem 0}.card{border:1px solid #d8dde6;border-radius:6px;padding:.6rem 1rem;min-width:8rem}
.card b{display:block;font-size:1.4rem}table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border-bottom:1px solid #e6e9ef;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#f4f6f9}
td.num,th.num{text-align:right}.empty{color:#5b6477;font-style:italic}
svg text{font-size:12px;fill:#1d2330}svg rect{fill:#3d6fd8}figure{margin:1rem 0}figcaption{font-weight:600;margin-bottom:.25rem}
.bad{color:#a31515}`;

export function renderRunReport(report: RunReport): string {
  const { manifest } = report;
  const totals = manifest.totals;
  const ok = totals.items - totals.failed;
  const changes = manifest.changes;
  const verified = manifest.verified;
  const drill = report.drill;
  const card = (id: string, label: string, value: string | number) =>
    `<div class="card"><span>${html(label)}</span><b data-testid="${id}">${html(value)}</b></div>`;
  const sections = [
    `<h1>triggervault run <code>${html(manifest.runId)}</code></h1>`,
    `<p><span class="status ${html(manifest.status)}" data-testid="status">${html(manifest.status)}</span> ` +
      `policy <b>${html(manifest.policy?.name ?? 'none')}</b> · started ${html(manifest.startedAt)} · ` +
      `finished ${html(manifest.finishedAt)} · <span data-testid="duration">${html(formatDuration(report.durationMs))}</span></p>`,
    `<div class="cards">${[
      card('total-items', 'items', totals.items),
      card('total-ok', 'ok', ok),
      card('total-failed', 'failed', totals.failed),
      card('total-artifacts', 'artifacts', totals.artifacts),
      card('total-bytes', 'stored', formatBytes(totals.bytes)),
      card('total-changes', 'changed functions', changes?.functions.length ?? 0),
    ].join('')}</div>`,
    '<h2>Regions</h2>',
    table(
      'regions',
      ['region', 'items', 'ok', 'failed', 'artifacts', 'bytes', 'time in steps'],
      report.regions.map((row) => [
        row.region,
        row.items,
        row.ok,
        row.failed,
        row.artifacts,
        formatBytes(row.bytes),
        formatDuration(row.durationMs),
      ]),
      'no regions',
    ),
    barChart(
      'chart-duration',
      'Time in backup steps per region',
      report.regions.map((row) => ({ label: row.region, value: row.durationMs })),
      formatDuration,
    ),
    barChart(
      'chart-bytes',
      'Bytes stored per region',
      report.regions.map((row) => ({ label: row.region, value: row.bytes })),
      formatBytes,
    ),
    '<h2>What the run holds</h2>',
    `<p>regions <b data-testid="holds-regions">${html(report.holds.regions.join(', '))}</b> · kinds <b data-testid="holds-kinds">${html(report.holds.kinds.join(', '))}</b></p>`,
    table(
      'holds',
      ['region', 'kind', 'resources', 'failed', 'objects', 'items', 'records'],
      report.holds.holdings.map((row) => [
        row.region,
        row.kind,
        row.resources,
        row.failed,
        row.units.objects ?? '-',
        row.units.items ?? '-',
        row.units.records ?? '-',
      ]),
      'nothing',
    ),
    '<h2>Kinds</h2>',
    table(
      'kinds',
      ['kind', 'items', 'failed', 'bytes'],
      report.kinds.map((row) => [row.kind, row.items, row.failed, formatBytes(row.bytes)]),
      'no items',
    ),
    `<h2>Failures (<span data-testid="failure-count">${report.failures.length}</span>)</h2>`,
    table(
      'failures',
      ['region', 'kind', 'name', 'error'],
      report.failures.map((row) => [row.region, row.kind, row.name, row.error]),
      'no failed items',
    ),
    `<h2>Changes since the previous run${changes?.previousRunId ? ` <code>${html(changes.previousRunId)}</code>` : ''}</h2>`,
    changes?.previousRunId
      ? table(
          'changes',
          ['region', 'function', 'change', 'what', 'who (CloudTrail)'],
          changes.functions.map((change) => [
            change.region,
            change.name,
            change.change,
            describeChange(change),
            who(change),
          ]),
          'no function changed',
        ) +
        `<p data-testid="cloudtrail">CloudTrail: ${html(
          changes.cloudTrail
            ? changes.cloudTrail.available
              ? `available${changes.cloudTrail.reason ? ` (${changes.cloudTrail.reason})` : ''}`
              : `not available (${changes.cloudTrail.reason ?? 'unknown'})`
            : 'not consulted',
        )}</p>`
      : '<p class="empty" data-testid="changes">no previous run to compare with</p>',
    '<h2>Verification</h2>',
    `<p data-testid="verification">${html(verified.artifacts)} artifacts re-read, <span class="${verified.damaged.length ? 'bad' : ''}">${html(verified.damaged.length)} damaged</span></p>`,
    verified.damaged.length
      ? `<ul>${verified.damaged.map((path) => `<li><code>${html(path)}</code></li>`).join('')}</ul>`
      : '',
    '<h2>Restore drill</h2>',
    `<p data-testid="drill">${html(
      drill
        ? `${drill.status}${drill.finishedAt ? ` at ${drill.finishedAt}` : ''}${drill.detail ? `: ${drill.detail}` : ''}`
        : 'no drill recorded for this run',
    )}</p>`,
  ];
  if (manifest.recoveryPoints?.length)
    sections.push(
      '<h2>AWS Backup recovery points</h2>',
      table(
        'recovery-points',
        ['region', 'kind', 'name', 'vault', 'state', 'recovery point', 'copies'],
        manifest.recoveryPoints.map((point) => [
          point.region,
          point.kind,
          point.name,
          point.vault,
          point.state,
          point.recoveryPointArn,
          point.copies.map((copy) => `${copy.vaultArn} ${copy.state}`).join('; '),
        ]),
        'none',
      ),
    );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>triggervault run ${html(manifest.runId)}</title><style>${STYLE}</style></head>
<body>${sections.join('\n')}
<footer><p class="empty">Generated by triggervault from runs/${html(manifest.runId)}/manifest.json</p></footer>
</body></html>
`;
}
