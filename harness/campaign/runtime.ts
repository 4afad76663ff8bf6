// The campaign runtime: starts the plan's workers, merges what they report, stores findings the
// moment they arrive (only this side writes the store), minimizes each new signature, turns a
// wedged worker into a `hang` finding and restarts it, restarts a worker that died, and writes
// campaign.json at checkpoints. No console I/O: the reporter shows what happens.
import { join } from 'node:path';
import type { AcceptedFirst } from '../accept/tally.js';
import { loadScenarioFile } from '../scenario/parse.js';
import { writeCampaignFile, type SignatureRecord, type WorkerEventRecord } from './campaign-file.js';
import { CampaignState } from './campaign-state.js';
import type { FindingInput } from './findings.js';
import { detectHang, type HangFinding } from './hang.js';
import type { WorkerHandle } from './launcher.js';
import type { MinimizeJob, MinimizeOutcome } from './minimize-job.js';
import { MINIMIZE_INTERRUPTED, MinimizeQueue } from './minimize-queue.js';
import { deriveSeed, workerSlots, type WorkerSlot } from './plan.js';
import { MAX_RESTARTS, type CampaignResult, type RuntimeDeps, type RuntimeOptions } from './runtime-types.js';
import { SLOT_DONE, SLOT_RUNNING, SLOT_SEQ, type WorkerMessage } from './worker-protocol.js';

export type { RuntimeProgress } from './campaign-state.js';
export { MAX_RESTARTS, type CampaignResult, type RuntimeDeps, type RuntimeOptions, type RuntimeReporter } from './runtime-types.js';

interface Live {
  slot: WorkerSlot;
  handle: WorkerHandle | null;
  generation: number;
  finished: boolean;
  lastBegin?: Extract<WorkerMessage, { type: 'begin' }>;
  watch: { seq: number; since: number };
}

export function runCampaignRuntime(opts: RuntimeOptions, deps: RuntimeDeps): Promise<CampaignResult> {
  return new Supervisor(opts, deps).run();
}

class Supervisor {
  private readonly state: CampaignState;
  private readonly live: Live[];
  private readonly minimizer: MinimizeQueue;
  private stopping = false;
  private interrupted = false;
  private fatal: Error | undefined;
  private nextCheckpoint: number;
  private timer: NodeJS.Timeout | undefined;
  private resolve!: (r: CampaignResult) => void;
  private reject!: (e: Error) => void;
  private settled = false;

  constructor(
    private readonly opts: RuntimeOptions,
    private readonly deps: RuntimeDeps,
  ) {
    this.state = new CampaignState(opts.plan, opts.ledger, opts.resume);
    this.live = workerSlots(opts.plan).map((slot) => ({ slot, handle: null, generation: 0, finished: false, watch: { seq: -1, since: 0 } }));
    this.nextCheckpoint = this.state.elapsedMs + (opts.checkpointIntervalMs ?? 5000);
    this.minimizer = new MinimizeQueue(deps.launcher, opts.plan, opts.backendModule, (job, outcome) => this.guard(() => this.onMinimized(job, outcome)));
  }

