/**
 * The recorder: a tracepoint sink (hw-model `TracePartsSink`) that streams events into a .csft file.
 * Each closed chunk is written to the file at once (one write of one complete frame), so the file
 * is readable while being recorded and, after a crash or kill -9, everything up to the last flushed
 * chunk is recovered by the reader. `close()` writes the index and trailer.
 *
 * Two modes, same bytes:
 *  - in-thread (default): encode, compress and write in the caller's thread;
 *  - `offload: true`: the simulation thread only encodes events into raw chunks; a worker thread
 *    (seal-worker.ts) compresses (lz4 HC), frames and writes them. The recording thread writes the
 *    preamble and header itself and never waits for the worker to start; at most MAX_INFLIGHT
 *    chunks wait for the worker (the simulation blocks beyond that), so memory stays bounded.
 *
 *   sim thread: TracepointBus ─► onEvent ─► ChunkEncoder ─(raw chunk, transferred)─► worker:
 *               FrameSealer (lz4 HC, crc32, index) ─► writeSync(fd)
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { Worker, MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import {
  ChunkEncoder, FrameSealer, encodeContainerStart, type ChunkIndexEntryInit, type Compression, type EventInit, type TraceHeaderInit,
} from '../proto/index.js';
import {
  HEADER_WORDS, KIND_COPY, KIND_FINISH, KIND_SLOT, RING_SLOTS, RING_SLOT_BYTES, S_DONE, S_INFLIGHT, S_PUBLISHED, S_WRITTEN,
  STATE_WORDS, putRecord, type SealWorkerData,
} from './seal-protocol.js';

export interface RecorderOptions {
  /**
   * Events per chunk (default 8192): the most events a crash can lose in-thread (with `offload`, up
   * to MAX_INFLIGHT more chunks may still be waiting for the worker).
   */
  chunkEvents?: number;
  /** Compression of chunks (default lz4 HC). */
  compression?: Compression;
  /** Compress and write in a worker thread (keeps the simulation thread lean). */
  offload?: boolean;
  /** Called after each chunk reaches the file (in-thread mode only). */
  onFlush?: (r: TraceRecorder) => void;
}

/**
 * Chunks the simulation may run ahead of the compression worker: one per ring slot. The worker takes
 * about 55 ms to start (a fresh isolate and its modules), in which the model fills about 15 chunks of
 * 8192 events; 32 keeps the simulation from waiting for it. Memory: the 16 MiB ring (pages touched
 * only as used) plus any chunk larger than a slot, copied (at most 32 × chunkBytes in all).
 */
const MAX_INFLIGHT = RING_SLOTS;
/** How long an abandoned recording waits for the worker to write the chunks it was given. */
const ABANDON_WAIT_MS = 2000;
/** How long to wait for the worker without any progress before giving up. */
const WORKER_STALL_MS = 60_000;

/** Error writing the trace file: one line naming the file. */
export class RecorderError extends Error {
  readonly userFacing = true;
  readonly code = 'E_RECORD';
  constructor(message: string) {
    super(message);
    this.name = 'RecorderError';
  }
}

/**
 * The sink side of a recording: events go straight into `enc` (the only per-event work); the
 * backend seals its chunks and completes the file.
 */
interface Backend {
  readonly enc: ChunkEncoder;
  finish(): void;
  readonly bytes: number;
  readonly chunks: number;
}

class InThread implements Backend {
  readonly enc: ChunkEncoder;
  private readonly sealer: FrameSealer;
  constructor(rec: TraceRecorder, header: TraceHeaderInit, opts: RecorderOptions, write: (b: Uint8Array) => void) {
    const onFlush = opts.onFlush;
    this.sealer = new FrameSealer(header, { write, compression: opts.compression });
    const sealer = this.sealer;
    this.enc = new ChunkEncoder({
      chunkEvents: opts.chunkEvents,
      onChunk: (raw, entry) => {
        sealer.sealChunk(raw, entry);
        if (onFlush !== undefined) onFlush(rec);
      },
    });
  }
  finish(): void {
    this.enc.flush();
    this.sealer.finish(this.enc.eventCount, this.enc.lastTimeNs);
  }
  get bytes(): number { return this.sealer.bytesWritten; }
  get chunks(): number { return this.sealer.chunkCount; }
}

