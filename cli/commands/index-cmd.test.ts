/** csftrace index / record --index / state --at through the index, as subprocesses. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(repo, 'dist/cli/main.js');
const run = (...args: string[]): { code: number; out: string; err: string } => {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: repo, maxBuffer: 64 << 20 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
};
const dir = mkdtempSync(join(tmpdir(), 'csft-index-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test('record --index writes the keyframes; state --at gives the same output with, without and with a stale index', () => {
  const p = join(dir, 'a.csft');
  const r = run('record', '--scenario', 'stress', '--duration', '2s', '-o', p, '--index');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /a\.csft\.keyframes: \d+ keyframes\n$/);
  const at = '70000';
  assert.ok(Number(/(\d+) keyframes/.exec(r.out)?.[1]) > 8, r.out);
  const withIndex = run('state', p, '--at', at, '--json');
  assert.equal(withIndex.code, 0, withIndex.err);
  assert.equal(withIndex.err, '');
  rmSync(`${p}.keyframes`);
  const without = run('state', p, '--at', at, '--json');
  assert.equal(without.out, withIndex.out);
  assert.equal(without.err, '');

  const w = run('index', p, '--json');
  assert.equal(w.code, 0, w.err);
  const j = JSON.parse(w.out) as { keyframes: number; every: number };
  assert.equal(j.every, 8192);
  assert.ok(j.keyframes >= 2);
  const st = statSync(p);
  utimesSync(p, st.atime, new Date(st.mtimeMs + 1000));
  const stale = run('state', p, '--at', at, '--json');
  assert.equal(stale.out, withIndex.out);
  assert.match(stale.err, /^csftrace: .*a\.csft\.keyframes: stale: the trace was modified after the index was made: not used \(`csftrace index .*a\.csft` writes it again\)\n$/);
});

test('index: one line and exit 2 for a file that is not there', () => {
  const r = run('index', join(dir, 'none.csft'));
  assert.equal(r.code, 2);
  assert.match(r.err, /^csftrace: .*none\.csft: .*\n$/);
  assert.equal(existsSync(join(dir, 'none.csft.keyframes')), false);
});

test('index: a link at the index\'s name is named, not followed, and left as it is', () => {
  const p = join(dir, 'linked.csft');
  assert.equal(run('record', '--scenario', 'stress', '--duration', '200ms', '-o', p).code, 0);
  const target = join(dir, 'precious.txt');
  writeFileSync(target, 'keep me\n');
  symlinkSync(target, `${p}.keyframes`);
  const r = run('index', p);
  assert.equal(r.code, 2);
  assert.match(r.err, /^csftrace: .*linked\.csft\.keyframes: exists and is not a regular file: not replaced/);
  assert.equal(readFileSync(target, 'utf8'), 'keep me\n');
});
