/**
 * Standard output through the writer thread (pipe-writer.ts): every byte arrives in order whatever
 * the reader's pace and the ring's wrap-arounds, a reader that leaves early is the same EPIPE a
 * direct write gets, and `export -o -` into a shell pipeline writes what `-o file` writes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isSystemError } from './output.js';
import { isPipe, PipeWriter } from './pipe-writer.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(repo, 'dist/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'csftrace-pipe-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

let fifos = 0;
/** A FIFO read by `sh -c script` (the FIFO is its fd 3), and this side's non-blocking write end. */
function fifoTo(script: string): { fd: number; reader: ChildProcess; done: Promise<number | null> } {
  const path = join(dir, `fifo${fifos++}`);
  assert.equal(spawnSync('mkfifo', [path]).status, 0, 'mkfifo');
  const reader = spawn('sh', ['-c', `exec 3<"$0"; ${script}`, path], { stdio: ['ignore', 'ignore', 'inherit'] });
  const done = new Promise<number | null>((resolve) => reader.on('exit', (code) => resolve(code)));
  // non-blocking, as standard output is once process.stdout exists: full means EAGAIN
  for (const until = Date.now() + 10_000; ;) {
    try { return { fd: openSync(path, constants.O_WRONLY | constants.O_NONBLOCK), reader, done }; }
    catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENXIO' || Date.now() > until) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
}

/** `n` pseudo-random bytes (deterministic). */
function bytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let k = 0; k < n; k++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; b[k] = x & 0xff; }
  return b;
}

test('the writer thread delivers every byte in order to a slow reader, through many wrap-arounds of its ring', async () => {
  const out = join(dir, 'slow.bin');
  // the reader starts late (the ring and the pipe fill: EAGAIN), then reads 4 KiB at a time
  const { fd, done } = fifoTo(`sleep 0.3; dd bs=4096 of="${out}" <&3 2>/dev/null`);
  assert.equal(isPipe(fd), true);
  const w = new PipeWriter(fd, 100_000, 64 * 1024);
  const want: Uint8Array[] = [];
  // pieces of odd sizes, some larger than the ring: the first ones written directly, the rest through the thread
  for (const [k, n] of [7, 40_000, 70_000, 1, 200_000, 65_536, 333_333, 12, 1 << 20, 4097].entries()) {
    const b = bytes(n, k + 1);
    want.push(b);
    w.write(b);
  }
  w.close();
  closeSync(fd);
  assert.equal(await done, 0);
  const got = readFileSync(out);
  const expected = Buffer.concat(want);
  assert.equal(got.length, expected.length);
  assert.equal(Buffer.compare(got, expected), 0);
});

test('a reader that leaves early: the writer thread\'s EPIPE comes back as the system error a direct write gives', async () => {
  const { fd, done } = fifoTo('head -c 1000 <&3 >/dev/null');
  const w = new PipeWriter(fd, 0, 64 * 1024);
  let err: unknown;
  try {
    for (let k = 0; k < 400; k++) w.write(bytes(64 * 1024, k + 1)); // 25 MiB: far more than the reader takes
    w.close();
  } catch (e) { err = e; }
  w.abort();
  closeSync(fd);
  await done;
  assert.ok(isSystemError(err), `a system error, got ${String(err)}`);
  assert.equal((err as NodeJS.ErrnoException).code, 'EPIPE');
  assert.equal((err as NodeJS.ErrnoException).syscall, 'write');
});

test('export -o - into a shell pipeline: the bytes of -o file, and a reader that stops early ends it quietly', () => {
  const trace = join(repo, 'traces/v1/stress.csft');
  for (const format of ['jsonl', 'perfetto'] as const) {
    const ref = join(dir, `ref.${format}`);
    const r0 = spawnSync(process.execPath, [cli, 'export', trace, '--format', format, '-o', ref], { encoding: 'utf8' });
    assert.equal(r0.status, 0, r0.stderr);
    const want = readFileSync(ref);
    assert.ok(want.length > 4 << 20, `${format}: ${want.length} bytes, more than are written before the thread starts`);
    const piped = join(dir, `piped.${format}`);
    // through `cat` (a FIFO), and with --threads 2 for jsonl (the workers' buffers go through the same writer)
    const extra = format === 'jsonl' ? ' --threads 2' : '';
    const r1 = spawnSync('bash', ['-c', `"$0" "$1" export "$2" --format ${format}${extra} -o - | cat > "$3"; echo "\${PIPESTATUS[0]}"`,
      process.execPath, cli, trace, piped], { encoding: 'utf8' });
    assert.equal(r1.stdout.trim(), '0', r1.stderr);
    assert.equal(r1.stderr, '');
    assert.equal(Buffer.compare(readFileSync(piped), want), 0, `${format}: the piped export differs from -o file`);
    const r2 = spawnSync('bash', ['-c', `"$0" "$1" export "$2" --format ${format} -o - | head -c 100 > /dev/null; echo "\${PIPESTATUS[0]}"`,
      process.execPath, cli, trace], { encoding: 'utf8' });
    assert.equal(r2.stdout.trim(), '0', r2.stderr);
    assert.equal(r2.stderr, '');
  }
});
