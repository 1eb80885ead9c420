/**
 * The recorder: a tracepoint sink (hw-model `TraceSink`) that streams events into a .csft file.
 * Each closed chunk is written to the file at once (one write of one complete frame), so the file
 * is readable while being recorded and, after a crash or kill -9, everything up to the last flushed
 * chunk is recovered by the reader. `close()` writes the index and trailer.
 *
 * Memory stays bounded: one open chunk (≤ chunkEvents events) plus one index entry per chunk.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { ContainerWriter, type EventInit, type TraceHeaderInit } from '../proto/index.js';

export interface RecorderOptions {
  /** Events per chunk (default 8192): the most events a crash can lose. */
  chunkEvents?: number;
  /** Called after each chunk reaches the file. */
  onFlush?: (r: TraceRecorder) => void;
}

/** Error writing the trace file: one line naming the file. */
export class RecorderError extends Error {
  readonly userFacing = true;
  readonly code = 'E_RECORD';
  constructor(message: string) {
    super(message);
    this.name = 'RecorderError';
  }
}

export class TraceRecorder {
  private fd: number | undefined;
  private readonly writer: ContainerWriter;
  private closed = false;

  private constructor(readonly path: string, fd: number, header: TraceHeaderInit, opts: RecorderOptions) {
    this.fd = fd;
    const onFlush = opts.onFlush;
    let started = false;
    this.writer = new ContainerWriter(header, {
      chunkEvents: opts.chunkEvents,
      write: (bytes) => {
        this.writeAll(bytes);
        if (started && onFlush !== undefined) onFlush(this);
      },
    });
    started = true;
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

  /** TraceSink: called synchronously by the tracepoint bus for every event (`ev.t` absolute). */
  onEvent(ev: EventInit, _index: number): void {
    this.writer.add(ev);
  }

  /** Events recorded so far. */
  get events(): number { return this.writer.eventCount; }
  /** Bytes in the file so far (flushed chunks only). */
  get bytes(): number { return this.writer.bytesWritten; }
  /** Chunks written so far. */
  get chunks(): number { return this.writer.chunkCount; }
  /** Virtual time of the last event recorded. */
  get lastTimeNs(): number { return this.writer.lastTimeNs; }
  get isClosed(): boolean { return this.closed; }

  /** Writes the open chunk now (normally chunks are written as they fill). */
  flush(): void { this.writer.flush(); }

  /**
   * Closes the recording: last chunk, index, trailer, fsync. Safe to call twice (e.g. from a signal
   * handler and the normal path).
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.writer.finish();
      if (this.fd !== undefined) fsyncSync(this.fd);
    } finally {
      if (this.fd !== undefined) { closeSync(this.fd); this.fd = undefined; }
    }
  }

  /** Closes the file without an index (an error path): what was flushed stays recoverable. */
  abandon(): void {
    this.closed = true;
    if (this.fd !== undefined) { closeSync(this.fd); this.fd = undefined; }
  }
}
