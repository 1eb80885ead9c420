/** CLI helpers: a progress line on stderr (terminals only) and an output-path check. */
import { statSync } from 'node:fs';
import { formatCount } from '../../proto/index.js';

/**
 * A one-line progress indicator on stderr, only when stderr is a terminal (quiet otherwise).
 * `update` takes the text, or a function making it (called only when the line is drawn: at most
 * every minIntervalMs, on a terminal).
 */
export interface ProgressLine { update(text: string | (() => string)): void; clear(): void }

export function progressLine(minIntervalMs = 200): ProgressLine {
  const tty = process.stderr.isTTY === true;
  let last = 0;
  let shown = false;
  return {
    update(text) {
      if (!tty) return;
      const now = Date.now();
      if (now - last < minIntervalMs) return;
      last = now;
      shown = true;
      const line = typeof text === 'string' ? text : text();
      process.stderr.write(`\r${line.slice(0, (process.stderr.columns ?? 80) - 1)}\x1b[K`);
    },
    clear() {
      if (shown) { process.stderr.write('\r\x1b[K'); shown = false; }
    },
  };
}

/**
 * A progress line for the passes a command makes over traces (`label: pass 2, 45% of 1,702,000
 * events`), fed by TraceFile.onRead; `done()` clears it and unhooks the traces.
 */
export function readProgress(label: string, ...traces: { eventCount: number; onRead?: ((index: number) => void) | undefined }[]): { done(): void } {
  const bar = progressLine();
  if (process.stderr.isTTY !== true) return { done() { /* quiet off a terminal */ } };
  traces.forEach((t, k) => {
    const side = traces.length > 1 ? ` ${String.fromCharCode(65 + k)}` : '';
    let pass = 1;
    let last = -1;
    t.onRead = (i) => {
      if (i < last) pass++;
      last = i;
      bar.update(() => `${label}${side}: ${pass > 1 ? `pass ${pass}, ` : ''}${(100 * i / Math.max(1, t.eventCount)).toFixed(0)}% of ${formatCount(t.eventCount)} events`);
    };
  });
  return { done() { for (const t of traces) t.onRead = undefined; bar.clear(); } };
}

/** True when two paths name the same existing file. */
export function sameFile(a: string, b: string): boolean {
  try {
    const sa = statSync(a);
    const sb = statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

