/**
 * The handler model of the reducer (trace-engine style): each handler owns a slice of
 * ReplayState, initialises it (`init`, the reset), updates it for the event families it subscribes
 * to (`handleEvent`, one pass, in order) and fills derived, read-time fields (`finalize`: ages,
 * fragmentation) on a state handed to a caller. Each declares the slices it owns and the other
 * handlers' slices it reads, so that a reader sees its data and its dependencies at the top.
 */
import type { Event, EventFamily } from '../../proto/index.js';
import type { ReplayState } from '../state.js';

/** The slices of ReplayState the reducer itself keeps (position and counters), readable by every handler. */
export type BaseSlice = 'index' | 't' | 'counters';
/** A slice of ReplayState that one handler owns. */
export type StateSlice = Exclude<keyof ReplayState, BaseSlice>;

export interface Handler {
  readonly name: string;
  readonly families: readonly EventFamily[];
  /** The slices it owns: `init` creates exactly these, and no other handler creates them. */
  readonly owns: readonly StateSlice[];
  /** Other handlers' slices it reads or updates (handlers.test.ts holds each handler to owns + reads). */
  readonly reads: readonly StateSlice[];
  init(s: ReplayState): void;
  handleEvent(s: ReplayState, ev: Event, index: number): void;
  finalize?(s: ReplayState): void;
}

/** Name of an enum value from a generated `XNames` table, or the number. */
export function enumName(table: Readonly<Record<number, string>>, v: number): string {
  return table[v] ?? String(v);
}
