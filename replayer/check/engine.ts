/**
 * The invariant checker (reference §6): one pass over the trace, the reducer building the state as
 * it goes, every rule seeing each event with the state before it (`before`) and after it (`after`).
 * Rules that say "within X or a reset follows" arm deadlines; a deadline fires when the first event
 * past it arrives, so a trace that ends before a deadline is inconclusive, not a violation.
 *
 *   for each event i:  fire deadlines < t  →  rule.before(ev, i, s)  →  applyEvent  →  rule.after(ev, i, s)
 *   end:               rule.finish(s)
 *
 * Every finding names its root decision: the scheduling decision the finding (or the request it
 * refers to) was caused by, found by following the events' cause links back (a rule may name it
 * itself). One step in the replay reaches it (`csftrace replay trace.csft#ev=<root>`).
 */
import { FAMILY_COUNT, FwIface, familyNumber, type Event, type EventFamily } from '../../proto/index.js';
import { isStateRequest } from '../handlers/fw.js';
import { initialState, partialReducer } from '../reducer.js';
import { decodeStateSnapshot } from '../snapshot.js';
import type { ReplayState } from '../state.js';
import type { TraceFile } from '../trace-file.js';
import { forEachEventReused } from './event-pass.js';
import { TimerQueue } from './timers.js';

export type Severity = 'violation' | 'anomaly';

export interface Violation {
  rule: string;              // "R5"
  name: string;              // "protm-enter-completes"
  severity: Severity;        // violation: the invariant broke; anomaly: a timeout recovered by a reset, an unexpected event
  index: number;             // event index
  t: number;                 // ns
  message: string;
  related: number[];         // other events involved (the request a timeout refers to, ...)
  /** The scheduling decision behind the finding (event index), -1 when none is found. */
  root: number;
}

/**
 * An event family, or FW requests or acks of one interface: `glb`, `csg-state` (a CSG request or ack
 * of the STATE field: isStateRequest), `csg` (the other CSG words: STATUS_UPDATE toggles are half of
 * a stress trace, and no rule reads them), `cs` (CS, and an interface this build does not know).
 */
export type CheckFamily = EventFamily | `${'fwReq' | 'fwAck'}.${FwClass}`;
type FwClass = 'glb' | 'csg-state' | 'csg' | 'cs';
const FW_CLASSES: readonly FwClass[] = ['glb', 'csg-state', 'csg', 'cs'];
const F_FW_REQ = familyNumber('fwReq');
const F_FW_ACK = familyNumber('fwAck');

/** The class of a FW request or ack word (an index into FW_CLASSES). */
function fwClass(iface: number, bits: number): number {
  return iface === FwIface.GLB ? 0 : iface === FwIface.CSG ? (isStateRequest(iface, bits) ? 1 : 2) : 3;
}

/** The CheckFamily of a FW request or ack (`fwReq.glb`, ...); the family of any other event. */
export function checkFamilyOf(ev: Event): CheckFamily | undefined {
  const b = ev.body;
  if (b.case === 'fwReq' || b.case === 'fwAck') return `${b.case}.${FW_CLASSES[fwClass(b.value.iface, b.value.bits)]!}`;
  return b.case;
}

/** The dispatch slot of an event: its family number, or past FAMILY_COUNT, its FW request or ack class. */
function fwSlot(f: number, iface: number, bits: number): number {
  return FAMILY_COUNT + (f === F_FW_REQ ? 0 : 4) + fwClass(iface, bits);
}

/** The dispatch slots of a declared family. */
function slotsOf(fam: CheckFamily): number[] {
  const [base, cls] = fam.split('.') as [EventFamily, FwClass | undefined];
  const f = familyNumber(base);
  if (f !== F_FW_REQ && f !== F_FW_ACK) return [f];
  const off = FAMILY_COUNT + (f === F_FW_REQ ? 0 : 4);
  return cls === undefined ? [0, 1, 2, 3].map((k) => off + k) : [off + FW_CLASSES.indexOf(cls)];
}

/** What a rule sees of the checker. */
export interface CheckContext {
  readonly policy: string;
  readonly heapPolicy: string;
  /** The trace header's model version ("" when unknown). */
  readonly modelVersion: string;
  /** The state the reducer has built (before/after the current event, as the hook says). */
  state: ReplayState;
  /** Time of the last event seen (of any family). */
  readonly now: number;
  /** `message` may be a function: called only for a finding that is listed (a rule reporting at every decision builds no text past maxPerRule). */
  report(index: number, t: number, message: string | (() => string), severity?: Severity, related?: number[], root?: number): void;
  /**
   * Whether this rule's next finding will be listed (false once maxPerRule are): a rule reporting at
   * every decision can then report with a constant text and no related list, allocating nothing.
   */
  listed(): boolean;
  /** The options of the run (bounds of the liveness rules). */
  readonly options: CheckOptions;
  /** Calls `fire(t)` once an event later than `t` arrives (not at all if the trace ends first). */
  at(t: number, fire: () => void): void;
}

