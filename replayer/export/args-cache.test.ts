import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Event } from '../../proto/index.js';
import { openTrace } from '../trace-file.js';
import type { ArgSource } from './arg-writer.js';
import { bodyFields, MAX_FIELDS_LONG } from './args-cache.js';
import { ChromeJsonWriter } from './chrome-json.js';
import { JsonBytes } from './json-bytes.js';
import { JsonBodies, writeEventLine } from './jsonl.js';
import { PerfettoWriter } from './perfetto.js';
import { buildTimeline, type TimelineSink } from './timeline.js';

const DIR = fileURLToPath(new URL('../../../traces/v1/', import.meta.url));
const GOLDENS = readdirSync(DIR).filter((x) => x.endsWith('.csft'));

/** Perfetto or Chrome JSON bytes of a trace; `plain`: every mark's arguments written whole (no reused bodies). */
function timeline(path: string, format: 'perfetto' | 'chrome-json', plain: boolean): Buffer {
  const trace = openTrace(path);
  const parts: Buffer[] = [];
  try {
    const push = (b: Uint8Array): void => { parts.push(Buffer.from(b)); };
    const w = format === 'perfetto' ? new PerfettoWriter(push, { scenario: 'x' }) : new ChromeJsonWriter(push, { scenario: 'x' });
    const strip = (a: ArgSource | null): ArgSource | null => (a === null || !plain ? a : { writeArgs: (x) => { a.writeArgs(x); } });
    const sink: TimelineSink = {
      track: (d) => { w.track(d); },
      begin: (ts, t, n, a, o, i) => { w.begin(ts, t, n, strip(a), o, i); },
      end: (ts, t) => { w.end(ts, t); },
      complete: (ts, d, t, n, a, o, i) => { w.complete(ts, d, t, n, strip(a), o, i); },
      instant: (ts, t, n, a, o, i) => { w.instant(ts, t, n, strip(a), o, i); },
      counter: (ts, t, v) => { w.counter(ts, t, v); },
      finish: () => { w.finish(); },
    };
    buildTimeline(trace, sink, { to: 60_000 });
  } finally { trace.close(); }
  return Buffer.concat(parts);
}

test('perfetto and chrome-json: reused argument bodies give the bytes of arguments written whole, on the golden traces', () => {
  for (const format of ['perfetto', 'chrome-json'] as const) {
    for (const f of GOLDENS) {
      const a = timeline(DIR + f, format, false), b = timeline(DIR + f, format, true);
      assert.ok(a.length > 1000, f);
      assert.ok(a.equals(b), `${format} ${f}: ${a.length} vs ${b.length} bytes`);
    }
  }
});

/** Every field of a decoded body (numbers and booleans, nested arrays of messages). */
function leaves(o: Record<string, unknown>, at: string, out: string[]): void {
  for (const [k, v] of Object.entries(o)) {
    if (Array.isArray(v)) v.forEach((x, i) => { if (typeof x === 'object' && x !== null) leaves(x as Record<string, unknown>, `${at}${k}[${i}].`, out); else out.push(`${at}${k}[${i}]`); });
    else out.push(`${at}${k}`);
  }
}

function setLeaf(o: Record<string, unknown>, path: string): void {
  const parts = path.split('.');
  const last = parts.pop()!; // split gives at least one part
  let x: Record<string, unknown> = o;
  for (const p of parts) {
    const m = /^(\w+)\[(\d+)\]$/.exec(p)!;
    x = (x[m[1]!] as Record<string, unknown>[])[Number(m[2])]!;
  }
  const m = /^(\w+)\[(\d+)\]$/.exec(last);
  if (m) { const arr = x[m[1]!] as number[]; const k = Number(m[2]); arr[k] = arr[k]! + 1; return; }
  x[last] = typeof x[last] === 'boolean' ? !x[last] : (x[last] as number) + 1;
}

test('bodyFields: a change to any field a body carries changes its listed fields (no stale bytes reused)', () => {
  const seen = new Set<string>();
  const a = new Float64Array(MAX_FIELDS_LONG), b = new Float64Array(MAX_FIELDS_LONG);
  for (const f of GOLDENS) {
    const trace = openTrace(DIR + f);
    try {
      trace.forEach((ev) => {
        const fam = ev.body.case ?? '';
        const n = bodyFields(ev, a);
        if (n === 0 || seen.has(fam)) return;
        if (ev.body.case === 'decision' && !(ev.body.value.inputs.length && ev.body.value.slots.length && ev.body.value.reasons.length)) return;
        seen.add(fam);
        const paths: string[] = [];
        leaves(ev.body.value as unknown as Record<string, unknown>, '', paths);
        for (const p of paths) {
          if (fam === 'decision' && (p === 'tick' || p === 'nextTickNs' || p === 'mode')) continue; // head and tail
          const copy = structuredClone(ev.body.value) as unknown as Record<string, unknown>;
          setLeaf(copy, p);
          const m = bodyFields({ ...ev, body: { case: ev.body.case, value: copy } } as unknown as Event, b);
          assert.ok(m !== n || a.subarray(0, n).some((x, k) => x !== b[k]), `${fam}.${p} is not among its listed fields`);
        }
      }, 0, 60_000);
    } finally { trace.close(); }
  }
  assert.deepEqual([...seen].sort(), ['decision', 'doorbell', 'fwAck', 'fwIrq', 'fwReq', 'modeSwitch']);
});

test('jsonl: reused body text gives the lines written whole, on the golden traces', () => {
  for (const f of GOLDENS) {
    const whole: Buffer[] = [], reused: Buffer[] = [];
    const a = new JsonBytes((b) => { whole.push(Buffer.from(b)); }), b = new JsonBytes((x) => { reused.push(Buffer.from(x)); });
    const bodies = new JsonBodies(b);
    const trace = openTrace(DIR + f);
    try {
      trace.forEach((ev, i) => {
        writeEventLine(a, ev, i, undefined); a.mark();
        writeEventLine(b, ev, i, undefined, bodies); b.mark();
      }, 0, 60_000);
    } finally { trace.close(); }
    a.flush(); b.flush();
    const x = Buffer.concat(whole), y = Buffer.concat(reused);
    assert.ok(x.length > 1000, f);
    assert.ok(x.equals(y), `${f}: ${x.length} vs ${y.length} bytes`);
  }
});

test('jsonl: decisions with few fields (no inputs, no slots) keep their own tick, next tick and mode', () => {
  const dec = (tick: number): Event => ({
    t: 100 * tick, cause: 0,
    body: { case: 'decision', value: { tick, trigger: 0, fullTick: true, inputs: [], slots: [], evicted: [], protm: 0, protmRule: 0, protmGroup: 0, reasons: [], freeAs: 3, timeslice: false, nextTickNs: 1000 * tick, mode: tick % 2 } },
  } as unknown as Event);
  const whole: Buffer[] = [], reused: Buffer[] = [];
  const a = new JsonBytes((x) => { whole.push(Buffer.from(x)); }), b = new JsonBytes((x) => { reused.push(Buffer.from(x)); });
  const bodies = new JsonBodies(b);
  for (let i = 0; i < 3; i++) {
    writeEventLine(a, dec(i + 1), i, undefined); a.mark();
    writeEventLine(b, dec(i + 1), i, undefined, bodies); b.mark();
  }
  a.flush(); b.flush();
  assert.equal(Buffer.concat(reused).toString(), Buffer.concat(whole).toString());
});
