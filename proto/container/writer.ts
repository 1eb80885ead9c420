/**
 * Streaming .csft writer. Events go into an in-memory chunk (length-delimited, Event.t as a delta
 * from the previous event); every `chunkEvents` events (or `chunkBytes` raw bytes) the chunk is
 * compressed with lz4 and handed to `write` as one complete CHUNK frame, so a reader recovers every
 * event up to the last `write` even if the process dies. Memory is bounded by one chunk plus one
 * index entry per chunk. `finish()` writes the INDEX frame and the trailer.
 *
 * Pure bytes out: the caller's `write` puts them in a file (recorder/) or a buffer (memory traces).
 */
import { Writer } from '../wire.js';
import {
  encodeEventParts, encodeTraceHeader, encodeChunkIndexEntry, encodeTraceIndex, encodeNote,
  encodeStateSnapshot,
  type EventInit, type TraceHeaderInit, type ChunkIndexEntryInit, type NoteInit, type StateSnapshotInit,
} from '../gen/schema.js';
import { FAMILY_COUNT } from '../events.js';
import { tapeAt, tapeClose, tapeEncodeEvent, tapeNext, tapeOpen } from '../gen/tape.js';
import { crc32 } from './crc32.js';
import { lz4Bound, lz4Compress } from './lz4-block.js';
import {
  MAGIC, CONTAINER_VERSION, PREAMBLE_SIZE, FRAME_HEADER_SIZE, FrameKind, TRAILER_SIZE, TRAILER_MAGIC,
  DEFAULT_CHUNK_EVENTS, DEFAULT_CHUNK_BYTES, LIMITS, ContainerError, putU32, putU64,
} from './format.js';

export interface ContainerWriterOptions {
  /** Receives the file's bytes in order. The array is only valid during the call (copy to keep). */
  write(bytes: Uint8Array): void;
  /** Events per chunk (default 8192). */
  chunkEvents?: number | undefined;
  /** Raw (uncompressed) bytes per chunk before it is closed early (default 1 MiB). */
  chunkBytes?: number | undefined;
  /** lz4 HC (default: about a third smaller) or lz4 fast. */
  compression?: Compression | undefined;
}

/** Builds one frame `[kind][length][crc32][payload]` around a payload already in `fw` after 9 bytes. */
function sealFrame(fw: Writer, kind: number): Uint8Array {
  const b = fw.buf;
  const len = fw.pos - FRAME_HEADER_SIZE;
  b[0] = kind;
  putU32(b, 1, len);
  let c = crc32(b, 0, 0, 5);
  c = crc32(b, c, FRAME_HEADER_SIZE, fw.pos);
  putU32(b, 5, c);
  return b.subarray(0, fw.pos);
}

/** The frame of one message encoded by `enc` (header, index, note, snapshot). */
export function encodeFrame<T>(kind: number, enc: (w: Writer, m: T) => void, m: T): Uint8Array {
  const fw = new Writer(256);
  fw.pos = FRAME_HEADER_SIZE;
  fw.ensure(0);
  enc(fw, m);
  if (fw.pos - FRAME_HEADER_SIZE > LIMITS.maxFrame) {
    throw new ContainerError('E_TOO_LARGE', `${kind === FrameKind.HEADER ? 'header' : 'frame'} of ${fw.pos} bytes exceeds the ${LIMITS.maxFrame}-byte frame limit`);
  }
  return sealFrame(fw, kind).slice();
}

/** The 24-byte trailer pointing at the INDEX frame at `indexOffset`. */
export function encodeTrailer(indexOffset: number): Uint8Array {
  const t = new Uint8Array(TRAILER_SIZE);
  t.set(TRAILER_MAGIC, 0);
  putU64(t, 8, indexOffset);
  putU32(t, 16, CONTAINER_VERSION);
  putU32(t, 20, crc32(t, 0, 0, 20));
  return t;
}

export function encodePreamble(): Uint8Array {
  const p = new Uint8Array(PREAMBLE_SIZE);
  p.set(MAGIC, 0);
  putU32(p, 8, CONTAINER_VERSION);
  return p;
}

/** The first bytes of a container: the preamble and the HEADER frame of `header`. */
export function encodeContainerStart(header: TraceHeaderInit): Uint8Array {
  const pre = encodePreamble();
  const hf = encodeFrame(FrameKind.HEADER, encodeTraceHeader, { ...header, formatVersion: CONTAINER_VERSION });
  const out = new Uint8Array(pre.length + hf.length);
  out.set(pre, 0);
  out.set(hf, pre.length);
  return out;
}

