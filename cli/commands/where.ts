/**
 * `--where <filter>` for `csftrace events`: the replayer's filter grammar as an event matcher.
 * Filters over the state (`state.mode=protected`) replay the trace alongside the listing: the
 * matcher is bound to the open trace (`bindWhere`) and fed every event in order.
 */
import { FilterError, Replayer, applyEvent, parseFilter, type Filter, type ReplayState, type TraceFile } from '../../replayer/read.js';
import type { Event } from '../../proto/index.js';
import { CliError } from '../errors.js';

export interface WhereMatcher {
  (ev: Event, index: number): boolean;
  filter: Filter;
  trace?: TraceFile;
}

/** Parses `--where`; a bad filter is one line naming the offending token (exit 2). */
export function whereMatcher(text: string): WhereMatcher {
  let filter: Filter;
  try {
    filter = parseFilter(text);
  } catch (e) {
    if (e instanceof FilterError) throw new CliError(`--where: ${e.message}`);
    throw e;
  }
  let state: ReplayState | undefined;
  let last = -2;
  const m = ((ev: Event, i: number): boolean => {
    if (!filter.needsState) return filter.matchEvent(ev, i);
    if (!state || last !== i - 1) {
      if (!m.trace) throw new Error('--where: state filter used before the trace was bound');
      state = Replayer.open(m.trace).rawStateAt(i - 1);
    }
    applyEvent(state, ev, i);
    last = i;
    return filter.matchEvent(ev, i, state);
  }) as WhereMatcher;
  m.filter = filter;
  return m;
}

/** Gives the `--where` matchers among `matchers` the open trace (needed by state filters). */
export function bindWhere(matchers: ReadonlyArray<(ev: Event, i: number) => boolean>, trace: TraceFile): void {
  for (const m of matchers) if ((m as WhereMatcher).filter) (m as WhereMatcher).trace = trace;
}
