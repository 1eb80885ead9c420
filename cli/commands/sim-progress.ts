/** CLI helpers: a progress line on stderr (terminals only) and an output-path check. */
import { statSync } from 'node:fs';

/** A one-line progress indicator on stderr, only when stderr is a terminal (quiet otherwise). */
export interface ProgressLine { update(text: string): void; clear(): void }

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
      process.stderr.write(`\r${text.slice(0, (process.stderr.columns ?? 80) - 1)}\x1b[K`);
    },
    clear() {
      if (shown) { process.stderr.write('\r\x1b[K'); shown = false; }
    },
  };
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

