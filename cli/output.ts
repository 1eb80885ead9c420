/**
 * Everything the CLI writes goes through here: the output-path rule of every command with `-o`, the
 * writing itself (a temporary file renamed at the end, or standard output for `-o -`), write errors
 * as one line, and text for terminals with its control characters escaped.
 *
 * The output rule (README "Reliability"):
 *   - `-o -` is standard output, for the outputs that are one stream (trim, export); never a binary
 *     stream onto a terminal;
 *   - an existing path that is not a regular file (a symbolic link, a device, a FIFO, a socket, a
 *     directory) is never replaced, truncated or written through;
 *   - an existing non-empty regular file is replaced only when it holds what the command writes (a
 *     csftrace trace for record/trim/rerun; the same export format for export), or with `--force`.
 */
import { closeSync, fstatSync, lstatSync, openSync, readSync, renameSync, rmSync, constants } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { MAGIC } from '../proto/index.js';
import type { ExportFormat } from '../replayer/index.js';
import type { TraceFile } from '../replayer/read.js';
import { CliError } from './errors.js';
import { isPipe, PipeWriter, writeAllSync } from './pipe-writer.js';
import { openTraceInput } from './trace-input.js';
import { escapeControls, safeJson, writeFailure } from './text.js';

export { escapeControls, safeJson, writeFailure };

/** What an output holds: decides which existing files it may replace without --force. */
export interface OutputKind {
  /** Name used in messages ("a csftrace trace", "a Perfetto trace"). */
  readonly what: string;
  /** True when the first bytes of an existing file show it holds this kind of output. */
  readonly recognise: (head: Uint8Array) => boolean;
  /** May be written to standard output (`-o -`). */
  readonly stdout: 'no' | 'text' | 'binary';
  /**
   * Written straight into its target in one sequential pass (a recording): a character device or a
   * FIFO (`/dev/null`, a named pipe) is written into, never replaced or truncated. Without it, only
   * regular files are written.
   */
  readonly streams?: boolean;
}

export interface OutputOptions { force?: boolean }

/** Standard output named by `-o -`. */
export const STDOUT_NAME = '-';



/** True for an error thrown by a system call (it has an errno code and a syscall). */
export function isSystemError(e: unknown): e is NodeJS.ErrnoException {
  const err = e as NodeJS.ErrnoException | undefined;
  return typeof err?.code === 'string' && typeof err.syscall === 'string';
}

function kindOfNode(st: { isSymbolicLink(): boolean; isDirectory(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isFIFO(): boolean; isSocket(): boolean }): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function readHead(path: string, n: number): Uint8Array {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const b = new Uint8Array(n);
    const got = readSync(fd, b, 0, n, 0);
    return b.subarray(0, got);
  } finally { closeSync(fd); }
}

/**
 * Checks that `path` may receive `kind` (see the rule above); throws a one-line CliError when not.
 * Returns 'stdout' for `-o -`, 'new' for a path that does not exist, 'replace' for a file to replace.
 */
export function checkOutput(path: string, kind: OutputKind, o: OutputOptions = {}): 'stdout' | 'new' | 'replace' {
  if (path === STDOUT_NAME) {
    if (kind.stdout === 'no') throw new CliError(`-o -: ${kind.what} cannot go to standard output (it is written in place and read back): give a file name`);
    if (kind.stdout === 'binary' && process.stdout.isTTY === true) {
      throw new CliError(`-o -: standard output is a terminal: ${kind.what} is binary (redirect it: -o - > file, or | other-program)`);
    }
    return 'stdout';
  }
  if (path === '') throw new CliError('-o: the output file name is empty');
  let st;
  try { st = lstatSync(path); }
  catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'new';
    throw writeFailure(path, e, 'cannot write');
  }
  if (!st.isFile()) {
    if (kind.streams && (st.isCharacterDevice() || st.isFIFO())) return 'new';
    throw new CliError(`${path}: is ${kindOfNode(st)}, not a regular file: csftrace only replaces regular files${kind.stdout !== 'no' ? ' (-o - writes to standard output)' : ''}`);
  }
  if (st.size === 0 || o.force) return 'replace';
  let head: Uint8Array;
  try { head = readHead(path, 64); }
  catch (e) { throw writeFailure(path, e, 'cannot read the existing file'); }
  if (!kind.recognise(head)) {
    throw new CliError(`${path}: exists and is not ${kind.what}: not overwritten (--force replaces it)`);
  }
  return 'replace';
}

/**
 * Writes `produce`'s bytes to `path` after checkOutput: to standard output for `-o -`; otherwise to a
 * new temporary file beside it (created exclusively: never an existing name) renamed over `path` at
 * the end, so a failure leaves no half file and the old file is replaced only by a complete one.
 * System-call failures become one-line CliErrors naming the path. Returns the bytes written.
 */
