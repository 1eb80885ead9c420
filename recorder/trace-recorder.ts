/**
 * The recorder: a tracepoint sink (hw-model `TracePartsSink`) that streams events into a .csft
 * file, a device or standard output. Chunks are written one complete frame at a time, in order, so
 * the file is readable while being recorded and, after a crash or kill -9, everything up to the last
 * chunk written is recovered by the reader. `close()` writes the index and the trailer.
 *
 * Two modes, same bytes:
 *  - in-thread: encode, compress and write in the caller's thread;
 *  - `offload: true`: the caller's thread only writes each event's fields onto a tape slot in
 *    shared memory (tape-ring.ts; measured: about 0.1 of `simulate` cheaper than encoding them) and
 *    posts full slots to a writer (tape-writer.ts) in another thread, a worker of its own or one
 *    the caller gives (`startWriter`), which encodes, compresses (lz4 HC) and writes them. The
 *    caller waits for the writer only when RING_SLOTS slots are waiting, and at `close()`.
 *
 *   sim thread: TracepointBus ─► onEventParts ─► tapeEvent ─(slot, postMessage)─► writer thread:
 *               ChunkEncoder.addTape ─► FrameSealer (lz4 HC, crc32, index) ─► writeSync(fd)
 */
import { Worker, MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import {
  ChunkEncoder, DEFAULT_CHUNK_EVENTS, FrameSealer, tapeEvent, timeGoesBackwards,
  type Compression, type EventInit, type TraceHeaderInit,
} from '../proto/index.js';
import { MemoryOutput, RecorderError, errnoOf, openOutput, type Output } from './output.js';
import {
  FAILED, RING_SLOTS, SHARED_BYTES, SLOT_FULL_WORDS, SLOT_WORDS, S_CHUNKS, S_FREED, S_STARTED, S_STATUS,
  sharedViews, slotTapes, type TapeWriterData, type FromWriter, type ToWriter,
} from './tape-ring.js';

export { MemoryOutput, RecorderError } from './output.js';
export { serveTapes } from './tape-writer.js';
export type { TapeWriterData } from './tape-ring.js';

export interface RecorderOptions {
  /**
   * Events per chunk (default 8192): the most events a crash can lose in-thread (with `offload`,
   * up to RING_SLOTS tape slots, about 150,000 events, may also be waiting for the writer).
   */
  chunkEvents?: number | undefined;
  /** Compression of chunks (default lz4 HC). */
  compression?: Compression | undefined;
  /** Encode, compress and write in another thread (keeps the simulation thread lean). */
  offload?: boolean | undefined;
  /** Called after each chunk reaches the output (in-thread mode only). */
  onFlush?: ((r: TraceRecorder) => void) | undefined;
  /**
   * fsync the output when the recording is finished (default true). In-thread recordings of a
   * temporary trace, read back at once and deleted (a fuzz or sweep run), leave it off: the wait
   * for the disk was 3% of a pool run and held its thread idle.
   */
  sync?: boolean | undefined;
  /**
   * With `offload`: where the tapes are encoded, compressed and written. By default a worker
   * thread of the recording's own; given this, the recorder calls it with the writer's data, to be
   * served (serveTapes) by an idle event loop of another thread, its `port` transferred there.
   */
  startWriter?: ((data: TapeWriterData) => void) | undefined;
}

/** How long an abandoned recording waits for the writer to write the events it was given. */
const ABANDON_WAIT_MS = 2000;
/** How long to wait for the writer to start at all. */
const WORKER_START_MS = 60_000;

/** A failed write of `name` as a RecorderError (one that already is one passes through). */
function writeFailed(name: string, e: unknown): RecorderError {
  return e instanceof RecorderError ? e : new RecorderError(`${name}: write failed (${errnoOf(e)})`);
}

/** The sink side of a recording (`add`: the only per-event work) and the completion of its output. */
interface Backend {
  add(t: number, cause: number, body: EventInit['body']): void;
  flush(): void;
  finish(): void;
  abandon(): void;
  readonly events: number;
  readonly lastTimeNs: number;
  readonly bytes: number;
  readonly chunks: number;
}

class InThread implements Backend {
  private readonly enc: ChunkEncoder;
  private readonly sealer: FrameSealer;
  private readonly sync: boolean;
  constructor(rec: TraceRecorder, private readonly out: Output, header: TraceHeaderInit, opts: RecorderOptions) {
    this.sync = opts.sync ?? true;
    const onFlush = opts.onFlush;
    const write = (b: Uint8Array): void => {
      try { out.write(b); } catch (e) { throw writeFailed(out.name, e); }
    };
    const sealer = this.sealer = new FrameSealer(header, { write, compression: opts.compression });
    this.enc = new ChunkEncoder({
      chunkEvents: opts.chunkEvents,
      onChunk: (raw, entry) => {
        sealer.sealChunk(raw, entry);
        if (onFlush !== undefined) onFlush(rec);
      },
    });
  }
  add(t: number, cause: number, body: EventInit['body']): void { this.enc.addParts(t, cause, body); }
  flush(): void { this.enc.flush(); }
  finish(): void {
    this.enc.flush();
    this.sealer.finish(this.enc.eventCount, this.enc.lastTimeNs);
    if (this.sync) { try { this.out.sync(); } catch (e) { throw writeFailed(this.out.name, e); } }
  }
  abandon(): void { /* nothing in flight */ }
  get events(): number { return this.enc.eventCount; }
  get lastTimeNs(): number { return this.enc.lastTimeNs; }
  get bytes(): number { return this.sealer.bytesWritten; }
  get chunks(): number { return this.sealer.chunkCount; }
}

class Offloaded implements Backend {
  /** The recording's own compression worker (none with RecorderOptions.startWriter). */
  private readonly worker: Worker | undefined;
  private readonly port: MessagePort;
  private readonly state: Int32Array;
  private readonly written: Float64Array;
  private readonly tapes: Float64Array[];
  /** Slots posted so far; the slot being filled is sent % RING_SLOTS. */
  private sent = 0;
  /** The tape of the slot being filled, and the next word in it. */
  private tape: Float64Array;
  private i = 0;
  private n = 0;
  private lastT = 0;
  private ended = false;
  private writerError: string | undefined;

  constructor(private readonly out: Output, header: TraceHeaderInit, opts: RecorderOptions) {
    const ring = new SharedArrayBuffer(RING_SLOTS * SLOT_WORDS * 8);
    const shared = new SharedArrayBuffer(SHARED_BYTES);
    ({ state: this.state, bytes: this.written } = sharedViews(shared));
    this.tapes = slotTapes(ring);
    this.tape = this.tapes[0]!; // RING_SLOTS tapes
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const data: TapeWriterData = {
      fd: out.fd, header, compression: opts.compression ?? 'hc', chunkEvents: Math.max(1, opts.chunkEvents ?? DEFAULT_CHUNK_EVENTS),
      ring, shared, port: port2,
    };
    if (opts.startWriter !== undefined) {
      this.worker = undefined;
      opts.startWriter(data);
      return;
    }
    // the worker gets the process's flags, but not --input-type (a script given with -e), which
    // would refuse its module file
    const execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type'));
    this.worker = new Worker(new URL('./compress-worker.js', import.meta.url), { workerData: data, transferList: [port2], execArgv });
    this.worker.unref();
    // a worker that cannot start reports it here once this thread is idle; the wait says so
    this.worker.on('error', (e) => { this.writerError = errnoOf(e); });
  }

  add(t: number, cause: number, body: EventInit['body']): void {
    if (t < this.lastT && this.n > 0) throw timeGoesBackwards(this.n, t, this.lastT);
    this.lastT = t;
    this.n++;
    const i = tapeEvent(this.tape, this.i, t, cause, body);
    if (i < SLOT_FULL_WORDS) this.i = i;
    else this.slotFull(i, t, cause, body);
  }

  /**
   * The event just written ends at word `end`, past SLOT_FULL_WORDS: posts the slot, with the event
   * if it fit (writes past the slot's end are dropped), else before it.
   */
  private slotFull(end: number, t: number, cause: number, body: EventInit['body']): void {
    if (end <= SLOT_WORDS) {
      this.i = end;
      this.postSlot(false);
      return;
    }
    if (this.i > 0) this.postSlot(false);
    const size = tapeEvent(this.tape, 0, t, cause, body);
    if (size <= SLOT_WORDS) {
      this.i = size;
      if (size >= SLOT_FULL_WORDS) this.postSlot(false);
      return;
    }
    const own = new Float64Array(size);
    tapeEvent(own, 0, t, cause, body);
    this.post({ kind: 'own', tape: own, words: size }, [own.buffer]);
  }

  private post(m: ToWriter, transfer: ArrayBuffer[] = []): void {
    this.check();
    this.port.postMessage(m, transfer);
  }

  /** Posts the slot being filled, then waits until the next one is free. */
  private postSlot(flush: boolean): void {
    this.post({ kind: 'tape', slot: this.sent % RING_SLOTS, words: this.i, flush });
    this.sent++;
    this.tape = this.tapes[this.sent % RING_SLOTS]!;
    this.i = 0;
    for (let freed = Atomics.load(this.state, S_FREED); this.sent - freed >= RING_SLOTS; freed = Atomics.load(this.state, S_FREED)) {
      this.wait(S_FREED, freed);
    }
  }

  /** Throws the writer's error, if it failed. */
  private check(): void {
    if (Atomics.load(this.state, S_STATUS) !== FAILED) return;
    const m = receiveMessageOnPort(this.port)?.message as FromWriter | undefined;
    this.port.close();
    throw new RecorderError(`${this.out.name}: write failed (${m?.error ?? this.writerError ?? 'trace writer error'})`);
  }

  /** Waits until state[i] is no longer `value` or the writer failed (which throws). */
  private wait(i: number, value: number): void {
    let waited = 0;
    while (Atomics.load(this.state, i) === value) {
      this.check();
      if (Atomics.wait(this.state, i, value, 1000) !== 'timed-out') continue;
      waited += 1000;
      if (Atomics.load(this.state, S_STARTED) === 0 && waited >= WORKER_START_MS) {
        throw new RecorderError(`${this.out.name}: the trace writer did not start in ${WORKER_START_MS / 1000} s`);
      }
    }
    this.check();
  }

  flush(): void { this.postSlot(true); }

  finish(): void {
    try {
      if (this.i > 0) this.postSlot(false);
      this.post({ kind: 'finish', events: this.n });
      this.wait(S_STATUS, 0);
    } finally {
      this.ended = true;
      this.stopWriter();
    }
  }

  private stopWriter(): void {
    this.port.close();
    if (this.worker !== undefined) void this.worker.terminate();
  }

  /**
   * Stops without an index (error path); chunks already written stay readable. Waits (up to
   * ABANDON_WAIT_MS) for the writer to write the slots posted to it, so that the caller does not
   * close the output under a write in progress.
   */
  abandon(): void {
    if (this.ended) return;
    this.ended = true;
    if (Atomics.load(this.state, S_STATUS) === 0) {
      this.port.postMessage({ kind: 'abandon' } satisfies ToWriter);
      Atomics.wait(this.state, S_STATUS, 0, ABANDON_WAIT_MS);
    }
    this.stopWriter();
  }

  get events(): number { return this.n; }
  get lastTimeNs(): number { return this.lastT; }
  get bytes(): number { return this.written[0]!; } // a view of one word
  get chunks(): number { return Atomics.load(this.state, S_CHUNKS); }
}

export class TraceRecorder {
  private out: Output | undefined;
  private readonly backend: Backend;
  private closed = false;

  private constructor(out: Output, header: TraceHeaderInit, opts: RecorderOptions) {
    this.out = out;
    this.backend = opts.offload ? new Offloaded(out, header, opts) : new InThread(this, out, header, opts);
  }

  /**
   * Creates (or truncates) `path`, `-` for standard output, and starts the trace; or starts it in a
   * MemoryOutput (an in-thread recording only: the offloaded writer writes to a descriptor).
   */
  static create(path: string | MemoryOutput, header: TraceHeaderInit, opts: RecorderOptions = {}): TraceRecorder {
    if (path instanceof MemoryOutput) {
      if (opts.offload) throw new RecorderError(`${path.name}: a trace in memory is recorded in-thread only`);
      return new TraceRecorder(path, header, opts);
    }
    const out = openOutput(path);
    try { return new TraceRecorder(out, header, opts); }
    catch (e) { out.close(); throw e; }
  }

  /**
   * TracePartsSink: called synchronously by the tracepoint bus for every event (`t` absolute), so
   * the model builds no Event object for a recording.
   */
  onEventParts(t: number, cause: number, body: EventInit['body'], _index: number): void {
    this.backend.add(t, cause, body);
  }

  /** Records one event object (`ev.t` absolute). */
  onEvent(ev: EventInit, _index: number): void {
    this.backend.add(ev.t ?? 0, ev.cause ?? 0, ev.body);
  }

  /** Events recorded so far. */
  get events(): number { return this.backend.events; }
  /** Bytes written so far. */
  get bytes(): number { return this.backend.bytes; }
  /** Chunks written so far. */
  get chunks(): number { return this.backend.chunks; }
  /** Virtual time of the last event recorded. */
  get lastTimeNs(): number { return this.backend.lastTimeNs; }
  get isClosed(): boolean { return this.closed; }

  /** Writes the open chunk now (normally chunks are written as they fill). */
  flush(): void { this.backend.flush(); }

  /**
   * Closes the recording: last chunk, index, trailer, fsync. Safe to call twice (e.g. from a signal
   * handler and the normal path).
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.backend.finish();
    } finally {
      this.out?.close();
      this.out = undefined;
    }
  }

  /** Closes the output without an index (an error path): what was written stays recoverable. */
  abandon(): void {
    this.closed = true;
    this.backend.abandon();
    this.out?.close();
    this.out = undefined;
  }
}
