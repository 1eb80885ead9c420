/**
 * The one home of the text forms of virtual time and byte counts that every layer prints. The model
 * (hw-model/sim/time.ts), the replayer (time-text.ts), the state tables and the CLI re-export or
 * import these; the TUI reaches them through replayer/index.js. proto/units.test.ts checks that no
 * other file defines a formatter of the same kind again.
 */

/** Human form of a virtual time in ns: "1.234567s", "12.500ms", "800.000us", "42ns" (sign kept). */
export function formatNs(t: number): string {
  const a = Math.abs(t);
  if (a >= 1e9) return `${(t / 1e9).toFixed(6)}s`;
  if (a >= 1e6) return `${(t / 1e6).toFixed(3)}ms`;
  if (a >= 1e3) return `${(t / 1e3).toFixed(3)}us`;
  return `${t}ns`;
}

/** The shortest exact form of a duration in ns, as a scenario file writes it: "2s", "40ms", "1500us", "0". */
export function formatNsExact(t: number): string {
  if (t === 0) return '0';
  if (t % 1e9 === 0) return `${t / 1e9}s`;
  if (t % 1e6 === 0) return `${t / 1e6}ms`;
  if (t % 1e3 === 0) return `${t / 1e3}us`;
  return `${t}ns`;
}

/** A byte count for a sentence: "512 B", "12.5 KiB", "3.25 MiB", "1.00 GiB". */
export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(2)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} B`;
}

/** A byte count for a table cell: "512", "12.5K", "3.2M", "1.0G". */
export function formatBytesShort(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)}G`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)}M`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)}K`;
  return String(n);
}

/**
 * A count with its thousands grouped: "2,594", "10,006,817" (what `toLocaleString('en-US')` gives
 * for an integer, without its first call's 15–30 ms of loading locale data at a command's start).
 */
export function formatCount(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString('en-US');
  const s = String(Math.abs(n));
  let out = s.slice(0, ((s.length - 1) % 3) + 1);
  for (let i = out.length; i < s.length; i += 3) out += `,${s.slice(i, i + 3)}`;
  return n < 0 ? `-${out}` : out;
}

/** A size as event lines write it, trailing zeros dropped: "64B", "4KiB", "1.5MiB", "2GiB". */
export function formatSize(v: number): string {
  if (v >= 2 ** 30 && v % 2 ** 20 === 0) return `${+(v / 2 ** 30).toFixed(2)}GiB`;
  if (v >= 2 ** 20) return `${+(v / 2 ** 20).toFixed(2)}MiB`;
  if (v >= 2 ** 10) return `${+(v / 2 ** 10).toFixed(2)}KiB`;
  return `${v}B`;
}

/**
 * Units of the numbers that are easy to mix up, as brands. A decoded event's `t` is virtual time in
 * ns and its `cause` a backwards distance in events, never an event index: an API that takes an
 * index says `EventIndex`, which any plain number satisfies but neither of these does (the brands
 * differ), so passing a time or a cause distance where an index belongs does not compile.
 */
export type VirtualNs = number & { readonly __unit: 'virtual-ns' };
export type CauseDistance = number & { readonly __unit: 'cause-distance' };
/** An event's position in its trace (0-based): any number, but not a VirtualNs or a CauseDistance. */
export type EventIndex = number & { readonly __unit?: 'event-index' };
