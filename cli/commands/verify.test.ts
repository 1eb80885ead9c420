/**
 * verify compares a whole recording as its chunks store it (no decoding, decoded only where the
 * bytes differ): it must name the first difference at the event that was changed, and the field.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventInit } from '../../proto/index.js';
import { findBuiltin, loadBuiltin, simulate } from '../../hw-model/index.js';
import { traceHeaderFor } from '../../recorder/index.js';
import { memoryTrace, verifyTrace } from '../../replayer/index.js';

const config = { ...loadBuiltin('priority-inversion'), duration: 200_000_000 };
const header = traceHeaderFor({ config, text: findBuiltin('priority-inversion')?.text ?? '', source: 'builtin:priority-inversion' });
const events: EventInit[] = [];
simulate(config, { sinks: [{ onEvent: (ev: EventInit) => { events.push({ ...ev }); } }] });

test('an unchanged recording verifies identical, chunk by chunk', () => {
  const r = verifyTrace(memoryTrace(header, events, { chunkEvents: 300 }));
  assert.equal(r.identical, true);
  assert.equal(r.compared, events.length);
});

test('a changed time, cause or field is found at its event, with the field named', () => {
  const k = Math.floor(events.length / 2);
  const cases: [string, (e: EventInit) => EventInit, string][] = [
    ['time', (e) => ({ ...e, t: (e.t ?? 0) + 1 }), 't'],
    ['cause', (e) => ({ ...e, cause: (e.cause ?? 0) + 1 }), 'cause'],
  ];
  for (const [what, change, field] of cases) {
    const changed = events.map((e, i) => (i === k ? change(e) : e));
    check(what, changed, k, field);
  }
  // a body field: the first FW request from the middle on, its bits changed
  const j = events.findIndex((e, i) => i >= k && e.body?.case === 'fwReq');
  assert.ok(j >= k);
  const changed = events.map((e, i) => (i === j && e.body?.case === 'fwReq' ? { ...e, body: { case: 'fwReq' as const, value: { ...e.body.value, bits: (e.body.value.bits ?? 0) ^ 0x8000 } } } : e));
  check('body', changed, j, 'fwReq.bits');
});

/** `changed` verified against the recording: the first difference at `k`, naming `field`. */
function check(what: string, changed: EventInit[], k: number, field: string): void {
  const r = verifyTrace(memoryTrace(header, changed, { chunkEvents: 300 }));
  assert.equal(r.identical, false, what);
  assert.equal(r.firstDifference?.index, k, what);
  assert.deepEqual(r.firstDifference?.fields, [field], what);
  assert.equal(r.compared, k + 1, what);
}

test('a recording cut short is found where it ends', () => {
  const r = verifyTrace(memoryTrace(header, events.slice(0, 1000), { chunkEvents: 300 }));
  assert.equal(r.identical, false);
  assert.equal(r.firstDifference?.index, 1000);
  assert.deepEqual(r.firstDifference?.fields, ['(the recording ends here)']);
});
