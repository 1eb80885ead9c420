/**
 * The engine calls a rule only for the event families it declares (CheckRule.families). These tests
 * hold every rule to its list: each rule also sees every event of the other families, through an
 * event whose time and body report being read, and must neither read them nor report nor arm a
 * deadline then. Run over the golden traces, the story and random event sequences, beside the
 * reducer, so the rules meet their events in the states where they act on them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { EVENT_FAMILIES, familyNumber, type Event, type EventFamily, type EventInit } from '../../proto/index.js';
import { applyEvent, HANDLERS, initialState, partialReducer } from '../reducer.js';
import type { ReplayState } from '../state.js';
import { arbEvents, storyEvents } from '../test-events.js';
import { memoryTrace, openTrace, type TraceFile } from '../trace-file.js';
import { CHECK_HANDLERS, checkFamilyOf, runChecks, type CheckContext, type CheckRule } from './engine.js';
import { forEachEventReused, REUSED_BODY_FAMILIES } from './event-pass.js';
import { CHECK_RULES } from './rules.js';
import { TimerQueue } from './timers.js';

/** Events read of each trace (the first protected sessions, faults and resets are early in each). */
const MAX_EVENTS = 40_000;
const goldens = fileURLToPath(new URL('../../../traces/v1/', import.meta.url));

/** The slices of the state the check's reducer keeps (those its handlers initialise), and the index, time and counters. */
function keptSlices(): Set<string> {
  const keys = new Set(['index', 't', 'counters']);
  for (const h of HANDLERS) {
    if (!CHECK_HANDLERS.includes(h.name)) continue;
    for (const k of Object.keys(h.init())) keys.add(k);
  }
  return keys;
}

/**
 * What `rules` do with events of families they do not declare, and which slices of the state they
 * read that the check's reducer does not keep, over one trace: "R1 read t of a decision event", ...
 */
function undeclaredUses(rules: readonly CheckRule[], trace: TraceFile): string[] {
  const found = new Set<string>();
  const kept = keptSlices();
  const apply = partialReducer(CHECK_HANDLERS);
  const real = initialState();
  let who = '';
  const state = new Proxy(real, {
    get(target, key, receiver) {
      // (at create, a rule may read the state the pass starts from: whole, from the trace's snapshot)
      if (who !== '' && typeof key === 'string' && !kept.has(key)) found.add(`${who} read state.${key}, which the check's reducer does not keep (engine.ts CHECK_HANDLERS)`);
      return Reflect.get(target, key, receiver);
    },
  });
  const timers = new TimerQueue();
  let now = 0;
  let outside: string | undefined; // set while a hook sees an event of a family its rule does not declare
  const run = rules.map((rule) => {
    assert.deepStrictEqual(rule.families.filter((f) => !EVENT_FAMILIES.includes(f.split('.')[0] as EventFamily)), [], `${rule.id}: unknown families`);
    const ctx: CheckContext = {
      policy: trace.header.policy, heapPolicy: trace.header.heapPolicy, modelVersion: trace.header.modelVersion ?? '',
      state, options: {},
      get now() { return now; },
      report() { if (outside) found.add(`${rule.id} reported on a ${outside} event`); },
      listed() { return true; },
      at(t, fire) { if (outside) found.add(`${rule.id} armed a deadline on a ${outside} event`); timers.at(t, now, () => { who = rule.id; fire(); }); },
    };
    return { rule, inst: rule.create(ctx), declared: new Set<string>(rule.families) };
  });
  const guard = (ev: Event): Event => {
    const fam = ev.body.case as string;
    const body = { case: ev.body.case, get value() { found.add(`${who} read the body of a ${fam} event`); return (ev.body as { value?: unknown }).value; } };
    return {
      get t() { found.add(`${who} read t of a ${fam} event`); return ev.t; },
      get cause() { found.add(`${who} read the cause of a ${fam} event`); return ev.cause; },
      body,
    } as Event;
  };
  trace.forEach((ev, i) => {
    who = '(a deadline)';
    timers.fireBefore(ev.t);
    now = ev.t;
    const fam = ev.body.case;
    const guarded = guard(ev);
    const narrow = checkFamilyOf(ev); // fwReq.glb, ... for FW requests and acks
    const hook = (after: boolean): void => {
      for (const r of run) {
        const mine = fam !== undefined && (r.declared.has(fam) || r.declared.has(narrow!));
        // a rule that declares some FW requests (or acks) may look at the others' interface, and no more
        const looks = !mine && fam !== undefined && [...r.declared].some((d) => d.startsWith(`${fam}.`));
        outside = mine ? undefined : narrow;
        who = r.rule.id;
        const seen = mine || looks ? ev : guarded;
        if (after) r.inst.after?.(seen, i, state); else r.inst.before?.(seen, i, state);
        outside = undefined;
      }
    };
    hook(false);
    apply(real, ev, i);
    hook(true);
    // the check's pass reuses an event's envelope for the next of its family: nothing may keep one
    const kept = (): void => { found.add(`${who} kept event ${i} (${fam}) past its hooks`); };
    const body = ev.body;
    // and its body's message, for the families whose message it reuses too
    const value = (body as { value?: unknown }).value;
    if (fam !== undefined && REUSED_BODY_FAMILIES.has(fam) && value !== null && typeof value === 'object') {
      for (const k of Object.keys(value)) Object.defineProperty(value, k, { get: kept });
    }
    Object.defineProperty(body, 'value', { get: kept });
    Object.defineProperty(body, 'case', { get: kept });
    Object.defineProperty(ev, 't', { get: kept });
    Object.defineProperty(ev, 'body', { get: kept });
  }, 0, MAX_EVENTS);
  for (const r of run) { who = r.rule.id; r.inst.finish?.(state); }
  return [...found];
}

