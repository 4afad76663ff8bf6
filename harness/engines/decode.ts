// The byte decoder of the coverage engine: any byte string is a compact program — an 8-byte header
// (config, mode, seeded tail) and 4-byte op records — that decodes to a valid scenario. One byte of
// a record changes one op; the header's seed expands (seedrandom) into a tail of generated records,
// so even a short input runs tens of operations. Pure and deterministic: the CommonJS fuzz target
// and the in-process replay decode the same bytes to the same scenario.
import type { GenMode } from '../generate/geometry.js';
import { Rng } from '../generate/rng.js';
import type { Scenario } from '../scenario/scenario.js';
import { buildIntentScenario } from './decode-build.js';
import { decodeHeader, HEADER_BYTES } from './decode-header.js';
import type { EngineIntent } from './decode-intent.js';
import { decodeRecord, RECORD_BYTES } from './decode-record.js';

export { HEADER_BYTES } from './decode-header.js';
export { RECORD_BYTES } from './decode-record.js';

/** Largest input jsfuzz produces; longer inputs are cut here (at most 1022 records). */
export const MAX_INPUT_BYTES = 4096;

/** The scenario `bytes` stands for. Never throws; every result passes parseScenario. */
export function decodeScenario(bytes: Uint8Array): Scenario {
  const input = bytes.length > MAX_INPUT_BYTES ? bytes.subarray(0, MAX_INPUT_BYTES) : bytes;
  const header = decodeHeader(input);
  const records = recordIntents(input);
  const tail = tailIntents(header.tailSeed, header.tailOps);
  const intents = header.tailFirst ? [...tail, ...records] : [...records, ...tail];
  // The guarded opening comes from the header: a record never changes the ops before it.
  return buildIntentScenario(
    header.config,
    header.mode,
    intents,
    {
      name: `decoded-${header.mode}`,
      description: (opening) => describe(header.mode, opening, records.length, tail.length, header.tailFirst),
    },
    { opening: header.opening },
  );
}

/** The records after the header; a last partial record is read with zero padding. */
export function recordIntents(bytes: Uint8Array): EngineIntent[] {
  const out: EngineIntent[] = [];
  for (let i = HEADER_BYTES; i < bytes.length; i += RECORD_BYTES) {
    const at = (k: number): number => (i + k < bytes.length ? bytes[i + k] : 0);
    out.push(decodeRecord(at(0), at(1), at(2), at(3)));
  }
  return out;
}

/** `count` records drawn from the seed: the same decoding, fed by seedrandom instead of input bytes. */
export function tailIntents(seed: number, count: number): EngineIntent[] {
  const rng = new Rng(`decode-tail/${seed}`);
  const out: EngineIntent[] = [];
  for (let i = 0; i < count; i++) {
    const w = rng.u32();
    out.push(decodeRecord(w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, w >>> 24));
  }
  return out;
}

function describe(mode: GenMode, opening: number, records: number, tail: number, tailFirst: boolean): string {
  const order = tailFirst ? 'tail first' : 'records first';
  return `decoded input: mode=${mode}, opening=${opening} ops, ${records} records, ${tail} tail ops (${order})`;
}
