/**
 * The content of a scheduling decision as a small integer, for alignment.
 *
 * Two decisions are "the same" when they were taken for the same trigger and produced the same
 * outcome: the slot assignment (slot, group identity, CSG priority unless evicted, action), the evictions and the
 * protected-mode verdict with its rule and group. Times, tick numbers, raw handles, the run-queue
 * snapshot and the per-group explanations are not part of the content: the first three shift between
 * any two runs, and the last two are the decision's inputs and reasons, shown but not compared.
 *
 * A decision is flattened to int32 words, hashed (two 32-bit FNV-style lanes → one 53-bit number),
 * and interned: equal content → equal id, verified word by word, so a hash collision can never make
 * two different decisions equal.
 */
import { SlotAction, type SchedDecision } from '../../proto/index.js';

export class DecisionInterner {
  private readonly byHash = new Map<number, number>();
  private readonly byText = new Map<string, number>();
  private readonly keys: Int32Array[] = [];
  private scratch = new Int32Array(64);

  get size(): number { return this.keys.length; }

  /**
   * Interned id of a decision's content. `groupId` maps a raw handle to its identity id (shared
   * between the two traces of a diff).
   */
  idOf(d: SchedDecision, groupId: (handle: number) => number): number {
    const slots = d.slots, evicted = d.evicted;
    const need = 6 + slots.length * 4 + evicted.length;
    if (this.scratch.length < need) this.scratch = new Int32Array(need * 2);
    const w = this.scratch;
    let n = 0;
    w[n++] = d.trigger;
    w[n++] = d.protm;
    w[n++] = d.protmRule;
    w[n++] = d.protmGroup === 0 ? 0 : groupId(d.protmGroup);
    const slotsAt = n++;
    let used = 0;
    // Slots in slot order (producers list them so already; sort defensively, insertion sort is tiny).
    const first = n;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i];
      if (s.group === 0 && s.action === SlotAction.SLOT_EMPTY) continue;
      let p = first + used * 4;
      while (p > first && w[p - 4] > s.slot) { w[p] = w[p - 4]; w[p + 1] = w[p - 3]; w[p + 2] = w[p - 2]; w[p + 3] = w[p - 1]; p -= 4; }
      // An evicted slot's CSG priority means nothing (the group leaves): compare it as 0.
      const leaving = s.action === SlotAction.SLOT_SUSPEND || s.action === SlotAction.SLOT_TERMINATE;
      w[p] = s.slot; w[p + 1] = s.group === 0 ? 0 : groupId(s.group); w[p + 2] = leaving ? 0 : s.csgPriority; w[p + 3] = s.action;
      used++;
    }
    w[slotsAt] = used;
    n = first + used * 4;
    w[n++] = evicted.length;
    const ev0 = n;
    for (let i = 0; i < evicted.length; i++) {
      const id = groupId(evicted[i]);
      let p = ev0 + i;
      while (p > ev0 && w[p - 1] > id) { w[p] = w[p - 1]; p--; }
      w[p] = id;
    }
    n += evicted.length;
    return this.intern(w, n);
  }

  private intern(w: Int32Array, n: number): number {
    let h1 = 0x811c9dc5 | 0, h2 = 0x9747b28c | 0;
    for (let i = 0; i < n; i++) {
      const x = w[i];
      h1 = Math.imul(h1 ^ x, 0x01000193);
      h2 = Math.imul(h2 ^ (x + 0x7f4a7c15), 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    h1 = Math.imul(h1 ^ n, 0x01000193);
    const hash = (h1 >>> 0) * 0x200000 + (h2 >>> 11);
    const id = this.byHash.get(hash);
    if (id !== undefined) {
      if (sameWords(this.keys[id], w, n)) return id;
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