function traces(): TraceFile[] {
  const out: TraceFile[] = [];
  for (const f of readdirSync(goldens).filter((x) => x.endsWith('.csft')).sort()) out.push(openTrace(goldens + f));
  for (const p of ['rfc-2025', 'panthor-2026', 'kbase']) out.push(memoryTrace({ policy: p, heapPolicy: 'probe-defer' }, storyEvents()));
  return out;
}

test('every rule reads only the event families it declares (golden traces and the story)', () => {
  const ts = traces();
  assert.ok(ts.length >= 10);
  const uses: string[] = [];
  for (const tr of ts) uses.push(...undeclaredUses(CHECK_RULES, tr));
  for (const tr of ts) tr.close();
  assert.deepStrictEqual([...new Set(uses)], []);
});

test('every rule reads only the event families it declares (random event sequences)', () => {
  fc.assert(fc.property(arbEvents(300), fc.constantFrom('panthor-2026', 'rfc-2025', 'kbase'), (events: EventInit[], policy) => {
    const tr = memoryTrace({ policy, heapPolicy: 'probe-defer' }, events);
    assert.deepStrictEqual(undeclaredUses(CHECK_RULES, tr), []);
  }), { numRuns: 60, seed: 23 });
});

test('a rule that reads a family it does not declare is caught', () => {
  const tr = memoryTrace({ policy: 'panthor-2026', heapPolicy: 'probe-defer' }, storyEvents());
  const R1 = CHECK_RULES.find((r) => r.id === 'R1')!;
  // R1 reads FW requests and mode switches; declared without the mode switches it must be caught
  const wrong: CheckRule = { ...R1, families: ['fwReq'] };
  const uses = undeclaredUses([wrong], tr);
  assert.ok(uses.includes('R1 read the body of a modeSwitch event'), uses.join('; '));
  // and a rule that counts every event by its time
  const counter: CheckRule = {
    id: 'RX', name: 'counter', title: 'counts events', families: ['decision'],
    create(ctx) { let last = 0; return { before(ev, i) { if (ev.t > last) { last = ev.t; if (i > 3) ctx.report(i, ev.t, 'x'); } } }; },
  };
  const cu = undeclaredUses([counter], tr);
  assert.ok(cu.some((x) => x.startsWith('RX read t of a ')), cu.join('; '));
  assert.ok(cu.some((x) => x.startsWith('RX reported on a ')), cu.join('; '));
});