/** How chunks are compressed: lz4 HC (smaller, the default) or lz4 fast. Both are plain lz4 blocks. */
export type Compression = 'hc' | 'fast';

/**
 * Frames and the index: writes the preamble and the header at construction, then one frame per
 * sealed chunk, note or snapshot, and finally the index and the trailer. Keeps one index entry per
 * chunk. Used by ContainerWriter in one thread, or by the recorder's compression worker.
 */
export class FrameSealer {
  private readonly out: (bytes: Uint8Array) => void;
  private readonly fw = new Writer(1 << 16);
  private readonly hw = new Writer(128);
  private readonly hc: boolean;
  private readonly index: ChunkIndexEntryInit[] = [];
  private readonly totalFam: number[] = new Array<number>(FAMILY_COUNT).fill(0);
  private written = 0;
  private notesOffset = 0;
  private finished = false;

  /** Writes the preamble and the header of `header`; `write` gets the file's bytes in order. */
  constructor(header: TraceHeaderInit, opts: { write(bytes: Uint8Array): void; compression?: Compression | undefined }) {
    this.out = opts.write;
    this.hc = (opts.compression ?? 'hc') === 'hc';
    this.emit(encodeContainerStart(header));
  }

  get bytesWritten(): number { return this.written; }
  get chunkCount(): number { return this.index.length; }

  private emit(bytes: Uint8Array): void {
    this.out(bytes);
    this.written += bytes.length;
  }

  /** Compresses one raw chunk (length-delimited events, t deltas) and writes its frame. */
  sealChunk(raw: Uint8Array, entry: ChunkIndexEntryInit): void {
    const hw = this.hw;
    hw.reset();
    encodeChunkIndexEntry(hw, entry);
    const fw = this.fw;
    fw.reset();
    fw.pos = FRAME_HEADER_SIZE;
    fw.uint32(hw.pos);
    fw.ensure(hw.pos + lz4Bound(raw.length));
    fw.buf.set(hw.buf.subarray(0, hw.pos), fw.pos);
    fw.pos += hw.pos;
    const clen = lz4Compress(raw, fw.buf.subarray(fw.pos), this.hc);
    fw.pos += clen;
    const full: ChunkIndexEntryInit = { ...entry, offset: this.written, compressedSize: clen };
    this.emit(sealFrame(fw, FrameKind.CHUNK));
    this.index.push(full);
    const fam = entry.familyCounts ?? [];
    for (const [i, n] of fam.entries()) this.totalFam[i] = (this.totalFam[i] ?? 0) + n;
  }

  snapshot(s: StateSnapshotInit): void {
    this.emit(encodeFrame(FrameKind.SNAPSHOT, encodeStateSnapshot, s));
  }

  note(note: NoteInit): void {
    if (this.notesOffset === 0) this.notesOffset = this.written;
    this.emit(encodeFrame(FrameKind.NOTE, encodeNote, note));
  }

  /** Writes the index and the trailer. */
  finish(eventCount: number, lastTimeNs: number): void {
    if (this.finished) return;
    this.finished = true;
    const indexOffset = this.written;
    this.emit(encodeFrame(FrameKind.INDEX, encodeTraceIndex, {
      chunks: this.index,
      eventCount,
      lastTimeNs: eventCount > 0 ? lastTimeNs : 0,
      familyCounts: indexFamilies(this.totalFam),
      notesOffset: this.notesOffset,
    }));
    this.emit(encodeTrailer(indexOffset));
  }
}

/**
 * Events queued before they are encoded: encoding them in runs keeps the encoder's code and branch
 * history warm between the model's tracepoints. Measured on stress (recording time over simulate,
 * median of pairs): 1.18 one by one, 1.13 in runs of 64, 1.17 of 512, 1.37 of 4096 (the queued
 * bodies then outlive young-generation collections). The queue holds the bodies by reference until
 * then, so a body must not change after it was added (the model never reuses one).
 */
const QUEUE = 64;

/** The error for event `index` at `t`, after an event at `last` (times never go backwards). */
export function timeGoesBackwards(index: number, t: number, last: number): ContainerError {
  return new ContainerError('E_ORDER', `event ${index}: time goes backwards (${t} ns after ${last} ns)`);
}

