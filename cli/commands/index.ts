/**
 * The command modules, in help order, each loaded only when its command runs (a command's module
 * pulls in the replayer or the model: loading all of them cost 0.27 s at every start). Each entry
 * names the command (and its aliases) and how to load the file that registers it.
 */
import type { Register } from './registry.js';

export interface CommandEntry {
  name: string;
  aliases?: readonly string[];
  /** The command needs every other command registered too (completion scripts, the man page). */
  all?: boolean;
  load(): Promise<{ register: Register }>;
}

export const commands: CommandEntry[] = [
  { name: 'demo', load: () => import('./demo.js') },
  { name: 'replay', aliases: ['tui'], load: () => import('./replay.js') },
  { name: 'diff', load: () => import('./diff.js') },
  { name: 'trim', load: () => import('./trim.js') },
  { name: 'note', load: () => import('./note.js') },
  { name: 'export', load: () => import('./export.js') },
  { name: 'bugreport', load: () => import('./bugreport.js') },
  { name: 'scenarios', load: () => import('./scenarios.js') },
  { name: 'simulate', load: () => import('./simulate.js') },
  { name: 'record', load: () => import('./record.js') },
  { name: 'info', load: () => import('./info.js') },
  { name: 'events', load: () => import('./events.js') },
  { name: 'state', load: () => import('./state.js') },
  { name: 'check', load: () => import('./check.js') },
  { name: 'verify', load: () => import('./verify.js') },
  { name: 'rerun', load: () => import('./rerun.js') },
  { name: 'dump', load: () => import('./dump.js') },
  { name: 'index', load: () => import('./index-cmd.js') },
  { name: 'fuzz', load: () => import('./fuzz.js') },
  { name: 'shrink', load: () => import('./shrink.js') },
  { name: 'sweep', load: () => import('./sweep.js') },
  { name: 'worker', load: () => import('./worker.js') },
  // completion and man describe every command: they need the whole program (one module registers both)
  { name: 'completion', all: true, load: () => import('./completion.js') },
  { name: 'man', all: true, load: () => import('./completion.js') },
];

/**
 * The commands `argv` needs registered: the one it names, none for a bare --version, every one for
 * help, a bare `csftrace` or a word that is no command (commander then suggests the nearest).
 */
export function commandsFor(argv: readonly string[]): CommandEntry[] {
  // the first word that is not an option nor the value of the global `--color <when>`
  const word = argv.find((a, k) => !a.startsWith('-') && argv[k - 1] !== '--color');
  if (word === undefined) return argv.some((a) => a === '-V' || a === '--version') ? [] : commands;
  const one = commands.find((c) => c.name === word || c.aliases?.includes(word));
  return one && !one.all ? [one] : commands;
}