test('the check\'s reducer keeps the slices the rules read as the whole reducer does', () => {
  const kept = [...keptSlices()];
  assert.ok(kept.includes('device') && kept.includes('groups') && kept.includes('slots') && !kept.includes('fw'), kept.join(' '));
  const apply = partialReducer(CHECK_HANDLERS);
  for (const tr of traces()) {
    const whole = initialState(), part = initialState();
    const same = (i: number): void => {
      for (const k of kept) {
        const key = k as keyof ReplayState;
        assert.equal(JSON.stringify(part[key]), JSON.stringify(whole[key]), `${tr.path || tr.header.policy}: state.${k} after event ${i}`);
      }
    };
    tr.forEach((ev, i) => {
      applyEvent(whole, ev, i);
      apply(part, ev, i);
      if (i % 4000 === 0) same(i);
    }, 0, MAX_EVENTS);
    same(-1);
    tr.close();
  }
});

test('the check\'s reducer fed by its own pass (reused envelopes and messages) keeps the slices the whole reducer does', () => {
  const kept = [...keptSlices()];
  const apply = partialReducer(CHECK_HANDLERS);
  for (const tr of traces()) {
    const whole = initialState(), part = initialState();
    tr.forEach((ev, i) => { applyEvent(whole, ev, i); }, 0, MAX_EVENTS);
    forEachEventReused(tr, (ev, i, f) => { apply(part, ev, i, f); }, 0, MAX_EVENTS);
    for (const k of kept) {
      const key = k as keyof ReplayState;
      assert.equal(JSON.stringify(part[key]), JSON.stringify(whole[key]), `${tr.path || tr.header.policy}: state.${k}`);
    }
    tr.close();
  }
});

test('the check\'s pass hands out the events every other pass reads (reused envelopes)', () => {
  for (const tr of traces()) {
    const whole: string[] = [], reused: string[] = [];
    let families = 0;
    tr.forEach((ev) => { whole.push(JSON.stringify(ev)); }, 0, MAX_EVENTS);
    let n = 0;
    forEachEventReused(tr, (ev, i, f) => {
      assert.equal(i, n++);
      if (i < MAX_EVENTS) reused.push(JSON.stringify(ev));
      if (f === (ev.body.case === undefined ? -1 : EVENT_FAMILIES.indexOf(ev.body.case) >= 0 ? familyNumber(ev.body.case) : -2)) families++;
    });
    assert.equal(n, tr.eventCount);
    assert.equal(families, tr.eventCount);
    const differs = reused.findIndex((x, i) => x !== whole[i]);
    assert.equal(differs, -1, `${tr.path || tr.header.policy}: event ${differs}`);
    // a range that starts and ends inside chunks (jsonl export's --from/--to and its threads' segments)
    const from = Math.min(tr.eventCount, 37), to = Math.min(tr.eventCount, MAX_EVENTS - 11);
    const part: string[] = [];
    let next = from;
    forEachEventReused(tr, (ev, i) => { assert.equal(i, next++); part.push(JSON.stringify(ev)); }, from, to);
    assert.equal(next, Math.max(from, to));
    assert.deepEqual(part, whole.slice(from, to));
    tr.close();
  }
});

test('rules narrowed to FW requests and acks of one interface find what they find given every FW request and ack', () => {
  const wide = CHECK_RULES.map((r) => ({ ...r, families: [...new Set(r.families.map((f) => f.split('.')[0] as EventFamily))] }));
  assert.ok(CHECK_RULES.some((r) => r.families.some((f) => f.includes('.'))));
  const same = (tr: TraceFile, what: string): void => {
    const a = runChecks(tr, CHECK_RULES), b = runChecks(tr, wide);
    assert.deepStrictEqual(a.findings, b.findings, what);
    assert.deepStrictEqual(a.rules, b.rules, what);
  };
  for (const tr of traces()) { same(tr, tr.path || tr.header.policy); tr.close(); }
  fc.assert(fc.property(arbEvents(300), fc.constantFrom('panthor-2026', 'rfc-2025', 'kbase'), (events: EventInit[], policy) => {
    same(memoryTrace({ policy, heapPolicy: 'probe-defer' }, events), policy);
  }), { numRuns: 60, seed: 23 });
});
