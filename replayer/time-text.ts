/**
 * Virtual-time text for the replayer: "12.5ms", "3s", "800us", "100ns" → ns, and back.
 * (The model has its own copy; the replayer must not import hw-model outside verify/rerun.)
 */

const UNIT_NS: Readonly<Record<string, number>> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 60e9, min: 60e9 };

/** Parses "<number><unit>" (unit required). Returns undefined when malformed. */
export function parseTimeText(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ns|us|µs|ms|s|m|min)\s*$/.exec(text);
  const scale = m ? UNIT_NS[m[2] ?? ''] : undefined;
  if (!m || scale === undefined) return undefined;
  return Math.round(Number(m[1]) * scale);
}

/** True when the text carries a time unit (so it is a time, not an event index). */
export function looksLikeTime(text: string): boolean {
  return /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ns|us|µs|ms|s|m|min)\s*$/.test(text);
}

/** Human form of a virtual time (proto/units.ts). */
export { formatNs } from '../proto/index.js';
