// Text renderings of a campaign: the one-line status (libFuzzer-like: scenarios, ops/s, corpus
// and coverage when the engine has them, findings and time since the last new one, elapsed and
// budget) and the end-of-campaign summary.
import { OutcomeMix } from '../oracle/stats.js';
import type { CampaignFile, SignatureRecord } from './campaign-file.js';
import type { RuntimeProgress } from './campaign-state.js';
import { opsPerSecond } from './stats.js';

/** Signatures listed in the summary; a runaway mutant can produce hundreds. */
const MAX_LISTED = 30;

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/**
 * E.g. `[12.0s/60s] 4512 scenarios, 7603 ops/s, 2 findings (1 new, last new 3.1s ago), corpus 12,
 * cov 345, 3 accepted, 2 workers`.
 */
export function renderProgress(p: RuntimeProgress): string {
  const budget = 'seconds' in p.budget ? `${seconds(p.elapsedMs)}/${p.budget.seconds}s` : `${p.scenarios}/${p.budget.scenarios} ${seconds(p.elapsedMs)}`;
  const last = p.lastNewMs === null ? 'none new yet' : `${p.newSignatures} new, last new ${seconds(p.elapsedMs - p.lastNewMs)} ago`;
  const parts = [
    `${p.scenarios} scenarios`,
    `${opsPerSecond(p)} ops/s`,
    `${p.signatures} finding${p.signatures === 1 ? '' : 's'} (${last})`,
  ];
  if (p.executions !== undefined) {
    const rate = p.elapsedMs > 0 ? Math.round((p.executions * 1000) / p.elapsedMs) : 0;
    parts.push(`${p.executions} execs (${rate}/s)`);
  }
  if (p.corpus !== undefined) parts.push(`corpus ${p.corpus}`);
  if (p.coverage !== undefined) parts.push(`cov ${p.coverage}`);
  if (p.accepted > 0) parts.push(`${p.accepted} accepted`);
  if (p.restarts > 0) parts.push(`${p.restarts} restart${p.restarts === 1 ? '' : 's'}`);
  parts.push(`${p.workers} worker${p.workers === 1 ? '' : 's'}`);
  return `[${budget}] ${parts.join(', ')}`;
}

/** Where a signature was first seen: the random engine's scenario index, else the campaign time. */
export function firstSeen(r: Pick<SignatureRecord, 'provenance' | 'firstSeenMs'>): string {
  return r.provenance.index !== undefined ? `scenario ${r.provenance.index}` : seconds(r.firstSeenMs);
}

/** `minimized 105 -> 4 ops`, or why not. */
export function minimizedText(r: SignatureRecord): string {
  if (r.minimized !== null) {
    const m = r.minimized;
    return `minimized ${m.beforeOps} -> ${m.afterOps} ops${m.by === 'engine' ? ' (by the engine)' : m.complete ? '' : ' (time budget reached)'}`;
  }
  return r.minimizeNote ?? `${r.ops} ops, not minimized`;
}

/** The end-of-campaign report: counts, speed, outcome mix, findings, accepted, stale, workers. */
export function renderSummary(f: CampaignFile): string {
  const plan = f.plan;
  const mix = OutcomeMix.fromJSON(f.stats.mix);
  const shard = plan.shard.count > 1 ? `, shard ${plan.shard.index}/${plan.shard.count}` : '';
  const lines = [
    `campaign ${f.status === 'interrupted' ? 'interrupted' : 'finished'}: seed ${plan.seed} (engine ${plan.engine}, ${plan.workers} worker${plan.workers === 1 ? '' : 's'}${shard})`,
    `  scenarios:   ${f.stats.scenarios}`,
    `  operations:  ${f.stats.operations} in ${seconds(f.elapsedMs)} (${opsPerSecond({ operations: f.stats.operations, elapsedMs: f.elapsedMs })} ops/s)`,
    `  outcomes:    ${mix.render().split(' | ').join('\n               ')}`,
  ];
  const es = f.engineStatus;
  if (es !== undefined) {
    const parts: string[] = [];
    if (es.executions !== undefined) parts.push(`${es.executions} fuzzer executions (${opsPerSecond({ operations: es.executions, elapsedMs: f.elapsedMs })}/s)`);
    if (es.corpus !== undefined) parts.push(`corpus ${es.corpus}`);
    if (es.coverage !== undefined) parts.push(`coverage ${es.coverage}`);
    lines.push(`  engine:      ${parts.join(', ')}`);
  }
  renderFindings(f, lines);
  renderAccepted(f, lines);
  const counts = (type: string) => f.events.filter((e) => e.type === type).length;
  const hangs = counts('hang');
  const died = counts('died');
  if (hangs + died + counts('abandoned') > 0) {
    lines.push(`  workers:     ${hangs} hang${hangs === 1 ? '' : 's'}, ${died} died, ${counts('restarted')} restarted, ${counts('abandoned')} abandoned`);
  }
  return lines.join('\n') + '\n';
}

function renderFindings(f: CampaignFile, lines: string[]): void {
  if (f.signatures.length === 0) {
    lines.push('  divergences: none');
    return;
  }
  const fresh = f.signatures.filter((s) => s.isNew).length;
  lines.push(
    `  divergences: ${f.stats.divergent} scenario${f.stats.divergent === 1 ? '' : 's'}, ` +
      `${f.signatures.length} signature${f.signatures.length === 1 ? '' : 's'} (${fresh} new)`,
  );
  const sorted = [...f.signatures].sort((a, b) => b.hits - a.hits || a.firstSeenMs - b.firstSeenMs);
  const shown = sorted.slice(0, MAX_LISTED);
  const width = Math.max(...shown.map((g) => String(g.hits).length));
  for (const g of shown) {
    const known = g.isNew ? '' : ' (already in the store)';
    lines.push(`    ${String(g.hits).padStart(width)} × ${g.signature}  first at ${firstSeen(g)}`);
    lines.push(`    ${' '.repeat(width)}   ${g.dir}${known}  ${minimizedText(g)}`);
  }
  if (sorted.length > shown.length) lines.push(`    ... and ${sorted.length - shown.length} more signatures (one directory each in the findings store)`);
}

function renderAccepted(f: CampaignFile, lines: string[]): void {
  if (f.accepted.length === 0) return;
  const used = f.accepted.filter((a) => a.hits > 0);
  lines.push(`  accepted:    ${f.stats.accepted} scenario${f.stats.accepted === 1 ? '' : 's'} by ${used.length} ledger entr${used.length === 1 ? 'y' : 'ies'} (intended differences, not findings)`);
  for (const a of used) {
    lines.push(`    ${a.hits} × ${a.id}: ${a.why}`);
    for (const [sig, n] of Object.entries(a.signatures)) lines.push(`        ${n} × ${sig}`);
  }
  const stale = f.stale ?? [];
  if (stale.length > 0) lines.push(`  stale:       ${stale.join(', ')} (matched nothing in this campaign)`);
}
