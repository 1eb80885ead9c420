/**
 * The CLI's one error path. Bad input (a file, a flag, a scenario) is a CliError (or any error with
 * `userFacing = true`): the user sees one line `csftrace: <file>: <problem>` and exit code 2.
 * Differences/violations found are exit 1 (set by the command, not thrown). Anything else is a bug.
 */
import { UserError, isUserError } from '../proto/user-error.js';
export class CliError extends UserError {
  constructor(message: string, override readonly exitCode = 2, readonly code = 'E_USAGE') {
    super(message);
    this.name = 'CliError';
  }
}

/** True for errors that carry a message meant for the user (a UserError of any layer). */
export const isUserFacing = isUserError;

/** A whole-number flag in [min, max], or a CliError naming the flag. */
export function parseCount(flag: string, text: string, min = 1, max = 1_000_000_000): number {
  if (!/^\d+$/.test(text.trim())) throw new CliError(`${flag}: expected a whole number (got "${text}")`);
  const n = Number(text);
  if (n < min || n > max) throw new CliError(`${flag}: out of range: ${n} (${min}..${max})`);
  return n;
}
