/**
 * Where a recording's bytes go: a file (created or truncated), a character device such as
 * /dev/null, a FIFO, or standard output (`-`, which may be a pipe). Every write is sequential, at
 * the file's position, so any of them works; nothing is ever read back. The path is opened without
 * following a symbolic link and refused when it turns out to be a block device or a directory, so
 * a link or device put in its place after the CLI's checks (cli/output.ts prepareInPlaceOutput) is
 * never written through.
 */
import { UserError } from '../proto/index.js';
import { closeSync, constants, fstatSync, fsyncSync, openSync, writeSync } from 'node:fs';

/** Error writing the trace: one line naming the file. */
export class RecorderError extends UserError {
  readonly code = 'E_RECORD';
  constructor(message: string) {
    super(message);
    this.name = 'RecorderError';
  }
}

/** The errno code of a failed fs call, or its message. */
export const errnoOf = (e: unknown): string => (e as NodeJS.ErrnoException)?.code ?? (e as Error)?.message ?? String(e);

/** An open output: its descriptor and the name errors give it. */
export interface Output {
  /** The descriptor; -1 for a memory output (MemoryOutput), which only an in-thread recording writes. */
  readonly fd: number;
  readonly name: string;
  /** Writes all of `b` (which the caller may reuse once this returns). */
  write(b: Uint8Array): void;
  /** fsync (nothing for a memory output, a pipe or a character device). */
  sync(): void;
  /** Closes the descriptor (standard output stays open). */
  close(): void;
}

/**
 * A trace held in memory: the bytes of a recording that is read back at once and dropped (a fuzz,
 * shrink or sweep run). Two pool threads that each wrote, read back and removed a file per run made
 * 15 % fewer runs per second than with the traces in memory (one thread: 5 %): the file system's
 * work for every run, part of it in kernel threads beside the pool's.
 */
export class MemoryOutput implements Output {
  readonly fd = -1;
  private parts: Uint8Array[] = [];
  private size = 0;
  constructor(readonly name = '(memory)') {}
  write(b: Uint8Array): void { this.parts.push(b.slice()); this.size += b.length; }
  sync(): void { /* nothing to sync */ }
  close(): void { /* nothing to close */ }
  /** The bytes written so far, as one array. */
  bytes(): Uint8Array {
    if (this.parts.length !== 1) {
      const all = new Uint8Array(this.size);
      let off = 0;
      for (const p of this.parts) { all.set(p, off); off += p.length; }
      this.parts = [all];
    }
    return this.parts[0] ?? new Uint8Array(0);
  }
}

/** Opens `path` for writing; `-` is standard output. */
export function openOutput(path: string): Output {
  if (path === '-') return fileOutput(1, 'stdout', () => { /* not ours to close */ });
  let fd: number;
  try { fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644); }
  catch (e) {
    const code = errnoOf(e);
    throw new RecorderError(code === 'ELOOP' ? `${path}: is a symbolic link: the trace is not written through it` : `${path}: cannot create the trace (${code})`);
  }
  let st;
  try { st = fstatSync(fd); } catch (e) { closeSync(fd); throw new RecorderError(`${path}: cannot create the trace (${errnoOf(e)})`); }
  if (!st.isFile() && !st.isCharacterDevice() && !st.isFIFO()) {
    closeSync(fd);
    throw new RecorderError(`${path}: is not a regular file, a character device or a FIFO: the trace is not written there`);
  }
  return fileOutput(fd, path, () => closeSync(fd));
}

function fileOutput(fd: number, name: string, close: () => void): Output {
  return { fd, name, write: (b) => writeFully(fd, b), sync: () => syncOutput(fd), close };
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes all of `b` at the descriptor's position (writeSync may write less than asked; a
 * non-blocking pipe that is full says EAGAIN: wait a millisecond and go on).
 */
export function writeFully(fd: number, b: Uint8Array): void {
  let off = 0;
  while (off < b.length) {
    try {
      off += writeSync(fd, b, off, b.length - off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

/** fsync of a finished trace; an output that cannot be synced (a pipe, /dev/null: EINVAL) is left as it is. */
export function syncOutput(fd: number): void {
  try {
    fsyncSync(fd);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw e;
  }
}
