/** Virtual-time text for the status bar, the timeline axis and the zoom ladder. */
import { formatTimeNs } from '../replayer/index.js';

/** "12.500ms" (3 decimals below a second, "1.234567s" above), as the event lines show time. */
export function fmtTime(ns: number): string {
  if (ns >= 1e9) return formatTimeNs(ns);
  return `${(ns / 1e6).toFixed(3)}ms`;
}

/** Short form for axis labels and spans: "500us", "12ms", "12.5ms", "1.5s". */
export function fmtShort(ns: number): string {
  const trim = (v: number) => String(Number(v.toFixed(v < 10 ? 2 : 1)));
  if (ns >= 1e9) return `${trim(ns / 1e9)}s`;
  if (ns >= 1e6) return `${trim(ns / 1e6)}ms`;
  if (ns >= 1e3) return `${trim(ns / 1e3)}us`;
  return `${Math.round(ns)}ns`;
}

/** Timeline spans from 10 µs to 1000 s, 1-2-5 steps. */
export const ZOOM_SPANS: readonly number[] = (() => {
  const out: number[] = [];
  for (let p = 1e4; p <= 1e12; p *= 10) out.push(p, 2 * p, 5 * p);
  return out.filter((s) => s <= 1e12);
})();
