/**
 * Virtual time. Every time in the model is an integer number of nanoseconds since the start of the
 * simulation (a plain JS number: exact up to 2^53 ns ≈ 104 days).
 */
export type Ns = number & { readonly __brand?: 'Ns' };

export const NS_PER_US = 1_000;
export const NS_PER_MS = 1_000_000;
export const NS_PER_S = 1_000_000_000;

export const us = (n: number): Ns => Math.round(n * NS_PER_US);
export const ms = (n: number): Ns => Math.round(n * NS_PER_MS);
export const sec = (n: number): Ns => Math.round(n * NS_PER_S);

/** "12.5ms", "3s", "800us", "100ns", or a bare number of ns. Returns undefined when malformed. */
export function parseDuration(text: string): Ns | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s|m|min)?\s*$/.exec(text);
  if (!m) return undefined;
  const v = Number(m[1]);
  switch (m[2]) {
    case undefined: case 'ns': return Math.round(v);
    case 'us': case 'µs': return us(v);
    case 'ms': return ms(v);
    case 's': return sec(v);
    case 'm': case 'min': return sec(v * 60);
    default: return undefined;
  }
}

/** Human form of a virtual time (proto/units.ts). */
export { formatNs } from '../../proto/index.js';
