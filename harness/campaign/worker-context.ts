// The EngineContext of one worker: runs scenarios through the oracle, counts them, matches
// divergences against the ledger, and reports to the supervisor through a sink. It keeps the
// shared slots current so the supervisor can tell a hang from a slow stretch.
import type { Backend, BackendFactory, Config, Op } from '../../mmus/backend.js';
import type { EngineContext, ExecuteOptions, Provenance } from '../engines/engine.js';
import { runOracle, type OracleResult } from '../oracle/oracle.js';
import type { Scenario } from '../scenario/scenario.js';
import type { Ledger } from '../accept/ledger.js';
import { divergenceFacts, findAccepting } from '../accept/match.js';
import { CampaignStats } from './stats.js';
import {
  SLOT_BACKEND,
  SLOT_CASE,
  SLOT_DONE,
  SLOT_OP,
  SLOT_RUNNING,
  SLOT_SEQ,
  SLOT_STOP,
  type EngineStatus,
  type WorkerDelta,
  type WorkerMessage,
  type WorkerSpec,
} from './worker-protocol.js';

export interface WorkerEnv {
  /** Milliseconds from any fixed origin (the worker's own clock). */
  clock(): number;
  sink(message: WorkerMessage): void;
  /** SLOT_* values, shared with the supervisor or local. */
  readonly slots: Int32Array;
  readonly factories: readonly BackendFactory[];
}

export class WorkerContext implements EngineContext {
  readonly seed: string;
  readonly campaignSeed: string;
  readonly stride: number;
  readonly offset: number;
  readonly startIndex: number;
  readonly backends: readonly BackendFactory[];
  readonly genOptions: EngineContext['genOptions'];
  /** Engine-specific options from the plan (coverage: corpus and findings directories). */
  readonly engineOptions: Readonly<Record<string, unknown>>;

  private readonly worker: number;
  private readonly quota: number | null;
  private readonly deadlineMs: number | null;
  private readonly ledger: Ledger | undefined;
  /** Non-random engines cannot rebuild a scenario from its provenance: announce it before running. */
  private readonly announce: boolean;
  private readonly interval: number;
  private readonly start: number;
  private now: number;
  /** True when `now` was read after the last scenario; shouldStop() then reuses it. */
  private fresh = true;
  private nextTick: number;
  private done: number;
  private seq = 0;
  private delta = new CampaignStats();
  private hits = new Map<string, number>();
  private acceptedDelta = new Map<string, Map<string, number>>();
  private readonly reported = new Set<string>();
  private readonly acceptedSeen = new Set<string>();
  private engineStatus: EngineStatus = {};

  constructor(
    private readonly spec: WorkerSpec,
    private readonly env: WorkerEnv,
  ) {
    const { plan, slot } = spec;
    this.worker = slot.worker;
    this.seed = slot.seed;
    this.campaignSeed = plan.seed;
    this.stride = slot.stride;
    this.offset = slot.offset;
    this.startIndex = spec.startIndex;
    this.done = spec.startIndex;
    this.quota = slot.quota;
    this.deadlineMs = 'seconds' in plan.budget ? plan.budget.seconds * 1000 : null;
    this.ledger = plan.ledger === undefined ? undefined : { file: plan.ledger.file, entries: plan.ledger.entries };
    this.genOptions = plan.generator;
    this.engineOptions = plan.engineOptions ?? {};
    this.announce = plan.engine !== 'random';
    this.interval = spec.progressIntervalMs;
    this.backends = env.factories.map((f, k) => tracked(f, k, env.slots));
    this.start = env.clock();
    this.now = this.start;
    this.nextTick = this.start + this.interval;
    env.slots[SLOT_DONE] = this.done;
  }

  /** Campaign-relative time of the last clock reading. */
  elapsedMs(): number {
    return this.spec.elapsedOffsetMs + (this.now - this.start);
  }

  execute(scenario: Scenario, provenance: Provenance, opts?: ExecuteOptions): OracleResult {
    const slots = this.env.slots;
    slots[SLOT_SEQ] = ++this.seq;
    slots[SLOT_CASE] = this.done;
    if (this.announce) {
      this.env.sink({ type: 'begin', worker: this.worker, elapsedMs: this.elapsedMs(), seq: this.seq, scenario, provenance });
    }
    slots[SLOT_RUNNING] = 1;
    let result: OracleResult;
    try {
      result = runOracle(scenario, this.backends);
    } finally {
      slots[SLOT_RUNNING] = 0;
    }
    if (opts?.record === false) return result;
    slots[SLOT_DONE] = ++this.done;
    this.record(scenario, provenance, result);
    this.now = this.env.clock();
    this.fresh = true;
    if (this.now >= this.nextTick) this.tick();
    return result;
  }

