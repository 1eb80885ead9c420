/**
 * The unit brands hold: a decoded event's time (VirtualNs) and cause (CauseDistance) do not pass
 * where an event index is taken. The `@ts-expect-error` lines are the test: if a brand stopped
 * working, the build (the first step of `npm test`) fails on the unused directive.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event } from '../proto/index.js';
import { syntheticHeader } from './diff/synthetic.js';
import { memoryTrace, type TraceFile } from './trace-file.js';

/** Compiled, never called: each misuse must be a type error. */
export function misuse(tr: TraceFile, ev: Event): void {
  // @ts-expect-error a virtual time is not an event index
  tr.event(ev.t);
  // @ts-expect-error a cause distance is not an event index
  tr.timeOf(ev.cause);
  // @ts-expect-error nor is it where a pass starts
  tr.forEach(() => undefined, ev.cause);
}

test('an event index is a plain number; times and cause distances keep their unit', () => {
  const tr = memoryTrace(syntheticHeader('brands'), [
    { t: 5, body: { case: 'log', value: { msg: 'a' } } },
    { t: 9, cause: 1, body: { case: 'log', value: { msg: 'b' } } },
  ]);
  const second = tr.event(1);
  assert.equal(second.t, 9);
  assert.equal(second.cause, 1);
  assert.equal(1 - second.cause, 0, 'the cause of event 1 is event 0');
  assert.equal(tr.timeOf(1), 9);
  assert.equal(tr.timeOf(0) + second.t, 14, 'arithmetic on times stays plain');
});
