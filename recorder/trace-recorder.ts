/**
 * The recorder: a tracepoint sink (hw-model `TracePartsSink`) that streams events into a .csft file.
 * Each closed chunk is written to the file at once (one write of one complete frame), so the file
 * is readable while being recorded and, after a crash or kill -9, everything up to the last flushed
 * chunk is recovered by the reader. `close()` writes the index and trailer.
 *
 * Two modes, same bytes:
 *  - in-thread (default): encode, compress and write in the caller's thread;
 *  - `offload: true`: the simulation thread only copies each event's fields, as numbers, onto a
 *    tape in shared memory (proto/gen/tape.ts: a store per field, less than half the work of
 *    encoding them); a worker thread (seal-worker.ts) reads them back, encodes them into chunks with
 *    the same ChunkEncoder, compresses them (lz4 HC), frames and writes them. The recording thread
 *    writes the preamble and header itself and never waits for the worker to start; at most
 *    RING_SLOTS tape slots wait for the worker (the simulation blocks beyond that), so memory stays
 *    bounded. The worker runs at nice 19; one that other processes starve is noticed while the
 *    simulation waits for it, and the recording is taken over from the worker's last checkpoint
 *    and goes on in-thread (takeOver).
 *
 *   sim thread: TracepointBus ─► onEventParts ─► tapeEvent ─(slot of the shared ring)─► worker:
 *               ChunkEncoder.addTape ─► FrameSealer (lz4 HC, crc32, index) ─► writeSync(fd)
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { Worker, MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import {
  ChunkEncoder, DEFAULT_CHUNK_EVENTS, FrameSealer, encodeContainerStart, openContainer, preadSource, tapeEvent, timeGoesBackwards,
  type ChunkIndexEntryInit, type Compression, type EventInit, type TraceHeaderInit,
} from '../proto/index.js';
import {
  HEADER_WORDS, KIND_BEGIN, KIND_COPY, KIND_FINISH, KIND_TAPE, RING_SLOTS, RING_SLOT_BYTES,
  SLOT_FULL_WORDS, SLOT_WORDS, STARVE_CHECK_MS, S_DONE, S_HANDOVER, S_INFLIGHT, S_PUBLISHED, S_SLEEPING, S_TID, S_WLOCK, S_WRITTEN,
  STATE_WORDS, CK_VALID, HANDOVER_ASKED, HANDOVER_TAKEN, SealingRecording, doRecord, getCheckpoint, isStarved, newCheckpoint,
  compressionCode, putHeader, readSchedStat, syncFile, writeFully, type SealWorkerData,
} from './seal-protocol.js';

export interface RecorderOptions {
  /**
   * Events per chunk (default 8192): the most events a crash can lose in-thread (with `offload`, up
   * to RING_SLOTS tape slots, about 150,000 events, may still be waiting for the worker).
   */
  chunkEvents?: number;
  /** Compression of chunks (default lz4 HC). */
  compression?: Compression;
  /** Compress and write in a worker thread (keeps the simulation thread lean). */
  offload?: boolean;
  /** Called after each chunk reaches the file (in-thread mode only). */
  onFlush?: (r: TraceRecorder) => void;
  /**
   * With `offload`: take the recording over from the worker once it was given this many records (the
   * first is the BEGIN, then one per tape slot),
   * as if the worker were starved (tests of the takeover; the bytes are the same).
   */
  takeOverAt?: number;
}

/** How long an abandoned recording waits for the worker to write the events it was given. */
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

/** The errno code of a failed fs call, or its message. */
const errnoOf = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/** A failed write of `path` as a RecorderError (one that already is one passes through). */
function writeFailed(path: string, e: unknown): RecorderError {
  return e instanceof RecorderError ? e : new RecorderError(`${path}: write failed (${errnoOf(e)})`);
}

/** The sink side of a recording (`add`: the only per-event work) and the completion of its file. */
interface Backend {
  add(t: number, cause: number, body: EventInit['body']): void;
  flush(): void;
  finish(): void;
  abandon(): void;
  readonly events: number;
  readonly lastTimeNs: number;
  readonly bytes: number;
  readonly chunks: number;
  /** The recording thread took the recording over from its compression worker. */
  readonly takenOver: boolean;
}

