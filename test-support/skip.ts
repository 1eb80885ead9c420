/**
 * The one way a test skips itself: when something it needs is missing (tmux, protoc, the golden
 * traces), it skips on a developer's machine and fails under `CI=true`, where a skip would let a
 * green run hide a test that never ran. `skip.test.ts` checks that no test skips another way.
 */

type Env = Readonly<Record<string, string | undefined>>;

/** True under `CI=true`: a missing requirement is then a failure, not a skip. */
export function skipsForbidden(env: Env = process.env): boolean {
  return env.CI === 'true';
}

function forbidden(reason: string): Error {
  return new Error(`${reason} (CI=true: a test may not skip itself; install what it needs)`);
}

/**
 * The `skip` option of a node:test test: false when `available`; else `reason` (the test is
 * skipped), or under CI=true an error thrown, so that the test file fails.
 */
export function skipUnless(available: boolean, reason: string, env: Env = process.env): false | string {
  if (available) return false;
  if (skipsForbidden(env)) throw forbidden(reason);
  return reason;
}

/** Inside a running test: `t.skip(reason)`, or under CI=true the test fails with `reason`. */
export function skipTest(t: { skip(message?: string): void }, reason: string, env: Env = process.env): void {
  if (skipsForbidden(env)) throw forbidden(reason);
  t.skip(reason);
}
