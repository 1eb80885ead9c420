/**
 * Alignment of two integer sequences (hashed scheduling decisions) into hunks.
 *
 *   a, b (Int32Array of interned decision ids)
 *     ──► strip common prefix / suffix                         O(N + M)
 *     ──► leave out the elements whose id the other side lacks   O(N + M)
 *     ──► Myers' O((N+M)·D) diff, linear space (middle snake, divide and conquer), under a work budget
 *     └─► budget exceeded (two very different traces): windowed alignment, O((N+M)·K), exact = false
 *
 * The output is a list of hunks: maximal regions that are not matched one to one. Everything between
 * two hunks is equal, with equal lengths on both sides, so a hunk list is a complete alignment.
 *
 * With times (`AlignOptions.times`), two elements match only when their ids are equal *and* their
 * times are at most `windowNs` apart: the edit graph simply has fewer diagonals, and Myers' greedy
 * snakes stay optimal for any set of diagonals.
 */

/** A region of difference: a[aStart, aEnd) was replaced by b[bStart, bEnd) (either side may be empty). */
export interface Hunk {
  aStart: number;
  aEnd: number;
  bStart: number;
  bEnd: number;
}

export interface AlignOptions {
  /**
   * Work budget of the exact diff, in diagonal visits plus snake steps. Default 2·(N+M) + 1M: exact
   * up to a few thousand scattered differences (or any number of clustered ones) in about 0.1 s per
   * million decisions; past it the windowed alignment takes over.
   */
  budget?: number | undefined;
  /** Window of the fallback alignment (elements per side). Default 128. */
  window?: number | undefined;
  /** Per-element times of each side and the largest difference a match may span (ns). */
  times?: { a: Float64Array; b: Float64Array; windowNs: number } | undefined;
}

export interface Alignment {
  hunks: Hunk[];
  /** False when the windowed fallback produced (part of) the alignment: minimal only per window. */
  exact: boolean;
}

class BudgetExceeded extends Error {}

/** Appends a hunk, merging it into the previous one when they touch. */
function pushHunk(out: Hunk[], aStart: number, aEnd: number, bStart: number, bEnd: number): void {
  if (aStart === aEnd && bStart === bEnd) return;
  const last = out.length > 0 ? out[out.length - 1] : undefined;
  if (last && last.aEnd === aStart && last.bEnd === bStart) {
    last.aEnd = aEnd;
    last.bEnd = bEnd;
    return;
  }
  out.push({ aStart, aEnd, bStart, bEnd });
}

/** Myers' exact diff with a shared work counter and scratch arrays reused by every call. */
class Myers {
  work = 0;
  private readonly vf: Int32Array;
  private readonly vb: Int32Array;
  private readonly off: number;
  private readonly ta: Float64Array;
  private readonly tb: Float64Array;
  /** Largest time difference of a match; Infinity without times. */
  private readonly w: number;

  /** `span` bounds (aHi − aLo) + (bHi − bLo) of every diff() call; it sizes the scratch arrays. */
  constructor(private readonly a: Int32Array, private readonly b: Int32Array, private readonly budget: number,
              public out: Hunk[], span: number, times?: AlignOptions['times']) {
    const size = span + 2;
    this.vf = new Int32Array(2 * size + 2);
    this.vb = new Int32Array(2 * size + 2);
    this.off = size;
    this.ta = times?.a ?? new Float64Array(a.length);
    this.tb = times?.b ?? new Float64Array(b.length);
    this.w = times ? times.windowNs : Infinity;
  }

  /** Whether a[i] and b[j] match. */
  eq(i: number, j: number): boolean {
    return this.a[i] === this.b[j] && Math.abs(this.ta[i]! - this.tb[j]!) <= this.w;
  }

  diff(aLo: number, aHi: number, bLo: number, bHi: number): void {
    while (aLo < aHi && bLo < bHi && this.eq(aLo, bLo)) { aLo++; bLo++; }
    while (aLo < aHi && bLo < bHi && this.eq(aHi - 1, bHi - 1)) { aHi--; bHi--; }
    if (aLo === aHi || bLo === bHi) {
      pushHunk(this.out, aLo, aHi, bLo, bHi);
      return;
    }
    // Both sides non-empty and differing at both ends: D ≥ 2, so both halves below are smaller.
    const snake = this.middleSnake(aLo, aHi, bLo, bHi);
    this.diff(aLo, aLo + snake[0], bLo, bLo + snake[1]);
    this.diff(aLo + snake[2], aHi, bLo + snake[3], bHi);
  }