class Offloaded implements Backend {
  readonly enc: ChunkEncoder;
  private readonly worker: Worker;
  private readonly state = new Int32Array(new SharedArrayBuffer(STATE_WORDS * 4));
  private readonly written = new Float64Array(new SharedArrayBuffer(8));
  private readonly errors = new MessageChannel();
  private readonly copies = new MessageChannel();
  private readonly ring = new SharedArrayBuffer(RING_SLOTS * RING_SLOT_BYTES);
  private readonly headers = new Float64Array(new SharedArrayBuffer(RING_SLOTS * HEADER_WORDS * 8));
  /** Records published so far. */
  private seq = 0;

  constructor(private readonly path: string, fd: number, header: TraceHeaderInit, opts: RecorderOptions, write: (b: Uint8Array) => void) {
    // The preamble and the header are written here, so the simulation need not wait for the worker
    // to start (tens of ms): chunks queue up for it meanwhile (at most MAX_INFLIGHT).
    const start = encodeContainerStart(header);
    write(start);
    this.written[0] = start.length;
    const data: SealWorkerData = {
      fd, startAt: start.length, compression: opts.compression ?? 'hc', errors: this.errors.port2, copies: this.copies.port2,
      state: this.state.buffer as SharedArrayBuffer, bytes: this.written.buffer as SharedArrayBuffer, ring: this.ring,
      headers: this.headers.buffer as SharedArrayBuffer,
    };
    // Errors come back on a port read synchronously (this thread may be blocked in Atomics.wait).
    this.worker = new Worker(new URL('./seal-worker.js', import.meta.url), {
      workerData: data, transferList: [this.errors.port2, this.copies.port2],
    });
    this.worker.unref();
    this.enc = new ChunkEncoder({
      chunkEvents: opts.chunkEvents,
      onChunk: (raw, entry) => this.send(raw, entry),
    });
  }

  private check(): void {
    if (Atomics.load(this.state, S_DONE) === 2) {
      const m = receiveMessageOnPort(this.errors.port1)?.message as { message?: string } | undefined;
      throw new RecorderError(`${this.path}: write failed (${m?.message ?? 'compression worker error'})`);
    }
  }

  /** Blocks until state[i] != value (or the worker failed); throws after a long stall. */
  private waitFor(i: number, value: number, what: string): void {
    let waited = 0;
    while (Atomics.load(this.state, i) === value) {
      this.check();
      const r = Atomics.wait(this.state, i, value, 1000);
      if (r === 'timed-out') {
        waited += 1000;
        const m = receiveMessageOnPort(this.errors.port1)?.message as { message?: string } | undefined;
        if (m) throw new RecorderError(`${this.path}: compression worker failed (${m.message})`);
        if (waited >= WORKER_STALL_MS) throw new RecorderError(`${this.path}: compression worker did not ${what} in ${WORKER_STALL_MS / 1000} s`);
      }
    }
    this.check();
  }

  /**
   * Publishes the next record: waits while RING_SLOTS records are in flight, so the slot's previous
   * record (RING_SLOTS records ago; the worker takes them in order) is done.
   */
  private publish(kind: number, raw: Uint8Array | undefined, entry: ChunkIndexEntryInit): void {
    for (let n = Atomics.load(this.state, S_INFLIGHT); n >= MAX_INFLIGHT; n = Atomics.load(this.state, S_INFLIGHT)) {
      this.waitFor(S_INFLIGHT, n, 'keep up');
    }
    this.check();
    const slot = this.seq % RING_SLOTS;
    const size = raw === undefined ? 0 : raw.length;
    if (raw !== undefined && kind === KIND_SLOT) new Uint8Array(this.ring, slot * RING_SLOT_BYTES, size).set(raw);
    else if (raw !== undefined) {
      const copy = raw.slice();
      this.copies.port1.postMessage(copy, [copy.buffer]);
    }
    putRecord(this.headers, slot * HEADER_WORDS, kind, size, entry);
    this.seq++;
    Atomics.add(this.state, S_INFLIGHT, 1);
    Atomics.add(this.state, S_PUBLISHED, 1);
    Atomics.notify(this.state, S_PUBLISHED);
  }