  offerMinimized(signature: string, scenario: Scenario, provenance: Provenance): void {
    this.env.sink({ type: 'offer', worker: this.worker, elapsedMs: this.elapsedMs(), signature, scenario, provenance });
  }

  shouldStop(): boolean {
    if (Atomics.load(this.env.slots, SLOT_STOP) !== 0) return true;
    if (this.quota !== null && this.done >= this.quota) return true;
    if (this.deadlineMs === null) return false;
    // Reuse the reading taken right after the last scenario: one clock read per scenario.
    if (!this.fresh) this.now = this.env.clock();
    this.fresh = false;
    return this.elapsedMs() >= this.deadlineMs;
  }

  status(s: EngineStatus): void {
    this.engineStatus = { ...this.engineStatus, ...s };
    this.now = this.env.clock();
    this.fresh = true;
    if (this.now >= this.nextTick) this.tick();
  }

  clock(): number {
    return this.env.clock();
  }

  /** The last message: what is left to report. */
  finish(): void {
    this.env.sink({ type: 'done', worker: this.worker, elapsedMs: this.elapsedMs(), delta: this.takeDelta(), status: this.engineStatus, done: this.done });
  }

  private tick(): void {
    this.nextTick = this.now + this.interval;
    this.env.sink({ type: 'progress', worker: this.worker, elapsedMs: this.elapsedMs(), delta: this.takeDelta(), status: this.engineStatus, done: this.done });
  }

  private record(scenario: Scenario, provenance: Provenance, result: OracleResult): void {
    this.delta.addScenario(scenario, result);
    const d = result.divergence;
    if (d === null) return;
    const entry = findAccepting(this.ledger, divergenceFacts(d, scenario.config));
    if (entry !== undefined) {
      this.delta.accepted++;
      const key = `${entry.id}\n${d.signature}`;
      if (!this.acceptedSeen.has(key)) {
        this.acceptedSeen.add(key);
        this.env.sink({ type: 'accepted', worker: this.worker, elapsedMs: this.elapsedMs(), id: entry.id, signature: d.signature, provenance });
      } else {
        const bySig = this.acceptedDelta.get(entry.id) ?? new Map<string, number>();
        bySig.set(d.signature, (bySig.get(d.signature) ?? 0) + 1);
        this.acceptedDelta.set(entry.id, bySig);
      }
      return;
    }
    this.delta.divergent++;
    if (!this.reported.has(d.signature)) {
      this.reported.add(d.signature);
      this.env.sink({ type: 'finding', worker: this.worker, elapsedMs: this.elapsedMs(), scenario, result, provenance });
    } else {
      this.hits.set(d.signature, (this.hits.get(d.signature) ?? 0) + 1);
    }
  }

  private takeDelta(): WorkerDelta {
    const delta: WorkerDelta = {
      stats: this.delta.toJSON(),
      hits: Object.fromEntries(this.hits),
      accepted: Object.fromEntries([...this.acceptedDelta].map(([id, m]) => [id, Object.fromEntries(m)])),
    };
    this.delta = new CampaignStats();
    this.hits = new Map();
    this.acceptedDelta = new Map();
    return delta;
  }
}

/** A factory whose backends write (backend, op index) to the slots before each step. */
export function tracked(f: BackendFactory, k: number, slots: Int32Array): BackendFactory {
  return {
    name: f.name,
    description: f.description,
    fidelity: f.fidelity,
    create(config: Config): Backend {
      slots[SLOT_BACKEND] = k;
      slots[SLOT_OP] = -1;
      const b = f.create(config);
      let i = 0;
      return {
        apply(op: Op) {
          slots[SLOT_BACKEND] = k;
          slots[SLOT_OP] = i++;
          return b.apply(op);
        },
        state: () => b.state(),
        // Optional on the contract: forwarded only when the backend has it.
        ...(b.adoptAlternative !== undefined ? { adoptAlternative: () => b.adoptAlternative!() } : {}),
      };
    },
  };
}
