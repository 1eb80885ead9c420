/**
 * How the user ran csftrace, so that the commands csftrace suggests (`next:`, `compare:`) run as
 * printed: `./csftrace` from a checkout (the wrapper script tells its path in CSFTRACE_INVOKED_AS),
 * `csftrace` once installed (the npm bin link), `node <path>/main.js` when run that way.
 */
import { basename, isAbsolute, relative, resolve } from 'node:path';

/** A word for a POSIX shell: as is when it is safe, else in single quotes. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A path as the user would type it from the current directory (relative when inside it). */
function fromCwd(p: string): string {
  const abs = resolve(p);
  const rel = relative(process.cwd(), abs);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return abs;
  return rel.includes('/') ? rel : `./${rel}`;
}

/** The command that runs this csftrace, as the user would type it. */
export function invokedAs(env: NodeJS.ProcessEnv = process.env, argv1: string | undefined = process.argv[1]): string {
  const wrapper = env.CSFTRACE_INVOKED_AS;
  if (wrapper) return shellWord(wrapper.includes('/') ? fromCwd(wrapper) : wrapper);
  if (argv1 === undefined) return 'csftrace';
  if (basename(argv1) !== 'main.js') return shellWord(basename(argv1)); // the installed bin link, found on PATH
  return `node ${shellWord(fromCwd(argv1))}`;
}

/** A csftrace command line to print: the program as invoked, then the words, each quoted as needed. */
export function hint(...words: string[]): string {
  return [invokedAs(), ...words.map(shellWord)].join(' ');
}
