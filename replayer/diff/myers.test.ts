import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { alignSequences, matchedCount, type Hunk } from './myers.js';

/** Checks that the hunks are a complete, ordered, merged alignment whose equal parts are equal. */
function assertValid(a: Int32Array, b: Int32Array, hunks: readonly Hunk[]): void {
  let i = 0, j = 0;
  for (const h of hunks) {
    assert.ok(h.aStart >= i && h.bStart >= j, 'hunks ordered');
    assert.equal(h.aStart - i, h.bStart - j, 'equal run has the same length on both sides');
    for (; i < h.aStart; i++, j++) assert.equal(a[i], b[j], `equal run holds a[${i}] = b[${j}]`);
    assert.ok(h.aEnd > h.aStart || h.bEnd > h.bStart, 'hunk not empty');
    i = h.aEnd; j = h.bEnd;
  }
  assert.equal(a.length - i, b.length - j, 'trailing run has the same length');
  for (; i < a.length; i++, j++) assert.equal(a[i], b[j]);
  for (let k = 1; k < hunks.length; k++) {
    const p = hunks[k - 1]!, h = hunks[k]!;
    assert.ok(!(p.aEnd === h.aStart && p.bEnd === h.bStart), 'touching hunks are merged');
  }
}

function lcsLength(a: Int32Array, b: Int32Array): number {
  let prev = new Int32Array(b.length + 1), cur = new Int32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      cur[j] = a[i - 1] === b[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, cur[j - 1]!);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

const seq = (alphabet: number, max: number) =>
  fc.array(fc.integer({ min: 0, max: alphabet - 1 }), { maxLength: max }).map((x) => Int32Array.from(x));

test('identical sequences give no hunks', () => {
  fc.assert(fc.property(seq(4, 200), (a) => {
    const r = alignSequences(a, a.slice());
    assert.deepEqual(r.hunks, []);
    assert.equal(r.exact, true);
  }));
});

test('exact alignment is valid and minimal (matches the LCS length)', () => {
  fc.assert(fc.property(seq(3, 60), seq(3, 60), (a, b) => {
    const r = alignSequences(a, b);
    assert.equal(r.exact, true);
    assertValid(a, b, r.hunks);
    assert.equal(matchedCount(r.hunks, a.length), lcsLength(a, b));
  }), { numRuns: 400 });
});

test('inserting one extra element yields exactly one hunk of one element', () => {
  fc.assert(fc.property(seq(5, 300), fc.nat(), fc.integer({ min: 0, max: 9 }), (a, at, v) => {
    const pos = a.length === 0 ? 0 : at % (a.length + 1);
    const b = new Int32Array(a.length + 1);
    b.set(a.subarray(0, pos), 0);
    b[pos] = v;
    b.set(a.subarray(pos), pos + 1);
    const r = alignSequences(a, b);
    assert.equal(r.hunks.length, 1);
    const h = r.hunks[0];
    assert.ok(h);
    assert.equal(h.aEnd - h.aStart, 0);
    assert.equal(h.bEnd - h.bStart, 1);
    assertValid(a, b, r.hunks);
  }), { numRuns: 300 });
});

test('one changed element yields one hunk at that element', () => {
  const a = Int32Array.from({ length: 1000 }, (_, i) => i % 7);
  const b = a.slice();
  b[400] = 99;
  const r = alignSequences(a, b);
  assert.deepEqual(r.hunks, [{ aStart: 400, aEnd: 401, bStart: 400, bEnd: 401 }]);
});

test('windowed fallback (budget exhausted) still gives a valid alignment', () => {
  fc.assert(fc.property(seq(3, 400), seq(3, 400), fc.integer({ min: 2, max: 40 }), (a, b, window) => {
    const r = alignSequences(a, b, { budget: 0, window });
    assertValid(a, b, r.hunks);
  }), { numRuns: 300 });
});

test('windowed fallback finds a shifted block within half a window', () => {
  const a = Int32Array.from({ length: 5000 }, (_, i) => (i * 2654435761) % 1000);
  const b = new Int32Array(a.length + 3);
  // ids that occur in a too (elsewhere): leaving out what cannot match does not solve it alone
  b.set([a[10]!, a[20]!, a[30]!], 0);
  b.set(a, 3);
  b[4000] = a[17]!; // a second difference so that prefix/suffix trimming does not solve it alone
  const r = alignSequences(a, b, { budget: 0, window: 64 });
  assert.equal(r.exact, false);
  assertValid(a, b, r.hunks);
  assert.ok(matchedCount(r.hunks, a.length) >= a.length - 2, `matched ${matchedCount(r.hunks, a.length)}`);
});

test('elements whose id the other side lacks are left out before Myers: an alignment over budget stays exact', () => {
  // two runs of a different policy: most decision ids occur on one side only. a: ids 0..2857 every
  // 7th element; b: ids 0..2999 but 1000 every 5th; everything else unique to its side
  const a = Int32Array.from({ length: 20_000 }, (_, i) => (i % 7 === 0 ? i / 7 : 100_000 + i));
  const b = Int32Array.from({ length: 15_000 }, (_, i) => (i % 5 === 0 && i / 5 !== 1000 ? i / 5 : 200_000 + i));
  const r = alignSequences(a, b, { budget: 50_000 });
  assert.equal(r.exact, true);
  assertValid(a, b, r.hunks);
  assert.equal(matchedCount(r.hunks, a.length), 2857);
});

test('large sequences with sparse edits stay exact', () => {
  const n = 200_000;
  const a = Int32Array.from({ length: n }, (_, i) => (i * 7919) % 13);
  const bArr: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 20_000 === 5) bArr.push(100 + i % 3); // insertion
    if (i % 30_000 === 9) continue;              // deletion
    bArr.push(a[i]!);
  }
  const b = Int32Array.from(bArr);
  const r = alignSequences(a, b);
  assert.equal(r.exact, true);
  assertValid(a, b, r.hunks);
  assert.ok(r.hunks.length >= 10 && r.hunks.length <= 17, `hunks ${r.hunks.length}`);
});

test('alignSequences: negative ids match like any other (no id is left out as unmatchable)', () => {
  const r = alignSequences(Int32Array.from([5, -1, 6]), Int32Array.from([7, -1, 8]));
  assert.deepEqual(r.hunks, [{ aStart: 0, aEnd: 1, bStart: 0, bEnd: 1 }, { aStart: 2, aEnd: 3, bStart: 2, bEnd: 3 }]);
});
