// Simplification steps for the config, simplest first: CPU features dropped one at a time,
// memslots dropped, unflagged and halved, MAXPHYADDR lowered (36 first). The tester refuses a
// step that makes the scenario invalid (a GPA above the new MAXPHYADDR) without an oracle call.
import { CPU_FEATURES, type Config, type MemslotSpec } from '../../mmus/backend.js';
import type { Step } from './op-steps.js';

const MAXPHYADDR_MIN = 36;
const PAGE = 0x1000;
/** Halvings tried per memslot per round (2^20 pages down to one). */
const HALVINGS = 20;

function withSlots(c: Config, memslots: readonly MemslotSpec[]): Config {
  return { ...c, memslots };
}

function onSlot(id: number, change: (m: MemslotSpec) => MemslotSpec | null | undefined): Step<Config> {
  return (c) => {
    const k = c.memslots.findIndex((m) => m.slot === id);
    if (k < 0) return undefined;
    const next = change(c.memslots[k]);
    if (next === undefined) return undefined;
    const slots = c.memslots.slice();
    if (next === null) slots.splice(k, 1);
    else slots[k] = next;
    return withSlots(c, slots);
  };
}

/** Every simplification step for configs like `config`, simplest first. */
export function configSteps(config: Config): Step<Config>[] {
  const steps: Step<Config>[] = [];
  for (const f of CPU_FEATURES) {
    steps.push((c) => {
      if (!c.cpu.features.has(f)) return undefined;
      const features = new Set(c.cpu.features);
      features.delete(f);
      return { ...c, cpu: { ...c.cpu, features } };
    });
  }
  for (const m of [...config.memslots].reverse()) {
    steps.push(onSlot(m.slot, () => null));
    steps.push(onSlot(m.slot, (s) => (s.flags.length > 0 ? { ...s, flags: [] } : undefined)));
    for (let k = 0; k < HALVINGS; k++) {
      steps.push(onSlot(m.slot, (s) => (s.size >= 2 * PAGE && s.size % (2 * PAGE) === 0 ? { ...s, size: s.size / 2 } : undefined)));
    }
  }
  for (let bits = MAXPHYADDR_MIN; bits < config.cpu.maxphyaddr; bits++) {
    steps.push((c) => (bits < c.cpu.maxphyaddr ? { ...c, cpu: { ...c.cpu, maxphyaddr: bits } } : undefined));
  }
  return steps;
}