  /**
   * Myers (1986) §4b: the middle snake of the shortest edit script, as [x, y, u, v] offsets from
   * (aLo, bLo). Forward paths grow from (0,0) on diagonals k = x − y, reverse paths from (N,M) in
   * reversed coordinates on diagonals k' = x' − y'; forward diagonal k is reverse diagonal Δ − k.
   */
  private middleSnake(aLo: number, aHi: number, bLo: number, bHi: number): [number, number, number, number] {
    const vf = this.vf, vb = this.vb, o = this.off;
    const n = aHi - aLo, m = bHi - bLo, delta = n - m, odd = (delta & 1) !== 0;
    const maxD = (n + m + 1) >> 1;
    vf[o + 1] = 0;
    vb[o + 1] = 0;
    let work = this.work;
    for (let d = 0; d <= maxD; d++) {
      work += 2 * d + 2;
      if (work > this.budget) throw new BudgetExceeded();
      for (let k = -d; k <= d; k += 2) {
        let x = (k === -d || (k !== d && vf[o + k - 1]! < vf[o + k + 1]!)) ? vf[o + k + 1]! : vf[o + k - 1]! + 1;
        let y = x - k;
        const x0 = x, y0 = y;
        while (x < n && y < m && this.eq(aLo + x, bLo + y)) { x++; y++; }
        work += x - x0;
        vf[o + k] = x;
        const kr = delta - k;
        if (odd && kr >= -(d - 1) && kr <= d - 1 && x + vb[o + kr]! >= n) {
          this.work = work;
          return [x0, y0, x, y];
        }
      }
      for (let k = -d; k <= d; k += 2) {
        let x = (k === -d || (k !== d && vb[o + k - 1]! < vb[o + k + 1]!)) ? vb[o + k + 1]! : vb[o + k - 1]! + 1;
        let y = x - k;
        const x0 = x, y0 = y;
        while (x < n && y < m && this.eq(aHi - 1 - x, bHi - 1 - y)) { x++; y++; }
        work += x - x0;
        vb[o + k] = x;
        const kf = delta - k;
        if (!odd && kf >= -d && kf <= d && x + vf[o + kf]! >= n) {
          this.work = work;
          return [n - x, m - y, n - x0, m - y0];
        }
      }
    }
    /* c8 ignore next */
    throw new Error('middle snake not found (bug)');
  }
}

/**
 * Windowed alignment for inputs too different for the exact diff: repeatedly aligns the next K
 * elements of each side exactly and commits the alignment up to the first point that has consumed
 * K/2 of either window, so matches up to ~K/2 apart are still found. Cost O((N+M)·K).
 */
function windowed(a: Int32Array, b: Int32Array, aLo: number, aHi: number, bLo: number, bHi: number,
                  k: number, out: Hunk[], times?: AlignOptions['times']): void {
  const half = Math.max(1, k >> 1);
  const local: Hunk[] = [];
  const myers = new Myers(a, b, Infinity, local, 2 * k, times);
  let i = aLo, j = bLo;
  while (i < aHi && j < bHi) {
    const wa = Math.min(k, aHi - i), wb = Math.min(k, bHi - j);
    local.length = 0;
    myers.diff(i, i + wa, j, j + wb);
    if (i + wa === aHi && j + wb === bHi) {
      for (const h of local) pushHunk(out, h.aStart, h.aEnd, h.bStart, h.bEnd);
      return;
    }
    // One window is full (K), so its half-way mark lies on the path: walk the path to the first point
    // at or past half of either window, committing hunks (a hunk crossing the mark is cut at it).
    const ai = i + half, bj = j + half;
    let ci = i, cj = j, done = false;
    for (const h of local) {
      const need = Math.min(ai - ci, bj - cj);
      if (h.aStart - ci >= need) { ci += need; cj += need; done = true; break; }
      ci = h.aStart; cj = h.bStart;
      const ea = Math.min(h.aEnd, ai), eb = Math.min(h.bEnd, bj);
      pushHunk(out, ci, ea, cj, eb);
      ci = ea; cj = eb;
      if (ci >= ai || cj >= bj) { done = true; break; }
    }
    if (!done) {
      const step = Math.min(ai - ci, bj - cj, i + wa - ci, j + wb - cj);
      ci += step; cj += step;
    }
    if (ci === i && cj === j) throw new Error('windowed alignment made no progress (bug)');
    i = ci; j = cj;
  }
  pushHunk(out, i, aHi, j, bHi);
}

