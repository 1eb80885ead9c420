/**
 * The generated encoders' inline writes against the plain Writer methods: the same bytes from any
 * starting capacity (one capacity check per message, strings, repeated fields and long nested
 * messages growing the buffer mid-message), encodeEventDelta against encodeEventDelimited, and the
 * edge values of every scalar kind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Writer, Reader, encodeEvent, encodeEventDelimited, encodeEventDelta, encodeTraceHeader, encodeTraceIndex,
  decodeEvent, decodeTraceHeader, EventBodyFieldNumbers, type EventInit,
} from './index.js';
import { randomEvents } from './container/random-events.testutil.js';

function bytesOf(enc: (w: Writer) => void, initial: number): Uint8Array {
  const w = new Writer(initial);
  enc(w);
  return w.finish();
}

test('the same bytes from every starting capacity', () => {
  const evs = randomEvents(11, 400);
  for (const ev of evs) {
    const ref = bytesOf((w) => encodeEvent(w, ev), 1 << 16);
    for (const initial of [1, 2, 7, 33]) assert.deepEqual(bytesOf((w) => encodeEvent(w, ev), initial), ref);
    // appended after other bytes, at odd offsets
    const w = new Writer(3);
    w.uint32(300);
    encodeEvent(w, ev);
    assert.deepEqual(w.finish().subarray(2), ref);
  }
});

test('strings, maps and nested messages past 127 bytes grow the buffer mid-message', () => {
  const header = {
    producer: 'p', scenarioText: 'é→'.repeat(200) + 'x'.repeat(3000), seed: 2 ** 40 + 1, policy: 'rfc-2025',
    notes: [{ eventIndex: 3, text: 'n'.repeat(150) }, { eventIndex: 2 ** 33, text: '' }],
    metadata: { b: 'ü'.repeat(90), a: '1' }, trimmedFrom: { firstEvent: 1, lastEvent: 2 ** 35 },
    wallClockUnixMs: 1,
  };
  const ref = bytesOf((w) => encodeTraceHeader(w, header), 1 << 16);
  for (const initial of [1, 5, 64, 130]) assert.deepEqual(bytesOf((w) => encodeTraceHeader(w, header), initial), ref);
  const d = decodeTraceHeader(new Reader(ref), ref.length);
  assert.equal(d.scenarioText, header.scenarioText);
  assert.deepEqual(d.metadata, { a: '1', b: header.metadata.b });
  assert.deepEqual(d.notes.map((n) => n.text.length), [150, 0]);
  assert.equal(d.trimmedFrom?.lastEvent, 2 ** 35);
  const index = { chunks: Array.from({ length: 40 }, (_, i) => ({ offset: i * 1e9, firstEvent: i, eventCount: 8192, familyCounts: [1, 300, 0, 2 ** 34] })), eventCount: 7, familyCounts: [2 ** 40, 0, 5] };
  const iref = bytesOf((w) => encodeTraceIndex(w, index), 1 << 16);
  assert.deepEqual(bytesOf((w) => encodeTraceIndex(w, index), 1), iref);
});

test('encodeEventDelta writes the event with t replaced, length-delimited, and names its body', () => {
  const evs: EventInit[] = [...randomEvents(5, 300), { t: 9 }, {}, { cause: 3, body: { case: undefined } }];
  for (const ev of evs) {
    for (const dt of [0, 1, 127, 128, 2 ** 32 + 5]) {
      const a = new Writer(1);
      const body = encodeEventDelta(a, ev, dt);
      const b = new Writer(1);
      encodeEventDelimited(b, { ...ev, t: dt });
      assert.deepEqual(a.finish(), b.finish());
      const c = ev.body?.case;
      assert.equal(body, c === undefined ? 0 : EventBodyFieldNumbers[c]);
    }
  }
});

test('edge values of every scalar kind encode like the Writer methods', () => {
  const odd = [1, 127, 128, 0.5, 127.9, -0.5, -1, -128, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 0.5, -(2 ** 31), -(2 ** 32), 2 ** 53, -(2 ** 53), NaN, Infinity, -Infinity];
  for (const v of odd) {
    // uint64 t, uint32 cause; uint32/enum/sint32/uint64/bool fields of a Job
    const ev = {
      t: v, cause: v,
      body: { case: 'job' as const, value: { group: v, phase: v as never, fenceError: v, seqno: v, protRegion: v as unknown as boolean } },
    };
    const ours = bytesOf((w) => encodeEvent(w, ev), 1);
    const ref = new Writer(64);
    if (v) { ref.uint32(8); ref.uint64(v); ref.uint32(16); ref.uint32(v); }
    ref.uint32(154);
    const at = ref.fork();
    if (v) {
      ref.uint32(8); ref.uint32(v); ref.uint32(24); ref.uint64(v); ref.uint32(32); ref.int32(v);
      ref.uint32(40); ref.bool(true); ref.uint32(56); ref.sint32(v);
    }
    ref.ldelim(at);
    assert.deepEqual(ours, ref.finish(), `value ${v}`);
    // sint64, and packed repeated uint32/uint64 (every element written, zero or not)
    const sw = { handles: [v, 0, v], points: [0, v], timeoutNsec: v };
    const ours2 = bytesOf((w) => encodeEvent(w, { body: { case: 'ioctl', value: { args: { case: 'syncobjWait', value: sw } } } }), 1);
    const r2 = new Writer(64);
    r2.uint32(82); const a1 = r2.fork(); r2.uint32(226); const a2 = r2.fork();
    r2.uint32(10); const a3 = r2.fork(); for (const h of sw.handles) r2.uint32(h); r2.ldelim(a3);
    r2.uint32(18); const a4 = r2.fork(); for (const q of sw.points) r2.uint64(q); r2.ldelim(a4);
    if (v) { r2.uint32(24); r2.sint64(v); }
    r2.ldelim(a2); r2.ldelim(a1);
    assert.deepEqual(ours2, r2.finish(), `syncobjWait ${v}`);
    if (Number.isFinite(v) && Number.isInteger(v) && v >= 0 && v < 2 ** 32) {
      const d = decodeEvent(new Reader(ours), ours.length);
      assert.equal(d.cause, v);
    }
  }
});

test('64-bit varints and fixed64 words: the two\'s complement bytes of every value, against BigInt', () => {
  const values = [0, 1, 127, 128, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 84_804_039_000, 370_123_456_789, 2 ** 52 + 3, 2 ** 53 - 1,
    -1, -2, -(2 ** 31), -(2 ** 32), -(2 ** 32) - 1, -84_804_039_000, -(2 ** 53) + 1];
  for (let k = 1; k < 500; k++) values.push(Math.floor(((k * 2654435761) % 4294967296) * 2097.13) * (k % 3 === 0 ? -1 : 1));
  const varintOf = (v: number): number[] => {
    let x = BigInt.asUintN(64, BigInt(v));
    const out: number[] = [];
    while (x > 0x7fn) { out.push(Number(x & 0x7fn) | 0x80); x >>= 7n; }
    out.push(Number(x));
    return out;
  };
  for (const v of values) {
    const w = new Writer(4);
    w.uint64(v);
    assert.deepEqual([...w.finish()], varintOf(v), `varint ${v}`);
    const f = new Writer(4);
    f.fixed64(v);
    const word = new DataView(new ArrayBuffer(8));
    word.setBigUint64(0, BigInt.asUintN(64, BigInt(v)), true);
    assert.deepEqual([...f.finish()], [...new Uint8Array(word.buffer)], `fixed64 ${v}`);
    assert.equal(new Reader(bytesOf((x) => x.fixed64(v), 8)).fixed64(), v >= 0 ? v : Number(BigInt.asUintN(64, BigInt(v))), `fixed64 read ${v}`);
  }
});
