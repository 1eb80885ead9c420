/**
 * The one error base class of every layer. A UserError carries a message meant for the person
 * running the tool (a damaged trace, a bad flag, a bad scenario file): the CLI prints it as one line
 * `csftrace: <message>` and exits with `exitCode` (2 unless a subclass says otherwise). Any other
 * thrown value is a bug and keeps its stack trace. `code` is a stable machine-readable name
 * (`E_TRACE`, `E_SCENARIO`, ...) for `--json` error output and tests.
 */
export abstract class UserError extends Error {
  readonly userFacing = true;
  abstract readonly code: string;
  readonly exitCode: number = 2;
}

/** True for a UserError, also one rebuilt on this side of a worker thread (`userFacing` kept). */
export function isUserError(e: unknown): e is Error & { userFacing: true; code?: string; exitCode?: number } {
  return e instanceof UserError
    || (typeof e === 'object' && e !== null && (e as { userFacing?: unknown }).userFacing === true);
}
