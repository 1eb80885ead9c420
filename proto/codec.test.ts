/**
 * The generated codecs against protobufjs reflection over the same .proto: random messages of every
 * event family are encoded by one side and decoded by the other, both ways. Also: truncated and
 * corrupted input fails with ProtoDecodeError, never another exception or a hang.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import fc from 'fast-check';
import { decodeEvent, encodeEvent, decodeTraceHeader, encodeTraceHeader, Reader, Writer, ProtoDecodeError, type Event } from './index.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const root = protobuf.loadSync(`${repo}proto/csftrace.proto`);
root.resolveAll();
const EventType = root.lookupType('csftrace.Event');

/** A deterministic random value for every field of `type`, depth-limited. */
function randomMessage(type: protobuf.Type, rnd: () => number, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const oneofFields = new Set<string>();
  for (const o of type.oneofsArray) {
    const f = o.fieldsArray[Math.floor(rnd() * o.fieldsArray.length)]!;
    if (rnd() < 0.9) { out[f.name] = randomField(f, rnd, depth); }
    for (const g of o.fieldsArray) oneofFields.add(g.name);
  }
  for (const f of type.fieldsArray) {
    if (oneofFields.has(f.name) || rnd() < 0.3) continue;
    out[f.name] = randomField(f, rnd, depth);
  }
  return out;
}

function randomScalar(f: protobuf.Field, rnd: () => number): unknown {
  if (f.resolvedType instanceof protobuf.Enum) {
    const vals = Object.values(f.resolvedType.values);
    return vals[Math.floor(rnd() * vals.length)];
  }
  const big = () => Math.floor(rnd() * 2 ** (rnd() < 0.5 ? 7 : rnd() < 0.5 ? 32 : 52));
  switch (f.type) {
    case 'uint32': return big() >>> 0;
    case 'sint32': case 'int32': return (big() | 0) * (rnd() < 0.5 ? 1 : -1) | 0;
    case 'uint64': return big();
    case 'sint64': case 'int64': return big() * (rnd() < 0.5 ? 1 : -1);
    case 'bool': return rnd() < 0.5;
    case 'string': return ['', 'a', 'FW ping timeout', 'protected', 'ü→✓', 'x'.repeat(200)][Math.floor(rnd() * 6)];
    case 'bytes': return Uint8Array.from({ length: Math.floor(rnd() * 300) }, () => Math.floor(rnd() * 256));
    default: throw new Error(`unhandled type ${f.type}`);
  }
}

function randomField(f: protobuf.Field, rnd: () => number, depth: number): unknown {
  if (f.map) return { k1: 'v1', [`k${Math.floor(rnd() * 9)}`]: 'v2' };
  const one = () => f.resolvedType instanceof protobuf.Type
    ? (depth > 4 ? {} : randomMessage(f.resolvedType, rnd, depth + 1))
    : randomScalar(f, rnd);
  if (f.repeated) return Array.from({ length: Math.floor(rnd() * 4) }, one);
  return one();
}

/** protobufjs plain object (flat oneofs) → our shape ({ case, value } oneofs, defaults filled). */
function toOurs(type: protobuf.Type, obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const inOneof = new Set<string>();
  for (const o of type.oneofsArray) {
    let set: Record<string, unknown> = { case: undefined };
    for (const f of o.fieldsArray) {
      inOneof.add(f.name);
      if (obj[f.name] !== undefined && obj[f.name] !== null) set = { case: f.name, value: conv(f, obj[f.name]) };
    }
    out[o.name] = set;
  }
  for (const f of type.fieldsArray) {
    if (inOneof.has(f.name)) continue;
    const v = obj[f.name];
    if (f.map) out[f.name] = { ...((v ?? {}) as object) };
    else if (f.repeated) out[f.name] = ((v ?? []) as unknown[]).map((x) => conv(f, x));
    else if (f.resolvedType instanceof protobuf.Type) out[f.name] = v == null ? undefined : conv(f, v);
    else out[f.name] = conv(f, v ?? defaultOf(f));
  }
  return out;
}
function defaultOf(f: protobuf.Field): unknown {
  if (f.resolvedType instanceof protobuf.Enum) return 0;
  if (f.type === 'bool') return false;
  if (f.type === 'string') return '';
  if (f.type === 'bytes') return new Uint8Array(0);
  return 0;
}
function conv(f: protobuf.Field, v: unknown): unknown {
  if (f.resolvedType instanceof protobuf.Type) return toOurs(f.resolvedType, v as Record<string, unknown>);
  if (f.type === 'bytes') return new Uint8Array(v as ArrayLike<number>);
  return v;
}

