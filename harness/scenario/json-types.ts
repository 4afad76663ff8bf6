// TypeScript shapes of the format-1 JSON documents: a scenario (as schema.ts constrains it) and
// the observation lines of `replay --json`. Hex strings carry every 64-bit quantity.
import type {
  AccessKind,
  CpuFeature,
  FlushScope,
  MemslotAction,
  MemslotFlag,
  Outcome,
  Reg,
  TdpKind,
  ZapReason,
} from '../../mmus/backend.js';

/** "0x" and 1 to 16 hex digits. */
export type Hex = string;

export interface MemslotJson {
  slot: number;
  gpa: Hex;
  size: Hex;
  flags?: MemslotFlag[];
}

export interface ConfigJson {
  cpu: { maxphyaddr: number; features: CpuFeature[] };
  host: { tdp: TdpKind; ept_ad?: boolean; mbec?: boolean };
  memslots: MemslotJson[];
}

export type OpJson =
  | { op: 'write'; gpa: Hex; value: Hex; size: 1 | 2 | 4 | 8 }
  | { op: 'read'; gpa: Hex; size: 1 | 2 | 4 | 8 }
  | { op: 'access' | 'gva_to_gpa'; gva: Hex; kind: AccessKind; cpl: 0 | 1 | 2 | 3; implicit?: boolean }
  | { op: 'set'; reg: Reg; value: Hex }
  | { op: 'invlpg'; gva: Hex }
  | { op: 'invpcid'; type: number; pcid: number; gva: Hex }
  | { op: 'memslot'; action: MemslotAction; slot: number; gpa?: Hex; size?: Hex; flags?: MemslotFlag[] }
  | { op: 'check' };

export interface ScenarioJson {
  format: string;
  name?: string;
  description?: string;
  config: ConfigJson;
  ops: OpJson[];
}

export type EventJson =
  | { type: 'set_ad'; gpa: Hex; value: Hex }
  | { type: 'map'; gfn: Hex; level: number; spte: Hex }
  | { type: 'zap'; gfn: Hex; level: number; role: Hex; reason: ZapReason }
  | { type: 'sp'; gfn: Hex; level: number; role: Hex }
  | { type: 'zap_sp'; gfn: Hex; level: number; role: Hex; reason: ZapReason }
  | { type: 'unsync'; gfn: Hex; role: Hex }
  | { type: 'sync'; gfn: Hex; role: Hex }
  | { type: 'mmio_spte'; gfn: Hex }
  | { type: 'wrprot'; gfn: Hex; level: number }
  | { type: 'dirty'; gfn: Hex }
  | { type: 'flush'; scope: FlushScope; gva?: Hex };

export interface ObservationJson {
  i: number;
  outcome: Outcome;
  gpa?: Hex;
  hpa?: Hex;
  level?: number;
  value?: Hex;
  error_code?: Hex;
  address?: Hex;
  to?: 'L1' | 'L2';
  events: EventJson[];
  /** check: the backend's canonical digest of its MMU's page tables (kvm backends). */
  digest?: string;
  /** Architectural backends: the other outcomes the architecture allows (same shape, no `i`). */
  alternatives?: Omit<ObservationJson, 'i'>[];
}

/** vCPU control-register state in reports (divergences). */
export interface VcpuStateJson {
  cr0: Hex;
  cr3: Hex;
  cr4: Hex;
  efer: Hex;
  pkru: Hex;
  rflags: Hex;
}
