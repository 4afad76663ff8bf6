// Pure helpers of the detection benchmark: medians, per-mutant summaries over seeds, the table
// and the JSON object. No timing here: the script measures, these only arrange the numbers.

/** One campaign (mutant, engine, seed): when the mutant was first detected and how small its finding got. */
export interface DetectRun {
  readonly seed: string;
  readonly detected: boolean;
  /** Wall-clock seconds to the first detection; null when not detected within the limit. */
  readonly seconds: number | null;
  /** Operations of the first finding after minimization; null when not detected (or not minimized). */
  readonly minimizedOps: number | null;
  /** Operations of the first finding up to its diverging op, before minimization. */
  readonly originalOps: number | null;
  readonly signature: string | null;
}

export interface MutantResult {
  readonly name: string;
  /** Detected by every seed within the limit. */
  readonly detected: boolean;
  /** Median over seeds (an undetected seed counts as infinitely slow); null when that median is undetected. */
  readonly seconds: number | null;
  /** Median over the seeds that detected it. */
  readonly minimizedOps: number | null;
  readonly runs: readonly DetectRun[];
}

/** The median of the numbers (mean of the middle two for an even count); null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function summarizeMutant(name: string, runs: readonly DetectRun[]): MutantResult {
  const times = runs.map((r) => (r.detected && r.seconds !== null ? r.seconds : Infinity));
  const m = median(times);
  const sizes = runs.filter((r) => r.detected && r.minimizedOps !== null).map((r) => r.minimizedOps!);
  return {
    name,
    detected: runs.length > 0 && runs.every((r) => r.detected),
    seconds: m === null || !Number.isFinite(m) ? null : m,
    minimizedOps: median(sizes),
    runs,
  };
}

/** Medians over mutants: time counts an undetected mutant as infinitely slow (null when that is the median). */
export function overallMedians(mutants: readonly MutantResult[]): { seconds: number | null; minimizedOps: number | null } {
  const t = median(mutants.map((m) => m.seconds ?? Infinity));
  return {
    seconds: t === null || !Number.isFinite(t) ? null : t,
    minimizedOps: median(mutants.filter((m) => m.minimizedOps !== null).map((m) => m.minimizedOps!)),
  };
}

/** The object printed by `--json` (exactly these keys; see docs/nightly.md). */
export interface BenchDetectJson {
  readonly mutants: { name: string; detected: boolean; seconds: number | null; minimized_ops: number | null }[];
  readonly median_seconds: number | null;
  readonly median_minimized_ops: number | null;
  readonly ops_per_second: Record<string, number | null>;
}

export function toJson(mutants: readonly MutantResult[], opsPerSecond: Readonly<Record<string, number | null>>): BenchDetectJson {
  const med = overallMedians(mutants);
  return {
    mutants: mutants.map((m) => ({ name: m.name, detected: m.detected, seconds: round3(m.seconds), minimized_ops: m.minimizedOps })),
    median_seconds: round3(med.seconds),
    median_minimized_ops: med.minimizedOps,
    ops_per_second: { ...opsPerSecond },
  };
}

/** Targets of the issue, checked against the results: each line says met or missed. */
export const TARGETS = { detectWithinSeconds: 60, medianSeconds: 5, medianMinimizedOps: 6 } as const;

export function targetLines(mutants: readonly MutantResult[]): string[] {
  const med = overallMedians(mutants);
  const missed = mutants.filter((m) => !m.detected || m.seconds === null || m.runs.some((r) => (r.seconds ?? Infinity) > TARGETS.detectWithinSeconds));
  const mark = (ok: boolean): string => (ok ? 'met   ' : 'MISSED');
  return [
    `${mark(missed.length === 0)} every mutant detected within ${TARGETS.detectWithinSeconds} s by every seed${missed.length === 0 ? '' : ` (not: ${missed.map((m) => m.name).join(', ')})`}`,
    `${mark(med.seconds !== null && med.seconds < TARGETS.medianSeconds)} median time to detect under ${TARGETS.medianSeconds} s (${fmtSeconds(med.seconds)})`,
    `${mark(med.minimizedOps !== null && med.minimizedOps <= TARGETS.medianMinimizedOps)} median minimized size at most ${TARGETS.medianMinimizedOps} ops (${med.minimizedOps ?? '—'})`,
  ];
}

/**
 * A fixed-width table: one row per mutant with each seed's time and minimized size, then the
 * per-mutant medians; `columns` labels extra engines' median times (e.g. property) when present.
 */
export function renderTable(mutants: readonly MutantResult[], extra: ReadonlyMap<string, readonly MutantResult[]> = new Map()): string {
  const seeds = mutants[0]?.runs.map((r) => r.seed) ?? [];
  const header = ['mutant', ...seeds.map((s) => `t(${s})`), 'median t', 'ops (min/orig)', 'median ops', ...[...extra.keys()].map((k) => `${k} t`)];
  const rows: string[][] = mutants.map((m) => {
    const first = m.runs.find((r) => r.detected);
    return [
      m.name,
      ...m.runs.map((r) => fmtSeconds(r.detected ? r.seconds : null)),
      fmtSeconds(m.seconds),
      first === undefined ? '—' : `${first.minimizedOps ?? '?'}/${first.originalOps ?? '?'}`,
      m.minimizedOps === null ? '—' : String(m.minimizedOps),
      ...[...extra.values()].map((list) => fmtSeconds(list.find((x) => x.name === m.name)?.seconds ?? null)),
    ];
  });
  const med = overallMedians(mutants);
  rows.push([
    'MEDIAN',
    ...seeds.map(() => ''),
    fmtSeconds(med.seconds),
    '',
    med.minimizedOps === null ? '—' : String(med.minimizedOps),
    ...[...extra.values()].map((list) => fmtSeconds(overallMedians(list).seconds)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}

export function fmtSeconds(s: number | null): string {
  return s === null ? '—' : `${s.toFixed(s < 0.1 ? 3 : s < 10 ? 2 : 1)}s`;
}

function round3(x: number | null): number | null {
  return x === null ? null : Math.round(x * 1000) / 1000;
}
