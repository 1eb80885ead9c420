/**
 * Test fixture only: a tiny in-memory stand-in for the replayer behind `ReplayApi`, so the
 * session and panes are tested without a trace file, the real replayer or a terminal. It follows
 * the contract's semantics (cursor moves on find, `cause` is a backwards distance, state after i).
 */
import { UserError } from '../replayer/index.js';
import type {
  CursorLike, DiffApi, DiffModel, DiffNavLike, DiffSide, EventLike, FilterLike, HunkLike, LaneSample, ModeName, ReplayApi,
  ReplayerLike, StateTable, TraceLike,
} from './contract.js';

export interface StubEvent extends EventLike {
  readonly body: { case: string; value: Record<string, unknown> };
}

interface StubState { mode: ModeName; protectedGroup: number; slots: Array<{ group: number; priority: number; prot: boolean }> }

/** Events: boot, two groups, ticks with decisions, one protected entry (caused by a decision) and exit. */
export function stubEvents(n = 200): StubEvent[] {
  const out: StubEvent[] = [];
  const push = (t: number, kase: string, value: Record<string, unknown>, causeIdx?: number) => {
    const i = out.length;
    out.push({ t, cause: causeIdx === undefined ? 0 : i - causeIdx, body: { case: kase, value } });
    return i;
  };
  push(0, 'probe', { stage: 'PROBE_DONE' });
  push(1000, 'ioctl', { cmd: 'GROUP_CREATE', group: 1, priority: 2 });
  push(2000, 'ioctl', { cmd: 'GROUP_CREATE', group: 2, priority: 1, protected: true });
  let t = 1_000_000;
  let tick = 0;
  let entered = false;
  while (out.length < n) {
    const protm = !entered && tick === 3;
    const d = push(t, 'decision', {
      tick: tick++,
      protm: protm ? 'PROTM_GRANTED' : 'PROTM_NONE',
      slots: [{ group: 1, priority: 2, prot: false }, { group: 2, priority: 1, prot: true }],
    });
    push(t + 10_000, 'fwReq', { iface: 'CSG', csg: 0 }, d);
    if (protm) {
      const req = push(t + 20_000, 'fwReq', { iface: 'GLB', bits: 'PROTM_ENTER' }, d);
      push(t + 30_000, 'modeSwitch', { to: 'ENTERING', group: 2 }, req);
      push(t + 40_000, 'modeSwitch', { to: 'PROTECTED', group: 2 }, req);
      entered = true;
    } else if (entered && tick === 7) {
      push(t + 30_000, 'modeSwitch', { to: 'NORMAL', group: 0 }, d);
    }
    push(t + 500_000, 'job', { group: 1, phase: 'JOB_DONE' });
    t += 10_000_000;
  }
  return out.slice(0, n);
}

/**
 * The index of the first stub event of family `kase` whose value has every entry of `value`, at or
 * after `from`: tests name the events they look at by what they are, not by where they happen to be.
 */
function findStub(events: readonly StubEvent[], kase: string, value: Readonly<Record<string, unknown>> = {}, from = 0): number {
  for (let i = from; i < events.length; i++) {
    const b = events[i]!.body;
    if (b.case === kase && Object.entries(value).every(([k, v]) => b.value[k] === v)) return i;
  }
  throw new Error(`no ${kase} ${JSON.stringify(value)} in the stub trace from #${from}`);
}

/** The landmarks of a stub trace, found by what they are. */
export function stubLandmarks(events: readonly StubEvent[] = stubEvents(200)) {
  const grant = findStub(events, 'decision', { protm: 'PROTM_GRANTED' });
  const firstJob = findStub(events, 'job');
  return {
    /** The decision that grants protected mode. */
    grant,
    /** Its first effect: the CSG request it causes. */
    grantCsgReq: findStub(events, 'fwReq', { iface: 'CSG' }, grant),
    /** Its second effect: the GLB PROTM_ENTER request. */
    enterReq: findStub(events, 'fwReq', { bits: 'PROTM_ENTER' }, grant),
    /** The first mode switch: to ENTERING (caused by the PROTM_ENTER request). */
    entering: findStub(events, 'modeSwitch', { to: 'ENTERING' }),
    /** The first mode switch to PROTECTED. */
    protectedEntry: findStub(events, 'modeSwitch', { to: 'PROTECTED' }),
    /** The first mode switch back to NORMAL (protected mode left). */
    protectedExit: findStub(events, 'modeSwitch', { to: 'NORMAL' }),
    /** The first and second JOB_DONE. */
    firstJob,
    secondJob: findStub(events, 'job', {}, firstJob + 1),
  };
}