class InThread implements Backend {
  private readonly enc: ChunkEncoder;
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
  add(t: number, cause: number, body: EventInit['body']): void { this.enc.addParts(t, cause, body); }
  flush(): void { this.enc.flush(); }
  finish(): void {
    this.enc.flush();
    this.sealer.finish(this.enc.eventCount, this.enc.lastTimeNs);
  }
  abandon(): void { /* nothing in flight */ }
  get events(): number { return this.enc.eventCount; }
  get lastTimeNs(): number { return this.enc.lastTimeNs; }
  get bytes(): number { return this.sealer.bytesWritten; }
  get chunks(): number { return this.sealer.chunkCount; }
  get takenOver(): boolean { return false; }
}

/**
 * A compression worker with its ring and shared state. It serves the recordings of this thread one
 * after the other: a finished recording hands it back (`idleChannel`) for the next one, which then
 * needs neither a new worker (tens of ms to start) nor fresh ring pages. A channel whose recording
 * failed, was abandoned or was taken over is terminated, never reused.
 */
class SealChannel {
  readonly worker: Worker;
  readonly state = new Int32Array(new SharedArrayBuffer(STATE_WORDS * 4));
  readonly written = new Float64Array(new SharedArrayBuffer(8));
  readonly errors = new MessageChannel();
  readonly copies = new MessageChannel();
  readonly checkpoint = newCheckpoint();
  readonly ring = new SharedArrayBuffer(RING_SLOTS * RING_SLOT_BYTES);
  /** The tape view of each ring slot (a write past its end is dropped, never spills over). */
  readonly tapes: Float64Array[] = [];
  readonly headers = new Float64Array(new SharedArrayBuffer(RING_SLOTS * HEADER_WORDS * 8));
  /** Records published so far (over all recordings). */
  seq = 0;
  /** The worker has exited (it is never reused then). */
  private exited = false;

  constructor() {
    for (let s = 0; s < RING_SLOTS; s++) this.tapes.push(new Float64Array(this.ring, s * RING_SLOT_BYTES, SLOT_WORDS));
    const data: SealWorkerData = {
      errors: this.errors.port2, copies: this.copies.port2, checkpoint: this.checkpoint, ring: this.ring,
      state: this.state.buffer as SharedArrayBuffer, bytes: this.written.buffer as SharedArrayBuffer,
      headers: this.headers.buffer as SharedArrayBuffer,
    };
    this.worker = new Worker(new URL('./seal-worker.js', import.meta.url), {
      workerData: data, transferList: [this.errors.port2, this.copies.port2],
    });
    this.worker.unref();
    this.worker.on('exit', () => { this.exited = true; });
  }

  /** A channel for a new recording: the idle one of this thread, or a new one. */
  static acquire(): SealChannel {
    const c = idleChannel;
    idleChannel = undefined;
    return c !== undefined && !c.exited ? c : new SealChannel();
  }
  /** Hands a channel whose recording completed back for the next one. */
  static release(c: SealChannel): void {
    if (idleChannel === undefined) idleChannel = c;
    else void c.worker.terminate();
  }
}
let idleChannel: SealChannel | undefined;

class Offloaded implements Backend {
  private readonly ch: SealChannel;
  private readonly state: Int32Array;
  /** The tape of the slot being filled (the slot of record ch.seq), and the next word in it. */
  private tape: Float64Array;
  private i = 0;
  private n = 0;
  private lastT = 0;
  private done = false;
  /** This thread has taken the recording over from a starved worker (takeOver). */
  private taken = false;
  /** The recording after a takeover (undefined again once finished). */
  private local: SealingRecording | undefined;
  /** Its byte and chunk counters (the worker's are no longer this recording's). */
  private readonly localCounters = { state: new Int32Array(STATE_WORDS), bytes: new Float64Array(1) };
  /** This recording's BEGIN record, and its first bytes (preamble and header). */
  private readonly beginSeq: number;
  private readonly startBytes: number;
  /** COPY records' tapes by record, kept until the worker is past them (for a takeover). */
  private readonly copies = new Map<number, Float64Array>();
  /** The record at which to take the recording over (RecorderOptions.takeOverAt), or -1. */
  private readonly takeOverSeq: number;

