/**
 * The outcome of a scheduling decision as a small integer, for alignment.
 *
 * A decision's outcome is what the GPU will do: the slot assignment (slot, group identity, CSG
 * priority unless evicted, action), the evictions, and the protected-mode verdict with its group.
 * Its reason (trigger and rule) is kept beside it (`lastTrigger`, `lastRule`): two decisions with
 * the same outcome for different reasons are the same to the GPU. Times, tick numbers, raw handles,
 * the run-queue snapshot and the per-group explanations are not part of it: the first three shift
 * between any two runs, and the last two are the decision's inputs and reasons, shown but not compared.
 *
 * A decision is flattened to int32 words, hashed (two 32-bit FNV-style lanes → one 53-bit number),
 * and interned: equal content → equal id, verified word by word, so a hash collision can never make
 * two different decisions equal.
 */
import {
  ProtmVerdict, ProtoDecodeError, SlotAction, SchedDecisionFields as D, SlotAssignFields as S, type Reader, type SchedDecision,
} from '../../proto/index.js';

/** Tags of the SchedDecision fields idOfBytes reads (field numbers from csftrace.proto: proto/gen/fields.ts). */
const TAG_TRIGGER = D.trigger << 3, TAG_PROTM = D.protm << 3, TAG_RULE = D.protmRule << 3, TAG_PGROUP = D.protmGroup << 3;
const TAG_SLOTS = (D.slots << 3) | 2, TAG_EVICTED_PACKED = (D.evicted << 3) | 2, TAG_EVICTED = D.evicted << 3;
/** SlotAssign's fields, read into a slot's four words. */
const S_SLOT = S.slot, S_GROUP = S.group, S_PRIO = S.csgPriority, S_ACTION = S.action;

export class DecisionInterner {
  private readonly byHash = new Map<number, number>();
  private readonly byText = new Map<string, number>();
  private readonly keys: Int32Array[] = [];
  private scratch = new Int32Array(64);

  get size(): number { return this.keys.length; }

  // Raw decision fields, gathered by idOf (from a decoded message) or idOfBytes (from the wire).
  private slotRaw = new Int32Array(64);   // slot, group handle, csg priority, action
  private evRaw = new Int32Array(16);     // evicted handles
  private lastSlots = 0;
  private lastEvicted = 0;
  private lastProtm = 0;
  /** Trigger and protected-mode rule of the decision last interned. */
  lastTrigger = 0;
  lastRule = 0;

  /**
   * Whether the decision last interned changes nothing on the GPU: every slot kept with the group
   * and CSG priority it had after the previous decision, no eviction, no protected-mode transition.
   * `slotPrio` (slot → group handle · 256 + CSG priority, -1 = empty; slots past its length are
   * not remembered) is the caller's per-trace memory of the previous assignment; it is updated here.
   */
  lastIsNoop(slotPrio: Float64Array): boolean {
    const sr = this.slotRaw;
    let noop = this.lastEvicted === 0
      && (this.lastProtm === ProtmVerdict.PROTM_NONE || this.lastProtm === ProtmVerdict.PROTM_KEEP
        || this.lastProtm === ProtmVerdict.PROTM_DENIED || this.lastProtm === ProtmVerdict.PROTM_DEFERRED);
    for (let i = 0; i < this.lastSlots; i++) {
      const slot = sr[i * 4]!, group = sr[i * 4 + 1]!, prio = sr[i * 4 + 2]!, action = sr[i * 4 + 3]!;
      const known = slot < slotPrio.length;
      if (action === SlotAction.SLOT_EMPTY) { if (known) slotPrio[slot] = -1; continue; }
      const held = group * 256 + prio;
      if (action !== SlotAction.SLOT_KEEP || !known || slotPrio[slot] !== held) noop = false;
      if (known) slotPrio[slot] = action === SlotAction.SLOT_SUSPEND || action === SlotAction.SLOT_TERMINATE || group === 0 ? -1 : held;
    }
    return noop;
  }

