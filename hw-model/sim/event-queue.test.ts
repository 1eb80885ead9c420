import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventQueue, type Callback } from './event-queue.js';
import { Rng } from './rng.js';
import { Sim } from './sim.js';

/**
 * The order the queue must produce: a plain sort by (time, sequence), cancelled entries left out;
 * pop(until) stops at the first entry (cancelled or not) after `until`.
 */
class ReferenceQueue {
  private entries: { t: number; seq: number; tag: number }[] = [];
  private seq = 0;
  private cancelled = new Set<number>();
  push(t: number, tag: number): number { const seq = this.seq++; this.entries.push({ t, seq, tag }); return seq; }
  cancel(seq: number): void { this.cancelled.add(seq); }
  peekTime(): number {
    if (!this.entries.length) return Infinity;
    return this.entries.reduce((m, e) => (e.t < m.t || (e.t === m.t && e.seq < m.seq) ? e : m)).t;
  }
  pop(until = Infinity): { t: number; tag: number } | undefined {
    for (;;) {
      if (!this.entries.length) return undefined;
      if (this.peekTime() > until) return undefined;
      let best = 0;
      for (let i = 1; i < this.entries.length; i++) {
        const e = this.entries[i]!, b = this.entries[best]!;
        if (e.t < b.t || (e.t === b.t && e.seq < b.seq)) best = i;
      }
      const e = this.entries.splice(best, 1)[0]!;
      if (this.cancelled.delete(e.seq)) continue;
      return e;
    }
  }
}

const noop: Callback = () => {};
const FIXED_DELAYS = [0, 1, 2, 3, 7, 40, 41, 100, 250, 999, 3000, 4000];

test('pops in (time, sequence) order across the heap, the fixed-delay lanes and the current-time FIFO, with cancellations', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const rng = new Rng(seed, 'event-queue-test');
    const q = new EventQueue(), ref = new ReferenceQueue();
    const out = { t: 0, fn: noop, arg: undefined as unknown };
    const tokens: number[] = [];
    let now = 0, tag = 0, popped = 0;
    for (let step = 0; step < 3000; step++) {
      const r = rng.float();
      if (r < 0.35) {
        // Mostly near-future times with many ties, some at the current time, a few far out.
        const kind = rng.int(0, 9);
        const t = kind < 3 ? now : kind < 8 ? now + rng.int(0, 5) : now + rng.int(0, 5000);
        const a = q.push(t, noop, tag), b = ref.push(t, tag);
        assert.equal(a, b);
        tokens.push(a);
        tag++;
      } else if (r < 0.55) {
        // Fixed delays: more distinct delays than lanes, and a caller clock that may run ahead of
        // the last pop (out-of-order pushes for a lane, which go to the heap).
        const delay = FIXED_DELAYS[rng.int(0, FIXED_DELAYS.length - 1)]!;
        const callerNow = now + (rng.chance(0.2) ? rng.int(0, 3) : 0);
        const a = q.pushFixed(callerNow, delay, noop, tag), b = ref.push(callerNow + delay, tag);
        assert.equal(a, b);
        tokens.push(a);
        tag++;
      } else if (r < 0.62 && tokens.length) {
        const tok = tokens[rng.int(0, tokens.length - 1)]!;
        q.cancel(tok); ref.cancel(tok);
      } else if (r < 0.7) {
        // popUntil(until): the earliest live entry if it is at or before `until` (cancelled ones on
        // the way are dropped)
        const until = now + rng.int(0, 6);
        const e = ref.pop(until);
        const got = q.popUntil(until, out);
        assert.equal(got, e !== undefined, `seed ${seed} step ${step}: popUntil`);
        if (!e) continue;
        assert.deepEqual([out.t, out.arg], [e.t, e.tag], `seed ${seed} step ${step}: popUntil entry`);
        now = e.t;
        popped++;
      } else {
        assert.equal(q.peekTime(), ref.peekTime(), `seed ${seed} step ${step}: peekTime`);
        const e = ref.pop();
        const got = q.pop(out);
        assert.equal(got, e !== undefined);
        if (!e) continue;
        assert.equal(out.t, e.t, `seed ${seed} step ${step}: time`);
        assert.equal(out.arg, e.tag, `seed ${seed} step ${step}: entry`);
        now = e.t;
        popped++;
      }
    }
    for (let e = ref.pop(); e; e = ref.pop()) {
      assert.ok(q.pop(out));
      assert.deepEqual([out.t, out.arg], [e.t, e.tag]);
    }
    assert.equal(q.pop(out), false);
    assert.equal(q.size, 0);
    assert.ok(popped > 500);
  }
});

test('Sim: same-time callbacks run FIFO after earlier-scheduled ones of that time; the clock never goes back', () => {
  const sim = new Sim(1);
  const log: string[] = [];
  sim.at(10, () => {
    log.push(`a@${sim.now}`);
    sim.after(0, () => log.push(`c@${sim.now}`));
    sim.at(5, () => log.push(`d@${sim.now}`));       // in the past: clamped to now
  });
  sim.at(10, () => log.push(`b@${sim.now}`));
  sim.at(11, () => log.push(`e@${sim.now}`));
  sim.run(100);
  assert.deepEqual(log, ['a@10', 'b@10', 'c@10', 'd@10', 'e@11']);
  assert.equal(sim.now, 100);
});

test('Sim.run never runs a callback past its end, also when the one before the end was cancelled', () => {
  for (const fixed of [false, true]) {
    const sim = new Sim(1);
    const ran: number[] = [];
    const note = (): void => { ran.push(sim.now); };
    sim.at(10, note);
    const token = fixed ? sim.afterFixed(50, note) : sim.at(50, note);
    sim.at(150, note);
    sim.cancel(token);
    sim.run(100);
    assert.deepEqual(ran, [10], `fixed lane: ${fixed}`);
    assert.equal(sim.now, 100);
    sim.run(200);
    assert.deepEqual(ran, [10, 150]);
  }
  // popUntil itself: the next live entry after a cancelled one is checked against `until` again
  const q = new EventQueue();
  const out = { t: 0, fn: (() => undefined) as Callback, arg: undefined as unknown };
  q.cancel(q.push(5, () => undefined));
  q.push(20, () => undefined);
  assert.equal(q.popUntil(10, out), false);
  assert.equal(q.popUntil(20, out), true);
  assert.equal(out.t, 20);
});