export function writeOutputFile(path: string, kind: OutputKind, o: OutputOptions, produce: (write: (b: Uint8Array) => void) => void): number {
  const mode = checkOutput(path, kind, o);
  let size = 0;
  if (mode === 'stdout') {
    // a pipe or a socket: through a writer thread (pipe-writer.ts says why)
    const pipe = isPipe(1) ? new PipeWriter(1) : undefined;
    try {
      produce((b) => { if (pipe) pipe.write(b); else writeAllSync(1, b); size += b.length; });
      pipe?.close();
    } catch (e) {
      // what was produced before a failure still reaches the reader, as a direct write's would
      // (a failure of the writer thread itself stops it at once)
      try { pipe?.close(); } catch { pipe?.abort(); }
      if (isSystemError(e) && e.code === 'EPIPE') return size;
      if (isSystemError(e)) throw writeFailure('<stdout>', e);
      throw e;
    }
    return size;
  }
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  let fd: number;
  try { fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644); }
  catch (e) { throw writeFailure(path, e); }
  let open = true;
  try {
    produce((b) => { writeAllSync(fd, b); size += b.length; });
    closeSync(fd);
    open = false;
    // the rule again, just before the rename: a path made a link or device meanwhile is not replaced
    checkOutput(path, kind, { force: true });
    renameSync(tmp, path);
  } catch (e) {
    if (open) { try { closeSync(fd); } catch { /* closed */ } }
    rmSync(tmp, { force: true });
    if (isSystemError(e)) throw writeFailure(path, e);
    throw e;
  }
  return size;
}

/**
 * For outputs a recorder writes in place (record, rerun, demo): checkOutput, then the path is made a
 * regular file without following links (created, or an existing trace emptied), with a CLI error
 * for what is refused. The recorder's own open (recorder/output.ts) refuses links, directories and
 * block devices again, for a path swapped in between.
 */
export function prepareInPlaceOutput(path: string, kind: OutputKind, o: OutputOptions = {}): void {
  checkOutput(path, kind, o);
  let fd: number;
  try { fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o644); }
  catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOOP') throw new CliError(`${path}: is a symbolic link, not a regular file: csftrace only replaces regular files`);
    throw writeFailure(path, e);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() && !(kind.streams && (st.isCharacterDevice() || st.isFIFO()))) {
      throw new CliError(`${path}: is not a regular file: csftrace only replaces regular files`);
    }
  } finally { closeSync(fd); }
}

// ───────────────────────────── text for terminals ─────────────────────────────


/** Human-readable text to standard output, control characters escaped. */
export function printText(text: string): void {
  process.stdout.write(escapeControls(text));
}

/** A value as JSON (2-space indent) and a newline to standard output. */
/**
 * The `schema` key of each single-document `--json` output: `<name>/<major>`, bumped when a key
 * changes meaning or goes away (new keys do not bump it). Files: `schemas/`.
 */
export const JSON_SCHEMAS = {
  info: 'csftrace.info/2', state: 'csftrace.state/1', verify: 'csftrace.verify/1',
  check: 'csftrace.check/1', diff: 'csftrace.diff/1',
  simulate: 'csftrace.simulate/1', scenarios: 'csftrace.scenarios/1', assumptions: 'csftrace.assumptions/1',
  record: 'csftrace.record/1', rerun: 'csftrace.rerun/1', trim: 'csftrace.trim/1', bugreport: 'csftrace.bugreport/1',
  index: 'csftrace.index/1', fuzz: 'csftrace.fuzz/1', fuzzReplay: 'csftrace.fuzz-replay/1', shrink: 'csftrace.shrink/1',
} as const;

export function printJson(value: unknown): void {
  process.stdout.write(safeJson(value, 2) + '\n');
}

/** One line to standard error, `csftrace: ` first, control characters escaped. */
export function printNotice(text: string): void {
  process.stderr.write(`csftrace: ${escapeControls(text)}\n`);
}

// ───────────────────────────── output kinds ─────────────────────────────

/** A .csft trace (record, trim, rerun, demo): replaces only a file that starts with the trace magic. */
export function traceOutput(stdout: 'no' | 'binary', streams = false): OutputKind {
  return {
    what: 'a csftrace trace',
    recognise: (head) => head.length >= MAGIC.length && MAGIC.every((b, i) => head[i] === b),
    stdout,
    streams,
  };
}

/**
 * An export (`csftrace export --format f`): replaces only an earlier export of the same format, as
 * `looksLike` (the replayer's looksLikeExport, passed in so that this module stays light) tells.
 */
export function exportOutput(format: ExportFormat, looksLike: (format: ExportFormat, head: Uint8Array) => boolean): OutputKind {
  return {
    what: `a ${format} export`,
    recognise: (head) => looksLike(format, head),
    stdout: format === 'perfetto' ? 'binary' : 'text',
  };
}

/** A copy of plain data with every string's control characters escaped (for text drawn in colour). */
export function escapeStrings<T>(v: T): T {
  if (typeof v === 'string') return escapeControls(v) as T;
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => escapeStrings(x)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = escapeStrings(x);
  return out as T;
}

/**
 * Opens a trace for a command that reads it (`-`: standard input, see trace-input.ts): its notices go to stderr now (one line each, `csftrace:
 * <path>: <notice>`), and so do those a pass adds later (a chunk whose content does not decode).
 */
export function openTraceReporting(path: string): TraceFile {
  const tr = openTraceInput(path);
  for (const n of tr.notices) printNotice(`${tr.path}: ${n}`);
  tr.onNotice = (n) => printNotice(`${tr.path}: ${n}`);
  return tr;
}