  private send(raw: Uint8Array, entry: ChunkIndexEntryInit): void {
    this.publish(raw.length <= RING_SLOT_BYTES ? KIND_SLOT : KIND_COPY, raw, entry);
  }

  finish(): void {
    this.enc.flush();
    this.publish(KIND_FINISH, undefined, { eventCount: this.enc.eventCount, lastTimeNs: this.enc.lastTimeNs });
    this.waitFor(S_DONE, 0, 'finish');
    void this.worker.terminate();
  }
  /**
   * Stops the worker without an index (error path); chunks it already wrote stay readable. Waits
   * (up to ABANDON_WAIT_MS) for the worker to write what was handed to it, so that the caller does
   * not close the file under a write in progress.
   */
  abandon(): void {
    for (let waited = 0; waited < ABANDON_WAIT_MS && Atomics.load(this.state, S_DONE) === 0;) {
      const n = Atomics.load(this.state, S_INFLIGHT);
      if (n === 0) break;
      Atomics.wait(this.state, S_INFLIGHT, n, 50);
      waited += 50;
    }
    void this.worker.terminate();
  }
  get bytes(): number { return this.written[0]; }
  get chunks(): number { return Atomics.load(this.state, S_WRITTEN); }
}

export class TraceRecorder {
  private fd: number | undefined;
  private readonly backend: Backend;
  private readonly enc: ChunkEncoder;
  private closed = false;

  private constructor(readonly path: string, fd: number, header: TraceHeaderInit, opts: RecorderOptions) {
    this.fd = fd;
    this.backend = opts.offload
      ? new Offloaded(path, fd, header, opts, (b) => this.writeAll(b))
      : new InThread(this, header, opts, (b) => this.writeAll(b));
    this.enc = this.backend.enc;
  }
  /** Creates (or truncates) `path` and writes the file preamble and the header. */
  static create(path: string, header: TraceHeaderInit, opts: RecorderOptions = {}): TraceRecorder {
    let fd: number;
    try { fd = openSync(path, 'w'); }
    catch (e) { throw new RecorderError(`${path}: cannot create the trace (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`); }
    try { return new TraceRecorder(path, fd, header, opts); }
    catch (e) { closeSync(fd); throw e; }
  }

  private writeAll(bytes: Uint8Array): void {
    if (this.fd === undefined) throw new RecorderError(`${this.path}: the trace is already closed`);
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
    } catch (e) {
      throw new RecorderError(`${this.path}: write failed (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }

  /**
   * TracePartsSink: called synchronously by the tracepoint bus for every event (`t` absolute), so
   * the model builds no Event object for a recording.
   */
  onEventParts(t: number, cause: number, body: EventInit['body'], _index: number): void {
    this.enc.addParts(t, cause, body);
  }

  /** Records one event object (`ev.t` absolute). */
  onEvent(ev: EventInit, _index: number): void {
    this.enc.add(ev);
  }

  /** Events recorded so far. */
  get events(): number { return this.enc.eventCount; }
  /** Bytes in the file so far (written chunks only). */
  get bytes(): number { return this.backend.bytes; }
  /** Chunks written so far. */
  get chunks(): number { return this.backend.chunks; }
  /** Virtual time of the last event recorded. */
  get lastTimeNs(): number { return this.enc.lastTimeNs; }
  get isClosed(): boolean { return this.closed; }

  /** Writes the open chunk now (normally chunks are written as they fill). */
  flush(): void { this.enc.flush(); }

  /**
   * Closes the recording: last chunk, index, trailer, fsync. Safe to call twice (e.g. from a signal
   * handler and the normal path).
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.backend.finish();
      if (this.fd !== undefined && !(this.backend instanceof Offloaded)) fsyncSync(this.fd);
    } finally {
      if (this.fd !== undefined) { closeSync(this.fd); this.fd = undefined; }
    }
  }

  /** Closes the file without an index (an error path): what was flushed stays recoverable. */
  abandon(): void {
    this.closed = true;
    if (this.backend instanceof Offloaded) this.backend.abandon();
    if (this.fd !== undefined) { closeSync(this.fd); this.fd = undefined; }
  }
}
