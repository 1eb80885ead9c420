/**
 * Every command module registers itself here; main.ts builds the program from this list.
 * One file per command under cli/commands/, each exporting `register(program)`.
 */
import type { Command } from 'commander';

export type Register = (program: Command) => void;