function reduce(s: StubState, ev: StubEvent): StubState {
  const v = ev.body.value;
  switch (ev.body.case) {
    case 'decision':
      return { ...s, slots: (v.slots as StubState['slots']).map((x) => ({ ...x })) };
    case 'modeSwitch':
      return { ...s, mode: v.to as ModeName, protectedGroup: v.group as number };
    default:
      return s;
  }
}

export function stubTrace(events: StubEvent[]): TraceLike {
  return {
    path: '/tmp/stub.csft',
    header: { scenarioName: 'stub', policy: 'panthor-2026', heapPolicy: 'probe-defer', seed: 1, durationNs: 100_000_000, producer: 'csftrace 0.1.0', modelVersion: 'stub' },
    // a getter: a test can push events to follow a growing recording
    get eventCount() { return events.length; },
    notices: [],
    familyCounts: [3, 0, 10, 0, 0, 3, 10],
    chunks: [{}],
    event(i) {
      if (i < 0 || i >= events.length) throw new RangeError(`event ${i} outside [0, ${events.length})`);
      return events[i]!;
    },
    timeOf(i) { return events[i]!.t; },
    indexAtTime(tNs) {
      let lo = 0, hi = events.length;
      while (lo < hi) { const m = (lo + hi) >> 1; if (events[m]!.t < tNs) lo = m + 1; else hi = m; }
      return lo;
    },
  };
}

export function stubReplayer(events: StubEvent[], opts: { keyframesReady?: boolean } = {}): ReplayerLike & { stateCalls: number } {
  const trace = stubTrace(events);
  let built = opts.keyframesReady === false ? 0 : events.length;
  const r = {
    trace,
    stateCalls: 0,
    get keyframesReady() { return built >= events.length; },
    buildKeyframesStep(budget: number) { built = Math.min(events.length, built + budget); return built >= events.length; },
    keyframeProgress() { return events.length ? built / events.length : 1; },
    stateAt(i: number): StubState {
      r.stateCalls++;
      let s: StubState = { mode: 'NORMAL', protectedGroup: 0, slots: [{ group: 0, priority: 0, prot: false }, { group: 0, priority: 0, prot: false }] };
      for (let k = 0; k <= i && k < events.length; k++) s = reduce(s, events[k]!);
      return s;
    },
  };
  return r;
}

class StubFilter implements FilterLike {
  readonly needsState = false;
  constructor(readonly text: string, private readonly key: string, private readonly value: string) {}
  matchEvent(ev: StubEvent): boolean {
    if (this.key === 'type') return ev.body.case.toLowerCase() === this.value.toLowerCase();
    return String(ev.body.value[this.key]) === this.value;
  }
}

export class FilterError extends UserError { readonly code = 'E_FILTER'; }

function parseTime(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ns|us|ms|s)$/.exec(text);
  if (!m) return undefined;
  const mul = { ns: 1, us: 1e3, ms: 1e6, s: 1e9 }[m[2] as 'ns'];
  return Number(m[1]) * mul;
}

