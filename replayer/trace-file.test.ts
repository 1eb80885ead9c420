/**
 * openTrace / memoryTrace / appendNote: random access, iteration, time search, the chunk cache,
 * and one clear "<path>: <problem>" line for every file that cannot be opened.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeContainer, type EventInit } from '../proto/index.js';
import { openTrace, memoryTrace, appendNote, TraceError } from './trace-file.js';

function events(n: number): EventInit[] {
  const out: EventInit[] = [];
  for (let i = 0; i < n; i++) {
    out.push({ t: Math.floor(i / 3) * 1000, cause: i % 5 === 4 ? 2 : 0, body: { case: 'job', value: { group: 1 + (i % 4), seqno: i, phase: 2 } } });
  }
  return out;
}

test('random access, iteration and time search agree', () => {
  const evs = events(5000);
  const tr = memoryTrace({ scenarioName: 'm' }, evs, { chunkEvents: 256 });
  assert.equal(tr.eventCount, 5000);
  assert.equal(tr.chunks.length, Math.ceil(5000 / 256));
  assert.equal(tr.path, '');
  // random order access (exercises the cache eviction)
  for (const i of [4999, 0, 2570, 13, 256, 255, 4000, 1, 2571]) {
    const ev = tr.event(i);
    assert.equal(ev.t, evs[i]!.t);
    assert.equal(ev.body.case === 'job' ? ev.body.value.seqno : -1, i);
  }
  assert.throws(() => tr.event(5000), RangeError);
  assert.throws(() => tr.event(-1), RangeError);
  assert.throws(() => tr.event(1.5), RangeError);
  const seq = [...tr.iterate(250, 530)];
  assert.equal(seq.length, 280);
  assert.deepEqual(seq.map((e) => (e.body.case === 'job' ? e.body.value.seqno : -1)), Array.from({ length: 280 }, (_, k) => 250 + k));
  // chunk 0 is mapped by the random access above: the pass starts at event 250 with its time
  assert.deepEqual(seq.map((e) => [e.t, e.cause]), evs.slice(250, 530).map((e) => [e.t, e.cause]));
  assert.equal([...tr.iterate(4990)].length, 10);
  assert.equal([...tr.iterate(10, 5)].length, 0);
  // indexAtTime: first event with t >= x
  assert.equal(tr.indexAtTime(0), 0);
  assert.equal(tr.indexAtTime(1), 3);
  assert.equal(tr.indexAtTime(1000), 3);
  assert.equal(tr.indexAtTime(1001), 6);
  assert.equal(tr.indexAtTime(1666 * 1000), 4998);
  assert.equal(tr.indexAtTime(1e12), 5000);
  assert.equal(tr.timeOf(4999), 1666000);
  assert.equal(tr.familyCounts[9], 5000); // job = field 19
  // onRead: the first event of each chunk a sequential pass reaches (progress lines)
  const seen: number[] = [];
  tr.onRead = (i) => { seen.push(i); };
  for (const _ of tr.iterate(600, 1100)) { /* read */ }
  tr.forEach(() => undefined, 4700);
  tr.chunkBytes(3);
  tr.event(42);
  assert.deepEqual(seen, [600, 768, 1024, 4700, 4864, 768]);
  tr.onRead = undefined;
  tr.close();
});

