/**
 * The handler model of the reducer (trace-engine style): each handler owns slices of
 * ReplayState, creates them (`init`, the reset), updates them for the event families it subscribes
 * to (`handleEvent`, one pass, in order) and fills derived, read-time fields (`finalize`: ages,
 * fragmentation) on a state handed to a caller. Its type says what it owns and what it reads,
 * `Handler<Own, Reads>`, and the type checker holds it to that: `init` makes exactly `Own`,
 * `handleEvent` sees `BaseState & Own & Reads` (another slice is a compile error), and the runtime
 * lists `owns` / `reads` name exactly the keys of `Own` / `Reads`. ReplayState is derived from the
 * handler list (reducer.ts `StateOf`).
 */
import type { Event, EventFamily } from '../../proto/index.js';
import type { BaseState } from './slices.js';

/** Nothing: the `Own` of a handler that owns no slice, the `Reads` of one that reads none. */
export type None = Record<never, never>;

/**
 * Every key of T once, in any order: the tuple types a list of T's keys may have (a list naming a
 * key twice, missing one or naming another is a type error). A union of n! tuples: meant for the
 * few slices one handler owns or reads.
 */
export type KeyList<T> = readonly [...Permutation<keyof T>];
type Permutation<K, All = K> = [K] extends [never] ? [] : K extends unknown ? [K, ...Permutation<Exclude<All, K>>] : never;

/** What a handler owning `Own` and reading `Reads` sees of the state. */
export type View<Own extends object, Reads extends object = None> = BaseState & Own & Reads;

export interface Handler<Own extends object, Reads extends object = None> {
  readonly name: string;
  readonly families: readonly EventFamily[];
  /** The slices it owns: `init` creates exactly these, and no other handler creates them. */
  readonly owns: KeyList<Own>;
  /** Other handlers' slices it reads or updates (handlers.test.ts also holds each handler to owns + reads at run time). */
  readonly reads: KeyList<Reads>;
  /** Its slices before the first event. */
  readonly init: () => Own;
  readonly handleEvent: (s: View<Own, Reads>, ev: Event, index: number) => void;
  readonly finalize?: (s: View<Own, Reads>) => void;
}

/** A handler as the reducer runs it, on the whole state `S` (each handler's own type is assignable to it). */
export interface StateHandler<S> {
  readonly name: string;
  readonly families: readonly EventFamily[];
  readonly owns: readonly string[];
  readonly reads: readonly string[];
  readonly init: () => Partial<S>;
  readonly handleEvent: (s: S, ev: Event, index: number) => void;
  readonly finalize?: (s: S) => void;
}

/** The slices a handler owns: what its `init` returns. */
export type OwnOf<H> = H extends { readonly init: () => infer Own } ? Own : never;

type Intersect<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** The state a list of handlers makes: the base and every handler's owned slices, as one object type. */
export type StateOf<Hs extends readonly unknown[]> =
  BaseState & Intersect<OwnOf<Hs[number]>> extends infer S ? { [K in keyof S]: S[K] } : never;

/** Name of an enum value from a generated `XNames` table, or the number. */
export function enumName(table: Readonly<Record<number, string>>, v: number): string {
  return table[v] ?? String(v);
}