  run(): Promise<CampaignResult> {
    return new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      this.checkpoint();
      this.requeueUnminimized();
      for (const w of this.live) this.start(w);
      this.timer = setInterval(() => this.watchdog(), this.deps.watchdogMs ?? 100);
      this.maybeFinish();
    });
  }

  private start(w: Live): void {
    const c = this.state.checkpoints[w.slot.worker];
    const gen = ++w.generation;
    const slot = { ...w.slot, seed: deriveSeed(this.opts.plan.seed, this.opts.plan.shard, w.slot.worker, c.restarts) };
    w.finished = w.slot.quota !== null && c.done >= w.slot.quota;
    if (w.finished) return;
    w.watch = { seq: -1, since: 0 };
    this.state.liveWorkers++;
    w.handle = this.deps.launcher.start(
      {
        plan: this.opts.plan,
        slot,
        startIndex: c.done,
        elapsedOffsetMs: this.state.elapsedMs,
        progressIntervalMs: this.opts.progressIntervalMs ?? 250,
        ...(this.opts.backendModule !== undefined ? { backendModule: this.opts.backendModule } : {}),
      },
      {
        message: (m) => {
          if (gen === w.generation) this.guard(() => this.onMessage(w, m));
        },
        exit: (info) => {
          if (gen === w.generation) this.guard(() => this.onExit(w, info));
        },
      },
    );
    if (this.stopping) w.handle.requestStop();
  }

  /** A failure of the supervisor itself (e.g. the store cannot be written) ends the campaign. */
  private guard(f: () => void): void {
    try {
      f();
    } catch (e) {
      this.fail(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private onMessage(w: Live, m: WorkerMessage): void {
    this.state.elapsedMs = Math.max(this.state.elapsedMs, m.elapsedMs);
    const c = this.state.checkpoints[w.slot.worker];
    switch (m.type) {
      case 'progress':
      case 'done': {
        this.state.stats.add(m.delta.stats);
        for (const [sig, n] of Object.entries(m.delta.hits)) {
          this.deps.store.hit(sig, n);
          this.state.signatures.get(sig)!.hits += n;
        }
        for (const [id, bySig] of Object.entries(m.delta.accepted)) {
          for (const [sig, n] of Object.entries(bySig)) this.state.accepted.record(id, sig, n);
        }
        this.state.status.set(w.slot.worker, m.status);
        c.done = m.done;
        if (m.type === 'done') w.finished = true;
        if (this.deps.stopRequested?.() === true) this.stop(true);
        this.deps.reporter?.onProgress?.(this.state.progress());
        if (this.state.elapsedMs >= this.nextCheckpoint) this.checkpoint();
        return;
      }
      case 'finding':
        this.onFinding({
          signature: m.result.divergence!.signature,
          class: m.result.divergence!.class,
          scenario: m.scenario,
          result: m.result,
          provenance: m.provenance,
          firstSeenMs: m.elapsedMs,
        });
        return;
      case 'accepted': {
        const first: AcceptedFirst = { signature: m.signature, provenance: m.provenance, elapsedMs: m.elapsedMs };
        this.state.accepted.record(m.id, m.signature, 1, first);
        this.deps.store.markAccepted(m.signature, m.id);
        this.deps.reporter?.onAccepted?.({ id: m.id, ...first });
        return;
      }
      case 'begin':
        w.lastBegin = m;
        return;
      case 'offer':
        this.onOffer(m);
        return;
      case 'fatal': {
        const e = new Error(`worker ${m.worker}: ${m.message}`);
        e.name = m.name;
        if (m.stack !== undefined) e.stack = m.stack;
        this.fail(e);
        return;
      }
    }
  }

  /** Stores a finding (or counts a repeat) and queues a new signature for minimization. */
  private onFinding(f: FindingInput): void {
    const known = this.state.signatures.get(f.signature);
    if (known !== undefined) {
      known.hits++;
      this.deps.store.hit(f.signature);
      return;
    }
    const ref = this.deps.store.add(f);
    const stored = this.deps.store.meta(f.signature);
    const record: SignatureRecord = {
      signature: f.signature,
      class: f.class,
      hits: 1,
      dir: ref.dir,
      isNew: ref.isNew,
      firstSeenMs: Math.round(f.firstSeenMs),
      provenance: f.provenance,
      ops: f.scenario.ops.length,
      minimized: ref.isNew ? null : (stored?.minimized ?? null),
      minimizeNote: null,
    };
    this.state.signatures.set(f.signature, record);
    if (ref.isNew) this.state.lastNewMs = Math.max(this.state.lastNewMs ?? 0, f.firstSeenMs);
    // On disk (finding and checkpoint) before it is reported: a kill after the report loses nothing.
    this.checkpoint();
    this.deps.reporter?.onFinding?.(record);
    if (!ref.isNew && record.minimized !== null) {
      record.minimizeNote = 'minimized by an earlier campaign';
    } else if (f.result === null) {
      record.minimizeNote = 'not minimized: a hang is not replayed';
    } else if (!this.opts.plan.minimize.enabled) {
      record.minimizeNote = 'not minimized (--no-minimize)';
    } else if (!this.minimizer.add(f.signature, f.scenario)) {
      record.minimizeNote = MINIMIZE_INTERRUPTED;
    }
  }

  private onOffer(m: Extract<WorkerMessage, { type: 'offer' }>): void {
    const record = this.state.signatures.get(m.signature);
    if (record === undefined) return;
    const info = { beforeOps: record.ops, afterOps: m.scenario.ops.length, oracleCalls: 0, oneMinimal: false, complete: false, elapsedMs: 0, by: 'engine' as const };
    const note = `(shrunk by the ${m.provenance.engine} engine; replay it to see the divergence)`;
    if (this.deps.store.setMinimized(m.signature, m.scenario, info, note)) {
      record.minimized = info;
      this.deps.reporter?.onMinimized?.(record);
    }
  }

  private onMinimized(job: MinimizeJob, outcome: MinimizeOutcome): void {
    const record = this.state.signatures.get(job.signature)!;
    if (outcome.ok) {
      if (this.deps.store.setMinimized(job.signature, outcome.scenario, outcome.info, outcome.report)) record.minimized = outcome.info;
      record.minimizeNote = null;
    } else {
      record.minimizeNote = outcome.reason.split('\n')[0]!;
    }
    this.deps.reporter?.onMinimized?.(record);
    this.checkpoint();
    this.maybeFinish();
  }

  /** Resume: signatures found before the kill but not minimized yet. */
  private requeueUnminimized(): void {
    if (!this.opts.plan.minimize.enabled) return;
    for (const r of this.state.signatures.values()) {
      const pending = r.minimizeNote === null || r.minimizeNote === MINIMIZE_INTERRUPTED;
      if (r.minimized !== null || !pending || !r.isNew || r.class === 'hang') continue;
      r.minimizeNote = null;
      try {
        this.minimizer.add(r.signature, loadScenarioFile(join(r.dir, 'scenario.json')));
      } catch {
        r.minimizeNote = 'not minimized: its scenario.json could not be read on resume';
      }
    }
  }

  private onExit(w: Live, info: { code: number; error?: Error }): void {
    this.state.liveWorkers--;
    const handle = w.handle!;
    w.handle = null;
    if (w.finished || this.stopping) {
      w.finished = true;
      this.maybeFinish();
      return;
    }
    const slots = handle.slots;
    if (info.error !== undefined && slots[SLOT_SEQ] === 0) {
      // Died before running anything (a module that fails to load, a broken engine): restarting
      // would only repeat it. A harness problem, not a finding.
      w.finished = true;
      this.fail(info.error);
      return;
    }
    // Died without its last message: skip the case it was running, restart it.
    const skip = slots[SLOT_RUNNING] === 1 ? 1 : 0;
    const c = this.state.checkpoints[w.slot.worker];
    this.absorbUnreported(w, slots[SLOT_DONE]! + skip);
    const why = info.error !== undefined ? `${info.error.name}: ${info.error.message}` : `exit code ${info.code}`;
    this.event({ type: 'died', worker: w.slot.worker, elapsedMs: this.state.elapsedMs, detail: `${why}; case ${c.done - skip}${skip ? ' skipped' : ''}` });
    this.restart(w);
  }

  /**
   * A worker ended without reporting its last cases (its delta dies with it): count them as
   * scenarios so counts and checkpoints agree. Their ops, outcome mix and repeat hits are lost
   * (at most one progress interval); their first sightings were reported when they happened.
   */
  private absorbUnreported(w: Live, done: number): void {
    const c = this.state.checkpoints[w.slot.worker];
    if (done > c.done) this.state.stats.scenarios += done - c.done;
    c.done = Math.max(c.done, done);
  }

  private restart(w: Live): void {
    const c = this.state.checkpoints[w.slot.worker];
    if (c.restarts >= MAX_RESTARTS) {
      w.finished = true;
      this.event({ type: 'abandoned', worker: w.slot.worker, elapsedMs: this.state.elapsedMs, detail: `restarted ${c.restarts} times; left stopped` });
      this.maybeFinish();
      return;
    }
    c.restarts++;
    this.event({ type: 'restarted', worker: w.slot.worker, elapsedMs: this.state.elapsedMs, detail: `from case ${c.done} (restart ${c.restarts})` });
    this.checkpoint();
    this.start(w);
    this.maybeFinish();
  }

  /** Periodic: Ctrl-C, and (threads) a scenario running past the time limit. */
  private watchdog(): void {
    this.guard(() => {
      if (!this.stopping && this.deps.stopRequested?.() === true) this.stop(true);
      if (this.deps.launcher.kind !== 'threads') return;
      const now = this.deps.clock();
      for (const w of this.live) {
        if (w.handle === null) continue;
        const seq = w.handle.slots[SLOT_SEQ]!;
        if (w.handle.slots[SLOT_RUNNING] !== 1 || seq !== w.watch.seq) {
          w.watch = { seq, since: now };
        } else if (now - w.watch.since >= this.opts.plan.scenarioTimeoutMs) {
          this.onHang(w);
        }
      }
    });
  }

  private onHang(w: Live): void {
    const handle = w.handle!;
    const h: HangFinding | undefined = detectHang(this.opts.plan, w.slot, handle.slots, w.lastBegin);
    w.generation++; // its exit is expected now: ignore it
    w.handle = null;
    this.state.liveWorkers--;
    void handle.terminate();
    const c = this.state.checkpoints[w.slot.worker];
    this.absorbUnreported(w, handle.slots[SLOT_DONE]! + 1);
    const detail = h === undefined ? 'scenario unknown' : `${h.finding.signature} (case ${c.done - 1})`;
    this.event({ type: 'hang', worker: w.slot.worker, elapsedMs: this.state.elapsedMs, detail });
    if (h !== undefined) {
      const entry = this.opts.ledger?.entries.find((e) => h.accepts(e.match));
      if (entry !== undefined) {
        this.state.stats.accepted++;
        this.state.accepted.record(entry.id, h.finding.signature, 1, { signature: h.finding.signature, provenance: h.finding.provenance, elapsedMs: this.state.elapsedMs });
      } else {
        this.state.stats.divergent++;
        this.onFinding({ ...h.finding, firstSeenMs: this.state.elapsedMs });
      }
    }
    if (this.stopping) {
      w.finished = true;
      this.maybeFinish();
    } else {
      this.restart(w);
    }
  }

  private event(e: WorkerEventRecord): void {
    this.state.events.push(e);
    this.deps.reporter?.onWorkerEvent?.(e);
  }

  private stop(interrupted: boolean): void {
    if (this.stopping) return;
    this.stopping = true;
    this.interrupted ||= interrupted;
    this.minimizer.cancel();
    for (const w of this.live) w.handle?.requestStop();
  }

  private fail(e: Error): void {
    this.fatal ??= e;
    this.stop(false);
    this.maybeFinish();
  }

  private checkpoint(): void {
    this.nextCheckpoint = this.state.elapsedMs + (this.opts.checkpointIntervalMs ?? 5000);
    this.deps.store.flush();
    writeCampaignFile(this.opts.dir, this.state.toFile('running', this.deps.versions, this.deps.launcher.kind));
  }

  private maybeFinish(): void {
    if (this.settled) return;
    if (this.live.some((w) => w.handle !== null || !w.finished)) return;
    if (this.minimizer.busy) return;
    this.settled = true;
    clearInterval(this.timer);
    try {
      this.deps.store.flush();
      const status = this.interrupted || this.fatal !== undefined ? 'interrupted' : 'finished';
      const file = this.state.toFile(status, this.deps.versions, this.deps.launcher.kind);
      writeCampaignFile(this.opts.dir, file);
      if (this.fatal !== undefined) this.reject(this.fatal);
      else this.resolve({ file, state: this.state, interrupted: this.interrupted });
    } catch (e) {
      this.reject(this.fatal ?? (e instanceof Error ? e : new Error(String(e))));
    }
  }
}