/** A rule's hooks: closures over its state (the engine calls them detached: they read no `this`). */
export interface RuleInstance {
  before?: ((ev: Event, i: number, s: ReplayState) => void) | undefined;
  after?: ((ev: Event, i: number, s: ReplayState) => void) | undefined;
  finish?: ((s: ReplayState) => void) | undefined;
}

export interface CheckRule {
  id: string;
  name: string;
  /** The invariant, in the words of reference §6. */
  title: string;
  /** Only for these protected-mode policies (undefined = every policy). */
  policies?: readonly string[] | undefined;
  /**
   * The event families its hooks read: `before` and `after` are called for events of these families
   * only (families.test.ts holds every rule to its list). FW requests and acks can be narrowed to
   * one interface (`fwReq.glb`, `fwAck.csg-state`, ...: see CheckFamily).
   */
  families: readonly CheckFamily[];
  create(ctx: CheckContext): RuleInstance;
}

export interface RuleSummary {
  id: string;
  name: string;
  title: string;
  policies: readonly string[] | null;
  applicable: boolean;
  violations: number;
  anomalies: number;
}

export interface CheckReport {
  path: string;
  policy: string;
  heapPolicy: string;
  events: number;
  rules: RuleSummary[];
  /** Findings in event order (at most `maxPerRule` per rule are kept; the counts are complete). */
  findings: Violation[];
  violations: number;
  anomalies: number;
  /** What the trace's reader recovered or lost (a damaged trace is never clean), and an empty trace's notice. */
  notices: string[];
}

export interface CheckOptions {
  /** Check only these rule ids (default: all). */
  only?: readonly string[] | undefined;
  /** Findings kept per rule (default 1000). */
  maxPerRule?: number | undefined;
  /** Overrides the policy of the header (for traces without one). */
  policy?: string | undefined;
  /** R21: how long protected work may wait for protected mode (default 100 ms: three frames at 30 fps). */
  starvationBoundNs?: number | undefined;
}

/** How many cause links a root search follows at most. */
const ROOT_DEPTH = 64;
/**
 * How far back (in events) a root search can reach: the cause links of the last 2^20 events are kept
 * in a ring (5 MiB whatever the trace's size). Roots lie a few events to a few thousand back.
 */
const ROOT_RING = 1 << 20;

/**
 * The reducer's handlers whose state the rules read (the slices a test holds them to): not the fw
 * handler's words and pending lists (R1 follows the one pending event it needs itself), nor the GPU
 * memory, platform and pipeline slices.
 */
export const CHECK_HANDLERS: readonly string[] = ['process', 'device', 'slots', 'sched', 'memory', 'pm'];

/**
 * The last run's rule instances, reachable until the next run has made its own: their hooks are
 * closures made per run, whose optimized code V8 keeps only while one of them lives (world.ts
 * lastRun says why; a pool thread checks run after run).
 */
const lastRun: { instances?: unknown } = {};

