// Per-operation event log: ordered MMU events, with KVM's request semantics for flushes
// (a request is a bit, so each flush scope appears at most once per operation, at its first request).
import type { FlushScope, MmuEvent, U64 } from '../backend.js';

const NO_EVENTS: readonly MmuEvent[] = Object.freeze([]);

const FLUSH_BIT: Readonly<Record<FlushScope, number>> = { guest: 1, current: 2, gva: 4, remote: 8 };

export class EventLog {
  private list: MmuEvent[] | null = null;
  private flushMask = 0;

  /** Starts a new operation. */
  begin(): void {
    this.list = null;
    this.flushMask = 0;
  }

  push(e: MmuEvent): void {
    if (this.list === null) this.list = [e];
    else this.list.push(e);
  }

  /** kvm_make_request for a TLB flush: deduplicated within the operation. */
  requestFlush(scope: FlushScope, gva?: U64): void {
    const bit = FLUSH_BIT[scope];
    if ((this.flushMask & bit) !== 0) return;
    this.flushMask |= bit;
    this.push(gva === undefined ? { type: 'flush', scope } : { type: 'flush', scope, gva });
  }

  /** Was a flush of this scope requested during the current operation? */
  isRequested(scope: FlushScope): boolean {
    return (this.flushMask & FLUSH_BIT[scope]) !== 0;
  }

  /** The events of the current operation (a shared empty array when there are none). */
  take(): readonly MmuEvent[] {
    const l = this.list;
    this.list = null;
    return l ?? NO_EVENTS;
  }
}
