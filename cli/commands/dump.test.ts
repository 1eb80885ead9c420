/**
 * csftrace dump end to end: a chunk as a csftrace.Chunk message that protoc decodes with the
 * repo's csftrace.proto, the raw chunk bytes with --raw, one-line errors, no binary on a terminal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Reader, decodeChunk, decodeEvent } from '../../proto/index.js';
import { openTrace } from '../../replayer/index.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(repo, 'dist/cli/main.js');
const trace = join(repo, 'traces/v1/priority-inversion.csft');

function dump(...args: string[]): { code: number; out: Buffer; err: string } {
  const r = spawnSync(process.execPath, [cli, 'dump', ...args], { cwd: repo, maxBuffer: 64 << 20 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr.toString('utf8') };
}

test('dump --chunk N: a csftrace.Chunk that protoc decodes, events with absolute times', () => {
  const tr = openTrace(trace);
  try {
    assert.ok(tr.chunks.length > 3);
    const k = 3, c = tr.chunks[k]!;
    const r = dump(trace, '--chunk', String(k));
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
    const msg = decodeChunk(new Reader(r.out), r.out.length);
    assert.equal(msg.chunk, k);
    assert.equal(msg.firstEvent, c.firstEvent);
    assert.equal(msg.events.length, c.eventCount);
    for (const j of [0, 1, c.eventCount - 1]) assert.deepEqual(msg.events[j], tr.event(c.firstEvent + j));

    const p = spawnSync('protoc', ['--decode', 'csftrace.Chunk', 'proto/csftrace.proto'], { cwd: repo, input: r.out, maxBuffer: 256 << 20 });
    assert.equal(p.status, 0, p.stderr.toString());
    const text = p.stdout.toString('utf8');
    assert.equal(text.match(/^events \{$/gm)?.length, c.eventCount);
    assert.match(text, new RegExp(`^chunk: ${k}$`, 'm'));
    assert.match(text, new RegExp(`^first_event: ${c.firstEvent}$`, 'm'));
    // the first event's absolute virtual time, not a delta
    assert.match(text, new RegExp(`^events \\{\\n  t: ${tr.event(c.firstEvent).t}\\n`, 'm'));
  } finally { tr.close(); }
});

test('dump --raw: the decompressed chunk as stored, length-delimited Events', () => {
  const tr = openTrace(trace);
  try {
    const c = tr.chunks[1]!;
    const r = dump(trace, '--chunk', '1', '--raw');
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(new Uint8Array(r.out), tr.chunkBytes(1));
    const rd = new Reader(r.out);
    let n = 0, t = c.firstTimeNs;
    while (rd.pos < r.out.length) {
      const len = rd.uint32(), end = rd.pos + len;
      t += decodeEvent(rd, end).t; // t is a delta inside a chunk
      rd.pos = end;
      n++;
    }
    assert.equal(n, c.eventCount);
    assert.equal(t, tr.event(c.firstEvent + c.eventCount - 1).t);
  } finally { tr.close(); }
});

test('dump: a chunk number out of range or not a number is one line, exit 2; a terminal is refused', () => {
  const out = dump(trace, '--chunk', '9');
  assert.equal(out.code, 2);
  assert.equal(out.err, `csftrace: ${trace}: --chunk 9: the trace has 9 chunks (0..8)\n`);
  assert.equal(out.out.length, 0);
  const nan = dump(trace, '--chunk', '-1');
  assert.equal(nan.code, 2);
  assert.equal(nan.err, 'csftrace: --chunk: expected a chunk number (0, 1, ...), got "-1"\n');
  const missing = dump(join(repo, 'no-such.csft'), '--chunk', '0');
  assert.equal(missing.code, 2);
  assert.equal(missing.err.split('\n').length, 2, missing.err);
  // a pseudo-terminal as standard output (script(1))
  const tty = spawnSync('script', ['-qec', `"${process.execPath}" "${cli}" dump "${trace}" --chunk 0`, '/dev/null'], { cwd: repo, encoding: 'utf8' });
  assert.equal(tty.status, 2, tty.stdout);
  assert.match(tty.stdout, /^csftrace: standard output is a terminal: a chunk is binary/);
});