test('unreadable files: one line "<path>: <problem>" each', () => {
  const dir = mkdtempSync(join(tmpdir(), 'csft-open-'));
  try {
    const cases: Array<[string, Uint8Array | 'dir' | 'missing', RegExp]> = [
      ['missing.csft', 'missing', /missing\.csft: no such file$/],
      ['adir', 'dir', /adir: is a directory, not a trace$/],
      ['empty.csft', new Uint8Array(0), /empty\.csft: empty file \(0 bytes\): not a trace$/],
      ['json.csft', new TextEncoder().encode('{"a":1}\n'), /json\.csft: not a csftrace trace \(bad magic bytes\)$/],
    ];
    const future = encodeContainer({}, events(10));
    future[8] = 7;
    cases.push(['future.csft', future, /future\.csft: format version 7 is newer than this csftrace reads \(up to 1\): upgrade csftrace$/]);
    for (const [name, content, re] of cases) {
      const p = join(dir, name);
      if (content === 'dir') mkdirSync(p);
      else if (content !== 'missing') writeFileSync(p, content);
      assert.throws(() => openTrace(p), (e: unknown) => {
        assert.ok(e instanceof TraceError, String(e));
        assert.equal(e.userFacing, true);
        assert.match(e.message, re);
        assert.ok(e.message.startsWith(p));
        assert.doesNotMatch(e.message, /\n/);
        return true;
      }, name);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('appendNote keeps the file indexed; notes come after header notes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'csft-note-'));
  try {
    const p = join(dir, 'n.csft');
    writeFileSync(p, encodeContainer({ notes: [{ eventIndex: 0, text: 'from the header' }] }, events(1000), { chunkEvents: 100 }));
    appendNote(p, { eventIndex: 42, text: 'GLB_PROTM_ENTER without ack' });
    appendNote(p, { eventIndex: 7, text: 'second' });
    const tr = openTrace(p);
    assert.equal(tr.indexed, true);
    assert.deepEqual(tr.notices, []);
    assert.deepEqual(tr.notes.map((n) => n.text), ['from the header', 'GLB_PROTM_ENTER without ack', 'second']);
    assert.equal(tr.eventCount, 1000);
    tr.close();
    // cut short (as after kill -9): the note is kept, but no index is written over the damage, so
    // the trace still opens as damaged (a note never makes a damaged trace look intact)
    const full = readFileSync(p);
    const cutAt = openTrace(p).chunks[4]!.offset + 10;
    writeFileSync(p, full.subarray(0, cutAt));
    const before = openTrace(p);
    assert.equal(before.indexed, false);
    assert.equal(before.eventCount, 400);
    before.close();
    assert.equal(appendNote(p, { eventIndex: 1, text: 'after the crash' }), true);
    const after = openTrace(p);
    assert.equal(after.indexed, false);
    assert.ok(after.notices.length > 0, 'still damaged');
    assert.equal(after.eventCount, 400);
    assert.deepEqual(after.notes.map((n) => n.text), ['from the header', 'after the crash']);
    after.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('memoryTrace refuses events going back in time with a clear error', () => {
  assert.throws(() => memoryTrace({}, [{ t: 5 }, { t: 4 }]), (e: unknown) => e instanceof TraceError && /time goes backwards/.test(e.message));
});

test('interleaved passes and random access do not disturb each other; forEach matches iterate', () => {
  const evs = events(3000);
  const tr = memoryTrace({}, evs, { chunkEvents: 200 });
  const seqno = (e: { body: { case?: string | undefined; value?: unknown } }): number => (e.body.case === 'job' ? (e.body.value as { seqno: number }).seqno : -1);
  const a = tr.iterate(100, 2900);
  const b = tr.iterate(1500);
  let i = 100, j = 1500;
  for (;;) {
    const x = a.next();
    const y = b.next();
    if (x.done || y.done) break;
    assert.equal(seqno(x.value), i++);
    assert.equal(seqno(y.value), j++);
    assert.equal(seqno(tr.event((i * 7) % 3000)), (i * 7) % 3000); // random access in between
  }
  assert.equal(j, 3000);
  const seen: number[] = [];
  tr.forEach((ev, k) => { assert.equal(seqno(ev), k); seen.push(k); return k < 2222; }, 150, 2500);
  assert.equal(seen[0], 150);
  assert.equal(seen[seen.length - 1], 2222);
  assert.equal(seen.length, 2222 - 150 + 1);
});

test('follow: a file still being written grows chunk by chunk, cut anywhere, and says when it is closed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'csft-follow-'));
  try {
    const evs = events(3000);
    const bytes = encodeContainer({ scenarioName: 'live' }, evs, { chunkEvents: 200 });
    const whole = memoryTrace({ scenarioName: 'live' }, evs, { chunkEvents: 200 });
    const path = join(dir, 'live.csft');
    // the preamble, the header and the first chunk and a half
    const c1 = whole.chunks[1]!;
    let written = c1.offset + 20;
    writeFileSync(path, bytes.subarray(0, written));
    const tr = openTrace(path);
    assert.equal(tr.eventCount, 200);
    assert.equal(tr.indexed, false);
    // append in uneven pieces, some ending inside a frame header or payload
    const cuts = [c1.offset + 5, whole.chunks[3]!.offset + 9, whole.chunks[3]!.offset + 100, whole.chunks[9]!.offset + 1, whole.chunks[14]!.offset, bytes.length - 30, bytes.length];
    const seen: number[] = [];
    let closed = false;
    for (const cut of cuts) {
      if (cut > written) {
        writeFileSync(path, bytes.subarray(written, cut), { flag: 'a' });
        written = cut;
      }
      const r = tr.follow();
      assert.equal(r.broken, undefined);
      seen.push(tr.eventCount);
      closed = r.closed;
    }
    assert.deepEqual(seen, [200, 600, 600, 1800, 2800, 3000, 3000]);
    assert.equal(closed, true);
    assert.equal(tr.indexed, true);
    assert.deepEqual(tr.notices, []);
    assert.equal(tr.lastTimeNs, whole.lastTimeNs);
    assert.deepEqual(tr.familyCounts, whole.familyCounts);
    // every event reads as in the whole file, by random access and by iteration
    for (const i of [0, 199, 200, 1234, 2999]) assert.deepEqual(tr.event(i), whole.event(i));
    let n = 0;
    for (const ev of tr.iterate(1700, 3000)) assert.equal(ev.t, evs[1700 + n++]!.t);
    assert.equal(n, 1300);
    assert.equal(tr.indexAtTime(evs[2500]!.t!), whole.indexAtTime(evs[2500]!.t!));
    tr.close();
    // a file that shrinks is reported, not read
    const p2 = join(dir, 'shrinks.csft');
    writeFileSync(p2, bytes.subarray(0, whole.chunks[3]!.offset));
    const t2 = openTrace(p2);
    assert.equal(t2.eventCount, 600);
    writeFileSync(p2, bytes.subarray(0, whole.chunks[1]!.offset));
    assert.match(t2.follow().broken ?? '', /the file shrank to \d+ bytes/);
    assert.equal(t2.eventCount, 600);
    t2.close();
    // a closed trace (here one in memory) never grows
    assert.deepEqual(whole.follow(), { events: 0, closed: true }, 'a closed trace gives nothing more');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
