// report.html: one self-contained page (inline CSS, no scripts, no external assets) with the
// headline, the findings and the coverage matrix as a heatmap: per paging mode, feature × outcome.
import { HOST_PAGING_MODES } from '../oracle/mode.js';
import { outcomeOrder } from './markdown.js';
import type { Report, ReportFinding } from './model.js';
import { escapeXml as esc } from './xml.js';

/** TDP modes, then the shadow ones (`shadow-pae`, ...). */
const MODE_ORDER: readonly string[] = HOST_PAGING_MODES;
/** 'any' counts every translation once; the others count those made with the feature active. */
const FEATURE_ORDER = ['any', 'WP', 'NXE', 'SMEP', 'SMAP', 'AC', 'PKE'];

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:72em;padding:0 1em;color:#1b1f24}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.8em;border-bottom:1px solid #d0d7de}
code,pre{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{background:#f6f8fa;border:1px solid #d0d7de;padding:.7em;overflow-x:auto}
table{border-collapse:collapse;margin:.6em 0}th,td{border:1px solid #d0d7de;padding:.25em .55em;text-align:right}
th{background:#f6f8fa}td.l,th.l{text-align:left}
.headline{font-size:1.15em;padding:.6em .9em;border-radius:6px}
.bad{background:#ffebe9;border:1px solid #ff8182}.good{background:#dafbe1;border:1px solid #4ac26b}
.tag{display:inline-block;padding:0 .45em;border-radius:4px;font-size:.85em;font-weight:600}
.tag.new{background:#cf222e;color:#fff}.tag.known{background:#6e7781;color:#fff}.tag.accepted{background:#9a6700;color:#fff}
.heat td{min-width:3.4em;font-variant-numeric:tabular-nums}.heat td.zero{background:#fff8c5;color:#9a6700}
.legend span{display:inline-block;width:2.2em;height:1em;vertical-align:middle;border:1px solid #d0d7de}
.mode{display:inline-block;vertical-align:top;margin-right:1.5em}
details{margin:.4em 0}summary{cursor:pointer}
`;

export function renderHtml(report: Report): string {
  const h = report.headline;
  const parts: string[] = [];
  parts.push('<!DOCTYPE html>', '<html lang="en">', '<head>', '<meta charset="utf-8">', '<title>mmufuzz report</title>', `<style>${CSS}</style>`, '</head>', '<body>');
  parts.push('<h1>mmufuzz report</h1>');
  const cls = h.new > 0 ? 'bad' : 'good';
  const lead = h.new === 0 ? 'No new findings.' : `${h.new} new finding${h.new === 1 ? '' : 's'}.`;
  parts.push(`<p class="headline ${cls}"><strong>${lead}</strong> ${h.total} signatures: ${h.new} new, ${h.known} known, ${h.accepted} accepted.${report.baseline === null ? ' No baseline.' : ` Baseline <code>${esc(report.baseline.dir)}</code> (${report.baseline.signatures} signatures).`}</p>`);
  const s = report.statistics;
  parts.push(`<p>${s.scenarios} scenarios, ${s.operations} operations, ${s.opsPerSecond} ops/s over ${report.campaigns.length} campaign director${report.campaigns.length === 1 ? 'y' : 'ies'}.</p>`);
  if (s.engines.length > 0) {
    parts.push('<table><tr><th class="l">engine</th><th class="l">status</th><th>scenarios</th><th>operations</th><th>seconds</th><th>ops/s</th></tr>');
    for (const e of s.engines) {
      parts.push(`<tr><td class="l">${esc(e.name)}</td><td class="l">${esc(e.status)}</td><td>${e.scenarios}</td><td>${e.operations}</td><td>${(e.elapsedMs / 1000).toFixed(1)}</td><td>${e.opsPerSecond}</td></tr>`);
    }
    parts.push('</table>');
  }

  parts.push('<h2>Coverage matrix</h2>');
  parts.push(...heatmap(report));

  parts.push(`<h2>Findings (${h.total})</h2>`);
  if (report.findings.length === 0) parts.push('<p>None.</p>');
  for (const f of report.findings) parts.push(findingHtml(f));

  if (report.accepted.length > 0 || report.stale.length > 0) {
    parts.push('<h2>Accept ledger</h2><table><tr><th class="l">entry</th><th>accepted</th></tr>');
    for (const a of report.accepted) parts.push(`<tr><td class="l"><code>${esc(a.id)}</code></td><td>${a.count}</td></tr>`);
    parts.push('</table>');
    if (report.stale.length > 0) parts.push(`<p>Stale entries: ${report.stale.map((x) => `<code>${esc(x)}</code>`).join(', ')}</p>`);
  }
  parts.push('</body>', '</html>');
  return parts.join('\n') + '\n';
}

function findingHtml(f: ReportFinding): string {
  const open = f.status === 'new' ? ' open' : '';
  return [
    `<details${open}><summary><span class="tag ${f.status}">${f.status}</span> <code>${esc(f.signature)}</code> — ${f.hits} hits, ${esc(f.engines.join(', '))}, repro ${f.repro.ops} ops</summary>`,
    `<pre>${esc(f.replay.text.trimEnd())}</pre>`,
    `<pre>${esc(f.repro.text)}</pre>`,
    `<p>Replay: <code>${esc(f.repro.replayCommand)}</code></p>`,
    '</details>',
  ].join('\n');
}

/** One table per paging mode; cell shade grows with log(count); empty cells are the holes to look at. */
function heatmap(report: Report): string[] {
  const cells = report.statistics.coverageMatrix;
  if (cells.length === 0) return ['<p>No coverage matrix recorded (no translations, or no campaign.json).</p>'];
  const modes = [...new Set(cells.map((c) => c.mode))].sort((a, b) => orderOf(MODE_ORDER, a) - orderOf(MODE_ORDER, b) || (a < b ? -1 : 1));
  const outcomes = [...new Set(cells.map((c) => c.outcome))].sort(outcomeOrder);
  const nonzero = cells.map((c) => c.count).filter((n) => n > 0);
  const max = Math.max(1, ...nonzero);
  const min = Math.min(max, ...nonzero);
  const scale = (n: number): number => (max === min ? 1 : (Math.log(n) - Math.log(min)) / (Math.log(max) - Math.log(min)));
  const count = new Map(cells.map((c) => [`${c.mode}|${c.feature}|${c.outcome}`, c.count]));
  const out = [
    `<p class="legend">Translations by paging mode, feature in force and outcome class. Shade: log scale from ${min} to ${max}; <span style="background:${shade(0)}"></span> few <span style="background:${shade(1)}"></span> many <span style="background:#fff8c5"></span> none.</p>`,
  ];
  for (const mode of modes) {
    const features = [...new Set(cells.filter((c) => c.mode === mode).map((c) => c.feature))].sort(
      (a, b) => orderOf(FEATURE_ORDER, a) - orderOf(FEATURE_ORDER, b) || (a < b ? -1 : 1),
    );
    out.push(`<div class="mode"><h3>${esc(mode)}</h3><table class="heat"><tr><th class="l">feature</th>${outcomes.map((o) => `<th>${esc(o)}</th>`).join('')}</tr>`);
    for (const feature of features) {
      const row = outcomes.map((o) => {
        const n = count.get(`${mode}|${feature}|${o}`) ?? 0;
        if (n === 0) return '<td class="zero">0</td>';
        const t = scale(n);
        return `<td style="background:${shade(t)};color:${t > 0.55 ? '#fff' : '#1b1f24'}">${n}</td>`;
      });
      out.push(`<tr><th class="l">${esc(feature)}</th>${row.join('')}</tr>`);
    }
    out.push('</table></div>');
  }
  return out;
}

/** A blue from light (t = 0) to dark (t = 1). */
function shade(t: number): string {
  return `hsl(212, 80%, ${Math.round(92 - t * 60)}%)`;
}

function orderOf(order: readonly string[], x: string): number {
  const i = order.indexOf(x);
  return i < 0 ? order.length : i;
}
