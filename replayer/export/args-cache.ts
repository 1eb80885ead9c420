/**
 * What makes a writer's encoded arguments reusable: most events of a trace repeat a message body
 * seen shortly before (the same FW request on the same CSG, the same IRQ status, the same doorbell),
 * and an event's arguments past its `event`/`cause_event` head depend on its body only.
 * `bodyFields` lists the values of the bodies of the families that repeat (FW requests, acks and
 * IRQs, doorbells, mode switches: nine events in ten of a stress trace) as numbers, and `BodyBytes`
 * keeps the bytes a writer wrote for a body under those numbers, in fixed typed arrays (nothing
 * allocated per event, nothing for the garbage collector to trace), so the next equal body is a
 * copy. A decision lists its fields between its tick and its next tick (the timeline writers write
 * those around the copy, args.ts writeEventHead/Tail). Families whose bodies rarely repeat (jobs:
 * their sequence numbers grow) list nothing and are written every time.
 */
import type { Event, SchedDecision } from '../../proto/index.js';
import type { ArgParts, ArgWriter } from './arg-writer.js';

/** Values a body of the FW families lists at most (FwRequest's 13 fields and the family). */
export const MAX_FIELDS = 14;
/** Values a decision lists at most (larger decisions are written every time). */
export const MAX_FIELDS_LONG = 320;

/**
 * Writes the family and every field of `ev`'s body into `out` and returns how many, when the
 * family's bodies repeat; else 0.
 */
export function bodyFields(ev: Event, out: Float64Array): number {
  const b = ev.body;
  switch (b.case) {
    case 'fwReq': {
      const v = b.value;
      out[0] = 1; out[1] = v.iface; out[2] = v.csg; out[3] = v.cs; out[4] = v.kind; out[5] = v.bits; out[6] = v.req;
      out[7] = v.state; out[8] = v.group; out[9] = v.endpointPriority; out[10] = v.suspendBuf; out[11] = v.protmSuspendBuf;
      out[12] = v.asNr; out[13] = v.ringbufInsert;
      return 14;
    }
    case 'fwAck': {
      const v = b.value;
      out[0] = 2; out[1] = v.iface; out[2] = v.csg; out[3] = v.cs; out[4] = v.kind; out[5] = v.bits; out[6] = v.ack;
      out[7] = v.state; out[8] = v.group; out[9] = v.statusWait; out[10] = v.blockedReason; out[11] = v.haltStatus;
      return 12;
    }
    case 'fwIrq': out[0] = 3; out[1] = b.value.line; out[2] = b.value.status; out[3] = b.value.masked ? 1 : 0; return 4;
    case 'doorbell': out[0] = 4; out[1] = b.value.id; out[2] = b.value.csgMask; out[3] = b.value.csMask; return 4;
    case 'modeSwitch': {
      const v = b.value;
      out[0] = 5; out[1] = v.from; out[2] = v.to; out[3] = v.cause; out[4] = v.group; out[5] = v.csg; out[6] = v.gpuStatus;
      return 7;
    }
    case 'decision': return decisionFields(b.value, out);
    default: return 0;
  }
}

/** A decision's fields from `trigger` to `timeslice` (args-fast.ts decisionMiddle), or 0 when they do not fit `out`. */
function decisionFields(d: SchedDecision, out: Float64Array): number {
  const n = 12 + d.inputs.length * 10 + d.slots.length * 4 + d.evicted.length + d.reasons.length * 2;
  if (n > out.length) return 0;
  let k = 0;
  out[k++] = 6; out[k++] = d.trigger; out[k++] = d.fullTick ? 1 : 0;
  out[k++] = d.inputs.length;
  for (const r of d.inputs) {
    out[k++] = r.group; out[k++] = r.priority; out[k++] = r.idle ? 1 : 0; out[k++] = r.protmPending ? 1 : 0; out[k++] = r.csgSlot;
    out[k++] = r.csgPriority; out[k++] = r.canRun ? 1 : 0; out[k++] = r.isProtected ? 1 : 0; out[k++] = r.vmId; out[k++] = r.waiting ? 1 : 0;
  }
  out[k++] = d.slots.length;
  for (const s of d.slots) { out[k++] = s.slot; out[k++] = s.group; out[k++] = s.csgPriority; out[k++] = s.action; }
  out[k++] = d.evicted.length;
  for (const g of d.evicted) out[k++] = g;
  out[k++] = d.protm; out[k++] = d.protmRule; out[k++] = d.protmGroup;
  out[k++] = d.reasons.length;
  for (const r of d.reasons) { out[k++] = r.group; out[k++] = r.rule; }
  out[k++] = d.freeAs; out[k++] = d.timeslice ? 1 : 0;
  return k;
}

