// Reading scenarios: JSON text or value -> validated Scenario, files and corpus directories.
// Every user mistake becomes a ScenarioError naming the file, the place and what was expected.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { scenarioFromJson } from './convert.js';
import { ScenarioError } from './errors.js';
import { findJsonSyntaxError } from './json-syntax.js';
import type { ScenarioJson } from './json-types.js';
import { SCENARIO_FORMAT, type Scenario } from './scenario.js';
import { checkSchema, show } from './schema-check.js';

/** Validates a parsed JSON value as a format-1 scenario; throws ScenarioError. */
export function parseScenario(json: unknown, file: string): Scenario {
  checkFormat(json, file);
  checkSchema(json, file);
  return scenarioFromJson(json as ScenarioJson, file);
}

/** Parses JSON text; a syntax error is a ScenarioError located by line and column. */
export function parseScenarioText(text: string, file: string): Scenario {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw syntaxError(text, file, err);
  }
  return parseScenario(json, file);
}

export function loadScenarioFile(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ScenarioError(path, '', `a readable scenario file, got ${ioReason(err)}`, '');
  }
  return parseScenarioText(text, path);
}

/**
 * Files as given, directories expanded recursively to the *.json files under them (each
 * directory's files in sorted path order), without repeats. A missing path throws ScenarioError.
 */
export function listScenarioFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (f: string) => {
    if (!seen.has(f)) {
      seen.add(f);
      out.push(f);
    }
  };
  for (const p of paths) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch (err) {
      throw new ScenarioError(p, '', `an existing scenario file or directory, got ${ioReason(err)}`, '');
    }
    if (isDir) jsonFilesUnder(p).forEach(add);
    else add(p);
  }
  return out;
}

/**
 * The scenarios under a directory: every *.json, except that a findings directory (one holding
 * meta.json and scenario.json) stands for its minimized scenario (else its original) and a
 * campaign's own campaign.json is not a scenario. So `replay findings/` replays every finding.
 */
function jsonFilesUnder(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    const entries = readdirSync(d, { withFileTypes: true });
    const names = new Set(entries.filter((e) => e.isFile()).map((e) => e.name));
    if (names.has(FINDING_META) && names.has(FINDING_SCENARIO)) {
      found.push(join(d, names.has(FINDING_MINIMIZED) ? FINDING_MINIMIZED : FINDING_SCENARIO));
      return;
    }
    for (const entry of entries) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.json') && entry.name !== CAMPAIGN_FILE) found.push(full);
    }
  };
  walk(dir);
  // Plain code-unit order, not locale order: the same list on every machine.
  return found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

// File names of the findings store (harness/campaign), known here so directories replay sensibly.
const FINDING_META = 'meta.json';
const FINDING_SCENARIO = 'scenario.json';
const FINDING_MINIMIZED = 'minimized.json';
const CAMPAIGN_FILE = 'campaign.json';

/** A document of another format version gets a message about the version, not about its fields. */
function checkFormat(json: unknown, file: string): void {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return;
  const format = (json as Record<string, unknown>).format;
  if (typeof format !== 'string' || format === SCENARIO_FORMAT) return;
  const other = /^mmufuzz\.scenario\/(\d+)$/.exec(format);
  if (other !== null) {
    throw new ScenarioError(
      file,
      '/format',
      `"${SCENARIO_FORMAT}" (this mmufuzz reads format 1 only), got ${show(format)}`,
    );
  }
}

function syntaxError(text: string, file: string, err: unknown): ScenarioError {
  const found = findJsonSyntaxError(text);
  if (found === undefined) {
    // JSON.parse and the locator disagree: report what JSON.parse said.
    const message = err instanceof Error ? err.message : String(err);
    return new ScenarioError(file, '', `valid JSON, got a syntax error (${message})`);
  }
  return new ScenarioError(
    file,
    '',
    `${found.expected}, got ${found.got} (JSON syntax error)`,
    `line ${found.line}, column ${found.column}`,
  );
}

function ioReason(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'a directory';
  return err instanceof Error ? err.message : String(err);
}
