import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { eventToJson } from '../format.js';
import { openTrace } from '../trace-file.js';
import { JsonBytes, jsonBytes, terminalSafe } from './json-bytes.js';
import { writeEventLine } from './jsonl.js';

const DIR = fileURLToPath(new URL('../../../traces/v1/', import.meta.url));
const GOLDENS = readdirSync(DIR).filter((x) => x.endsWith('.csft'));

test('jsonl: every line is JSON.stringify of the event JSON (terminal controls escaped), on every event of the golden traces', () => {
  const families = new Set<string>();
  const out = new JsonBytes(() => { throw new Error('no flush expected'); });
  const line = (ev: Parameters<typeof writeEventLine>[1], i: number, notes: string[] | undefined): string => {
    out.pos = 0;
    writeEventLine(out, ev, i, notes);
    return out.buf.toString('utf8', 0, out.pos);
  };
  for (const f of GOLDENS) {
    const trace = openTrace(DIR + f);
    try {
      trace.forEach((ev, i) => {
        const notes = i % 5000 === 7 ? ['a note', 'with "quotes" and \u001b[31m an escape, a C1 \u009b31m CSI and \u202e'] : undefined;
        const o = eventToJson(ev, i) as Record<string, unknown>;
        assert.equal(line(ev, i, notes), `${terminalSafe(JSON.stringify(notes ? { ...o, notes } : o))}\n`, `${f} #${i} (${ev.body.case})`);
        families.add(ev.body.case ?? '');
      }, 0, 60_000);
    } finally { trace.close(); }
  }
  for (const c of ['ioctl', 'heap', 'fwReq', 'fwAck', 'fwIrq', 'doorbell', 'modeSwitch', 'job', 'decision', 'groupState', 'process', 'probe', 'log'])
    assert.ok(families.has(c), `${c} compared`);
});

test('chrome-json: the args text is JSON.stringify of the args object, on every event of the golden traces', async () => {
  const { writeEventArgs } = await import('./args.js');
  const { ObjectArgs, argKey } = await import('./arg-writer.js');
  const { JsonArgs } = await import('./chrome-json.js');
  const text = new JsonArgs(new JsonBytes(() => { throw new Error('no flush expected'); })), obj = new ObjectArgs();
  text.start();
  const take = (): string => {
    text.finish();
    const s = text.out.buf.toString('utf8', 0, text.out.pos);
    text.out.pos = 0;
    text.start();
    return s;
  };
  for (const f of GOLDENS) {
    const trace = openTrace(DIR + f);
    try {
      trace.forEach((ev, i) => {
        writeEventArgs(text, ev, i);
        writeEventArgs(obj, ev, i);
        const t = take();
        assert.equal(t, JSON.stringify(obj.take()), `${f} #${i} (${ev.body.case})`);
        assert.doesNotThrow(() => JSON.parse(t));
      }, 0, 60_000);
    } finally { trace.close(); }
  }
  // nesting, empty containers, odd numbers and strings that need escapes
  const k = argKey('k'), e = argKey('');
  for (const w of [text, obj]) {
    w.open(k, false); w.close();
    w.open(argKey('list'), true); w.int(e, -0); w.int(e, NaN); w.open(e, false); w.str(k, 'a"\\\u001b[2J\u2028'); w.close(); w.open(e, true); w.close(); w.close();
    w.bool(argKey('b'), false); w.sym(argKey('s'), 'group 1: → PROTM');
  }
  assert.equal(take(), JSON.stringify(obj.take()));
});

test('JsonBytes writes numbers and strings as JSON.stringify does, and escapes what a terminal acts on', () => {
  const out = new JsonBytes(() => { throw new Error('no flush expected'); });
  const nums = [0, -0, 1, 9, 10, 99, 100, -1, -10, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 2 ** 32 + 5, 123456789012345, 2 ** 53 - 1, 2 ** 53, 2 ** 64,
    -(2 ** 53) + 1, 1e21, 0.5, -1.25, 1 / 3, NaN, Infinity, -Infinity, 40_000_000_123, 100_000_000, 1_000_000_000_000];
  // every digit count on both sides of each power of ten, and a spread of magnitudes
  for (let e = 0; e <= 15; e++) nums.push(10 ** e - 1, 10 ** e, 10 ** e + 1, -(10 ** e), 2 * 10 ** e + 7);
  for (let k = 0; k < 5000; k++) nums.push(Math.floor(((k * 2654435761) % 4294967296) * 2 ** (k % 22)));
  for (const x of nums) {
    out.pos = 0;
    out.num(x);
    assert.equal(out.buf.toString('utf8', 0, out.pos), JSON.stringify(x), String(x));
  }
  for (const s of ['', 'plain', 'a"b', 'back\\slash', '\u001b[31mred', 'tab\there', 'é → ✓', '\ud800 lone', 'line\u2028sep']) {
    out.pos = 0;
    out.str(s);
    assert.equal(out.buf.toString('utf8', 0, out.pos), JSON.stringify(s), JSON.stringify(s));
  }
  // what a terminal acts on and JSON.stringify leaves raw: written as \uXXXX, the same JSON value
  for (const [s, want] of [['del\u007f', '"del\\u007f"'], ['c1 \u009b31m csi', '"c1 \\u009b31m csi"'], ['\u0085nel', '"\\u0085nel"'],
    ['bidi \u202eevil\u202c', '"bidi \\u202eevil\\u202c"'], ['iso \u2066x\u2069 \u200f', '"iso \\u2066x\\u2069 \\u200f"']] as const) {
    out.pos = 0;
    out.str(s);
    const text = out.buf.toString('utf8', 0, out.pos);
    assert.equal(text, want);
    assert.equal(JSON.parse(text), s);
    out.pos = 0;
    out.text(JSON.stringify({ s }));
    assert.equal(out.buf.toString('utf8', 0, out.pos), `{"s":${want}}`);
    assert.equal(Buffer.from(jsonBytes(s)).toString('utf8'), want);
  }
  const ns = [0, 1, 999, 1000, 1001, 1010, 1100, 123_456_789, 40_000_000_000, 370_123_456_789, -1, -250_000, -1_000, 2 ** 43 - 1, 2 ** 43, 2 ** 53, 0.5, NaN];
  for (let k = 0; k < 2000; k++) ns.push(Math.floor(((k * 2654435761) % 4294967296) * 97.13));
  for (const x of ns) {
    out.pos = 0;
    out.micros(x);
    assert.equal(out.buf.toString('utf8', 0, out.pos), JSON.stringify(x / 1000), String(x));
  }
});
