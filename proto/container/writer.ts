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
  encodeEvent, encodeTraceHeader, encodeChunkIndexEntry, encodeTraceIndex, encodeNote,
  encodeStateSnapshot, EventBodyFieldNumbers,
  type EventInit, type TraceHeaderInit, type ChunkIndexEntryInit, type NoteInit, type StateSnapshotInit,
} from '../gen/schema.js';
import { FAMILY_COUNT } from '../events.js';
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
  chunkEvents?: number;
  /** Raw (uncompressed) bytes per chunk before it is closed early (default 1 MiB). */
  chunkBytes?: number;
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

export class ContainerWriter {
  private readonly out: (bytes: Uint8Array) => void;
  private readonly chunkEvents: number;
  private readonly chunkBytes: number;
  /** The open chunk's raw bytes. */
  private readonly raw = new Writer(1 << 16);
  /** Frame assembly buffer (reused). */
  private readonly fw = new Writer(1 << 16);
  private readonly hw = new Writer(128);
  private readonly fam: number[] = new Array<number>(FAMILY_COUNT).fill(0);
  private readonly totalFam: number[] = new Array<number>(FAMILY_COUNT).fill(0);
  private readonly index: ChunkIndexEntryInit[] = [];
  private n = 0;
  private firstT = 0;
  private prevT = 0;
  private total = 0;
  private written = 0;
  private notesOffset = 0;
  private finished = false;

  constructor(header: TraceHeaderInit, opts: ContainerWriterOptions) {
    this.out = opts.write;
    this.chunkEvents = Math.max(1, opts.chunkEvents ?? DEFAULT_CHUNK_EVENTS);
    this.chunkBytes = Math.min(opts.chunkBytes ?? DEFAULT_CHUNK_BYTES, LIMITS.maxChunkRaw >>> 1);
    this.emit(encodePreamble());
    this.emit(encodeFrame(FrameKind.HEADER, encodeTraceHeader, { ...header, formatVersion: CONTAINER_VERSION }));
  }

  /** Events written so far (including the open chunk). */
  get eventCount(): number { return this.total; }
  /** Bytes handed to `write` so far. */
  get bytesWritten(): number { return this.written; }
  /** Chunks closed so far. */
  get chunkCount(): number { return this.index.length; }
  /** Virtual time of the last event added. */
  get lastTimeNs(): number { return this.prevT; }

  private emit(bytes: Uint8Array): void {
    this.out(bytes);
    this.written += bytes.length;
  }

  /** Writes the state before event 0 (trimmed traces). Only before the first event. */
  writeSnapshot(s: StateSnapshotInit): void {
    if (this.total > 0) throw new Error('writeSnapshot after the first event');
    this.emit(encodeFrame(FrameKind.SNAPSHOT, encodeStateSnapshot, s));
  }

  /**
   * Appends one event; `ev.t` is absolute virtual ns and must not go backwards. The event object is
   * read, not kept (its `t` is swapped for the delta while encoding and restored).
   */
  add(ev: EventInit): void {
    const orig = ev.t;
    const t = orig ?? 0;
    if (this.n === 0) { this.firstT = t; this.prevT = t; }
    else if (t < this.prevT) {
      throw new ContainerError('E_ORDER', `event ${this.total}: time goes backwards (${t} ns after ${this.prevT} ns)`);
    }
    const w = this.raw;
    ev.t = t - this.prevT;
    const at = w.fork();
    encodeEvent(w, ev);
    w.ldelim(at);
    ev.t = orig;
    this.prevT = t;
    const body = ev.body;
    if (body !== undefined && body.case !== undefined) this.fam[EventBodyFieldNumbers[body.case] - 10]++;
    this.total++;
    if (++this.n >= this.chunkEvents || w.pos >= this.chunkBytes) this.flush();
  }

  /** Closes the open chunk (if any) and writes it as one frame. */
  flush(): void {
    if (this.n === 0) return;
    const raw = this.raw;
    const fam = this.fam;
    let famLen = fam.length;
    while (famLen > 0 && fam[famLen - 1] === 0) famLen--;
    const entry: ChunkIndexEntryInit = {
      firstEvent: this.total - this.n,
      eventCount: this.n,
      firstTimeNs: this.firstT,
      lastTimeNs: this.prevT,
      rawSize: raw.pos,
      familyCounts: fam.slice(0, famLen),
    };
    const hw = this.hw;
    hw.reset();
    encodeChunkIndexEntry(hw, entry);
    const fw = this.fw;
    fw.reset();
    fw.pos = FRAME_HEADER_SIZE;
    fw.uint32(hw.pos);
    fw.ensure(hw.pos + lz4Bound(raw.pos));
    fw.buf.set(hw.buf.subarray(0, hw.pos), fw.pos);
    fw.pos += hw.pos;
    const clen = lz4Compress(raw.buf.subarray(0, raw.pos), fw.buf.subarray(fw.pos));
    fw.pos += clen;
    entry.offset = this.written;
    entry.compressedSize = clen;
    this.emit(sealFrame(fw, FrameKind.CHUNK));
    this.index.push(entry);
    for (let i = 0; i < famLen; i++) { this.totalFam[i] += fam[i]; fam[i] = 0; }
    raw.reset();
    this.n = 0;
  }

  /** Writes a note frame (after the events written so far). */
  addNote(note: NoteInit): void {
    this.flush();
    if (this.notesOffset === 0) this.notesOffset = this.written;
    this.emit(encodeFrame(FrameKind.NOTE, encodeNote, note));
  }

  /** Closes the last chunk, writes the index and the trailer. The writer is unusable afterwards. */
  finish(): void {
    if (this.finished) return;
    this.flush();
    this.finished = true;
    const indexOffset = this.written;
    this.emit(encodeFrame(FrameKind.INDEX, encodeTraceIndex, {
      chunks: this.index,
      eventCount: this.total,
      lastTimeNs: this.total > 0 ? this.prevT : 0,
      familyCounts: this.totalFam,
      notesOffset: this.notesOffset,
    }));
    this.emit(encodeTrailer(indexOffset));
  }
}

/** Encodes a whole trace in memory (tests, rerun, trim). */
export function encodeContainer(
  header: TraceHeaderInit, events: Iterable<EventInit>,
  opts: { chunkEvents?: number; chunkBytes?: number; snapshot?: StateSnapshotInit; notes?: NoteInit[] } = {},
): Uint8Array {
  const parts: Uint8Array[] = [];
  let size = 0;
  const w = new ContainerWriter(header, {
    write: (b) => { parts.push(b.slice()); size += b.length; },
    chunkEvents: opts.chunkEvents,
    chunkBytes: opts.chunkBytes,
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
