import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { syntheticEvents, syntheticHeader } from './diff/synthetic.js';
import { Replayer } from './replayer.js';
import { memoryTrace, openTraceBytes, type TraceFile } from './trace-file.js';
import { aroundWindow, rangeWindow, shiftStateIndices, trimTrace, TrimError } from './trim.js';

function collect(f: (write: (b: Uint8Array) => void) => void): Uint8Array {
  const parts: Uint8Array[] = [];
  f((b) => parts.push(b.slice()));
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let p = 0;
  for (const x of parts) { out.set(x, p); p += x.length; }
  return out;
}

const original = memoryTrace(
  { ...syntheticHeader('shared'), notes: [{ eventIndex: 50, text: 'inside' }, { eventIndex: 3, text: 'before' }] },
  syntheticEvents({ ticks: 60, protmEvery: 7 }), { chunkEvents: 32 });

function trimmed(t: TraceFile, from: number, to: number): TraceFile {
  return openTraceBytes(collect((w) => trimTrace(t, { from, to }, w)), 'small.csft');
}

test('trimmed replay equals the original at every event of the window', () => {
  const from = 40, to = 130;
  const small = trimmed(original, from, to);
  assert.equal(small.eventCount, to - from + 1);
  assert.ok(small.snapshot, 'starts with a state snapshot');
  const ro = Replayer.open(original), rs = Replayer.open(small);
  for (let k = 0; k < small.eventCount; k++) {
    assert.deepEqual(rs.stateAt(k), shiftStateIndices(ro.stateAt(from + k), from), `state at trimmed event ${k}`);
  }
  assert.deepEqual(rs.stateAt(-1), shiftStateIndices(ro.stateAt(from - 1), from));
});

test('random windows replay equal (property)', () => {
  const ro = Replayer.open(original);
  fc.assert(fc.property(fc.nat(original.eventCount - 1), fc.nat(40), fc.nat(40), (from, len, probe) => {
    const to = Math.min(original.eventCount - 1, from + len);
    const small = trimmed(original, from, to);
    const k = probe % small.eventCount;
    assert.deepEqual(Replayer.open(small).stateAt(k), shiftStateIndices(ro.stateAt(from + k), from));
  }), { numRuns: 40 });
});

test('header keeps scenario, seed, policy and the trim range; causes and notes are re-based', () => {
  const small = trimmed(original, 40, 130);
  const h = small.header;
  assert.equal(h.scenarioName, original.header.scenarioName);
  assert.equal(h.scenarioText, original.header.scenarioText);
  assert.equal(h.seed, original.header.seed);
  assert.equal(h.policy, 'shared');
  assert.deepEqual(h.trimmedFrom, {
    firstEvent: 40, lastEvent: 130, originalEvents: original.eventCount,
    firstTimeNs: original.timeOf(40), lastTimeNs: original.timeOf(130),
  });
  assert.deepEqual(small.notes.map((n) => [n.eventIndex, n.text]), [[10, 'inside']]);
  for (let k = 0; k < small.eventCount; k++) {
    const c = small.event(k).cause;
    const oc = original.event(40 + k).cause;
    assert.equal(c, 40 + k - oc >= 40 ? oc : 0);
  }
  // Trimming a trimmed trace composes the range in original coordinates.
  const smaller = trimmed(small, 5, 20);
  assert.equal(smaller.header.trimmedFrom!.firstEvent, 45);
  assert.equal(smaller.header.trimmedFrom!.lastEvent, 60);
  assert.deepEqual(Replayer.open(smaller).stateAt(3), shiftStateIndices(Replayer.open(original).stateAt(48), 45));
});

test('windows: --around centres a time window; bad ranges are user-facing errors', () => {
  const at = 100;
  const t = original.timeOf(at);
  const w = aroundWindow(original, at, 20_000_000);
  assert.ok(w.from <= at && w.to >= at);
  assert.ok(original.timeOf(w.from) >= t - 10_000_000 && (w.from === 0 || original.timeOf(w.from - 1) < t - 10_000_000));
  assert.ok(original.timeOf(w.to) <= t + 10_000_000 && (w.to === original.eventCount - 1 || original.timeOf(w.to + 1) > t + 10_000_000));
  assert.throws(() => rangeWindow(original, 10, 5), TrimError);
  assert.throws(() => rangeWindow(original, 0, original.eventCount), /outside|must be in/);
  assert.throws(() => aroundWindow(original, -1, 5), TrimError);
});

test('notes survive a round trip: append to a file, reopen, trim', async () => {
  const { mkdtempSync, rmSync, writeFileSync, readFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { encodeContainer } = await import('../proto/index.js');
  const { appendNote, openTrace } = await import('./trace-file.js');
  const dir = mkdtempSync(join(tmpdir(), 'csftrace-notes-'));
  try {
    const path = join(dir, 'a.csft');
    writeFileSync(path, encodeContainer(syntheticHeader('shared'), syntheticEvents({ ticks: 30 })));
    appendNote(path, { eventIndex: 12, text: 'first note' });
    appendNote(path, { eventIndex: 70, text: 'second note: ünïcode ✓' });
    const t = openTrace(path);
    assert.deepEqual(t.notes.map((n) => [n.eventIndex, n.text]), [[12, 'first note'], [70, 'second note: ünïcode ✓']]);
    const small = openTraceBytes(collect((w) => trimTrace(t, { from: 60, to: 90 }, w)));
    assert.deepEqual(small.notes.map((n) => [n.eventIndex, n.text]), [[10, 'second note: ünïcode ✓']]);
    t.close();
    const bytes = readFileSync(path);
    assert.ok(bytes.length > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