/** Runs `rules` over a trace. */
export function runChecks(trace: TraceFile, rules: readonly CheckRule[], opts: CheckOptions = {}): CheckReport {
  const policy = opts.policy ?? trace.header.policy;
  const heapPolicy = trace.header.heapPolicy;
  const maxPerRule = opts.maxPerRule ?? 1000;
  const findings: Violation[] = [];
  const summaries: RuleSummary[] = [];
  const timers = new TimerQueue();
  // Time of the last event seen. In a typed array, not a `let`: the hooks' closures share it, and a
  // double stored into a closure's variable is boxed anew at every store (one object an event; the
  // check's CPU on a 10M-event trace, six alternating pairs: 2–12 % less).
  const clock = new Float64Array(1);
  const applyEvent = partialReducer(CHECK_HANDLERS);
  const state: ReplayState = trace.snapshot ? decodeStateSnapshot(trace.snapshot, trace.path || 'trace') : initialState();
  // Cause link and decision flag of every event, for the root decision of each finding.
  const causeOf = new Int32Array(ROOT_RING).fill(-1);
  const isDecision = new Uint8Array(ROOT_RING);
  let seen = 0; // events written into the ring
  // The finding's own cause chain, else those of the events it refers to; at report time, while
  // the events involved are still in the ring.
  const rootOf = (e: number): number => {
    for (let k = 0, x = e; k < ROOT_DEPTH && x >= 0 && x < seen && seen - x <= ROOT_RING; k++) {
      const slot = x & (ROOT_RING - 1);
      if (isDecision[slot]) return x;
      x = causeOf[slot]!;
    }
    return -1;
  };
  const rootFor = (index: number, related: readonly number[]): number => {
    let r = rootOf(index);
    for (const x of related) { if (r >= 0) break; r = rootOf(x); }
    return r;
  };

  const instances: RuleInstance[] = [];
  // The hooks to call for each family, in rule order: built once, so that an event reaches only the
  // rules that read its family (about 3 of 35 on a stress trace, where every rule was called).
  // The hooks themselves, not their instances: a rule's hooks are closures that read no `this`, and
  // calling them from a list of functions spares a lookup of `before` in 35 shapes of instance.
  type Hook = (ev: Event, i: number, s: ReplayState) => void;
  const beforeBy: Hook[][] = [];
  const afterBy: Hook[][] = [];
  for (let f = 0; f < FAMILY_COUNT + 8; f++) { beforeBy.push([]); afterBy.push([]); }
  for (const rule of rules) {
    if (opts.only && !opts.only.includes(rule.id)) continue;
    const applicable = !rule.policies || rule.policies.includes(policy);
    const sum: RuleSummary = {
      id: rule.id, name: rule.name, title: rule.title, policies: rule.policies ?? null, applicable, violations: 0, anomalies: 0,
    };
    summaries.push(sum);
    if (!applicable) continue;
    const ctx: CheckContext = {
      policy, heapPolicy, modelVersion: trace.header.modelVersion ?? '', state, options: opts,
      get now() { return clock[0]!; },
      report(index, t, message, severity = 'violation', related = [], root) {
        if (severity === 'violation') sum.violations++; else sum.anomalies++;
        if (sum.violations + sum.anomalies <= maxPerRule) {
          findings.push({ rule: rule.id, name: rule.name, severity, index, t, message: typeof message === 'string' ? message : message(), related, root: root ?? rootFor(index, related) });
        }
      },
      listed() { return sum.violations + sum.anomalies < maxPerRule; },
      at(t, fire) { timers.at(t, clock[0]!, fire); },
    };
    const inst = rule.create(ctx);
    instances.push(inst);
    for (const k of new Set(rule.families.flatMap(slotsOf))) {
      if (inst.before) beforeBy[k]!.push(inst.before);
      if (inst.after) afterBy[k]!.push(inst.after);
    }
  }
  // One envelope per family, reused (event-pass.ts): a generator resume per event was a fifth of
  // the pass once, and three objects per event most of what the collector had to do.
  const DECISION = familyNumber('decision');
  forEachEventReused(trace, (ev, i, f) => {
    const slot = i & (ROOT_RING - 1);
    causeOf[slot] = ev.cause > 0 && ev.cause <= i ? i - ev.cause : -1;
    isDecision[slot] = f === DECISION ? 1 : 0;
    seen = i + 1;
    timers.fireBefore(ev.t);
    clock[0] = ev.t;
    if (f < 0) { applyEvent(state, ev, i); return; } // an event of no family (newer schema, skipped)
    let d = f;
    if (f === F_FW_REQ || f === F_FW_ACK) {
      const v = (ev.body as { value: { iface: number; bits: number } }).value;
      d = fwSlot(f, v.iface, v.bits);
    }
    const bs = beforeBy[d]!;
    for (let k = 0; k < bs.length; k++) bs[k]!(ev, i, state);
    applyEvent(state, ev, i, f);
    const as = afterBy[d]!;
    for (let k = 0; k < as.length; k++) as[k]!(ev, i, state);
  });
  for (const r of instances) r.finish?.(state);
  lastRun.instances = instances;

  findings.sort((a, b) => a.index - b.index || a.rule.localeCompare(b.rule, 'en', { numeric: true }));
  let violations = 0;
  let anomalies = 0;
  for (const s of summaries) { violations += s.violations; anomalies += s.anomalies; }
  const notices = [...trace.notices];
  if (trace.eventCount === 0) notices.push('the trace holds no event: nothing could be checked');
  return { path: trace.path, policy, heapPolicy, events: trace.eventCount, rules: summaries, findings, violations, anomalies, notices };
}

