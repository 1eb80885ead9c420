/**
 * The .csft container: round trip of random events (property-based), truncation at every byte
 * offset, flipped bytes, hostile lengths and decompression bombs, empty / wrong-magic /
 * future-version files, determinism, and appending notes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { crc32Table } from './crc32.js';
import fc from 'fast-check';
import { randomEvents, mulberry32 } from './random-events.testutil.js';
import {
  encodeEvent, Writer, FAMILY_COUNT, familyNumber, type Event, type EventInit,
} from '../index.js';
import {
  crc32, encodeContainer, openContainer, bufferSource, readChunkBytes, decodeChunkEvents, forEachChunkEvent, causeFixer,
  mapChunk, decodeMappedEvent,
  planAppendNote, ContainerError, FrameKind, FRAME_HEADER_SIZE, PREAMBLE_SIZE, LIMITS, lz4Bound, lz4Compress,
  putU32, getU32, encodeFrame, type OpenedContainer,
} from './index.js';
import { encodeChunkIndexEntry, encodeTraceHeader } from '../gen/schema.js';


function enc(ev: EventInit): string {
  const w = new Writer();
  encodeEvent(w, ev);
  return Buffer.from(w.finish()).toString('hex');
}

function allEvents(buf: Uint8Array, oc: OpenedContainer): Event[] {
  const src = bufferSource(buf);
  const out: Event[] = [];
  const fix = oc.gaps ? causeFixer(oc.chunks) : undefined;
  for (const c of oc.chunks) decodeChunkEvents(readChunkBytes(src, c, true), c, out, fix);
  return out;
}

function open(buf: Uint8Array): OpenedContainer { return openContainer(bufferSource(buf)); }

test('crc32 matches zlib', () => {
  const rnd = mulberry32(7);
  for (const n of [0, 1, 7, 8, 9, 63, 64, 1000, 4099]) {
    const b = Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256));
    assert.equal(crc32(b), zlibCrc32(b) >>> 0, `length ${n}`);
    assert.equal(crc32Table(b), zlibCrc32(b) >>> 0, `table, length ${n}`);
    // incremental = one shot, across the table/zlib switch and with ranges
    const half = n >> 1;
    assert.equal(crc32(b.subarray(half), crc32(b.subarray(0, half))), crc32(b));
    assert.equal(crc32(b, crc32(b, 0, 0, half), half, n), crc32(b));
    assert.equal(crc32Table(b, crc32(b, 0, 0, half), half, n), crc32(b));
  }
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
});

test('round trip of random events (property)', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 0, max: 600 }), fc.integer({ min: 1, max: 200 }),
    (seed, n, chunkEvents) => {
      const evs = randomEvents(seed, n);
      const buf = encodeContainer({ scenarioName: 's', seed }, evs, { chunkEvents });
      const oc = open(buf);
      assert.deepEqual(oc.notices, []);
      assert.equal(oc.indexed, true);
      assert.equal(oc.eventCount, n);
      assert.equal(oc.chunks.length, Math.ceil(n / chunkEvents));
      assert.equal(oc.header.seed, seed);
      const back = allEvents(buf, oc);
      assert.equal(back.length, n);
      for (const [i, ev] of evs.entries()) {
        assert.equal(back[i]!.t, ev.t, `t of event ${i}`);
        assert.equal(enc(back[i]!), enc(ev), `event ${i}`);
      }
      // per-family counts
      const fam = new Array<number>(FAMILY_COUNT).fill(0);
      for (const e of evs) if (e.body.case) fam[familyNumber(e.body.case)]!++;
      assert.deepEqual(oc.familyCounts, fam);
    }), { numRuns: 40 });
});

test('deterministic: the same events give the same bytes', () => {
  const evs = randomEvents(42, 3000);
  const a = encodeContainer({ scenarioName: 'd', seed: 1 }, evs, { chunkEvents: 512 });
  const b = encodeContainer({ scenarioName: 'd', seed: 1 }, randomEvents(42, 3000), { chunkEvents: 512 });
  assert.equal(Buffer.compare(a, b), 0);
});

test('time going backwards is refused', () => {
  assert.throws(() => encodeContainer({}, [{ t: 10 }, { t: 5 }]), (e: unknown) => e instanceof ContainerError && e.code === 'E_ORDER');
});

/** A small multi-chunk trace for the damage tests. */
const small = randomEvents(5, 120);
const smallBuf = encodeContainer({ scenarioName: 'small', seed: 9, scenarioText: 'name: small\n' }, small, { chunkEvents: 16 });