export function stubCursor(r: ReplayerLike): CursorLike {
  const tr = r.trace;
  const c: CursorLike = {
    index: -1,
    breakpoints: [],
    step(k) { c.index = Math.max(-1, Math.min(tr.eventCount - 1, c.index + k)); return c.index; },
    seek(target) {
      if (typeof target === 'number') { c.index = Math.max(-1, Math.min(tr.eventCount - 1, target)); return c.index; }
      const t = parseTime(target);
      if (t !== undefined) { c.index = Math.min(tr.eventCount - 1, tr.indexAtTime(t)); return c.index; }
      const m = /^#?(\d+)$/.exec(target);
      if (!m) throw new FilterError(`bad position "${target}": use an index (1234, #1234) or a time (12.5ms)`);
      c.index = Math.min(tr.eventCount - 1, Number(m[1]));
      return c.index;
    },
    find(f, dir) {
      for (let i = c.index + dir; i >= 0 && i < tr.eventCount; i += dir) {
        if (f.matchEvent(tr.event(i), i)) { c.index = i; return i; }
      }
      return undefined;
    },
    continue(dir) {
      for (let i = c.index + dir; i >= 0 && i < tr.eventCount; i += dir) {
        if (c.breakpoints.some((b) => b.matchEvent(tr.event(i), i))) { c.index = i; return i; }
      }
      return undefined;
    },
    causeOf(i) { const ev = tr.event(i); return ev.cause ? i - ev.cause : undefined; },
    effectsOf(i) {
      const out: number[] = [];
      for (let k = i + 1; k < Math.min(tr.eventCount, i + 1000); k++) if (tr.event(k).cause && k - tr.event(k).cause === i) out.push(k);
      return out;
    },
  };
  return c;
}

export const stubApi: ReplayApi = {
  parseFilter(text) {
    const m = /^(\w+)=(\w+)$/.exec(text.trim());
    if (!m) throw new FilterError(`filter "${text}": expected key=value`);
    return new StubFilter(text.trim(), m[1]!, m[2]!);
  },
  formatEvent(ev, i) {
    const v = (ev as StubEvent).body.value;
    const rest = Object.entries(v).filter(([k]) => k !== 'slots').map(([k, x]) => `${k}=${String(x)}`).join(' ');
    return `#${i} ${(ev.t / 1e6).toFixed(3)}ms ${ev.body.case} ${rest}`.trim();
  },
  eventFields(ev) {
    return [['t', String(ev.t)], ['cause', String(ev.cause)], ...Object.entries((ev as StubEvent).body.value).map(([k, v]) => [k, JSON.stringify(v)] as [string, string])];
  },
  explainDecision(ev) {
    const v = (ev as StubEvent).body.value;
    return [`tick ${String(v.tick)}: group 1 kept by priority`, `protected mode: ${String(v.protm)}`];
  },
  renderState(s): StateTable[] {
    const st = s as StubState;
    return [
      { title: 'CSG slots', header: ['slot', 'group', 'prio'], rows: st.slots.map((x, k) => [String(k), x.group ? `g${x.group}` : '-', String(x.priority)]) },
      { title: 'GLB interface', header: ['req', 'ack'], rows: [['PROTM_ENTER', st.mode === 'ENTERING' ? 'pending' : 'acked']] },
      { title: 'Heaps', header: ['name', 'bytes'], rows: [['protected', '1048576']] },
      { title: 'Device', header: ['field', 'value'], rows: [['gpu mode', st.mode]] },
    ];
  },
  newCursor: stubCursor,
  parseTime: (text) => parseTime(text),
  resolvePosition(trace, target) {
    const t = parseTime(target);
    if (t !== undefined) return Math.min(trace.eventCount - 1, trace.indexAtTime(t));
    const m = /^#?(\d+)$/.exec(target);
    if (!m) throw new FilterError(`bad position "${target}"`);
    return Math.min(trace.eventCount - 1, Number(m[1]));
  },
  lanes(s): LaneSample {
    const st = s as StubState;
    return { mode: st.mode, protectedGroup: st.protectedGroup, slots: st.slots.map((x) => ({ group: x.group, priority: x.priority, isProtected: x.prot, csgPriority: 15 })) };
  },
  filters: { modeSwitch: 'type=modeSwitch', decision: 'type=decision', protectedEntry: 'to=PROTECTED' },
  familyName(n) { return ['ioctl', 'heap', 'fwReq', 'fwAck', 'fwIrq', 'modeSwitch', 'decision'][n] ?? `family${n}`; },
  decisionCase: 'decision',
};

// ───────────────────────────── diff (for the diff view) ─────────────────────────────

/** Trace B of the stub diff: `shift` log events in front of A's events (causes are distances, so they still hold). */
export function stubEventsShifted(n = 200, shift = 3): StubEvent[] {
  const head: StubEvent[] = [];
  for (let k = 0; k < shift; k++) head.push({ t: 0, cause: 0, body: { case: 'log', value: { text: `extra ${k}` } } });
  return [...head, ...stubEvents(n)];
}

