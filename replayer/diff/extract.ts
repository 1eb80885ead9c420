/**
 * One pass over a trace for the diff: the decision sequence (event index, time, interned content id
 * per SchedDecision), the group identities over time, and the consequences (metrics per group/app).
 */
import type { Event, TraceHeader } from '../../proto/index.js';
import { ConsequenceCollector, type ConsequenceSet } from './consequences.js';
import { DecisionInterner } from './decision-key.js';
import { GroupIdentities, LabelInterner } from './identity.js';

/** What the diff needs of a trace (a TraceFile satisfies it). */
export interface EventSource {
  readonly header: TraceHeader;
  readonly eventCount: number;
  iterate(from?: number, to?: number): IterableIterator<Event>;
  event(i: number): Event;
}

/** The decisions of one trace, as parallel arrays indexed by decision ordinal. */
export interface DecisionTrack {
  count: number;
  eventIndex: Float64Array;
  timeNs: Float64Array;
  key: Int32Array;
  identities: GroupIdentities;
  consequences: ConsequenceSet;
}

/** Shared between the two traces of one diff, so that equal content gets equal ids. */
export class DiffContext {
  readonly decisions = new DecisionInterner();
  constructor(readonly labels: LabelInterner) {}
}

export function extractDecisions(src: EventSource, ctx: DiffContext): DecisionTrack {
  const ids = new GroupIdentities(ctx.labels);
  const cons = new ConsequenceCollector(ids);
  let cap = 1024, count = 0;
  let evIdx = new Float64Array(cap), time = new Float64Array(cap), key = new Int32Array(cap);
  const groupId = (h: number): number => ids.idOf(h);
  let i = 0;
  for (const ev of src.iterate(0, src.eventCount)) {
    ids.onEvent(ev, i);
    cons.onEvent(ev);
    if (ev.body.case === 'decision') {
      if (count === cap) {
        cap *= 2;
        const e2 = new Float64Array(cap); e2.set(evIdx); evIdx = e2;
        const t2 = new Float64Array(cap); t2.set(time); time = t2;
        const k2 = new Int32Array(cap); k2.set(key); key = k2;
      }
      evIdx[count] = i;
      time[count] = ev.t;
      key[count] = ctx.decisions.idOf(ev.body.value, groupId);
      count++;
    }
    i++;
  }
  return {
    count,
    eventIndex: evIdx.subarray(0, count),
    timeNs: time.subarray(0, count),
    key: key.subarray(0, count),
    identities: ids,
    consequences: cons.finish(),
  };
}

/** Decision count and consequences of one trace (the metrics of a bug report). */
export function traceConsequences(src: EventSource): { decisions: number; consequences: ConsequenceSet } {
  const t = extractDecisions(src, new DiffContext(new LabelInterner()));
  return { decisions: t.count, consequences: t.consequences };
}
