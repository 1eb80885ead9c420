/**
 * Text for terminals and failures as one line, apart from output.ts so that the program's shell
 * (main.ts, program.ts) loads without the replayer: control characters escaped, write errors named.
 */
import { CliError } from './errors.js';

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device', EFBIG: 'file too large (the file-size limit was reached)',
  EDQUOT: 'disk quota exceeded', EACCES: 'permission denied', EPERM: 'operation not permitted',
  EROFS: 'read-only file system', EIO: 'input/output error', ENOENT: 'no such directory',
  ENOTDIR: 'a path component is not a directory', EISDIR: 'is a directory', ENAMETOOLONG: 'file name too long',
  EEXIST: 'exists already', ELOOP: 'too many symbolic links', EMFILE: 'too many open files',
};

/** A failed system call on `path` as one line: "<path>: cannot write (ENOSPC: no space left on the device)". */
export function writeFailure(path: string, e: unknown, verb = 'cannot write'): CliError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string') return new CliError(`${path}: ${verb} (${(e as Error)?.message ?? String(e)})`);
  return new CliError(`${path}: ${verb} (${code}${ERRNO_TEXT[code] ? `: ${ERRNO_TEXT[code]}` : ''})`);
}

/**
 * C0 controls but newline and tab, DEL, C1 controls, and the Unicode bidirectional overrides and
 * isolates (text that reorders what follows it on screen).
 */
 
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
 
const CONTROL_TEST = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** `s` with every control character shown as an escape (`\x1b`, `\u202e`); newlines and tabs kept. */
export function escapeControls(s: string): string {
  if (!CONTROL_TEST.test(s)) return s;
  return s.replace(CONTROL, (c) => {
    const n = c.charCodeAt(0);
    return n < 0x100 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}

/** JSON text with DEL, the C1 controls and the bidi controls escaped too (JSON.stringify leaves them raw). */
export function safeJson(value: unknown, indent?: number): string {
  const s = JSON.stringify(value, null, indent);
  if (!CONTROL_TEST.test(s)) return s;
  return s.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