function lastAtOrBefore(arr: readonly number[], v: number): number {
  let lo = 0, hi = arr.length - 1, found = -1;
  while (lo <= hi) { const m = (lo + hi) >> 1; if (arr[m]! <= v) { found = m; lo = m + 1; } else hi = m - 1; }
  return found;
}

/**
 * A diff of two stub traces whose decisions pair one to one (same ordinals), where the decisions
 * with ordinals in `differing` differ (each its own difference). Follows the DiffNavigator's
 * semantics for this case: event e links to the other side's decision with the same ordinal plus
 * e's offset from its decision.
 */
export function stubDiff(a: TraceLike, b: TraceLike, differing: readonly number[]): DiffModel {
  const decisions = (t: TraceLike): number[] => {
    const out: number[] = [];
    for (let i = 0; i < t.eventCount; i++) if (t.event(i).body.case === 'decision') out.push(i);
    return out;
  };
  const dec = { a: decisions(a), b: decisions(b) };
  const count = { a: a.eventCount, b: b.eventCount };
  // the differing ordinals are decisions of both sides (the test's choice); an empty side reads NaN below
  const hunks: HunkLike[] = [...differing].sort((x, y) => x - y).map((p, index) => ({ index, aEvent: dec.a[p]!, bEvent: dec.b[p]! }));
  const other = (s: DiffSide): DiffSide => (s === 'a' ? 'b' : 'a');
  const start = (s: DiffSide, h: HunkLike): number => (s === 'a' ? h.aEvent : h.bEvent);
  const nav: DiffNavLike = {
    hunkCount: hunks.length,
    decisionAt: (s, e) => lastAtOrBefore(dec[s], e),
    linkedEvent(s, e) {
      const o = other(s);
      const p = lastAtOrBefore(dec[s], e);
      if (p < 0) return Math.max(0, Math.min(e, dec[o][0]! - 1));
      const q = Math.min(p, dec[o].length - 1);
      const limit = q + 1 < dec[o].length ? dec[o][q + 1]! - 1 : count[o] - 1;
      return Math.min(dec[o][q]! + (e - dec[s][p]!), limit);
    },
    nextDifference: (s, e) => hunks.find((h) => start(s, h) > e),
    prevDifference: (s, e) => [...hunks].reverse().find((h) => start(s, h) < e),
    hunkOfDecision: (s, p) => hunks.find((h) => start(s, h) === dec[s][p]),
    isDifferent: (s, e) => hunks.some((h) => start(s, h) === e),
  };
  return {
    nav,
    decisions: { a: dec.a.length, b: dec.b.length },
    decisionText(s, k) {
      const differs = differing.includes(k);
      return `#${dec[s][k]} TRIGGER_STUB slots[app:${k}] PROTM_GRANTED app:0 (${differs ? `RULE_STUB_${s.toUpperCase()}` : 'RULE_COMMON'})`;
    },
    summary: ['policy: panthor-2026  →  kbase', `decisions: A ${dec.a.length}, B ${dec.b.length}, ${differing.length} differences`],
    consequences: {
      title: 'consequences (delta = B - A)',
      header: ['', 'metric', 'A', 'B', 'delta'],
      rows: [
        ['total', 'protected residency', '10.000ms', '30.000ms', '+20.000ms'],
        ['app compositor', 'jobs done', '40', '38', '-2'],
        ['app compositor', 'GPU time share', '20.0%', '18.0%', '-2.0pp'],
        ['app video', 'jobs done', '10', '30', '+20'],
        ['app video', 'submit→start p50', '2.000us', '2.000us', '='],
        ...Array.from({ length: 30 }, (_, k) => [`group video:${k}`, 'jobs done', String(k), String(k), '=']),
        ['groups only in A', 'video:31, video:32', '', '', ''],
      ],
    },
    same: differing.length === 0,
  };
}

/** A DiffApi over stub traces (counts how often it was asked). */
export function stubDiffApi(differing: readonly number[]): DiffApi & { calls: number } {
  const api = {
    calls: 0,
    diff(a: TraceLike, b: TraceLike): DiffModel { api.calls++; return stubDiff(a, b, differing); },
  };
  return api;
}
