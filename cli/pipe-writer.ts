/**
 * Standard output when it is a pipe or a socket (`export -o - | gzip`): written by a thread of its
 * own, so that the command goes on producing while the reader drains the pipe.
 *
 * A pipe holds 64 KiB. A command that writes its output in 1 MiB pieces with blocking writes waits
 * at every 64 KiB for the reading process to be scheduled, read and give the pipe back; on a
 * machine whose cores are busy (the command's own collector threads) that took about as long as the
 * export itself (`export --format perfetto -o - | cat` of a 2M-event trace: 9.6–10.4 s where
 * `> /dev/null` took 4.5–6.5 s). Here the command copies its pieces into a shared ring of RING bytes
 * and a writer thread empties it into the descriptor: the command waits only when the ring is full,
 * that is when the reader is slower than the command (`| gzip`), which a pipe must then follow.
 *
 * The writer thread starts once THREAD_FROM bytes have been written (small outputs are written
 * directly, as before: a thread costs tens of milliseconds to start). A write error in the thread
 * (EPIPE once `| head` has exited) comes back to the command at its next write or at `close` as
 * the same system error (code and syscall), so callers handle it as they handle a direct write's.
 * Both sides write with writeAllSync (below).
 *
 *   command ── write(b) ──► ring (SharedArrayBuffer, RING bytes) ──► writer thread ── writeSync(fd) ──► pipe
 */
import { fstatSync, writeSync } from 'node:fs';
import { receiveMessageOnPort, MessageChannel, Worker, type MessagePort } from 'node:worker_threads';

/** Bytes the ring holds (the most the command runs ahead of the reader). */
export const RING = 8 << 20;
/** Bytes written directly before the writer thread starts. */
export const THREAD_FROM = 4 << 20;

/** Control words (pipe-writer-thread.ts): bytes in the ring, the command is done, the thread has stopped (1 done, 2 failed). */
export const FILLED = 0, DONE = 1, STOPPED = 2;

/** How long a wait lasts before the state is looked at again (ms). */
export const POLL_MS = 1000;

/** What the writer thread is given. */
export interface PipeThreadData { fd: number; ring: SharedArrayBuffer; control: SharedArrayBuffer; port: MessagePort }

/** Whether `fd` is a pipe or a socket (where the writer thread pays). */
export function isPipe(fd: number): boolean {
  try { const st = fstatSync(fd); return st.isFIFO() || st.isSocket(); } catch { return false; }
}

/**
 * Standard output is non-blocking once `process.stdout` exists (libuv makes a pipe so, and main.ts
 * hooks its errors at start), so a full pipe answers EAGAIN and the writer waits before it tries
 * again: from 0.02 ms, doubling up to 0.5 ms, back to the first after a write. A fixed 2 ms wait let
 * through at most one pipeful (64 KiB) per wait, 32 MB/s: `export --format perfetto -o - | md5sum`
 * (which reads 4 KiB at a time) met 3131 of them.
 */
const EAGAIN_FIRST_MS = 0.02, EAGAIN_LAST_MS = 0.5;
const EAGAIN_WAIT = new Int32Array(new SharedArrayBuffer(4));

/** Writes bytes [from, to) of `b` to `fd`, waiting out EAGAIN on a non-blocking pipe (above). */
export function writeAllSync(fd: number, b: Uint8Array, from = 0, to = b.length): void {
  let off = from, wait = EAGAIN_FIRST_MS;
  while (off < to) {
    try { off += writeSync(fd, b, off, to - off); wait = EAGAIN_FIRST_MS; }
    catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(EAGAIN_WAIT, 0, 0, wait);
      wait = Math.min(wait * 2, EAGAIN_LAST_MS);
    }
  }
}

/** A system error rebuilt from what the writer thread posted (code and syscall kept). */
function threadError(port: MessagePort): Error {
  const m = receiveMessageOnPort(port)?.message as { message: string; code?: string; syscall?: string; errno?: number } | undefined;
  const e = new Error(m?.message ?? 'the output writer thread stopped') as NodeJS.ErrnoException;
  if (m?.code !== undefined) e.code = m.code;
  if (m?.syscall !== undefined) e.syscall = m.syscall;
  if (m?.errno !== undefined) e.errno = m.errno;
  return e;
}

/**
 * Writes to `fd` through a writer thread once THREAD_FROM bytes have gone out directly. `write`
 * copies; `close` returns once everything written is in the descriptor (or throws the thread's error).
 */
export class PipeWriter {
  private direct = 0;
  private thread: { worker: Worker; port: MessagePort; buf: Uint8Array; ctl: Int32Array } | undefined;
  private at = 0;
  private failed: Error | undefined;

  constructor(private readonly fd: number, private readonly threadFrom = THREAD_FROM, private readonly ringBytes = RING) {}

  write(b: Uint8Array): void {
    if (this.failed) throw this.failed;
    if (this.thread === undefined) {
      if (this.direct < this.threadFrom) { writeAllSync(this.fd, b); this.direct += b.length; return; }
      this.thread = this.start();
    }
    const { buf, ctl } = this.thread;
    const size = buf.length;
    let off = 0;
    while (off < b.length) {
      const filled = Atomics.load(ctl, FILLED);
      if (Atomics.load(ctl, STOPPED) !== 0) throw this.fail();
      const n = Math.min(b.length - off, size - filled, size - this.at);
      if (n === 0) { Atomics.wait(ctl, FILLED, filled, POLL_MS); continue; }
      buf.set(b.subarray(off, off + n), this.at);
      this.at = (this.at + n) % size;
      off += n;
      Atomics.add(ctl, FILLED, n);
      Atomics.notify(ctl, FILLED);
    }
  }

  /** Waits until the thread has written everything, then lets it go; throws its error if it failed. */
  close(): void {
    const t = this.thread;
    if (t === undefined) return;
    this.thread = undefined;
    Atomics.store(t.ctl, DONE, 1);
    Atomics.notify(t.ctl, FILLED);
    for (let s = Atomics.load(t.ctl, STOPPED); s === 0; s = Atomics.load(t.ctl, STOPPED)) Atomics.wait(t.ctl, STOPPED, 0, POLL_MS);
    const failed = Atomics.load(t.ctl, STOPPED) === 2;
    const err = failed ? threadError(t.port) : undefined;
    t.port.close();
    void t.worker.terminate();
    if (err) throw err;
  }

  /** Stops the thread at once (the command failed: what is in the ring is dropped). */
  abort(): void {
    const t = this.thread;
    if (t === undefined) return;
    this.thread = undefined;
    t.port.close();
    void t.worker.terminate();
  }

  private fail(): Error {
    const t = this.thread!;
    this.failed = threadError(t.port);
    this.abort();
    return this.failed;
  }

  private start(): NonNullable<PipeWriter['thread']> {
    const ring = new SharedArrayBuffer(this.ringBytes), control = new SharedArrayBuffer(12);
    const { port1, port2 } = new MessageChannel();
    const data: PipeThreadData = { fd: this.fd, ring, control, port: port2 };
    const worker = new Worker(new URL('./pipe-writer-thread.js', import.meta.url), { workerData: data, transferList: [port2], execArgv: [] });
    worker.unref();
    // a failure is read from the control words and the port, not from this event
    worker.on('error', () => undefined);
    return { worker, port: port1, buf: new Uint8Array(ring), ctl: new Int32Array(control) };
  }
}