/**
 * Encoded bytes per body, direct-mapped by a hash of its fields (a body whose slot another took is
 * written again), in fixed typed arrays: `slots` slots of at most `slotBytes` bytes and `maxFields`
 * fields (the FW families: 4096 × 192 bytes; decisions: 512 × 2048 bytes), a few MB whatever the trace.
 */
export class BodyBytes {
  private readonly fields: Float64Array;
  private readonly counts: Uint16Array;
  private readonly lengths: Uint16Array;
  private readonly bytes: Uint8Array;
  constructor(private readonly slots: number, private readonly slotBytes: number, private readonly maxFields: number) {
    this.fields = new Float64Array(slots * maxFields);
    this.counts = new Uint16Array(slots);
    this.lengths = new Uint16Array(slots);
    this.bytes = new Uint8Array(slots * slotBytes);
  }

  /** The slot of body `f[0..n)` (n > 0). */
  private slot(f: Float64Array, n: number): number {
    let h = 0x811c9dc5;
    for (let k = 0; k < n; k++) {
      const v = f[k]!;
      h = Math.imul(h ^ (v | 0), 0x9e3779b1);
      if (v > 0x7fffffff || v < -0x80000000) h = Math.imul(h ^ ((v / 4294967296) | 0), 0x85ebca6b);
      h ^= h >>> 15;
    }
    return h & (this.slots - 1);
  }

  /** The length of the bytes slot `s` holds for body `f[0..n)`, or -1 when it holds another body's. */
  private find(s: number, f: Float64Array, n: number): number {
    if (this.counts[s] !== n) return -1;
    const base = s * this.maxFields;
    for (let k = 0; k < n; k++) if (this.fields[base + k] !== f[k]) return -1;
    return this.lengths[s]!;
  }

  /** The slot the last copyTo looked in. */
  private last = 0;

  /**
   * Copies body `f[0..n)`'s kept bytes to `out` at its position (after `need(len)`, which may
   * replace its buffer) and returns true; or returns false: the caller writes the body, then may
   * keep what it wrote (keepWritten).
   */
  copyTo(f: Float64Array, n: number, out: ByteOut, need: (n: number) => void): boolean {
    const s = this.slot(f, n);
    this.last = s;
    const len = this.find(s, f, n);
    if (len < 0) return false;
    need(len);
    const to = out.buf, at = out.pos, from = s * this.slotBytes;
    if (len <= 24) for (let k = 0; k < len; k++) to[at + k] = this.bytes[from + k]!;
    else to.set(this.bytes.subarray(from, from + len), at);
    out.pos = at + len;
    return true;
  }

  /** Keeps `out.buf[start, out.pos)` as body `f[0..n)`'s bytes (after a copyTo that returned false; not when longer than a slot). */
  keepWritten(f: Float64Array, n: number, out: ByteOut, start: number): void {
    const s = this.last, len = out.pos - start;
    if (len > this.slotBytes || n > this.maxFields) { this.counts[s] = 0; return; }
    this.counts[s] = n;
    this.fields.set(f.subarray(0, n), s * this.maxFields);
    this.lengths[s] = len;
    this.bytes.set(out.buf.subarray(start, out.pos), s * this.slotBytes);
  }
}

/** Where a writer's bytes land: its buffer (which `need` may replace) and position. */
export interface ByteOut {
  readonly buf: Uint8Array;
  pos: number;
}

/** The argument bodies a writer has written, by their fields: FW families and decisions apart. */
export class ArgBodies {
  private readonly short: BodyBytes;
  private readonly long: BodyBytes;
  /**
   * Slots of `shortBytes` (4096 of them) and `longBytes` (512), and when a written body's bytes may
   * be reused: `stamp()` the same before and after writing it (Perfetto: nothing newly interned).
   */
  constructor(shortBytes: number, longBytes: number, private readonly out: ByteOut, private readonly need: (n: number) => void,
              private readonly stamp: () => number = () => 0) {
    this.short = new BodyBytes(1 << 12, shortBytes, MAX_FIELDS);
    this.long = new BodyBytes(1 << 9, longBytes, MAX_FIELDS_LONG);
  }

  /** Writes `a` through `w` (whose bytes land in the ByteOut): head, body (copied when kept before, else written and kept), tail. */
  write(a: ArgParts, w: ArgWriter): void {
    const out = this.out;
    a.writeHead(w);
    const c = a.count <= MAX_FIELDS ? this.short : this.long;
    if (!c.copyTo(a.fields, a.count, out, this.need)) {
      const start = out.pos;
      const stamp = this.stamp();
      a.writeBody(w);
      if (this.stamp() === stamp) c.keepWritten(a.fields, a.count, out, start);
    }
    a.writeTail(w);
  }
}