test('truncation at every byte offset: every complete chunk is recovered, with a notice', () => {
  const full = open(smallBuf);
  const frameEnd = full.chunks.map((c) => c.offset + FRAME_HEADER_SIZE + getU32(smallBuf, c.offset + 1));
  const afterHeader = PREAMBLE_SIZE + FRAME_HEADER_SIZE + getU32(smallBuf, PREAMBLE_SIZE + 1);
  for (let cut = 0; cut < smallBuf.length; cut++) {
    const b = smallBuf.subarray(0, cut);
    let oc: OpenedContainer;
    try { oc = open(b); }
    catch (e) {
      assert.ok(e instanceof ContainerError, `cut ${cut}: ${String(e)}`);
      assert.equal(e.code, cut === 0 ? 'E_EMPTY' : 'E_TRUNCATED', `cut ${cut}`);
      assert.ok(cut < afterHeader, `cut ${cut} should open`);
      continue;
    }
    assert.ok(cut >= afterHeader, `cut ${cut} inside the header should not open`);
    assert.equal(oc.indexed, false);
    assert.ok(oc.notices.length > 0, `cut ${cut}: a notice`);
    const complete = frameEnd.filter((end) => end <= cut).length;
    assert.equal(oc.chunks.length, complete, `cut ${cut}`);
    const evs = allEvents(b, oc);
    const last = full.chunks[complete - 1];
    assert.equal(evs.length, last === undefined ? 0 : last.firstEvent + last.eventCount);
    for (const [i, ev] of evs.entries()) assert.equal(enc(ev), enc(small[i]!), `cut ${cut} event ${i}`);
  }
});

test('flipped bytes: the damaged chunk is named and skipped, the rest still read', () => {
  const full = open(smallBuf);
  for (let pos = PREAMBLE_SIZE; pos < smallBuf.length; pos++) {
    const b = smallBuf.slice();
    b[pos]! ^= 0x41;
    let oc: OpenedContainer;
    try { oc = open(b); }
    catch (e) {
      assert.ok(e instanceof ContainerError, `flip ${pos}: ${String(e)}`);
      continue;
    }
    const evs = allEvents(b, oc);
    assert.equal(evs.length, oc.eventCount);
    const hit = full.chunks.findIndex((c, k) => pos >= c.offset && pos < (full.chunks[k + 1]?.offset ?? Infinity));
    const hitChunk = full.chunks[hit];
    const inChunk = hitChunk !== undefined && pos < hitChunk.offset + FRAME_HEADER_SIZE + hitChunk.compressedSize + 64;
    if (inChunk) {
      assert.ok(oc.notices.some((n) => /corrupt|skipped|lost/.test(n)), `flip ${pos}: notice (${oc.notices.join('; ')})`);
    }
    // every event that was recovered is an original event, in order
    let j = 0;
    for (const ev of evs) {
      const want = enc({ ...ev, cause: 0 });
      while (j < small.length && enc({ ...small[j], cause: 0 }) !== want) j++;
      assert.ok(j < small.length, `flip ${pos}: recovered event not in the original`);
      j++;
    }
  }
});

test('a corrupt chunk in an indexed file: renumbered events, causes remapped', () => {
  const evs: EventInit[] = [];
  for (let i = 0; i < 100; i++) evs.push({ t: i, cause: i >= 30 ? 25 : 0, body: { case: 'log', value: { msg: `m${i}` } } });
  const buf = encodeContainer({}, evs, { chunkEvents: 10 });
  const oc0 = open(buf);
  const b = buf.slice();
  b[oc0.chunks[2]!.offset + 30]! ^= 0xff; // events 20..29
  const oc = open(b);
  assert.equal(oc.eventCount, 90);
  assert.match(oc.notices.join('\n'), /chunk 2 \(events 20\.\.29, byte \d+\) is corrupt \(bad checksum\): 10 events skipped/);
  const back = allEvents(b, oc);
  const at = (i: number): Event => back[i] ?? assert.fail(`no event ${i}`);
  const msg = (e: Event): string => (e.body.case === 'log' ? e.body.value.msg : '?');
  assert.equal(msg(at(20)), 'm30');
  // m30's cause was m5: still m5 after renumbering; m45's cause (m20) was lost
  assert.equal(msg(at(20 - at(20).cause)), 'm5');
  assert.equal(at(35).cause, 0);
  assert.equal(msg(at(40)), 'm50');
  assert.equal(at(40).cause, 0); // its cause m25 was in the lost chunk
  assert.equal(msg(at(30)), 'm40');
  assert.equal(at(30).cause, 15); // m15 survived: the distance across the gap shrinks by 10
  assert.equal(msg(at(30 - at(30).cause)), 'm15');
});

