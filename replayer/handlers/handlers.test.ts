/**
 * Each handler owns its slices of the replayed state and says which other slices it reads: `init`
 * creates exactly what it owns, no two handlers own the same slice, together they make the whole
 * state, and replaying golden traces and built-in scenarios, no handler touches a slice it has not
 * declared (each handler is run on a state that records which top-level slices it reaches).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { loadBuiltin, runModel } from '../../hw-model/index.js';
import { IoctlCmd, ProcessOp, type Event, type EventInit } from '../../proto/index.js';
import { repo } from '../../test-support/sources.js';
import { syntheticHeader } from '../diff/synthetic.js';
import { HANDLERS, initialState } from '../reducer.js';
import type { ReplayState } from '../state.js';
import { memoryTrace, openTrace, type TraceFile } from '../trace-file.js';
import type { BaseState } from './slices.js';

const BASE: readonly (keyof BaseState)[] = ['index', 't', 'counters'];

test('every slice of the state has one owner, and init creates exactly what it owns', () => {
  const owners = new Map<string, string>();
  for (const h of HANDLERS) {
    for (const k of h.owns) {
      assert.equal(owners.get(k), undefined, `${k} owned by ${owners.get(k)} and ${h.name}`);
      owners.set(k, h.name);
    }
    assert.deepEqual(Object.keys(h.init()).sort(), [...h.owns].sort(), `${h.name}.init`);
    for (const k of h.reads) assert.ok(!h.owns.includes(k), `${h.name} reads its own ${k}`);
  }
  const all = Object.keys(initialState()).filter((k) => !(BASE as readonly string[]).includes(k));
  assert.deepEqual([...owners.keys()].sort(), all.sort());
});

function replayWatched(tr: TraceFile, reached: Map<string, Set<string>>): void {
  const s = initialState();
  tr.forEach((ev: Event, i: number) => {
    s.index = i; s.t = ev.t;
    for (const h of HANDLERS) {
      if (ev.body.case === undefined || !h.families.includes(ev.body.case)) continue;
      const seen = reached.get(h.name) ?? new Set<string>();
      reached.set(h.name, seen);
      const watched = new Proxy(s, {
        get(o, k) { seen.add(String(k)); return o[k as keyof ReplayState]; },
        set(o, k, v) { seen.add(String(k)); (o as unknown as Record<string | symbol, unknown>)[k] = v; return true; },
      });
      h.handleEvent(watched, ev, i);
    }
  });
}

test('replaying traces, each handler reaches only its own slices, the ones it declares it reads, and the base', () => {
  const reached = new Map<string, Set<string>>();
  const dir = `${repo}traces/v1/`;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.csft'))) {
    const tr = openTrace(dir + f);
    try { replayWatched(tr, reached); } finally { tr.close(); }
  }
  for (const name of ['secure-video-pipeline', 'tiler-oom', 'heap-remove-held']) {
    const cfg = loadBuiltin(name);
    const events: EventInit[] = [];
    runModel(cfg, { sinks: [{ onEvent: (ev: EventInit) => { events.push(ev); } }] });
    replayWatched(memoryTrace({ policy: cfg.driver.protmPolicy, heapPolicy: cfg.driver.heapPolicy }, events), reached);
  }
  // A PRIME export, which no built-in scenario makes: the fd it hands out names the BO's dma-buf.
  replayWatched(memoryTrace(syntheticHeader('prime'), [
    { t: 1, body: { case: 'process', value: { op: ProcessOp.PROC_START, pid: 7, comm: 'app' } } },
    { t: 2, body: { case: 'ioctl', value: { pid: 7, cmd: IoctlCmd.PRIME_HANDLE_TO_FD, args: { case: 'primeHandleToFd', value: { handle: 1, fd: 9 } } } } },
  ]), reached);
  for (const h of HANDLERS) {
    const seen = reached.get(h.name);
    assert.ok(seen && [...seen].some((k) => (h.owns as readonly string[]).includes(k) || (h.reads as readonly string[]).includes(k)), `${h.name} never ran`);
    const allowed = new Set<string>([...h.owns, ...h.reads, ...BASE]);
    assert.deepEqual([...seen].filter((k) => !allowed.has(k)), [], `${h.name} reaches slices it does not declare`);
    // what it declares it reads, it does read (a stale declaration fails too)
    assert.deepEqual(h.reads.filter((k) => !seen.has(k)), [], `${h.name} declares reads it never makes`);
  }
});
