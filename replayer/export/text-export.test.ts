import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { eventToJson } from '../format.js';
import { openTrace } from '../trace-file.js';
import { eventLine } from './jsonl.js';

const DIR = fileURLToPath(new URL('../../../traces/v1/', import.meta.url));
const GOLDENS = readdirSync(DIR).filter((x) => x.endsWith('.csft'));

test('jsonl: every line is JSON.stringify of the event JSON, on every event of the golden traces', () => {
  const families = new Set<string>();
  for (const f of GOLDENS) {
    const trace = openTrace(DIR + f);
    try {
      trace.forEach((ev, i) => {
        const notes = i % 5000 === 7 ? ['a note', 'with "quotes" and \u001b[31m an escape'] : undefined;
        const o = eventToJson(ev, i) as Record<string, unknown>;
        assert.equal(eventLine(ev, i, notes), JSON.stringify(notes ? { ...o, notes } : o), `${f} #${i} (${ev.body.case})`);
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
  const text = new JsonArgs(), obj = new ObjectArgs();
  for (const f of GOLDENS) {
    const trace = openTrace(DIR + f);
    try {
      trace.forEach((ev, i) => {
        writeEventArgs(text, ev, i);
        writeEventArgs(obj, ev, i);
        const t = text.take();
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
  assert.equal(text.take(), JSON.stringify(obj.take()));
});
