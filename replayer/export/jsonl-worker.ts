/**
 * A worker thread of `export --format jsonl` (jsonl-threads.ts): opens the same file, writes the
 * lines of its segments, and posts them in buffers it hands over, waiting while MAX_PIECES of
 * them are untaken; after each segment, the chunks it found undecodable; on failure, the error.
 */
import { workerData } from 'node:worker_threads';
import { notesByEvent, openTrace, TraceError } from '../trace-file.js';
import { JsonBytes } from './json-bytes.js';
import { JsonBodies, writeLines } from './jsonl.js';
import { MAX_PIECES, POSTED, TAKEN, type FromJsonlWorker, type JsonlWorkerData } from './jsonl-threads.js';

const data = workerData as JsonlWorkerData;
const counters = new Int32Array(data.counters);
let posted = 0;

function post(m: FromJsonlWorker, transfer: ArrayBuffer[] = []): void {
  for (let taken = Atomics.load(counters, TAKEN); posted - taken >= MAX_PIECES; taken = Atomics.load(counters, TAKEN)) {
    Atomics.wait(counters, TAKEN, taken, 1000);
  }
  data.port.postMessage(m, transfer);
  posted++;
  Atomics.store(counters, POSTED, posted);
  Atomics.notify(counters, POSTED);
}

try {
  const trace = openTrace(data.path, { name: data.name });
  try {
    if (trace.eventCount < data.eventCount) {
      throw new TraceError(`${data.name}: the file changed while it was exported (${trace.eventCount} events where ${data.eventCount} were)`, 'E_CHANGED');
    }
    const out = new JsonBytes((b) => {
      // the buffers are large enough never to come from Buffer's shared pool: this one is ours to hand over
      const own = b.byteOffset === 0 ? b : b.slice();
      post({ kind: 'bytes', buf: own.buffer as ArrayBuffer, length: own.length }, [own.buffer as ArrayBuffer]);
    }, true);
    const bodies = new JsonBodies(out);
    const notes = notesByEvent(trace);
    const noted = new Set<number>();
    for (const [segment, a, b] of data.segments) {
      writeLines(trace, out, bodies, notes, a, b);
      out.flush();
      const skipped: [number, string][] = [];
      for (const [k, why] of trace.undecodableChunks) if (!noted.has(k)) { noted.add(k); skipped.push([k, why]); }
      post({ kind: 'end', segment, skipped });
    }
  } finally { trace.close(); }
} catch (e) {
  const err = e instanceof Error ? e : new Error(String(e));
  post({ kind: 'error', message: err.message, code: err instanceof TraceError ? err.code : undefined, trace: err instanceof TraceError });
}
