/**
 * The compiler runs at its strictest: the flags are on in tsconfig.json, and the misuses below fail
 * the build if one is turned off (`@ts-expect-error` on a line that is no longer an error is one).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repo } from './sources.js';

const STRICT = [
  'strict', 'noUncheckedIndexedAccess', 'exactOptionalPropertyTypes', 'noImplicitOverride', 'noImplicitReturns',
  'noFallthroughCasesInSwitch', 'noUnusedLocals', 'noUnusedParameters', 'forceConsistentCasingInFileNames', 'verbatimModuleSyntax',
] as const;

test('tsconfig.json turns every strictness flag on', () => {
  const cfg = JSON.parse(readFileSync(join(repo, 'tsconfig.json'), 'utf8')) as { compilerOptions: Record<string, unknown> };
  assert.deepStrictEqual(STRICT.filter((k) => cfg.compilerOptions[k] !== true), []);
  // (skipLibCheck stays on: piscina's own declarations do not compile under exactOptionalPropertyTypes)
  assert.equal(cfg.compilerOptions.skipLibCheck, true);
});

test('the compiler refuses an unchecked index and an explicit undefined for an optional field', () => {
  const xs: readonly number[] = [1, 2];
  const table: Readonly<Record<string, number>> = { a: 1 };
  // @ts-expect-error noUncheckedIndexedAccess: an array element may be missing
  const first: number = xs[5];
  // @ts-expect-error noUncheckedIndexedAccess: a record's value may be missing
  const a: number = table.b;
  const opt: { x?: number } = {};
  // @ts-expect-error exactOptionalPropertyTypes: an optional field is left out, not set to undefined
  opt.x = undefined;
  assert.deepStrictEqual([first, a, opt.x], [undefined, undefined, undefined]);
});