  constructor(private readonly path: string, fd: number, header: TraceHeaderInit, opts: RecorderOptions, write: (b: Uint8Array) => void) {
    const start = encodeContainerStart(header);
    write(start);
    const ch = this.ch = SealChannel.acquire();
    this.state = ch.state;
    Atomics.store(this.state, S_DONE, 0);
    Atomics.store(this.state, S_WRITTEN, 0);
    ch.written[0] = start.length;
    new Float64Array(ch.checkpoint, 0, 1)[CK_VALID] = 0;
    this.beginSeq = ch.seq;
    this.startBytes = start.length;
    this.takeOverSeq = opts.takeOverAt !== undefined ? ch.seq + Math.max(1, opts.takeOverAt) : -1;
    this.tape = ch.tapes[ch.seq % RING_SLOTS];
    this.awaitSlot();
    const chunkEvents = Math.max(1, opts.chunkEvents ?? DEFAULT_CHUNK_EVENTS);
    this.publish(true, KIND_BEGIN, fd, start.length, compressionCode(opts.compression), chunkEvents);
  }

  add(t: number, cause: number, body: EventInit['body']): void {
    if (t < this.lastT && this.n > 0) throw timeGoesBackwards(this.n, t, this.lastT);
    this.lastT = t;
    this.n++;
    if (this.local !== undefined) { this.local.enc.addParts(t, cause, body); return; }
    const i = tapeEvent(this.tape, this.i, t, cause, body);
    if (i < SLOT_FULL_WORDS) this.i = i;
    else this.slotFull(i, t, cause, body);
  }

  /** The event just written ends at word `end`, past SLOT_FULL_WORDS: publishes the slot. */
  private slotFull(end: number, t: number, cause: number, body: EventInit['body']): void {
    if (end <= SLOT_WORDS) {
      this.i = end;
      this.publishTape(false);
      return;
    }
    if (this.i > 0) this.publishTape(false);
    if (this.local !== undefined) { this.local.enc.addParts(t, cause, body); return; }
    const size = tapeEvent(this.tape, 0, t, cause, body);
    if (size <= SLOT_WORDS) {
      this.i = size;
      if (size >= SLOT_FULL_WORDS) this.publishTape(false);
      return;
    }
    const copy = new Float64Array(size);
    tapeEvent(copy, 0, t, cause, body);
    this.check();
    for (const s of this.copies.keys()) if (s < this.ch.seq - Atomics.load(this.state, S_INFLIGHT)) this.copies.delete(s);
    this.copies.set(this.ch.seq, copy);
    this.ch.copies.port1.postMessage(copy);
    this.publish(false, KIND_COPY, size, 0);
  }

  /** The worker's error report, if one has come. */
  private workerError(): string | undefined {
    return (receiveMessageOnPort(this.ch.errors.port1)?.message as { message?: string } | undefined)?.message;
  }

  private check(): void {
    if (Atomics.load(this.state, S_DONE) === 2) {
      throw new RecorderError(`${this.path}: write failed (${this.workerError() ?? 'compression worker error'})`);
    }
  }

  /**
   * Blocks until state[i] != value (or the worker failed); throws after a long stall. With
   * `takeOver`, a worker found starved (isStarved, checked every STARVE_CHECK_MS) has its recording
   * taken over, and the wait ends.
   */
  private waitFor(i: number, value: number, what: string, takeOver = false): void {
    let waited = 0;
    const tid = takeOver ? Atomics.load(this.state, S_TID) : 0;
    let before = tid !== 0 ? readSchedStat(tid) : undefined;
    const slice = before !== undefined ? STARVE_CHECK_MS : 1000;
    while (Atomics.load(this.state, i) === value) {
      this.check();
      const r = Atomics.wait(this.state, i, value, slice);
      if (r === 'timed-out') {
        waited += slice;
        const m = this.workerError();
        if (m !== undefined) throw new RecorderError(`${this.path}: compression worker failed (${m})`);
        if (before !== undefined) {
          const now = readSchedStat(tid);
          if (now !== undefined && isStarved(before, now) && this.takeOver()) return;
          before = now;
        }
        if (waited >= WORKER_STALL_MS) throw new RecorderError(`${this.path}: compression worker did not ${what} in ${WORKER_STALL_MS / 1000} s`);
      }
    }
    this.check();
  }

