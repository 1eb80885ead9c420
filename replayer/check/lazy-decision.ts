/**
 * The check's decoding of a scheduling decision: everything but `reasons` at once, the reasons when
 * something first reads them. A decision carries a reason per group (a stress trace's decisions
 * hold 17 on average: two fifths of the objects a decision decodes to), and no rule and no handler
 * of the check reads them.
 *
 * The body is copied without its `reasons` fields into a scratch buffer (in runs: the fields come in
 * schema order) and decoded there by the generated decoder, so every other field is read exactly as
 * everywhere else; reading `reasons` decodes the whole body, in place while the event is being
 * handed out. The value is one object, reused for every decision (an event is valid until its
 * callback returns).
 *
 *   body ──► copy the runs of fields other than reasons ──► decodeSchedDecision(scratch) ──► value (reasons: a getter)
 */
import {
  decodeSchedDecision, GpuMode, ProtmVerdict, Reader, SchedDecisionFields, SchedRule, TickTrigger, type GroupReason,
  type SchedDecision, type SlotAssign,
} from '../../proto/index.js';

const F_REASONS = SchedDecisionFields.reasons;

export class LazyDecisionDecoder {
  private scratch = new Uint8Array(1024);
  private sr = new Reader(this.scratch);
  private raw: Uint8Array = this.scratch;
  private start = 0;
  private end = 0;
  private whole: SchedDecision | undefined;
  /** The decision handed out (the same object every time). */
  readonly value: SchedDecision;

  constructor() {
    const reasons: GroupReason[] = [];
    const slots: SlotAssign[] = [];
    // own properties in the schema's order, as the generated decoder makes them (JSON reads alike)
    const v = {
      tick: 0, trigger: TickTrigger.TRIGGER_PERIODIC, fullTick: false, inputs: [] as SchedDecision['inputs'], slots, evicted: [] as number[], protm: ProtmVerdict.PROTM_NONE,
      protmRule: SchedRule.RULE_NONE, protmGroup: 0, reasons, freeAs: 0, timeslice: false, nextTickNs: 0, mode: GpuMode.MODE_NORMAL,
    };
    Object.defineProperty(v, 'reasons', { enumerable: true, get: () => this.full().reasons });
    this.value = v;
  }

  private full(): SchedDecision {
    if (this.whole === undefined) this.whole = decodeSchedDecision(new Reader(this.raw, this.start), this.end, 2);
    return this.whole;
  }

  /**
   * Decodes the decision in `r.buf` from `r.pos` to `end` into `value` and leaves `r.pos` at `end`.
   * A body without reasons, or one that is not well formed, is decoded whole, in place (the
   * generated decoder judges a bad one).
   */
  decode(r: Reader, end: number): SchedDecision {
    const raw = r.buf;
    const start = r.pos;
    this.raw = raw;
    this.start = start;
    this.end = end;
    if (this.scratch.length < end - start) { this.scratch = new Uint8Array(2 * (end - start)); this.sr = new Reader(this.scratch); }
    const sc = this.scratch;
    let out = 0;
    let p = start;
    let run = start; // start of the run of kept fields being read
    while (p < end) {
      const from = p;
      r.pos = p;
      const tag = r.uint32();
      p = r.pos;
      const wt = tag & 7;
      if (wt === 0) { while (p < end && raw[p]! >= 128) p++; p++; } else if (wt === 2) { r.pos = p; const l = r.uint32(); p = r.pos + l; } else if (wt === 1) p += 8; else if (wt === 5) p += 4; else { p = -1; break; }
      if (p > end) { p = -1; break; }
      if (tag >>> 3 !== F_REASONS) continue;
      if (from > run) { sc.set(raw.subarray(run, from), out); out += from - run; }
      run = p;
    }
    let m: SchedDecision;
    if (p < 0 || run === start) {
      r.pos = start;
      m = decodeSchedDecision(r, end, 2);
      this.whole = m;
    } else {
      if (end > run) { sc.set(raw.subarray(run, end), out); out += end - run; }
      this.sr.pos = 0;
      m = decodeSchedDecision(this.sr, out, 2);
      this.whole = undefined;
      r.pos = end;
    }
    const v = this.value;
    v.tick = m.tick; v.trigger = m.trigger; v.fullTick = m.fullTick; v.inputs = m.inputs; v.slots = m.slots; v.evicted = m.evicted;
    v.protm = m.protm; v.protmRule = m.protmRule; v.protmGroup = m.protmGroup; v.freeAs = m.freeAs; v.timeslice = m.timeslice;
    v.nextTickNs = m.nextTickNs; v.mode = m.mode;
    return v;
  }
}
