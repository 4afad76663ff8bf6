// Text renderings of a campaign: the one-line progress and the end-of-campaign summary.
import { opsPerSecond, type CampaignProgress, type CampaignSummary } from './campaign.js';

/** Signatures listed in the summary; a runaway mutant can produce hundreds. */
const MAX_LISTED = 30;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** E.g. `[12.0s/60s] 4512 scenarios, 91234 ops (7603 ops/s), 17 divergent, 2 signatures`. */
export function renderProgress(p: CampaignProgress): string {
  const budget = 'seconds' in p.budget ? `${seconds(p.elapsedMs)}/${p.budget.seconds}s` : `${p.scenarios}/${p.budget.scenarios}`;
  return (
    `[${budget}] ${p.scenarios} scenarios, ${p.operations} ops (${opsPerSecond(p)} ops/s), ` +
    `${p.divergent} divergent, ${p.signatures} signature${p.signatures === 1 ? '' : 's'}`
  );
}

/** The end-of-campaign report: counts, speed, outcome mix, and each signature with its finding. */
export function renderSummary(s: CampaignSummary): string {
  const lines = [
    `campaign ${s.interrupted ? 'interrupted' : 'finished'}: seed ${s.seed}`,
    `  scenarios:   ${s.scenarios}`,
    `  operations:  ${s.operations} in ${seconds(s.elapsedMs)} (${opsPerSecond(s)} ops/s)`,
    `  outcomes:    ${s.mix.render().split(' | ').join('\n               ')}`,
  ];
  if (s.signatures.length === 0) {
    lines.push('  divergences: none');
  } else {
    lines.push(
      `  divergences: ${s.divergent} scenario${s.divergent === 1 ? '' : 's'}, ` +
        `${s.signatures.length} signature${s.signatures.length === 1 ? '' : 's'}`,
    );
    const sorted = [...s.signatures].sort((a, b) => b.hits - a.hits || a.firstIndex - b.firstIndex);
    const shown = sorted.slice(0, MAX_LISTED);
    const width = Math.max(...shown.map((g) => String(g.hits).length));
    for (const g of shown) {
      const known = g.isNew ? '' : ' (already in the store)';
      lines.push(`    ${String(g.hits).padStart(width)} × ${g.signature}  first at scenario ${g.firstIndex}`);
      lines.push(`    ${' '.repeat(width)}   ${g.dir}${known}`);
    }
    if (sorted.length > shown.length) lines.push(`    ... and ${sorted.length - shown.length} more signatures (one directory each in the findings store)`);
  }
  return lines.join('\n') + '\n';
}
