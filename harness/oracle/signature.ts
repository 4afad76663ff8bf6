// Divergence signatures: stable keys that deduplicate findings across scenarios, seeds and runs.
// A signature names what went wrong and where (class, op kind, field, mode), never a value.
import type { TdpKind, VcpuState } from '../../mmus/backend.js';
import type { DivergenceClass } from './divergence.js';
import { hostModeOf } from './mode.js';

export interface SignatureInput {
  readonly class: DivergenceClass;
  /** The diverging op's kind, or 'create' when a backend's create() threw. */
  readonly opKind: string;
  /** The first differing field (ignored for crashes). */
  readonly field: string;
  readonly state: VcpuState;
  /** The scenario's host: `none` (shadow paging) prefixes the mode with `shadow-`. */
  readonly tdp?: TdpKind;
  /** The two backends compared (first backend, the one that differed from it). */
  readonly pair: readonly [string, string];
  /** Crashes: the thrown value. */
  readonly error?: unknown;
}

/**
 * `class/opKind/field/mode/a~b`, e.g. `error_code/access/error_code/4-level/legacy~reference`.
 * Array indices in the field are masked (`events[*].value`); a crash replaces the field with its
 * message, numbers masked, and the function of the top stack frame.
 * The mode is the paging mode only: with the feature bits too (SMEP, PKE, NXE...) one planted bug
 * spread over hundreds of signatures in a 20,000-scenario campaign; the bits are in the report.
 * Under shadow paging it reads `shadow-pae` etc.: shadow and TDP findings are different bugs.
 */
export function divergenceSignature(input: SignatureInput): string {
  const what = input.class === 'crash' ? crashKey(input.error) : maskIndices(input.field);
  return `${input.class}/${input.opKind}/${what}/${hostModeOf(input.state, input.tdp)}/${input.pair[0]}~${input.pair[1]}`;
}

export function maskIndices(field: string): string {
  return field.replace(/\[\d+\]/g, '[*]');
}

/** A thrown value's message with every number and hex literal replaced by N. */
export function maskedMessage(error: unknown): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return message
    .replace(/0x[0-9a-f]+/gi, 'N')
    .replace(/\d+/g, 'N')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Name of the function in the top stack frame ("<anonymous>" when the frame has none, "?" without a stack). */
export function topFrameFunction(error: unknown): string {
  const stack = error instanceof Error ? error.stack : undefined;
  if (stack === undefined) return '?';
  for (const line of stack.split('\n')) {
    const m = /^\s*at (.*)$/.exec(line);
    if (m === null) continue;
    const frame = m[1];
    // "at fn (file:line:col)" carries a name; "at file:line:col" is an anonymous frame.
    const named = /^(?:async )?(.+?) \(.*\)$/.exec(frame);
    return named === null ? '<anonymous>' : named[1].replace(/ \[as [^\]]*\]$/, '');
  }
  return '?';
}

function crashKey(error: unknown): string {
  return `${maskedMessage(error)}@${topFrameFunction(error)}`;
}
