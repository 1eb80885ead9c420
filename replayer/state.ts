/**
 * The replayed state of the simulated stack at one event: plain data (JSON-able, cheap to clone),
 * built by the family handlers of reducer.ts. Its type is derived from them: `ReplayState` is the
 * reducer's base (index, time, counters) and every handler's owned slices (reducer.ts). The records
 * are in handlers/slices.ts, re-exported here for the readers of the state.
 */
import type { ReplayState } from './reducer.js';

export type * from './handlers/slices.js';
export type { ReplayState } from './reducer.js';

/**
 * Deep copy of plain data (objects, arrays, primitives). Faster than structuredClone for the
 * small, flat records of ReplayState.
 */
export function cloneData<T>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const n = v.length;
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = cloneData(v[i]);
    return out as T;
  }
  const out: Record<string, unknown> = {};
  for (const k in v as Record<string, unknown>) {
    const c = cloneData((v as Record<string, unknown>)[k]);
    // a heap may be named "__proto__": an own key, never the prototype
    if (k !== '__proto__') out[k] = c; else Object.defineProperty(out, k, { value: c, enumerable: true, writable: true, configurable: true });
  }
  return out as T;
}

export function cloneState(s: ReplayState): ReplayState { return cloneData(s); }

/** Canonical text of a state (stable key order as built): used by tests and keyframe storage. */
export function stateToJson(s: ReplayState): string { return JSON.stringify(s); }
