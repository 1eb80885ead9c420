/**
 * The writer thread of pipe-writer.ts: empties the shared ring into the descriptor until the
 * command is done and the ring is empty; on a write error, posts it (message, code, syscall) and
 * stops.
 */
import { workerData } from 'node:worker_threads';
import { DONE, FILLED, POLL_MS, STOPPED, writeAllSync, type PipeThreadData } from './pipe-writer.js';

const { fd, ring, control, port } = workerData as PipeThreadData;
const buf = new Uint8Array(ring), ctl = new Int32Array(control);
let at = 0;
try {
  for (;;) {
    const filled = Atomics.load(ctl, FILLED);
    if (filled === 0) {
      if (Atomics.load(ctl, DONE) === 1) break;
      Atomics.wait(ctl, FILLED, 0, POLL_MS);
      continue;
    }
    const n = Math.min(filled, buf.length - at);
    writeAllSync(fd, buf, at, at + n);
    at = (at + n) % buf.length;
    Atomics.sub(ctl, FILLED, n);
    Atomics.notify(ctl, FILLED);
  }
  Atomics.store(ctl, STOPPED, 1);
} catch (e) {
  const err = e as NodeJS.ErrnoException;
  port.postMessage({ message: String(err?.message), code: err?.code, syscall: err?.syscall, errno: err?.errno });
  Atomics.store(ctl, STOPPED, 2);
}
Atomics.notify(ctl, FILLED);
Atomics.notify(ctl, STOPPED);