  /**
   * Interned id of a decision's content. `groupId` maps a raw handle to its identity id (shared
   * between the two traces of a diff).
   */
  idOf(d: SchedDecision, groupId: (handle: number) => number): number {
    const slots = d.slots, evicted = d.evicted;
    this.reserve(slots.length, evicted.length);
    const sr = this.slotRaw, er = this.evRaw;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      sr[i * 4] = s.slot; sr[i * 4 + 1] = s.group; sr[i * 4 + 2] = s.csgPriority; sr[i * 4 + 3] = s.action;
    }
    for (let i = 0; i < evicted.length; i++) er[i] = evicted[i]!;
    return this.build(d.trigger, d.protm, d.protmRule, d.protmGroup, slots.length, evicted.length, groupId);
  }

  /**
   * The same id read straight from an encoded SchedDecision in `r` up to `end` (fields trigger,
   * slots, evicted, protm, protm_rule, protm_group; the rest skipped): no objects made.
   */
  idOfBytes(r: Reader, end: number, groupId: (handle: number) => number): number {
    let trigger = 0, protm = 0, rule = 0, pgroup = 0, ns = 0, ne = 0;
    while (r.pos < end) {
      const tag = r.uint32();
      switch (tag) {
        case TAG_TRIGGER: trigger = r.uint32(); break;
        case TAG_PROTM: protm = r.uint32(); break;
        case TAG_RULE: rule = r.uint32(); break;
        case TAG_PGROUP: pgroup = r.uint32(); break;
        case TAG_SLOTS: {
          const l = r.uint32();
          const sEnd = r.pos + l;
          if (sEnd > end) throw new ProtoDecodeError('slot assignment runs past the decision', r.pos);
          this.reserve(ns + 1, ne);
          const sr = this.slotRaw, o = ns * 4;
          sr[o] = 0; sr[o + 1] = 0; sr[o + 2] = 0; sr[o + 3] = 0;
          while (r.pos < sEnd) {
            const t2 = r.uint32();
            const f = t2 >>> 3;
            // the slot's words in the order of idOf: slot, group, CSG priority, action
            const k = f === S_SLOT ? 0 : f === S_GROUP ? 1 : f === S_PRIO ? 2 : f === S_ACTION ? 3 : -1;
            if ((t2 & 7) === 0 && k >= 0) sr[o + k] = r.uint32();
            else r.skip(t2 & 7, sEnd);
          }
          ns++;
          break;
        }
        case TAG_EVICTED_PACKED: {
          const l = r.uint32();
          const pEnd = r.pos + l;
          if (pEnd > end) throw new ProtoDecodeError('evicted list runs past the decision', r.pos);
          while (r.pos < pEnd) { this.reserve(ns, ne + 1); this.evRaw[ne++] = r.uint32(); }
          break;
        }
        case TAG_EVICTED: this.reserve(ns, ne + 1); this.evRaw[ne++] = r.uint32(); break;
        default: r.skip(tag & 7, end);
      }
    }
    return this.build(trigger, protm, rule, pgroup, ns, ne, groupId);
  }

  private reserve(slots: number, evicted: number): void {
    if (this.slotRaw.length < slots * 4) { const x = new Int32Array(slots * 8); x.set(this.slotRaw); this.slotRaw = x; }
    if (this.evRaw.length < evicted) { const x = new Int32Array(evicted * 2); x.set(this.evRaw); this.evRaw = x; }
  }

  /** The outcome words from the raw fields: [protm, protm group, nslots, slots sorted by slot..., nevicted, evicted ids sorted...]. */
  private build(trigger: number, protm: number, rule: number, pgroup: number, ns: number, ne: number,
                groupId: (handle: number) => number): number {
    this.lastTrigger = trigger;
    this.lastRule = rule;
    this.lastProtm = protm;
    this.lastSlots = ns;
    this.lastEvicted = ne;
    const need = 4 + ns * 4 + ne;
    if (this.scratch.length < need) this.scratch = new Int32Array(need * 2);
    const w = this.scratch, sr = this.slotRaw, er = this.evRaw;
    let n = 0;
    w[n++] = protm;
    w[n++] = pgroup === 0 ? 0 : groupId(pgroup);
    const slotsAt = n++;
    let used = 0;
    // Slots in slot order (producers list them so already; sort defensively, insertion sort is tiny).
    const first = n;
    for (let i = 0; i < ns; i++) {
      const slot = sr[i * 4]!, group = sr[i * 4 + 1]!, prio = sr[i * 4 + 2]!, action = sr[i * 4 + 3]!;
      if (group === 0 && action === SlotAction.SLOT_EMPTY) continue;
      let p = first + used * 4;
      while (p > first && w[p - 4]! > slot) { w[p] = w[p - 4]!; w[p + 1] = w[p - 3]!; w[p + 2] = w[p - 2]!; w[p + 3] = w[p - 1]!; p -= 4; }
      // An evicted slot's CSG priority means nothing (the group leaves): compare it as 0.
      const leaving = action === SlotAction.SLOT_SUSPEND || action === SlotAction.SLOT_TERMINATE;
      w[p] = slot; w[p + 1] = group === 0 ? 0 : groupId(group); w[p + 2] = leaving ? 0 : prio; w[p + 3] = action;
      used++;
    }
    w[slotsAt] = used;
    n = first + used * 4;
    w[n++] = ne;
    const ev0 = n;
    for (let i = 0; i < ne; i++) {
      const id = groupId(er[i]!);
      let p = ev0 + i;
      while (p > ev0 && w[p - 1]! > id) { w[p] = w[p - 1]!; p--; }
      w[p] = id;
    }
    n += ne;
    return this.intern(w, n);
  }

  private intern(w: Int32Array, n: number): number {
    let h1 = 0x811c9dc5 | 0, h2 = 0x9747b28c | 0;
    for (let i = 0; i < n; i++) {
      const x = w[i]!;
      h1 = Math.imul(h1 ^ x, 0x01000193);
      h2 = Math.imul(h2 ^ (x + 0x7f4a7c15), 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    h1 = Math.imul(h1 ^ n, 0x01000193);
    const hash = (h1 >>> 0) * 0x200000 + (h2 >>> 11);
    const id = this.byHash.get(hash);
    if (id !== undefined) {
      if (sameWords(this.keys[id]!, w, n)) return id;
      // A collision (never seen in practice): fall back to exact text keys for this content.
      const text = Array.prototype.join.call(w.subarray(0, n), ',');
      let tid = this.byText.get(text);
      if (tid === undefined) { tid = this.keys.length; this.keys.push(w.slice(0, n)); this.byText.set(text, tid); }
      return tid;
    }
    const nid = this.keys.length;
    this.keys.push(w.slice(0, n));
    this.byHash.set(hash, nid);
    return nid;
  }
}

function sameWords(k: Int32Array, w: Int32Array, n: number): boolean {
  if (k.length !== n) return false;
  for (let i = 0; i < n; i++) if (k[i] !== w[i]) return false;
  return true;
}