/**
 * Events into raw chunks: length-delimited Events with `t` as the delta from the previous event of
 * the chunk, plus the chunk's index entry (without offset and compressed size). `onChunk` gets a
 * view that is valid only during the call.
 */
export class ChunkEncoder {
  private readonly chunkEvents: number;
  private readonly chunkBytes: number;
  private readonly onChunk: (raw: Uint8Array, entry: ChunkIndexEntryInit) => void;
  private readonly raw = new Writer(1 << 16);
  private readonly fam: number[] = new Array<number>(FAMILY_COUNT).fill(0);
  private readonly qt = new Float64Array(QUEUE);
  private readonly qc = new Float64Array(QUEUE);
  private readonly qb: EventInit['body'][] = new Array<EventInit['body']>(QUEUE).fill(undefined);
  private qn = 0;
  /** Events in the open chunk. */
  private n = 0;
  private firstT = 0;
  /** t of the last event encoded. */
  private prevT = 0;
  /** t of the last event added (queued or encoded). */
  private lastT = 0;
  /** Events encoded (queued ones not included). */
  private total = 0;

  constructor(opts: { chunkEvents?: number | undefined; chunkBytes?: number | undefined; onChunk(raw: Uint8Array, entry: ChunkIndexEntryInit): void }) {
    this.chunkEvents = Math.max(1, opts.chunkEvents ?? DEFAULT_CHUNK_EVENTS);
    this.chunkBytes = Math.min(opts.chunkBytes ?? DEFAULT_CHUNK_BYTES, LIMITS.maxChunkRaw >>> 1);
    this.onChunk = opts.onChunk;
  }

  /** Events added so far (including the open chunk). */
  get eventCount(): number { return this.total + this.qn; }
  /** Virtual time of the last event added. */
  get lastTimeNs(): number { return this.lastT; }

  /**
   * Appends one event; `ev.t` is absolute virtual ns and must not go backwards. The event object is
   * only read.
   */
  add(ev: EventInit): void {
    this.addParts(ev.t ?? 0, ev.cause ?? 0, ev.body);
  }

  /** add() of the event (t, cause, body), without an Event object. */
  addParts(t: number, cause: number, body: EventInit['body']): void {
    const k = this.qn;
    if (t < this.lastT && this.total + k > 0) throw timeGoesBackwards(this.total + k, t, this.lastT);
    this.lastT = t;
    this.qt[k] = t;
    this.qc[k] = cause;
    this.qb[k] = body;
    if ((this.qn = k + 1) === QUEUE) this.drain();
  }

  /**
   * Appends the events of an event tape (proto/gen/tape.ts), words [from, end) of `f`: the same
   * bytes and chunks as addParts of the events the tape was written from.
   */
  addTape(f: Float64Array, from: number, end: number): void {
    if (this.qn !== 0) this.drain();
    const w = this.raw;
    tapeOpen(f, from);
    try {
      while (tapeAt() < end) {
        const t = tapeNext();
        const cause = tapeNext();
        if (t < this.lastT && this.total > 0) throw timeGoesBackwards(this.total, t, this.lastT);
        this.lastT = t;
        this.encoded(tapeEncodeEvent(w, this.deltaOf(t), cause));
      }
      if (tapeAt() !== end) throw new ContainerError('E_CORRUPT', `event tape: the last event ends at word ${tapeAt()}, past ${end}`);
    } finally {
      tapeClose();
    }
  }

  /** Encodes the queued events (closing chunks as they fill). */
  private drain(): void {
    const qt = this.qt, qc = this.qc, qb = this.qb, w = this.raw;
    const m = this.qn;
    this.qn = 0;
    for (let i = 0; i < m; i++) { // m <= QUEUE, the queues' length
      this.encoded(encodeEventParts(w, this.deltaOf(qt[i]!), qc[i]!, qb[i]));
      qb[i] = undefined;
    }
  }

  /**
   * The time of the next event (absolute `t`) as its delta from the previous event of the open
   * chunk (0 for the first), a small integer when it is one: a double argument would be boxed on
   * every encoder call.
   */
  private deltaOf(t: number): number {
    if (this.n === 0) { this.firstT = t; this.prevT = t; }
    const d = t - this.prevT;
    this.prevT = t;
    return d <= 0x3fffffff ? d | 0 : d;
  }

  /** Counts the event just encoded (`fam`: its body's field number) and closes a full chunk. */
  private encoded(fam: number): void {
    if (fam !== 0) this.fam[fam - 10]!++; // a body's field number: 10 .. 9 + FAMILY_COUNT
    this.total++;
    if (++this.n >= this.chunkEvents || this.raw.pos >= this.chunkBytes) this.closeChunk();
  }