function seeded(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 32; };
}

const toPlain = (m: protobuf.Message) => EventType.toObject(m, { longs: Number, enums: Number, bytes: Array, defaults: true, arrays: true });

test('protobufjs-encoded events decode identically with the generated codec', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 31 }), (seed) => {
    const rnd = seeded(seed);
    const obj = randomMessage(EventType, rnd);
    const bytes = EventType.encode(EventType.fromObject(obj)).finish();
    const ours = decodeEvent(new Reader(bytes), bytes.length);
    const expected = toOurs(EventType, toPlain(EventType.decode(bytes)));
    assert.deepEqual(ours, expected);
  }), { numRuns: 400 });
});

test('generated-codec bytes decode identically with protobufjs', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 31 }), (seed) => {
    const rnd = seeded(seed);
    const obj = randomMessage(EventType, rnd);
    const viaPbjs = EventType.encode(EventType.fromObject(obj)).finish();
    const ev = decodeEvent(new Reader(viaPbjs), viaPbjs.length);
    const w = new Writer(16);
    encodeEvent(w, ev);
    const ours = w.finish();
    assert.deepEqual(toPlain(EventType.decode(ours)), toPlain(EventType.decode(viaPbjs)));
    // canonical: re-encoding our own decode is stable
    const w2 = new Writer(16);
    encodeEvent(w2, decodeEvent(new Reader(ours), ours.length));
    assert.deepEqual(w2.finish(), ours);
  }), { numRuns: 400 });
});

test('64-bit fields round-trip up to 2^53 and negative sint', () => {
  const ev = {
    t: 2 ** 53 - 1, cause: 0xffffffff,
    body: { case: 'ioctl' as const, value: { ret: -517, durationNs: 2 ** 40 + 3, args: { case: 'syncobjWait' as const, value: { timeoutNsec: -(2 ** 45), points: [0, 1, 2 ** 52] } } } },
  };
  const w = new Writer(1);
  encodeEvent(w, ev);
  const d: Event = decodeEvent(new Reader(w.finish()), w.pos);
  assert.equal(d.t, 2 ** 53 - 1);
  assert.equal(d.cause, 0xffffffff);
  assert.ok(d.body.case === 'ioctl');
  const io = d.body.value;
  assert.equal(io.ret, -517);
  assert.equal(io.durationNs, 2 ** 40 + 3);
  assert.ok(io.args.case === 'syncobjWait');
  assert.equal(io.args.value.timeoutNsec, -(2 ** 45));
  assert.deepEqual(io.args.value.points, [0, 1, 2 ** 52]);
});

test('large nested messages get multi-byte length prefixes', () => {
  const header = { scenarioText: 'x'.repeat(70000), policy: 'kbase', metadata: { b: '2', a: '1' } };
  const w = new Writer(8);
  encodeTraceHeader(w, header);
  const d = decodeTraceHeader(new Reader(w.finish()), w.pos);
  assert.equal(d.scenarioText.length, 70000);
  assert.deepEqual(d.metadata, { a: '1', b: '2' });
  assert.equal(d.policy, 'kbase');
});

test('every truncation of a valid event fails cleanly with ProtoDecodeError', () => {
  const rnd = seeded(7);
  for (let n = 0; n < 50; n++) {
    const bytes = EventType.encode(EventType.fromObject(randomMessage(EventType, rnd))).finish();
    for (let cut = 0; cut < bytes.length; cut++) {
      const part = bytes.subarray(0, cut);
      try {
        decodeEvent(new Reader(part), part.length);
      } catch (e) {
        assert.ok(e instanceof ProtoDecodeError, `cut ${cut}: ${(e as Error).message}`);
      }
    }
  }
});

test('random garbage never throws anything but ProtoDecodeError', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
    try {
      decodeEvent(new Reader(bytes), bytes.length);
    } catch (e) {
      assert.ok(e instanceof ProtoDecodeError, (e as Error).message);
    }
  }), { numRuns: 2000 });
});
