// What passes between the campaign supervisor and its workers: the worker's spec, the messages a
// worker sends (all structured-clonable), and the shared slots the supervisor reads to see a
// wedged worker without its cooperation.
import type { EngineStatus, Provenance } from '../engines/engine.js';
import type { OracleResult } from '../oracle/oracle.js';
import type { Scenario } from '../scenario/scenario.js';
import type { CampaignPlan, WorkerSlot } from './plan.js';
import type { StatsJson } from './stats.js';

export interface WorkerSpec {
  readonly plan: CampaignPlan;
  /** The slot; its seed already carries the restart count. */
  readonly slot: WorkerSlot;
  /** Cases of this worker already done (resume, restart): the engine starts at case startIndex. */
  readonly startIndex: number;
  /** Campaign time already spent when this worker started (its time budget is what remains). */
  readonly elapsedOffsetMs: number;
  /** Milliseconds of the worker's clock between progress messages. */
  readonly progressIntervalMs: number;
  /** Test hook: an ES module whose `backends` export maps names to factories, used before the registry. */
  readonly backendModule?: string;
  /** Int32 slots (SLOT_*) shared with the supervisor; absent in-process (a local array is used). */
  readonly shared?: SharedArrayBuffer;
}

/** Slot indices of the shared Int32Array. */
export const SLOT_STOP = 0;
/** 1 while the oracle runs a scenario. */
export const SLOT_RUNNING = 1;
/** Executions begun (recorded or not): the watchdog's sign of life. */
export const SLOT_SEQ = 2;
/** The case number (this worker's k) of the current or last execution. */
export const SLOT_CASE = 3;
/** Op index being applied (-1: create), and which backend applies it. */
export const SLOT_OP = 4;
export const SLOT_BACKEND = 5;
/** Recorded cases done. */
export const SLOT_DONE = 6;
export const SLOT_COUNT = 8;

export type { EngineStatus };

/** Counts since the previous message (so a lost worker loses at most one interval). */
export interface WorkerDelta {
  readonly stats: StatsJson;
  /** Repeat sightings (after this worker's first, which came as a finding message). */
  readonly hits: Readonly<Record<string, number>>;
  /** Accepted repeats: entry id -> signature -> count. */
  readonly accepted: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

interface Base {
  readonly worker: number;
  /** Campaign-relative milliseconds by the worker's clock. */
  readonly elapsedMs: number;
}

export type WorkerMessage =
  | (Base & { readonly type: 'progress'; readonly delta: WorkerDelta; readonly status: EngineStatus; readonly done: number })
  | (Base & { readonly type: 'done'; readonly delta: WorkerDelta; readonly status: EngineStatus; readonly done: number })
  /** This worker's first sighting of a signature; counts as one hit. */
  | (Base & { readonly type: 'finding'; readonly scenario: Scenario; readonly result: OracleResult; readonly provenance: Provenance })
  /** This worker's first scenario accepted by entry `id` with this signature; counts as one. */
  | (Base & { readonly type: 'accepted'; readonly id: string; readonly signature: string; readonly provenance: Provenance })
  /** Sent before running a scenario its provenance cannot rebuild (so a hang can be stored). */
  | (Base & { readonly type: 'begin'; readonly seq: number; readonly scenario: Scenario; readonly provenance: Provenance })
  | (Base & { readonly type: 'offer'; readonly signature: string; readonly scenario: Scenario; readonly provenance: Provenance })
  /** The engine threw: a harness problem, the campaign stops. */
  | (Base & { readonly type: 'fatal'; readonly name: string; readonly message: string; readonly stack?: string });

export type ProgressMessage = Extract<WorkerMessage, { type: 'progress' | 'done' }>;
