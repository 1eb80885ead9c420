import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { skipTest, skipUnless, skipsForbidden } from './skip.js';
import { repo, sourceFiles } from './sources.js';

test('skipUnless: runs when available, skips with the reason, fails under CI=true', () => {
  assert.equal(skipUnless(true, 'tmux not installed', { CI: 'true' }), false);
  assert.equal(skipUnless(true, 'tmux not installed', {}), false);
  assert.equal(skipUnless(false, 'tmux not installed', {}), 'tmux not installed');
  assert.equal(skipUnless(false, 'tmux not installed', { CI: 'false' }), 'tmux not installed');
  assert.throws(() => skipUnless(false, 'tmux not installed', { CI: 'true' }), /^Error: tmux not installed \(CI=true: a test may not skip itself/);
  assert.equal(skipsForbidden({ CI: 'true' }), true);
  assert.equal(skipsForbidden({ CI: '1' }), false);
});

test('skipTest: t.skip with the reason, or a failure under CI=true', () => {
  const skipped: Array<string | undefined> = [];
  const t = { skip: (m?: string) => { skipped.push(m); } };
  skipTest(t, 'no goldens', {});
  assert.deepEqual(skipped, ['no goldens']);
  assert.throws(() => skipTest(t, 'no goldens', { CI: 'true' }), /no goldens \(CI=true/);
  assert.deepEqual(skipped, ['no goldens']);
});


/** Skips that bypass skipUnless / skipTest: t.skip or test.skip calls, `skip: <not skipUnless>`, `const skip = <not skipUnless>`. */
function rawSkips(text: string): string[] {
  const out: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (/\b(t|test|it|describe)\.skip\(|\bskip:\s*(?!skipUnless\b)[^\s,}]|\bconst skip\s*=(?!\s*skipUnless\b)/.test(line)) out.push(`${i + 1}: ${line.trim()}`);
  });
  return out;
}

test('the raw-skip check finds each bypass and passes the helpers', () => {
  assert.equal(rawSkips("  if (!dir) { t.skip('no goldens'); return; }").length, 1);
  assert.equal(rawSkips("test('x', { skip: ok ? false : 'missing' }, () => {});").length, 1);
  assert.equal(rawSkips("const skip = ok ? false : 'tmux not installed';").length, 1);
  // Built from parts, so that this file holds no skipped-test call of its own for a text search to find.
  assert.equal(rawSkips(['test', "skip('later', () => {});"].join('.')).length, 1);
  assert.deepEqual(rawSkips("const skip = skipUnless(ok, 'tmux');\ntest('x', { skip }, () => {});\ntest('y', { skip: skipUnless(ok, 'protoc') }, f);\nskipTest(t, 'no goldens');"), []);
});

test('every test that skips itself goes through skipUnless / skipTest', () => {
  const files = sourceFiles().filter((f) => f.endsWith('.test.ts') && f !== 'test-support/skip.test.ts');
  assert.ok(files.includes('tui/driver.e2e.test.ts') && files.includes('proto/container/interop.test.ts'));
  const found = files.flatMap((f) => rawSkips(readFileSync(join(repo, f), 'utf8')).map((h) => `${f}:${h}`));
  assert.deepEqual(found, []);
});

test('only tests and benches import test-support/', () => {
  const found = sourceFiles().filter((f) => !f.endsWith('.test.ts') && !f.startsWith('test-support/') && !f.startsWith('bench/')
    && /from '(\.\.\/)+test-support\//.test(readFileSync(join(repo, f), 'utf8')));
  assert.deepEqual(found, []);
});
