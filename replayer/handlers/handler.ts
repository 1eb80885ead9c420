/**
 * The handler model of the reducer (trace-engine style): each handler owns a slice of
 * ReplayState, initialises it (`init`, the reset), updates it for the event families it subscribes
 * to (`handleEvent`, one pass, in order) and fills derived, read-time fields (`finalize`: ages,
 * fragmentation) on a state handed to a caller.
 */
import type { Event, EventFamily } from '../../proto/index.js';
import type { ReplayState } from '../state.js';

export interface Handler {
  readonly name: string;
  readonly families: readonly EventFamily[];
  init(s: ReplayState): void;
  handleEvent(s: ReplayState, ev: Event, index: number): void;
  finalize?(s: ReplayState): void;
}

/** Name of an enum value from a generated `XNames` table, or the number. */
export function enumName(table: Readonly<Record<number, string>>, v: number): string {
  return table[v] ?? String(v);
}
