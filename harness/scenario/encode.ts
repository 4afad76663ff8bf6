// Parsed values -> format-1 JSON: scenarios (the inverse of parseScenario) and the observation
// and event objects of `replay --json`. Key order is fixed and absent or default fields are
// omitted, so the same value always encodes to the same text.
import {
  CPU_FEATURES,
  type Config,
  type MmuEvent,
  type Observation,
  type Op,
  type VcpuState,
} from '../../mmus/backend.js';
import { u64FromNumber, u64ToHex } from '../../mmus/x86/u64.js';
import type {
  ConfigJson,
  EventJson,
  Hex,
  MemslotJson,
  ObservationJson,
  OpJson,
  ScenarioJson,
  VcpuStateJson,
} from './json-types.js';
import type { Scenario } from './scenario.js';

/** The v1 document; parseScenario(scenarioToJson(s)) deep-equals s. */
export function scenarioToJson(s: Scenario): ScenarioJson {
  return {
    format: s.format,
    ...(s.name !== undefined ? { name: s.name } : {}),
    ...(s.description !== undefined ? { description: s.description } : {}),
    config: configToJson(s.config),
    ops: s.ops.map(opToJson),
  };
}

export function configToJson(c: Config): ConfigJson {
  const host: ConfigJson['host'] = { tdp: c.host.tdp };
  // ept_ad is spelled out for EPT hosts (it matters there), elsewhere only when not default;
  // shadow paging has no EPT, so it is never written there.
  if (c.host.tdp === 'ept' || (c.host.tdp === 'npt' && !c.host.eptAd)) host.ept_ad = c.host.eptAd;
  if (c.host.mbec) host.mbec = true;
  return {
    cpu: { maxphyaddr: c.cpu.maxphyaddr, features: CPU_FEATURES.filter((f) => c.cpu.features.has(f)) },
    host,
    memslots: c.memslots.map((m) => {
      const slot: MemslotJson = { slot: m.slot, gpa: numHex(m.gpa), size: numHex(m.size) };
      if (m.flags.length > 0) slot.flags = [...m.flags];
      return slot;
    }),
  };
}

/** One operation; only the fields its op (and memslot action) takes. */
export function opToJson(op: Op): OpJson {
  switch (op.op) {
    case 'write':
      return { op: 'write', gpa: numHex(op.gpa), value: u64ToHex(op.value), size: op.size };
    case 'read':
      return { op: 'read', gpa: numHex(op.gpa), size: op.size };
    case 'access':
    case 'gva_to_gpa':
      return {
        op: op.op,
        gva: u64ToHex(op.gva),
        kind: op.kind,
        cpl: op.cpl,
        ...(op.implicit ? { implicit: true } : {}),
      };
    case 'set':
      return { op: 'set', reg: op.reg, value: u64ToHex(op.value) };
    case 'invlpg':
      return { op: 'invlpg', gva: u64ToHex(op.gva) };
    case 'invpcid':
      return { op: 'invpcid', type: op.type, pcid: op.pcid, gva: u64ToHex(op.gva) };
    case 'memslot': {
      const base = { op: 'memslot' as const, action: op.action, slot: op.slot };
      switch (op.action) {
        case 'add':
          return {
            ...base,
            gpa: numHex(op.gpa),
            size: numHex(op.size),
            ...(op.flags.length > 0 ? { flags: [...op.flags] } : {}),
          };
        case 'move':
          return { ...base, gpa: numHex(op.gpa) };
        case 'flags':
          return { ...base, flags: [...op.flags] };
        case 'delete':
          return base;
      }
    }
    case 'check':
      return { op: 'check' };
  }
}

/** Observation number i of a run (i = the index of the op that produced it). */
export function observationToJson(o: Observation, i: number): ObservationJson {
  const out: Omit<ObservationJson, 'events'> = { i, outcome: o.outcome };
  if (o.gpa !== undefined) out.gpa = numHex(o.gpa);
  if (o.hpa !== undefined) out.hpa = numHex(o.hpa);
  if (o.level !== undefined) out.level = o.level;
  if (o.value !== undefined) out.value = u64ToHex(o.value);
  if (o.errorCode !== undefined) out.error_code = numHex(o.errorCode);
  if (o.address !== undefined) out.address = u64ToHex(o.address);
  if (o.to !== undefined) out.to = o.to;
  const json: ObservationJson = { ...out, events: o.events.map(eventToJson) };
  if (o.digest !== undefined) json.digest = o.digest;
  if (o.alternatives !== undefined && o.alternatives.length > 0) {
    json.alternatives = o.alternatives.map((a) => {
      const { i: _i, ...rest } = observationToJson(a, i);
      return rest;
    });
  }
  return json;
}

export function eventToJson(e: MmuEvent): EventJson {
  switch (e.type) {
    case 'set_ad':
      return { type: 'set_ad', gpa: numHex(e.gpa), value: u64ToHex(e.value) };
    case 'map':
      return { type: 'map', gfn: numHex(e.gfn), level: e.level, spte: u64ToHex(e.spte) };
    case 'zap':
      return { type: 'zap', gfn: numHex(e.gfn), level: e.level, role: numHex(e.role >>> 0), reason: e.reason };
    case 'sp':
      return { type: 'sp', gfn: numHex(e.gfn), level: e.level, role: numHex(e.role >>> 0) };
    case 'zap_sp':
      return { type: 'zap_sp', gfn: numHex(e.gfn), level: e.level, role: numHex(e.role >>> 0), reason: e.reason };
    case 'unsync':
      return { type: 'unsync', gfn: numHex(e.gfn), role: numHex(e.role >>> 0) };
    case 'sync':
      return { type: 'sync', gfn: numHex(e.gfn), role: numHex(e.role >>> 0) };
    case 'mmio_spte':
      return { type: 'mmio_spte', gfn: numHex(e.gfn) };
    case 'wrprot':
      return { type: 'wrprot', gfn: numHex(e.gfn), level: e.level };
    case 'dirty':
      return { type: 'dirty', gfn: numHex(e.gfn) };
    case 'flush':
      return e.gva !== undefined
        ? { type: 'flush', scope: e.scope, gva: u64ToHex(e.gva) }
        : { type: 'flush', scope: e.scope };
  }
}

/** The vCPU state of a divergence report, every register as hex. */
export function vcpuStateToJson(s: VcpuState): VcpuStateJson {
  return {
    cr0: numHex(s.cr0 >>> 0),
    cr3: u64ToHex(s.cr3),
    cr4: numHex(s.cr4 >>> 0),
    efer: numHex(s.efer >>> 0),
    pkru: numHex(s.pkru >>> 0),
    rflags: numHex(s.rflags >>> 0),
  };
}

/** A non-negative integer below 2^53 (GPAs, gfns, sizes) as hex. */
function numHex(n: number): Hex {
  return u64ToHex(u64FromNumber(n));
}