  /**
   * Takes the recording over from the worker, without waiting for it to run: from its checkpoint
   * (the state after its last record; the chunks before are read back from the file) or from the
   * BEGIN, this thread does the records the worker has not done (the ring and the COPY tapes are
   * still here), and from then on encodes, compresses and writes itself. A stale worker stops
   * before its next write; what it wrote past the checkpoint is written again, the same bytes at
   * the same offsets. Returns false (nothing changed) if the checkpoint could not hold the open
   * chunk.
   */
  private takeOver(): boolean {
    const ch = this.ch;
    const st = this.state;
    Atomics.store(st, S_HANDOVER, HANDOVER_ASKED);
    Atomics.notify(st, S_PUBLISHED);
    this.waitFor(S_WLOCK, 1, 'finish a write');
    if (new Float64Array(ch.checkpoint, 0, 1)[CK_VALID] === 2) {
      Atomics.store(st, S_HANDOVER, 0);
      Atomics.notify(st, S_HANDOVER);
      return false;
    }
    const ck = getCheckpoint(ch.checkpoint);
    Atomics.store(st, S_HANDOVER, HANDOVER_TAKEN);
    Atomics.notify(st, S_HANDOVER);
    this.taken = true;
    void ch.worker.terminate();
    const counters = this.localCounters;
    try {
      let rec = ck !== undefined ? SealingRecording.resume(counters, ck, this.chunksWritten(ck.written)) : undefined;
      if (rec !== undefined) Atomics.store(counters.state, S_WRITTEN, rec.chunks);
      counters.bytes[0] = ck !== undefined ? ck.written : this.startBytes;
      for (let s = ck !== undefined ? ck.next : this.beginSeq; s < ch.seq; s++) {
        rec = doRecord(counters, (f) => f(), ch.headers, ch.ring, s, rec, (q) => this.copies.get(q));
      }
      this.local = rec;
    } catch (e) {
      throw writeFailed(this.path, e);
    }
    this.copies.clear();
    return true;
  }

