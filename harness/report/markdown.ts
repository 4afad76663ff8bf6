// report.md: the morning read. Headline (new vs known), each new finding with its minimized repro
// and side-by-side divergence, known and accepted ones, statistics and the outcome mix per mode.
import type { Report, ReportFinding, ReportStatistics } from './model.js';
import { HOST_PAGING_MODES } from '../oracle/mode.js';
import { EVENT_KEY_PREFIX } from '../oracle/stats.js';

export function renderMarkdown(report: Report): string {
  const out: string[] = [];
  const h = report.headline;
  out.push('# mmufuzz report', '');
  out.push(headline(report), '');
  out.push(...campaignLines(report), '');

  const byStatus = (s: ReportFinding['status']): ReportFinding[] => report.findings.filter((f) => f.status === s);
  const fresh = byStatus('new');
  out.push(`## New findings (${fresh.length})`, '');
  if (fresh.length === 0) out.push(report.baseline === null ? 'None.' : 'None: every signature seen tonight is in the baseline or accepted.', '');
  for (const f of fresh) out.push(...findingSection(f, true));

  const known = byStatus('known');
  out.push(`## Known findings (${known.length})`, '');
  if (known.length === 0) out.push('None.', '');
  else {
    out.push(...findingTable(known), '');
    for (const f of known) out.push(...findingSection(f, false));
  }

  out.push('## Accepted divergences', '');
  out.push(...acceptedLines(report), '');

  out.push('## Statistics', '');
  out.push(...statisticsLines(report.statistics), '');
  out.push('### Outcome mix per paging mode', '');
  out.push(...modeTable(report.statistics), '');
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

function headline(report: Report): string {
  const h = report.headline;
  const lead = h.new === 0 ? '**No new findings.**' : `**${h.new} new finding${h.new === 1 ? '' : 's'}.**`;
  const base = report.baseline === null ? ' (no baseline: every finding counts as new)' : ` (baseline ${code(report.baseline.dir)}: ${report.baseline.signatures} known signature${report.baseline.signatures === 1 ? '' : 's'})`;
  return `${lead} ${h.total} signature${h.total === 1 ? '' : 's'} in all: ${h.new} new, ${h.known} known, ${h.accepted} accepted${base}.`;
}

function campaignLines(report: Report): string[] {
  const lines = ['Inputs:'];
  for (const c of report.campaigns) {
    const kind = c.kind === 'merged' ? 'merged campaigns' : c.kind === 'campaign' ? 'campaign' : 'findings only (no campaign.json)';
    const seeds = c.seeds.length === 0 ? '' : `, seed${c.seeds.length === 1 ? '' : 's'} ${c.seeds.map(code).join(', ')}`;
    const engines = c.engines.length > 0 ? `, engine${c.engines.length === 1 ? '' : 's'} ${c.engines.join(', ')}` : '';
    lines.push(`- ${code(c.dir)} (${kind}): ${c.findings} finding${c.findings === 1 ? '' : 's'}${seeds}${engines}`);
  }
  return lines;
}

function findingTable(list: readonly ReportFinding[]): string[] {
  const rows = [
    '| signature | class | hits | engines | first seen | repro ops |',
    '|---|---|---:|---|---:|---:|',
  ];
  for (const f of list) {
    rows.push(`| ${cell(code(f.signature))} | ${f.class} | ${f.hits} | ${f.engines.join(', ')} | ${firstSeen(f)} | ${f.repro.ops} |`);
  }
  return rows;
}

function findingSection(f: ReportFinding, open: boolean): string[] {
  const lines: string[] = [];
  const body: string[] = [];
  body.push(`- class ${f.class}, ${f.hits} hit${f.hits === 1 ? '' : 's'}, found by ${f.engines.join(', ')}, first seen ${firstSeen(f)}`);
  body.push(`- backends ${f.backends.join(', ')}${f.mutant === null ? '' : `, mutant ${code(f.mutant)}`}`);
  body.push(`- ${minimizedLine(f)}`);
  body.push(`- stored in ${f.dirs.map(code).join(', ')}`);
  const prov = provenanceLine(f.provenance);
  if (prov !== '') body.push(`- provenance: ${prov}`);
  body.push('', `Repro (${reproSize(f)}, ${code(f.repro.file)}):`, '', '```', f.repro.text, '```', '');
  body.push(f.replay.reproduces ? 'Divergence (replayed now):' : 'Divergence: **does not reproduce as stored**', '', '```', f.replay.text.trimEnd(), '```', '');
  body.push(`Replay: ${code(f.repro.replayCommand)}`, '');
  if (open) {
    lines.push(`### ${code(f.signature)}`, '', ...body);
  } else {
    lines.push('<details>', `<summary>${escapeHtmlInline(f.signature)}</summary>`, '', ...body, '</details>', '');
  }
  return lines;
}

function reproSize(f: ReportFinding): string {
  const r = f.repro;
  return r.shownOps === r.ops ? `${r.ops} op${r.ops === 1 ? '' : 's'}` : `the first ${r.shownOps} of ${r.ops} ops: the rest never ran`;
}

function minimizedLine(f: ReportFinding): string {
  const m = f.minimized;
  if (m === null) return `not minimized (${f.repro.ops} ops)`;
  return `minimized ${m.beforeOps} → ${m.afterOps} ops (${m.oracleCalls} oracle calls${m.oneMinimal ? ', 1-minimal' : ', budget stopped before 1-minimality'})`;
}

/** Provenance members worth a glance (the generator's mutators are in the repro's description). */
function provenanceLine(p: Readonly<Record<string, unknown>>): string {
  return Object.entries(p)
    .filter(([k, v]) => k !== 'engine' && k !== 'mutators' && v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => {
      const text = typeof v === 'string' ? v : JSON.stringify(v);
      return `${k} ${code(text.length > 80 ? `${text.slice(0, 77)}...` : text)}`;
    })
    .join(', ');
}

function acceptedLines(report: Report): string[] {
  const lines: string[] = [];
  const total = report.accepted.reduce((n, a) => n + a.count, 0);
  if (report.accepted.length === 0) lines.push('No divergence was accepted by a ledger entry.');
  else {
    lines.push(`${total} divergence${total === 1 ? '' : 's'} accepted by ${report.accepted.length} ledger entr${report.accepted.length === 1 ? 'y' : 'ies'} (counted, never dropped):`, '');
    lines.push('| ledger entry | accepted | signatures | why |', '|---|---:|---|---|');
    for (const a of report.accepted) {
      const sigs = Object.entries(a.signatures).map(([sig, n]) => `${code(sig)} ×${n}`).join('<br>');
      lines.push(`| ${cell(code(a.id))} | ${a.count} | ${cell(sigs)} | ${cell(a.why)} |`);
    }
  }
  lines.push('');
  if (report.stale.length === 0) lines.push('Stale ledger entries: none.');
  else lines.push(`Stale ledger entries (matched nothing in any campaign): ${report.stale.map(code).join(', ')}.`);
  const stored = report.findings.filter((f) => f.status === 'accepted');
  if (stored.length > 0) {
    lines.push('', 'Stored findings that a ledger entry now accepts:', '');
    for (const f of stored) lines.push(`- ${code(f.signature)}: ${f.hits} hits, entry ${code(f.acceptedBy ?? '?')}, in ${f.dirs.map(code).join(', ')}`);
  }
  return lines;
}

function statisticsLines(s: ReportStatistics): string[] {
  const lines = [
    `${s.scenarios} scenarios, ${s.operations} operations in ${secs(s.elapsedMs)} of campaign time (${s.opsPerSecond} ops/s); ${s.translations} translations, ${s.sets} register writes.`,
    '',
  ];
  const events = Object.entries(s.outcomes).filter(([k]) => k.startsWith(EVENT_KEY_PREFIX));
  if (events.length > 0) {
    lines.push(`MMU events (first backend): ${events.map(([k, n]) => `${k.slice(EVENT_KEY_PREFIX.length)} ${n}`).join(', ')}.`, '');
  }
  if (s.engines.length === 0) {
    lines.push('No campaign statistics (no campaign.json in the inputs).');
    return lines;
  }
  lines.push('| engine | status | campaigns | scenarios | operations | time | ops/s | worker events |', '|---|---|---:|---:|---:|---:|---:|---|');
  for (const e of s.engines) {
    const events = Object.entries(e.events).map(([type, n]) => `${n} ${type}`).join(', ');
    lines.push(`| ${e.name} | ${e.status} | ${e.campaigns} | ${e.scenarios} | ${e.operations} | ${secs(e.elapsedMs)} | ${e.opsPerSecond} | ${events === '' ? '—' : events} |`);
  }
  return lines;
}

/** Paging modes as rows, outcome classes as columns; each cell a count and its share of the row. */
function modeTable(s: ReportStatistics): string[] {
  const modes = Object.keys(s.byMode);
  if (modes.length === 0) return ['No translations recorded.'];
  const order: readonly string[] = HOST_PAGING_MODES;
  modes.sort((a, b) => rank(order, a) - rank(order, b) || (a < b ? -1 : 1));
  const outcomes = [...new Set(modes.flatMap((m) => Object.keys(s.byMode[m])))].sort(outcomeOrder);
  const lines = [`| mode | total | ${outcomes.join(' | ')} |`, `|---|---:|${outcomes.map(() => '---:').join('|')}|`];
  for (const m of modes) {
    const row = s.byMode[m];
    const total = Object.values(row).reduce((a, b) => a + b, 0);
    lines.push(`| ${m} | ${total} | ${outcomes.map((o) => (row[o] === undefined ? '' : `${row[o]} (${percent(row[o], total)})`)).join(' | ')} |`);
  }
  return lines;
}

function rank(order: readonly string[], x: string): number {
  const i = order.indexOf(x);
  return i < 0 ? order.length : i;
}

/** ok first, then the other outcomes, then page faults by class. */
export function outcomeOrder(a: string, b: string): number {
  const key = (o: string): string => (o === 'ok' ? '0' : o.startsWith('pf:') ? `2${o}` : `1${o}`);
  return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
}

function firstSeen(f: ReportFinding): string {
  return f.firstSeenMs === null ? '—' : secs(f.firstSeenMs);
}

function secs(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function percent(n: number, total: number): string {
  const p = total === 0 ? 0 : (100 * n) / total;
  return p >= 10 || p === 0 ? `${Math.round(p)}%` : `${p.toFixed(1)}%`;
}

/** Inline code that survives backticks inside. */
function code(s: string): string {
  return s.includes('`') ? `\`\` ${s} \`\`` : `\`${s}\``;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

function escapeHtmlInline(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
