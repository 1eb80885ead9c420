/**
 * The reducer: state at event i = a pure reduction of events 0..i through the handler registry
 * (one pass, handlers per event family, in registry order). `applyEvent` mutates the state it is
 * given; callers that need to keep a state clone it first (state.ts `cloneState`).
 *
 *   Event ──► dispatch[familyNumber] ──► handler.handleEvent(state, ev, i) ... ──► state'
 *   stateAt: finalize(clone) fills read-time fields (pending ages, heap fragmentation)
 */
import { EVENT_FAMILIES, FAMILY_COUNT, familyNumber, type Event, type EventFamily } from '../proto/index.js';
import { deviceHandler } from './handlers/device.js';
import { fwHandler } from './handlers/fw.js';
import { gpuMemHandler } from './handlers/gpu-mem.js';
import type { StateHandler, StateOf } from './handlers/handler.js';
import { memoryHandler } from './handlers/memory.js';
import { processHandler } from './handlers/process.js';
import { pmHandler } from './handlers/pm.js';
import { schedHandler } from './handlers/sched.js';
import { slotsHandler } from './handlers/slots.js';
import { platformHandler } from './handlers/platform.js';
import { pipelineHandler } from './handlers/pipeline.js';
import type { BaseState } from './handlers/slices.js';

/** Every handler, in application order (processes first: others look owners and fds up). */
const HANDLER_LIST = [processHandler, deviceHandler, fwHandler, slotsHandler, schedHandler, memoryHandler, gpuMemHandler,
  pmHandler, platformHandler, pipelineHandler] as const;

/**
 * The replayed state (state.ts): the reducer's base (index, t, counters) and the slices every
 * handler owns, derived from the handlers' types. A handler joins its slices to it by being listed.
 */
export type ReplayState = StateOf<typeof HANDLER_LIST>;

/**
 * The handlers as the reducer runs them, on the whole state. The assignment checks each handler
 * against the derived state: a slice it reads has the type its owner gives it.
 */
export const HANDLERS: readonly StateHandler<ReplayState>[] = HANDLER_LIST;

type HandleFn = StateHandler<ReplayState>['handleEvent'];

/** Per family number, the `handleEvent` of each of `handlers` subscribed to it, in registry order. */
function dispatchTable(handlers: readonly StateHandler<ReplayState>[]): HandleFn[][] {
  const table: HandleFn[][] = [];
  for (let f = 0; f < FAMILY_COUNT; f++) table.push([]);
  for (const h of handlers) {
    for (const fam of h.families) {
      const fns = table[familyNumber(fam)];
      if (!fns) throw new Error(`invariant: family ${fam} numbered beyond FAMILY_COUNT`);
      fns.push(h.handleEvent.bind(h));
    }
  }
  return table;
}
const DISPATCH = dispatchTable(HANDLERS);
const FAMILY_NO = Object.fromEntries(EVENT_FAMILIES.map((f) => [f, familyNumber(f)])) as Readonly<Record<EventFamily, number>>;

/** The state before the first event. */
export function initialState(): ReplayState {
  const s: BaseState = {
    index: -1, t: 0,
    counters: {
      events: 0, families: new Array<number>(FAMILY_COUNT).fill(0), modeSwitches: 0, protmEnters: 0, protmExits: 0,
      jobsDone: 0, jobsFailed: 0, ioctlErrors: 0, faults: 0, protectedNs: 0,
    },
  };
  for (const h of HANDLERS) Object.assign(s, h.init());
  return s as ReplayState;
}

/** Applies event `index` to `s` in place. */
export const applyEvent: (s: ReplayState, ev: Event, index: number) => void = reducerOver(DISPATCH);

/**
 * An applyEvent over a dispatch table; `family`: the event's family number, when the caller knows it.
 * Hot path: every family number has its row in the table.
 */
function reducerOver(table: readonly HandleFn[][]): (s: ReplayState, ev: Event, index: number, family?: number) => void {
  return (s, ev, index, family) => {
    s.index = index;
    s.t = ev.t;
    s.counters.events++;
    const c = ev.body.case;
    if (c === undefined) return; // an event from a newer schema: counted, not understood
    const f = family ?? FAMILY_NO[c];
    s.counters.families[f]!++;
    const fns = table[f]!;
    for (let k = 0; k < fns.length; k++) fns[k]!(s, ev, index);
  };
}

/** Fills read-time derived fields in place (call on a state about to be handed out). */
export function finalizeState(s: ReplayState): ReplayState {
  for (const h of HANDLERS) h.finalize?.(s);
  return s;
}

/**
 * An `applyEvent` that runs only the handlers named in `keep` (in registry order), for a pass that
 * reads only their slices of the state (check: no rule reads the FW words, doorbells and IRQ counts
 * the fw handler keeps at every FW request and ack). The other slices stay as `initialState` made them.
 */
export function partialReducer(keep: readonly string[]): (s: ReplayState, ev: Event, index: number, family?: number) => void {
  return reducerOver(dispatchTable(HANDLERS.filter((h) => keep.includes(h.name))));
}
