/**
 * Positions across the two traces of a diff, for the side-by-side view: an event of one trace is
 * linked to the event of the other that the alignment puts beside it, and the cursor can jump to the
 * next / previous difference (hunk) from anywhere.
 *
 * Linking: event e of side s → the last decision p at or before e → its aligned decision q on the
 * other side (inside a hunk: the decision at the same offset, clamped; when the other side of the
 * hunk is empty, the last decision before it) → q's event plus e's offset from p, clamped to the
 * events before the decision after q. So linked cursors move in step between decisions.
 */
import type { Hunk } from './myers.js';
import type { TraceDiff } from './diff.js';
import type { DecisionTrack } from './extract.js';

export type DiffSide = 'a' | 'b';

/** A hunk with the event indices where it starts on each side (for seeking both cursors). */
export interface HunkPosition {
  /** Hunk number, 0-based. */
  index: number;
  /** Decision ordinals [from, to) on each side. */
  aFrom: number; aTo: number; bFrom: number; bTo: number;
  /** Event index of the hunk's first decision on each side (the next decision's when that side is empty). */
  aEvent: number; bEvent: number;
}

function lastAtOrBefore(arr: Float64Array, count: number, v: number): number {
  let lo = 0, hi = count - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (arr[mid]! <= v) { found = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return found;
}

export class DiffNavigator {
  /** The differences `d` / `D` walk (outcome differences unless the diff was made with `reasons`). */
  private readonly hunks: readonly Hunk[];
  /** Every hunk of the alignment: what links positions across the traces. */
  private readonly alignment: readonly Hunk[];
  private readonly ta: DecisionTrack;
  private readonly tb: DecisionTrack;
  private readonly countA: number;
  private readonly countB: number;
  /** Hunk start events per side, for binary search (non-decreasing). */
  private readonly startA: Float64Array;
  private readonly startB: Float64Array;

  constructor(d: TraceDiff) {
    this.hunks = d.hunks;
    this.alignment = d.alignment;
    this.ta = d.trackA;
    this.tb = d.trackB;
    this.countA = d.a.eventCount;
    this.countB = d.b.eventCount;
    this.startA = new Float64Array(d.hunks.length);
    this.startB = new Float64Array(d.hunks.length);
    d.hunks.forEach((h, k) => {
      this.startA[k] = h.aStart < this.ta.count ? this.ta.eventIndex[h.aStart]! : this.countA;
      this.startB[k] = h.bStart < this.tb.count ? this.tb.eventIndex[h.bStart]! : this.countB;
    });
  }

  get hunkCount(): number { return this.hunks.length; }

  hunk(k: number): HunkPosition {
    const h = this.hunks[k];
    if (!h) throw new Error(`hunk ${k} out of range (${this.hunks.length} hunks): invariant broken`);
    return {
      index: k, aFrom: h.aStart, aTo: h.aEnd, bFrom: h.bStart, bTo: h.bEnd,
      aEvent: this.startA[k]!, bEvent: this.startB[k]!,
    };
  }

  /** Decision ordinal of the last decision at or before event `e` of a side (-1: none yet). */
  decisionAt(side: DiffSide, e: number): number {
    const t = side === 'a' ? this.ta : this.tb;
    return lastAtOrBefore(t.eventIndex, t.count, e);
  }

  /** The decision of the other side aligned with decision `p` of `side` (-1: before the first). */
  linkedDecision(side: DiffSide, p: number): number {
    if (p < 0) return -1;
    const hs = this.alignment;
    const from = (h: Hunk): number => (side === 'a' ? h.aStart : h.bStart);
    let lo = 0, hi = hs.length - 1, k = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (from(hs[mid]!) <= p) { k = mid; lo = mid + 1; } else hi = mid - 1;
    }
    // Hunks never touch, so at most one starts at p; one empty on this side puts p right after it.
    if (k < 0) return p;
    const h = hs[k]!;
    const [s0, s1, o0, o1] = side === 'a' ? [h.aStart, h.aEnd, h.bStart, h.bEnd] : [h.bStart, h.bEnd, h.aStart, h.aEnd];
    if (p < s1) return o1 > o0 ? o0 + Math.min(p - s0, o1 - o0 - 1) : o0 - 1;
    return o1 + (p - s1);
  }

  /** The event of the other trace shown beside event `e` of `side`. */
  linkedEvent(side: DiffSide, e: number): number {
    const [t, o, oCount] = side === 'a' ? [this.ta, this.tb, this.countB] : [this.tb, this.ta, this.countA];
    const p = lastAtOrBefore(t.eventIndex, t.count, e);
    const last = Math.max(0, oCount - 1);
    if (p < 0) {
      const firstOther = o.count > 0 ? o.eventIndex[0]! - 1 : last;
      return Math.max(0, Math.min(e, firstOther, last));
    }
    const q = this.linkedDecision(side, p);
    if (q < 0) return 0;
    const base = o.eventIndex[q]!;
    const limit = q + 1 < o.count ? o.eventIndex[q + 1]! - 1 : last;
    return Math.min(base + (e - t.eventIndex[p]!), Math.max(base, limit));
  }

  /** The first hunk starting after event `e` of `side` (`d`), or undefined. */
  nextDifference(side: DiffSide, e: number): HunkPosition | undefined {
    const s = side === 'a' ? this.startA : this.startB;
    let lo = 0, hi = s.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (s[mid]! > e) hi = mid; else lo = mid + 1; }
    return lo < s.length ? this.hunk(lo) : undefined;
  }

  /** The last hunk starting before event `e` of `side` (`D`), or undefined. */
  prevDifference(side: DiffSide, e: number): HunkPosition | undefined {
    const s = side === 'a' ? this.startA : this.startB;
    let lo = 0, hi = s.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (s[mid]! >= e) hi = mid; else lo = mid + 1; }
    return lo > 0 ? this.hunk(lo - 1) : undefined;
  }

  /** The hunk containing decision `p` of `side`, if that decision differs. */
  hunkOfDecision(side: DiffSide, p: number): HunkPosition | undefined {
    const hs = this.hunks;
    let lo = 0, hi = hs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const h = hs[mid]!;
      const [s0, s1] = side === 'a' ? [h.aStart, h.aEnd] : [h.bStart, h.bEnd];
      if (p < s0) hi = mid - 1;
      else if (p >= s1) lo = mid + 1;
      else return this.hunk(mid);
    }
    return undefined;
  }

  /** True when event `e` of `side` is a decision that differs from the other trace. */
  isDifferent(side: DiffSide, e: number): boolean {
    const t = side === 'a' ? this.ta : this.tb;
    const p = lastAtOrBefore(t.eventIndex, t.count, e);
    return p >= 0 && t.eventIndex[p] === e && this.hunkOfDecision(side, p) !== undefined;
  }
}
