/**
 * Test helper (not part of the codec): random events of every family, built through protobufjs
 * reflection over csftrace.proto, with non-decreasing times and backwards causes.
 */
import type { CauseDistance, VirtualNs } from '../units.js';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { decodeEvent } from '../gen/schema.js';
import { Reader } from '../wire.js';
import type { Event } from '../gen/schema.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
export const protoRoot = protobuf.loadSync(`${repo}proto/csftrace.proto`);
protoRoot.resolveAll();
export const EventType = protoRoot.lookupType('csftrace.Event');

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random message of `type` built through protobufjs reflection (so every family is covered). */
function randomObj(type: protobuf.Type, rnd: () => number, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const inOneof = new Set<string>();
  for (const o of type.oneofsArray) {
    const f = o.fieldsArray[Math.floor(rnd() * o.fieldsArray.length)]!;
    if (rnd() < 0.95) out[f.name] = randomField(f, rnd, depth);
    for (const g of o.fieldsArray) inOneof.add(g.name);
  }
  for (const f of type.fieldsArray) {
    if (inOneof.has(f.name) || f.name === 't' || f.name === 'cause' || rnd() < 0.4) continue;
    out[f.name] = randomField(f, rnd, depth);
  }
  return out;
}
function randomField(f: protobuf.Field, rnd: () => number, depth: number): unknown {
  const one = (): unknown => {
    if (f.resolvedType instanceof protobuf.Type) return depth > 3 ? {} : randomObj(f.resolvedType, rnd, depth + 1);
    if (f.resolvedType instanceof protobuf.Enum) {
      const vals = Object.values(f.resolvedType.values);
      return vals[Math.floor(rnd() * vals.length)];
    }
    const big = (): number => Math.floor(rnd() * 2 ** (rnd() < 0.6 ? 7 : rnd() < 0.5 ? 32 : 50));
    switch (f.type) {
      case 'uint32': return big() >>> 0;
      case 'sint32': case 'int32': return (big() | 0) * (rnd() < 0.5 ? 1 : -1) | 0;
      case 'uint64': return big();
      case 'sint64': case 'int64': return big() * (rnd() < 0.5 ? 1 : -1);
      case 'bool': return rnd() < 0.5;
      case 'string': return ['', 'panthor', 'FW ping timeout', 'protected', 'ü→✓', 'x'.repeat(150)][Math.floor(rnd() * 6)];
      default: throw new Error(`unhandled ${f.type}`);
    }
  };
  if (f.repeated) return Array.from({ length: Math.floor(rnd() * 3) }, one);
  return one();
}

/** n random events with non-decreasing absolute times and backwards causes. */
export function randomEvents(seed: number, n: number): Event[] {
  const rnd = mulberry32(seed);
  const out: Event[] = [];
  let t = Math.floor(rnd() * 1e6);
  for (let i = 0; i < n; i++) {
    const bytes = EventType.encode(EventType.fromObject(randomObj(EventType, rnd, 0))).finish();
    const ev = decodeEvent(new Reader(bytes), bytes.length);
    const r = rnd();
    t += r < 0.2 ? 0 : r < 0.9 ? Math.floor(rnd() * 5000) : Math.floor(rnd() * 2 ** 36);
    ev.t = t as VirtualNs;
    ev.cause = (i > 0 && rnd() < 0.5 ? 1 + Math.floor(rnd() * Math.min(i, 20000)) : 0) as CauseDistance;
    out.push(ev);
  }
  return out;
}