test('hostile lengths and decompression bombs fail cleanly with bounded memory', () => {
  const header = encodeFrame(FrameKind.HEADER, encodeTraceHeader, { scenarioName: 'h' });
  const pre = smallBuf.subarray(0, PREAMBLE_SIZE);
  const cat = (...parts: Uint8Array[]): Uint8Array => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
  };
  // a frame claiming 4 GiB
  const huge = new Uint8Array(FRAME_HEADER_SIZE + 16);
  huge[0] = FrameKind.CHUNK;
  putU32(huge, 1, 0xffffffff);
  const oc1 = open(cat(pre, header, huge));
  assert.equal(oc1.eventCount, 0);
  assert.match(oc1.notices.join('\n'), /beyond the \d+-byte limit/);
  // a header frame claiming too much
  const bigHeader = new Uint8Array(FRAME_HEADER_SIZE);
  bigHeader[0] = FrameKind.HEADER;
  putU32(bigHeader, 1, LIMITS.maxFrame + 1);
  assert.throws(() => open(cat(pre, bigHeader)), (e: unknown) => e instanceof ContainerError && e.code === 'E_TOO_LARGE');
  // a chunk claiming a 1 GiB raw size from a few bytes (bomb): valid checksum, refused before allocation
  const bomb = (rawSize: number, count: number): Uint8Array => {
    const hw = new Writer();
    encodeChunkIndexEntry(hw, { firstEvent: 0, eventCount: count, firstTimeNs: 0, lastTimeNs: 0, rawSize });
    const raw = new Uint8Array(1000);
    const block = new Uint8Array(lz4Bound(raw.length));
    const n = lz4Compress(raw, block);
    const pw = new Writer();
    pw.uint32(hw.pos);
    const payload = cat(pw.finish(), hw.finish(), block.subarray(0, n));
    return encodeFrame(FrameKind.CHUNK, (w: Writer, p: Uint8Array) => { w.ensure(p.length); w.buf.set(p, w.pos); w.pos += p.length; }, payload);
  };
  const oc2 = open(cat(pre, header, bomb(1 << 30, 10)));
  assert.equal(oc2.eventCount, 0);
  assert.match(oc2.notices.join('\n'), /claims 1073741824 decompressed bytes/);
  // raw size plausible but the block decompresses to less: named, not trusted
  const oc3 = open(cat(pre, header, bomb(2000, 10)));
  assert.equal(oc3.chunks.length, 1);
  assert.throws(() => allEvents(cat(pre, header, bomb(2000, 10)), oc3), (e: unknown) => e instanceof ContainerError && /does not decompress/.test(e.message));
  // 1000 zero bytes = 1000 empty events; claiming 10 is caught at decode
  const oc4 = open(cat(pre, header, bomb(1000, 10)));
  assert.throws(() => allEvents(cat(pre, header, bomb(1000, 10)), oc4), (e: unknown) => e instanceof ContainerError && /holds 1000 events, its header says 10/.test(e.message));
});

test('empty, wrong magic, future version: one clear error each', () => {
  const codeOf = (b: Uint8Array): string => {
    try { open(b); return 'opened'; } catch (e) { assert.ok(e instanceof ContainerError); assert.doesNotMatch(e.message, /\n/); return e.code; }
  };
  assert.equal(codeOf(new Uint8Array(0)), 'E_EMPTY');
  assert.equal(codeOf(new TextEncoder().encode('{"not": "a trace"}\n')), 'E_MAGIC');
  assert.equal(codeOf(new TextEncoder().encode('x')), 'E_MAGIC');
  const future = smallBuf.slice();
  putU32(future, 8, 99);
  assert.equal(codeOf(future), 'E_VERSION');
  try { open(future); } catch (e) { assert.match((e as Error).message, /format version 99 is newer than this csftrace reads \(up to 1\)/); }
});

test('notes appended to a closed trace keep a valid index; to a damaged one, no index (it stays damaged)', () => {
  const apply = (b: Uint8Array, text: string, eventIndex: number): Uint8Array => {
    const plan = planAppendNote(bufferSource(b), { text, eventIndex });
    const out = new Uint8Array(plan.truncateTo + plan.bytes.length);
    out.set(b.subarray(0, plan.truncateTo));
    out.set(plan.bytes, plan.truncateTo);
    return out;
  };
  let b = apply(smallBuf, 'first look', 12);
  b = apply(b, 'second', 200);
  const oc = open(b);
  assert.equal(oc.indexed, true);
  assert.deepEqual(oc.notices, []);
  assert.deepEqual(oc.notes, [{ eventIndex: 12, text: 'first look' }, { eventIndex: 200, text: 'second' }]);
  assert.equal(oc.eventCount, 120);
  // a recording cut short: the note is kept, and the trace still opens as damaged (no fresh index)
  const full = open(smallBuf);
  const cut = smallBuf.subarray(0, full.chunks[3]!.offset + 20);
  assert.equal(planAppendNote(bufferSource(cut), { text: 'x', eventIndex: 1 }).damaged, true);
  const c = apply(cut, 'after crash', 1);
  const oc2 = open(c);
  assert.equal(oc2.indexed, false);
  assert.ok(oc2.notices.length > 0);
  assert.equal(oc2.eventCount, 48);
  assert.deepEqual(oc2.notes, [{ eventIndex: 1, text: 'after crash' }]);
  assert.equal(allEvents(c, oc2).length, 48);
});

