// junit.xml for CI dashboards: one testsuite per engine, one testcase per signature. A new finding
// fails with the report text; a known one passes; an accepted one is skipped with its ledger entry.
import type { EngineStats, Report, ReportFinding } from './model.js';
import { escapeXml, xmlAttributes } from './xml.js';

interface Case {
  readonly body: string;
  readonly failure: boolean;
  readonly skipped: boolean;
  readonly error: boolean;
}

/** The whole document, with an XML declaration; every text and attribute escaped. */
export function renderJunit(report: Report): string {
  const suites = new Map<string, Case[]>();
  const suite = (engine: string): Case[] => {
    let list = suites.get(engine);
    if (list === undefined) suites.set(engine, (list = []));
    return list;
  };
  // Every engine that ran gets a suite with a testcase for the run itself, so a clean night shows
  // up as passing tests rather than an empty file.
  for (const e of report.statistics.engines) suite(e.name).push(engineCase(e));
  for (const f of report.findings) {
    const engine = f.engines[0] ?? 'unknown';
    suite(engine).push(findingCase(engine, f));
  }
  // Divergences the ledger accepted are not stored: one skipped testcase per entry and signature.
  for (const a of report.accepted) {
    for (const [sig, n] of Object.entries(a.signatures)) suite('accepted').push(acceptedCase(a.id, sig, n));
  }

  const lines: string[] = [];
  const all = [...suites.values()].flat();
  lines.push('<?xml version="1.0" encoding="UTF-8"?>');
  lines.push(
    `<testsuites${xmlAttributes({
      name: 'mmufuzz',
      tests: all.length,
      failures: all.filter((c) => c.failure).length,
      errors: all.filter((c) => c.error).length,
      skipped: all.filter((c) => c.skipped).length,
      time: seconds(report.statistics.elapsedMs),
    })}>`,
  );
  for (const [engine, cases] of suites) {
    const stats = report.statistics.engines.find((e) => e.name === engine);
    lines.push(
      `  <testsuite${xmlAttributes({
        name: `mmufuzz.${engine}`,
        tests: cases.length,
        failures: cases.filter((c) => c.failure).length,
        errors: cases.filter((c) => c.error).length,
        skipped: cases.filter((c) => c.skipped).length,
        time: seconds(stats?.elapsedMs ?? 0),
      })}>`,
    );
    for (const c of cases) lines.push(c.body);
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return lines.join('\n') + '\n';
}

function engineCase(e: EngineStats): Case {
  const name = `campaign (${e.scenarios} scenarios, ${e.operations} ops)`;
  const classname = `mmufuzz.${e.name}`;
  const open = `    <testcase${xmlAttributes({ classname, name, time: seconds(e.elapsedMs) })}`;
  const events = Object.entries(e.events).map(([type, n]) => `${n} ${type}`).join(', ');
  const note = `status ${e.status}, ${e.campaigns} campaign(s), ${e.opsPerSecond} ops/s${events === '' ? '' : `, worker events: ${events}`}`;
  if (e.status === 'incomplete') {
    return {
      body: `${open}>\n      <error${xmlAttributes({ message: 'a campaign did not finish (campaign.json still says running: killed?)', type: 'incomplete' })}>${escapeXml(note)}</error>\n    </testcase>`,
      failure: false,
      skipped: false,
      error: true,
    };
  }
  return { body: `${open}>\n      <system-out>${escapeXml(note)}</system-out>\n    </testcase>`, failure: false, skipped: false, error: false };
}

function acceptedCase(id: string, signature: string, count: number): Case {
  const open = `    <testcase${xmlAttributes({ classname: 'mmufuzz.accepted', name: signature, time: 0 })}>`;
  return {
    body: [open, `      <skipped${xmlAttributes({ message: `accepted by ledger entry ${id} (${count} scenario${count === 1 ? '' : 's'})` })}/>`, '    </testcase>'].join('\n'),
    failure: false,
    skipped: true,
    error: false,
  };
}

function findingCase(engine: string, f: ReportFinding): Case {
  const classname = `mmufuzz.${engine}`;
  const name = f.signature;
  const open = `    <testcase${xmlAttributes({ classname, name, time: 0 })}>`;
  const text = findingText(f);
  switch (f.status) {
    case 'new':
      return {
        body: [
          open,
          `      <failure${xmlAttributes({ message: `new divergence ${f.signature} (${f.hits} hit${f.hits === 1 ? '' : 's'})`, type: f.class })}>${escapeXml(text)}</failure>`,
          '    </testcase>',
        ].join('\n'),
        failure: true,
        skipped: false,
        error: false,
      };
    case 'accepted':
      return {
        body: [open, `      <skipped${xmlAttributes({ message: `accepted by ledger entry ${f.acceptedBy ?? '?'}` })}/>`, '    </testcase>'].join('\n'),
        failure: false,
        skipped: true,
        error: false,
      };
    case 'known':
      return {
        body: [open, `      <system-out>${escapeXml(`known (in the baseline); ${f.hits} hits tonight\n${text}`)}</system-out>`, '    </testcase>'].join('\n'),
        failure: false,
        skipped: false,
        error: false,
      };
  }
}

/** What a CI dashboard shows for a finding: the divergence, the repro and how to replay it. */
export function findingText(f: ReportFinding): string {
  return [f.replay.text.trimEnd(), '', `repro (${f.repro.shownOps === f.repro.ops ? `${f.repro.ops} ops` : `first ${f.repro.shownOps} of ${f.repro.ops} ops`}, ${f.repro.file}):`, f.repro.text, '', `replay: ${f.repro.replayCommand}`].join('\n') + '\n';
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}
