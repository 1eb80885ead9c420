/**
 * `export --format jsonl` on several threads: each line depends on its event alone (its index, time,
 * cause distance and body; the body caches only save work), so the range is cut into segments of
 * whole chunks, dealt out in turn to this thread and to worker threads that open the same file
 * (TraceFile.threadPath), and written in order. This thread writes its own segments straight to
 * `write`; a worker's come as 1 MiB buffers through a MessageChannel, taken synchronously
 * (receiveMessageOnPort) once a shared counter says one was posted. A worker stops posting while
 * MAX_PIECES of its buffers are untaken, so memory stays bounded whatever the trace. The output is
 * the single thread's byte for byte; chunks a worker finds undecodable are noted on this thread's
 * trace when their segment is written, as a single pass notes them.
 */
import { receiveMessageOnPort, MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { notesByEvent, TraceError, type TraceFile } from '../trace-file.js';
import { JsonBytes } from './json-bytes.js';
import { JsonBodies, writeLines } from './jsonl.js';

/** Events a segment holds at least (about 6 MB of JSON lines on a stress trace). */
export const SEGMENT_EVENTS = 16_384;
/** Buffers (~1 MiB each) a worker may have posted and not yet seen taken. */
export const MAX_PIECES = 24;
/** How long this thread waits for a worker's next buffer before it gives up on it. */
const STALL_MS = 60_000;

/** Shared counters: buffers posted by the worker, buffers taken by this thread. */
export const POSTED = 0, TAKEN = 1;

/** What a worker is given. */
export interface JsonlWorkerData {
  /** The open file (threadPath), and the name its messages use. */
  path: string;
  name: string;
  port: MessagePort;
  counters: SharedArrayBuffer;
  /** Its segments: [segment number, first event, end event). */
  segments: [number, number, number][];
  eventCount: number;
}

/** What a worker posts. */
export type FromJsonlWorker =
  | { kind: 'bytes'; buf: ArrayBuffer; length: number }
  | { kind: 'end'; segment: number; skipped: [number, string][] }
  | { kind: 'error'; message: string; code: string | undefined; trace: boolean };

/** [from, to) cut at chunk boundaries into pieces of at least `size` events. */
export function segmentsOf(trace: TraceFile, from: number, to: number, size: number): [number, number][] {
  const out: [number, number][] = [];
  let start = from;
  for (const c of trace.chunks) {
    const end = c.firstEvent + c.eventCount;
    if (end <= start) continue;
    if (end >= to) break;
    if (end - start >= size) { out.push([start, end]); start = end; }
  }
  if (start < to) out.push([start, to]);
  return out;
}

interface Helper { worker: Worker; port: MessagePort; counters: Int32Array }

function startHelper(path: string, name: string, eventCount: number, segments: [number, number, number][]): Helper {
  const { port1, port2 } = new MessageChannel();
  const counters = new SharedArrayBuffer(8);
  const data: JsonlWorkerData = { path, name, port: port2, counters, segments, eventCount };
  // the process's flags, but not --input-type (a script given with -e), which would refuse the module
  // file; none where a worker refuses them (V8's heap sizes: process-wide)
  const url = new URL('./jsonl-worker.js', import.meta.url);
  let worker: Worker;
  try {
    worker = new Worker(url, { workerData: data, transferList: [port2], execArgv: process.execArgv.filter((a) => !a.startsWith('--input-type')) });
  } catch (e) {
    if ((e as { code?: unknown }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw e;
    worker = new Worker(url, { workerData: data, transferList: [port2], execArgv: [] });
  }
  worker.unref();
  // reported when this thread is next idle (the export has failed by then: see take's wait)
  worker.on('error', () => undefined);
  return { worker, port: port1, counters: new Int32Array(counters) };
}

function stop(h: Helper): void { h.port.close(); void h.worker.terminate(); }

/** The helper's next message, waiting for it (`name`: the trace, for the error). */
function take(h: Helper, name: string): FromJsonlWorker {
  let waited = 0;
  for (;;) {
    const posted = Atomics.load(h.counters, POSTED);
    const m = receiveMessageOnPort(h.port);
    if (m !== undefined) {
      Atomics.add(h.counters, TAKEN, 1);
      Atomics.notify(h.counters, TAKEN);
      return m.message as FromJsonlWorker;
    }
    if (Atomics.wait(h.counters, POSTED, posted, 1000) !== 'timed-out') continue;
    waited += 1000;
    if (waited >= STALL_MS) throw new Error(`${name}: export: a jsonl worker thread wrote nothing for ${STALL_MS / 1000} s`);
  }
}

/**
 * Writes events [from, to) of `trace` as JSON lines on `threads` threads (this one and threads − 1
 * workers; `segmentEvents` per segment); returns how many segments the workers wrote. Where no
 * worker starts (no threadPath, or a Worker refused), everything is written on this thread.
 */
export function exportJsonlThreads(trace: TraceFile, write: (bytes: Uint8Array) => void, from: number, to: number,
                                   threads: number, segmentEvents = SEGMENT_EVENTS): number {
  const path = trace.threadPath;
  const segments = segmentsOf(trace, from, to, segmentEvents);
  threads = path === undefined ? 1 : Math.max(1, Math.min(threads, segments.length));
  const helpers: Helper[] = [];
  try {
    for (let w = 1; w < threads; w++) {
      const mine: [number, number, number][] = [];
      for (let s = w; s < segments.length; s += threads) mine.push([s, ...segments[s]!]);
      try { helpers.push(startHelper(path!, trace.path, trace.eventCount, mine)); }
      catch {
        // no worker (flags a worker refuses, say): this thread writes all
        helpers.splice(0).forEach(stop);
        threads = 1;
        break;
      }
    }
    let byWorkers = 0;
    const out = new JsonBytes(write);
    const bodies = new JsonBodies(out);
    const notes = notesByEvent(trace);
    for (let s = 0; s < segments.length; s++) {
      const [a, b] = segments[s]!;
      const w = s % threads;
      if (w === 0) { writeLines(trace, out, bodies, notes, a, b); continue; }
      out.flush();
      trace.onRead?.(a);
      const h = helpers[w - 1]!;
      for (;;) {
        const m = take(h, trace.path);
        if (m.kind === 'bytes') { write(new Uint8Array(m.buf, 0, m.length)); continue; }
        if (m.kind === 'error') throw m.trace ? new TraceError(m.message, m.code ?? 'E_TRACE') : new Error(m.message);
        if (m.segment !== s) throw new Error(`${trace.path}: export: a jsonl worker thread ended segment ${m.segment} where ${s} was due`);
        for (const [k, why] of m.skipped) if (!trace.undecodableChunks.has(k)) trace.skipUndecodable(k, why);
        byWorkers++;
        break;
      }
    }
    out.flush();
    return byWorkers;
  } finally {
    helpers.forEach(stop);
  }
}