/** Aligns two sequences of interned ids. Equal sequences give no hunks. */
export function alignSequences(a: Int32Array, b: Int32Array, opts: AlignOptions = {}): Alignment {
  return alignRange(a, b, 0, a.length, 0, b.length, opts);
}

/** Aligns a[aLo, aHi) with b[bLo, bHi) (hunks in the full sequences' ordinals). */
export function alignRange(a: Int32Array, b: Int32Array, aLo: number, aHi: number, bLo: number, bHi: number,
                           opts: AlignOptions = {}): Alignment {
  const out: Hunk[] = [];
  const t = opts.times;
  const w = t ? t.windowNs : Infinity;
  const eq = (i: number, j: number): boolean => a[i] === b[j] && (!t || Math.abs(t.a[i]! - t.b[j]!) <= w);
  while (aLo < aHi && bLo < bHi && eq(aLo, bLo)) { aLo++; bLo++; }
  while (aLo < aHi && bLo < bHi && eq(aHi - 1, bHi - 1)) { aHi--; bHi--; }
  if (aLo === aHi || bLo === bHi) {
    pushHunk(out, aLo, aHi, bLo, bHi);
    return { hunks: out, exact: true };
  }
  const r = withoutUnmatchable(a, b, aLo, aHi, bLo, bHi, t);
  if (!r) return alignCore(a, b, aLo, aHi, bLo, bHi, opts, out);
  // align what can match, then put the elements left out back as (parts of) hunks
  const inner = alignCore(r.a, r.b, 0, r.a.length, 0, r.b.length, { ...opts, times: r.times }, []);
  let p = 0, q = 0;   // next reduced element of each side
  let i = aLo, j = bLo; // next original element of each side not yet in a hunk or a match
  const matchRun = (to: number): void => {
    for (; p < to; p++, q++) {
      const oi = r.ai[p]!, oj = r.bi[q]!;
      pushHunk(out, i, oi, j, oj);
      i = oi + 1; j = oj + 1;
    }
  };
  for (const h of inner.hunks) {
    matchRun(h.aStart);
    p = h.aEnd; q = h.bEnd;
  }
  matchRun(r.a.length);
  pushHunk(out, i, aHi, j, bHi);
  return { hunks: out, exact: inner.exact };
}

/** Myers under its budget, else the windowed alignment. */
function alignCore(a: Int32Array, b: Int32Array, aLo: number, aHi: number, bLo: number, bHi: number,
                   opts: AlignOptions, out: Hunk[]): Alignment {
  const t = opts.times;
  const budget = opts.budget ?? 2 * (aHi - aLo + bHi - bLo) + 1_000_000;
  try {
    new Myers(a, b, budget, out, aHi - aLo + bHi - bLo, t).diff(aLo, aHi, bLo, bHi);
    return { hunks: out, exact: true };
  } catch (e) {
    if (!(e instanceof BudgetExceeded)) throw e;
  }
  out.length = 0;
  windowed(a, b, aLo, aHi, bLo, bHi, opts.window ?? 128, out, t);
  return { hunks: out, exact: false };
}

/**
 * The elements that can match something on the other side, with their original indices; undefined
 * when that is all of them. An element matches only its id, and with times only within the window:
 * one with no such partner is in a hunk in every alignment, so leaving it out changes no match (GNU
 * diff discards lines that occur in one file only the same way). Two traces of different policies
 * share few decisions at the same moment: without the rest, Myers' D and the windowed fallback's
 * work shrink with the sequences.
 */
