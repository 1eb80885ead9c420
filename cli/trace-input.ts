/**
 * A trace argument of `-` is standard input (`csftrace record -o - | csftrace info -`). A .csft file
 * is read by offsets (its index sits at the end), so the pipe is spooled to a temporary file first:
 * created exclusively in a directory of its own under the system's temporary directory, bounded by
 * STDIN_SPOOL_LIMIT, and unlinked as soon as the trace is open (the open descriptor keeps the bytes
 * until the trace is closed; nothing is left behind, even when the process is killed afterwards).
 */
import { closeSync, fstatSync, mkdtempSync, openSync, readSync, rmSync, writeSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTrace, type TraceFile } from '../replayer/read.js';
import { CliError } from './errors.js';
import { stdinState } from './stdin-state.js';

/** The trace argument that means standard input. */
export const STDIN_NAME = '-';
/** What messages call a trace read from standard input. */
export const STDIN_LABEL = '<stdin>';
/** The most a trace on standard input may hold (CSFTRACE_STDIN_MAX overrides it, in bytes). */
export const STDIN_SPOOL_LIMIT = 4 * 1024 ** 3;

export { resetStdin } from './stdin-state.js';

const EAGAIN_WAIT = new Int32Array(new SharedArrayBuffer(4));

/** "<what> (<CODE>)" for a failed system call, as one CliError line. */
function failure(what: string, e: unknown): CliError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return new CliError(`${what} (${typeof code === 'string' ? code : (e as Error)?.message ?? String(e)})`);
}

function spoolLimit(): number {
  const env = process.env.CSFTRACE_STDIN_MAX;
  return env !== undefined && /^\d+$/.test(env) ? Number(env) : STDIN_SPOOL_LIMIT;
}

/** Copies standard input to `fd` until its end; throws a one-line CliError past the limit. */
function spool(fd: number): void {
  const limit = spoolLimit();
  const buf = new Uint8Array(1 << 20);
  let total = 0;
  for (;;) {
    let n: number;
    try { n = readSync(0, buf, 0, buf.length, null); }
    catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') { Atomics.wait(EAGAIN_WAIT, 0, 0, 2); continue; }
      if (code === 'EOF') break;
      throw failure(`${STDIN_LABEL}: cannot read`, e);
    }
    if (n === 0) break;
    total += n;
    if (total > limit) throw new CliError(`${STDIN_LABEL}: more than ${limit} bytes: save the trace to a file and give its name`);
    for (let off = 0; off < n;) off += writeSync(fd, buf, off, n - off);
  }
}

/**
 * Opens the trace `path` names, `-` being standard input (at most once per command line; never a
 * terminal). Throws one-line errors naming the file.
 */
export function openTraceInput(path: string): TraceFile {
  if (path !== STDIN_NAME) return openTrace(path);
  if (stdinState.taken) throw new CliError(`${STDIN_NAME}: standard input can be given as only one of the traces`);
  stdinState.taken = true;
  let isTty = false;
  try { isTty = fstatSync(0).isCharacterDevice() && process.stdin.isTTY === true; } catch { /* closed: read gives 0 bytes */ }
  if (isTty) throw new CliError(`${STDIN_NAME}: standard input is a terminal: pipe a trace in (csftrace info - < trace.csft)`);
  let dir: string;
  try { dir = mkdtempSync(join(tmpdir(), 'csftrace-stdin-')); }
  catch (e) { throw failure(`${tmpdir()}: cannot make a temporary directory to hold standard input`, e); }
  try {
    const file = join(dir, 'trace.csft');
    const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try { spool(fd); }
    catch (e) {
      if (e instanceof CliError) throw e;
      throw failure(`${STDIN_LABEL}: cannot copy standard input to ${tmpdir()}`, e);
    } finally { closeSync(fd); }
    return openTrace(file, { name: STDIN_LABEL });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