test('forEachChunkEvent: the events of decodeChunkEvents, any range, early stop, errors named', () => {
  const evs = randomEvents(21, 700);
  const buf = encodeContainer({ producer: 't' }, evs, { chunkEvents: 300 });
  const src = bufferSource(buf);
  const oc = open(buf);
  const c = oc.chunks[1]!;
  const raw = readChunkBytes(src, c, true);
  const all: Event[] = [];
  decodeChunkEvents(raw, c, all);
  for (const [from, to] of [[0, 300], [0, 1], [17, 250], [299, 300], [5, 5]] as const) {
    const got: [Event, number][] = [];
    assert.equal(forEachChunkEvent(raw, c, from, to, (ev, i) => { got.push([ev, i]); }), true);
    assert.deepEqual(got.map(([, i]) => i), Array.from({ length: to - from }, (_, k) => c.firstEvent + from + k));
    assert.deepEqual(got.map(([ev]) => ev), all.slice(from, to));
  }
  let calls = 0;
  assert.equal(forEachChunkEvent(raw, c, 10, 300, () => ++calls < 3), false);
  assert.equal(calls, 3);
  // a damaged event: a ContainerError naming the chunk and the event, or whatever `fail` makes of it
  const bad = raw.slice();
  bad[raw.length - 2] = 0xff; bad[raw.length - 1] = 0xff;
  assert.throws(() => forEachChunkEvent(bad, c, 0, 300, () => undefined),
    (e: unknown) => e instanceof ContainerError && /chunk at byte \d+: (event \d+|bytes left)/.test(e.message));
  assert.throws(() => forEachChunkEvent(bad, c, 0, 300, () => undefined, undefined, (e) => { throw new Error(`wrapped: ${e.message}`); }),
    /^Error: wrapped: chunk at byte/);
  // what fn throws passes through as it is
  const mine = new ContainerError('E_CORRUPT', 'from fn');
  assert.throws(() => forEachChunkEvent(raw, c, 0, 300, () => { throw mine; }, undefined, () => { throw new Error('not me'); }), (e) => e === mine);
});

test('mapChunk + decodeMappedEvent: the events and times of decodeChunkEvents, one at a time; damage named', () => {
  // random events (their t deltas include 0, so some events start with another field than t)
  const evs = randomEvents(33, 900);
  const buf = encodeContainer({ producer: 't' }, evs, { chunkEvents: 256 });
  const src = bufferSource(buf);
  const oc = open(buf);
  let zeroDeltas = 0;
  for (const c of oc.chunks) {
    const raw = readChunkBytes(src, c, true);
    const all: Event[] = [];
    decodeChunkEvents(raw, c, all);
    const m = mapChunk(raw, c);
    assert.equal(m.starts.length, c.eventCount);
    assert.deepEqual([...m.times], all.map((e) => e.t));
    for (let j = c.eventCount - 1; j >= 0; j--) assert.deepEqual(decodeMappedEvent(m, c, j), all[j]);
    for (let j = 1; j < all.length; j++) if (all[j]!.t === all[j - 1]!.t) zeroDeltas++;
  }
  assert.ok(zeroDeltas > 0, 'some events carry no t field');
  // a cause mapped by fixCause, as decodeChunkEvents maps it
  const c0 = oc.chunks[0]!;
  const raw0 = readChunkBytes(src, c0, true);
  const fix = (_c: unknown, j: number, cause: number): number => cause + j;
  const fixed: Event[] = [];
  decodeChunkEvents(raw0, c0, fixed, fix);
  const m0 = mapChunk(raw0, c0);
  for (let j = 0; j < c0.eventCount; j++) assert.equal(decodeMappedEvent(m0, c0, j, fix).cause, fixed[j]!.cause);
  // damage: a length running past the chunk, a missing event, bytes left over
  const cut = raw0.slice(0, raw0.length - 3);
  assert.throws(() => mapChunk(cut, c0), (e: unknown) => e instanceof ContainerError && /chunk at byte \d+: event \d+: event of \d+ bytes runs past the chunk/.test(e.message));
  assert.throws(() => mapChunk(raw0, { ...c0, eventCount: c0.eventCount + 1 }), /holds 256 events, its header says 257/);
  assert.throws(() => mapChunk(raw0, { ...c0, eventCount: c0.eventCount - 1 }), /bytes left after its 255 events/);
});