  /** Closes the open chunk (if any), after encoding the queued events. */
  flush(): void {
    if (this.qn !== 0) this.drain();
    this.closeChunk();
  }

  private closeChunk(): void {
    if (this.n === 0) return;
    const fam = this.fam;
    let famLen = fam.length;
    while (famLen > 0 && fam[famLen - 1] === 0) famLen--;
    const entry: ChunkIndexEntryInit = {
      firstEvent: this.total - this.n,
      eventCount: this.n,
      firstTimeNs: this.firstT,
      lastTimeNs: this.prevT,
      rawSize: this.raw.pos,
      familyCounts: fam.slice(0, famLen),
    };
    fam.fill(0);
    this.n = 0;
    const view = this.raw.buf.subarray(0, this.raw.pos);
    this.raw.reset();
    this.onChunk(view, entry);
  }
}

/** The whole writer in one thread: ChunkEncoder → FrameSealer → `write`. */
export class ContainerWriter {
  private readonly enc: ChunkEncoder;
  private readonly sealer: FrameSealer;
  private finished = false;

  constructor(header: TraceHeaderInit, opts: ContainerWriterOptions) {
    this.sealer = new FrameSealer(header, { write: opts.write, compression: opts.compression });
    const sealer = this.sealer;
    this.enc = new ChunkEncoder({
      chunkEvents: opts.chunkEvents,
      chunkBytes: opts.chunkBytes,
      onChunk: (raw, entry) => sealer.sealChunk(raw, entry),
    });
  }

  /** Events written so far (including the open chunk). */
  get eventCount(): number { return this.enc.eventCount; }
  /** Bytes handed to `write` so far. */
  get bytesWritten(): number { return this.sealer.bytesWritten; }
  /** Chunks written so far. */
  get chunkCount(): number { return this.sealer.chunkCount; }
  /** Virtual time of the last event added. */
  get lastTimeNs(): number { return this.enc.lastTimeNs; }

  /** Writes the state before event 0 (trimmed traces). Only before the first event. */
  writeSnapshot(s: StateSnapshotInit): void {
    if (this.enc.eventCount > 0) throw new Error('writeSnapshot after the first event');
    this.sealer.snapshot(s);
  }

  /** Appends one event (absolute, non-decreasing `t`); see ChunkEncoder.add. */
  add(ev: EventInit): void { this.enc.add(ev); }

  /** Closes the open chunk (if any) and writes it as one frame. */
  flush(): void { this.enc.flush(); }

  /** Writes a note frame (after the events written so far). */
  addNote(note: NoteInit): void {
    this.enc.flush();
    this.sealer.note(note);
  }

  /** Closes the last chunk, writes the index and the trailer. The writer is unusable afterwards. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.enc.flush();
    this.sealer.finish(this.enc.eventCount, this.enc.lastTimeNs);
  }
}

/** Encodes a whole trace in memory (tests, rerun, trim). */
export function encodeContainer(
  header: TraceHeaderInit, events: Iterable<EventInit>,
  opts: { chunkEvents?: number; chunkBytes?: number; compression?: Compression; snapshot?: StateSnapshotInit; notes?: NoteInit[] } = {},
): Uint8Array {
  const parts: Uint8Array[] = [];
  let size = 0;
  const w = new ContainerWriter(header, {
    write: (b) => { parts.push(b.slice()); size += b.length; },
    chunkEvents: opts.chunkEvents,
    chunkBytes: opts.chunkBytes,
    compression: opts.compression,
  });
  if (opts.snapshot) w.writeSnapshot(opts.snapshot);
  for (const ev of events) w.add(ev);
  for (const n of opts.notes ?? []) w.addNote(n);
  w.finish();
  const out = new Uint8Array(size);
  let p = 0;
  for (const part of parts) { out.set(part, p); p += part.length; }
  return out;
}

/**
 * Families the first version-1 writers counted (Event.body fields 10..27): the index's totals keep
 * at least that many entries, and only families seen beyond them, so that a trace without events
 * of later families is the same bytes as before those families existed.
 */
const FIRST_FAMILY_COUNT = 18;

function indexFamilies(total: readonly number[]): number[] {
  let n = total.length;
  while (n > FIRST_FAMILY_COUNT && total[n - 1] === 0) n--;
  return total.slice(0, n);
}