function withoutUnmatchable(a: Int32Array, b: Int32Array, aLo: number, aHi: number, bLo: number, bHi: number,
                            t: AlignOptions['times']): { a: Int32Array; b: Int32Array; ai: Int32Array; bi: Int32Array; times?: AlignOptions['times'] } | undefined {
  let max = 0, min = 0;
  for (let i = aLo; i < aHi; i++) { const v = a[i]!; if (v > max) max = v; else if (v < min) min = v; }
  for (let j = bLo; j < bHi; j++) { const v = b[j]!; if (v > max) max = v; else if (v < min) min = v; }
  if (max > 1 << 26 || min < 0) return undefined; // not interned ids: no table for them
  // one table for every call (a diff aligns inside each of thousands of hunks): all zeros between calls
  if (countsScratch.length <= max) countsScratch = new Int32Array(Math.max(max + 1, countsScratch.length * 2));
  const counts = countsScratch;
  const timed = t && Number.isFinite(t.windowNs) && ascending(t.a, aLo, aHi) && ascending(t.b, bLo, bHi) ? t : undefined;
  const ai = partners(a, aLo, aHi, b, bLo, bHi, counts, timed && { x: timed.a, y: timed.b, w: timed.windowNs });
  const bi = partners(b, bLo, bHi, a, aLo, aHi, counts, timed && { x: timed.b, y: timed.a, w: timed.windowNs });
  if (ai.length === aHi - aLo && bi.length === bHi - bLo) return undefined;
  const pick = <T extends Int32Array | Float64Array>(src: T, idx: Int32Array, make: (n: number) => T): T => {
    const o = make(idx.length);
    for (let k = 0; k < idx.length; k++) o[k] = src[idx[k]!]!;
    return o;
  };
  return {
    a: pick(a, ai, (n) => new Int32Array(n)), b: pick(b, bi, (n) => new Int32Array(n)), ai, bi,
    times: t && { a: pick(t.a, ai, (n) => new Float64Array(n)), b: pick(t.b, bi, (n) => new Float64Array(n)), windowNs: t.windowNs },
  };
}

let countsScratch = new Int32Array(1024);

function ascending(v: Float64Array, lo: number, hi: number): boolean {
  for (let k = lo + 1; k < hi; k++) if (v[k]! < v[k - 1]!) return false;
  return true;
}

/**
 * Indices k of x[lo, hi) that have an element of the same id (0 or more) in y[ylo, yhi) (within `time.w` of
 * each other when times are given, both ascending: a sliding window of y's ids counted in `counts`,
 * which is all zeros before and after).
 */
function partners(x: Int32Array, lo: number, hi: number, y: Int32Array, ylo: number, yhi: number, counts: Int32Array,
                  time?: { x: Float64Array; y: Float64Array; w: number }): Int32Array {
  const flags = new Uint8Array(hi - lo);
  let n = 0;
  if (!time) {
    for (let j = ylo; j < yhi; j++) counts[y[j]!] = 1;
    for (let k = lo; k < hi; k++) if (counts[x[k]!]! > 0) { flags[k - lo] = 1; n++; }
    for (let j = ylo; j < yhi; j++) counts[y[j]!] = 0;
  } else {
    let head = ylo, tail = ylo; // y[tail, head) is the window around x[k]'s time
    for (let k = lo; k < hi; k++) {
      const tk = time.x[k]!;
      while (head < yhi && time.y[head]! <= tk + time.w) { counts[y[head]!]!++; head++; }
      while (tail < head && time.y[tail]! < tk - time.w) { counts[y[tail]!]!--; tail++; }
      if (counts[x[k]!]! > 0) { flags[k - lo] = 1; n++; }
    }
    for (; tail < head; tail++) counts[y[tail]!]!--;
  }
  const idx = new Int32Array(n);
  n = 0;
  for (let k = lo; k < hi; k++) if (flags[k - lo]) idx[n++] = k;
  return idx;
}

/** Number of elements matched one to one by an alignment (the LCS length when exact). */
export function matchedCount(h: readonly Hunk[], aLen: number): number {
  let changed = 0;
  for (const x of h) changed += x.aEnd - x.aStart;
  return aLen - changed;
}
