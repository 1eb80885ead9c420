/**
 * csftrace record to outputs other than a regular file: standard output redirected to a file or
 * piped to another process (`-o -`), and /dev/null beside two busy processes. The bytes are those
 * of a recording to a file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(repo, 'dist/cli/main.js');
const run = ['record', '--scenario', 'stress', '--duration', '2s'];

const dir = mkdtempSync(join(tmpdir(), 'csft-out-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function csftrace(args: string[], stdout: 'pipe' | number = 'pipe'): { code: number; out: Buffer; err: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: repo, maxBuffer: 64 << 20, stdio: ['ignore', stdout, 'pipe'] });
  return { code: r.status ?? -1, out: r.stdout ?? Buffer.alloc(0), err: r.stderr.toString() };
}

test('record -o -: the trace on standard output (a file or a pipe), the summary on stderr', () => {
  const ref = join(dir, 'ref.csft');
  const r0 = csftrace([...run, '-o', ref]);
  assert.equal(r0.code, 0, r0.err);
  const want = readFileSync(ref);
  assert.ok(want.length > 100_000);
  // redirected to a file
  const redirected = join(dir, 'redirected.csft');
  const fd = openSync(redirected, 'w');
  const r1 = csftrace([...run, '-o', '-'], fd);
  closeSync(fd);
  assert.equal(r1.code, 0, r1.err);
  assert.match(r1.err, /^recorded stdout: stress seed \d+ policy \S+, [\d,]+ events in \d+ chunks/);
  assert.equal(Buffer.compare(readFileSync(redirected), want), 0);
  const info = spawnSync(process.execPath, [cli, 'info', redirected, '--json'], { encoding: 'utf8' });
  assert.equal(info.status, 0, info.stderr);
  assert.equal((JSON.parse(info.stdout) as { integrity: { indexed: boolean } }).integrity.indexed, true);
  // piped: what the reading process gets
  const r2 = csftrace([...run, '-o', '-']);
  assert.equal(r2.code, 0, r2.err);
  assert.equal(Buffer.compare(r2.out, want), 0);
  // --json goes to stderr too
  const r3 = csftrace([...run, '-o', '-', '--json']);
  assert.equal((JSON.parse(r3.err) as { bytes: number }).bytes, want.length);
});

test('record -o /dev/null beside two busy processes completes', async () => {
  const busy = [0, 1].map(() => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  try {
    for (let k = 0; k < 2; k++) {
      const r = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const child = spawn(process.execPath, [cli, ...run, '-o', '/dev/null'], { cwd: repo });
        let out = '', err = '';
        child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
        child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
        child.on('exit', (code) => resolve({ code, out, err }));
      });
      assert.equal(r.code, 0, r.err);
      assert.equal(r.err, '');
      assert.match(r.out, /^recorded \/dev\/null: stress .* [\d,]+ events in \d+ chunks/);
    }
  } finally {
    for (const b of busy) b.kill('SIGKILL');
  }
});