  /** The index entries of the chunks in the first `size` bytes of the file (a takeover's). */
  private chunksWritten(size: number): ChunkIndexEntryInit[] {
    let fd: number | undefined;
    try {
      const rfd = fd = openSync(this.path, 'r');
      return openContainer(preadSource(size, (buf, off, len, pos) => readSync(rfd, buf, off, len, pos))).chunks.map((c) => ({
        offset: c.offset, firstEvent: c.origFirstEvent, eventCount: c.eventCount, firstTimeNs: c.firstTimeNs,
        lastTimeNs: c.lastTimeNs, compressedSize: c.compressedSize, rawSize: c.rawSize, familyCounts: c.familyCounts,
      }));
    } catch (e) {
      throw new RecorderError(`${this.path}: cannot read the trace back to take the recording over (${errnoOf(e)})`);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  /**
   * Waits until the slot of record ch.seq is free: the record that used it, RING_SLOTS records
   * earlier, is done (the worker takes records in order).
   */
  private awaitSlot(): void {
    for (let n = Atomics.load(this.state, S_INFLIGHT); n >= RING_SLOTS && !this.taken; n = Atomics.load(this.state, S_INFLIGHT)) {
      this.waitFor(S_INFLIGHT, n, 'keep up', true);
    }
  }

  /**
   * Publishes record ch.seq (its slot's tape, if any, already written), then waits for the next
   * slot to be free and starts filling it. The worker is woken when it asked for it
   * (seal-protocol.ts), or with `wake` (records that start or end something: BEGIN, FINISH, a flush).
   */
  private publish(wake: boolean, kind: number, a = 0, b = 0, c = 0, d = 0): void {
    this.check();
    const ch = this.ch;
    const state = this.state;
    putHeader(ch.headers, (ch.seq % RING_SLOTS) * HEADER_WORDS, kind, a, b, c, d);
    ch.seq++;
    Atomics.add(state, S_INFLIGHT, 1);
    Atomics.add(state, S_PUBLISHED, 1);
    if (wake || Atomics.load(state, S_SLEEPING) !== 0) Atomics.notify(state, S_PUBLISHED);
    this.tape = ch.tapes[ch.seq % RING_SLOTS];
    this.i = 0;
    if (ch.seq !== this.takeOverSeq || !this.takeOver()) this.awaitSlot();
  }

  /** Publishes the tape of the current slot; `flush`: the worker then closes its open chunk. */
  private publishTape(flush: boolean): void {
    this.publish(flush, KIND_TAPE, this.i, flush ? 1 : 0);
  }

  flush(): void {
    if (this.taken) this.local?.enc.flush();
    else this.publishTape(true);
  }

  finish(): void {
    const ch = this.ch;
    try {
      if (!this.taken && this.i > 0) this.publishTape(false);
      if (!this.taken) this.publish(true, KIND_FINISH, this.n, this.lastT);
      if (!this.taken) this.waitFor(S_DONE, 0, 'finish', true);
      // after a takeover: the file is complete once the FINISH record is done
      if (this.local !== undefined) this.local.finish(this.n);
      this.local = undefined;
    } catch (e) {
      this.done = true;
      void ch.worker.terminate();
      throw writeFailed(this.path, e);
    }
    this.done = true;
    if (!this.taken) SealChannel.release(ch);
  }
  /**
   * Stops the worker without an index (error path); chunks it already wrote stay readable. Waits
   * (up to ABANDON_WAIT_MS) for the worker to write what was handed to it, so that the caller does
   * not close the file under a write in progress. The worker is not reused.
   */
  abandon(): void {
    if (this.done) return;
    this.done = true;
    for (let waited = 0; waited < ABANDON_WAIT_MS && !this.taken && Atomics.load(this.state, S_DONE) === 0;) {
      const n = Atomics.load(this.state, S_INFLIGHT);
      if (n === 0) break;
      Atomics.wait(this.state, S_INFLIGHT, n, 50);
      waited += 50;
    }
    void this.ch.worker.terminate();
  }
  get events(): number { return this.n; }
  get lastTimeNs(): number { return this.lastT; }
  get bytes(): number { return this.taken ? this.localCounters.bytes[0] : this.ch.written[0]; }
  get chunks(): number { return Atomics.load(this.taken ? this.localCounters.state : this.state, S_WRITTEN); }
  get takenOver(): boolean { return this.taken; }
}

export class TraceRecorder {
  private fd: number | undefined;
  private readonly backend: Backend;
  private closed = false;

  private constructor(readonly path: string, fd: number, header: TraceHeaderInit, opts: RecorderOptions) {
    this.fd = fd;
    this.backend = opts.offload
      ? new Offloaded(path, fd, header, opts, (b) => this.writeAll(b))
      : new InThread(this, header, opts, (b) => this.writeAll(b));
  }
  /** Creates (or truncates) `path` and writes the file preamble and the header. */
  static create(path: string, header: TraceHeaderInit, opts: RecorderOptions = {}): TraceRecorder {
    let fd: number;
    try { fd = openSync(path, 'w'); }
    catch (e) { throw new RecorderError(`${path}: cannot create the trace (${errnoOf(e)})`); }
    try { return new TraceRecorder(path, fd, header, opts); }
    catch (e) { closeSync(fd); throw e; }
  }

  private writeAll(bytes: Uint8Array): void {
    if (this.fd === undefined) throw new RecorderError(`${this.path}: the trace is already closed`);
    try {
      writeFully(this.fd, bytes);
    } catch (e) {
      throw writeFailed(this.path, e);
    }
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
  /** Bytes in the file so far (written chunks only). */
  get bytes(): number { return this.backend.bytes; }
  /** Chunks written so far. */
  get chunks(): number { return this.backend.chunks; }
  /**
   * The compression worker was starved (or `takeOverAt` said so) and this thread took the
   * recording over: it went on in-thread, with the same bytes.
   */
  get takenOver(): boolean { return this.backend.takenOver; }
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
      if (this.fd !== undefined && this.backend instanceof InThread) syncFile(this.fd);
    } finally {
      if (this.fd !== undefined) { closeSync(this.fd); this.fd = undefined; }
    }
  }

  /** Closes the file without an index (an error path): what was flushed stays recoverable. */
  abandon(): void {
    this.closed = true;
    this.backend.abandon();
    if (this.fd !== undefined) { closeSync(this.fd); this.fd = undefined; }
  }
}
