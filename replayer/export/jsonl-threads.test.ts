import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeContainer, type EventInit } from '../../proto/index.js';
import { syntheticEvents, syntheticHeader } from '../diff/synthetic.js';
import { memoryTrace, openTrace, type TraceFile } from '../trace-file.js';
import { exportTrace } from './export.js';
import { exportJsonlThreads, segmentsOf } from './jsonl-threads.js';

const dir = mkdtempSync(join(tmpdir(), 'csftrace-jsonl-threads-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const events: EventInit[] = syntheticEvents({ ticks: 400, protmEvery: 7 });
const header = { ...syntheticHeader('threads'), notes: [{ eventIndex: 3, text: 'early' }, { eventIndex: events.length - 2, text: 'late' }] };
const CHUNK = 50;
const path = join(dir, 'synthetic.csft');
writeFileSync(path, encodeContainer(header, events, { chunkEvents: CHUNK }));

function bytesOf(run: (write: (b: Uint8Array) => void) => unknown): Buffer {
  const parts: Buffer[] = [];
  run((b) => parts.push(Buffer.from(b)));
  return Buffer.concat(parts);
}

const serial = (tr: TraceFile, from = 0, to = tr.eventCount): Buffer =>
  bytesOf((w) => exportTrace(tr, 'jsonl', w, { from, to, threads: 1 }));

test('segments: whole chunks of at least the asked size, covering the range exactly', () => {
  const tr = openTrace(path);
  try {
    const segs = segmentsOf(tr, 120, tr.eventCount - 7, 100);
    assert.equal(segs[0]![0], 120);
    assert.equal(segs[segs.length - 1]![1], tr.eventCount - 7);
    for (let k = 1; k < segs.length; k++) {
      assert.equal(segs[k]![0], segs[k - 1]![1], 'contiguous');
      assert.equal(segs[k]![0] % CHUNK, 0, 'cut at a chunk boundary');
    }
    for (const [a, b] of segs.slice(0, -1)) assert.ok(b - a >= 100, `${a}..${b}`);
  } finally { tr.close(); }
});

test('jsonl on 2 and 3 threads writes the single thread\'s bytes, notes included, for the whole trace and a range', () => {
  const tr = openTrace(path);
  try {
    assert.ok(tr.eventCount > 1000, `${tr.eventCount} events`);
    for (const [from, to] of [[0, tr.eventCount], [37, tr.eventCount - 11]] as const) {
      const want = serial(tr, from, to);
      for (const threads of [2, 3]) {
        let byWorkers = 0;
        const got = bytesOf((w) => { byWorkers = exportJsonlThreads(tr, w, from, to, threads, 100); });
        assert.ok(byWorkers >= 3, `${threads} threads: the workers wrote ${byWorkers} segments`);
        assert.equal(got.length, want.length, `${threads} threads, ${from}..${to}: length`);
        assert.ok(got.equals(want), `${threads} threads, ${from}..${to}: same bytes`);
      }
      // and through exportTrace, as the CLI calls it
      const viaExport = bytesOf((w) => exportTrace(tr, 'jsonl', w, { from, to, threads: 2, threadsFrom: 0, segmentEvents: 100 }));
      assert.ok(viaExport.equals(want));
    }
    const lines = serial(tr).toString('utf8').trimEnd().split('\n');
    assert.deepEqual((JSON.parse(lines[tr.eventCount - 2]!) as { notes: string[] }).notes, ['late'], 'a note in a worker\'s segment');
  } finally { tr.close(); }
});

test('jsonl threads: a trace held in memory is written on this thread alone, the same bytes', () => {
  const tr = memoryTrace(header, events, { chunkEvents: CHUNK });
  assert.equal(tr.threadPath, undefined);
  let byWorkers = -1;
  const got = bytesOf((w) => { byWorkers = exportJsonlThreads(tr, w, 0, tr.eventCount, 2, 100); });
  assert.equal(byWorkers, 0);
  assert.ok(got.equals(serial(tr)));
});

test('export --threads: a bad count is one line and exit code 2; a good one is taken', () => {
  const cli = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
  const bad = spawnSync(process.execPath, [cli, 'export', path, '--format', 'jsonl', '-o', '-', '--threads', '0'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  assert.match(bad.stderr, /--threads: out of range: 0/);
  const other = spawnSync(process.execPath, [cli, 'export', path, '--format', 'perfetto', '-o', '-', '--threads', '2'], { encoding: 'utf8' });
  assert.equal(other.status, 2);
  assert.match(other.stderr, /^csftrace: --threads: only jsonl is written on several threads \(not perfetto\)\n$/);
  const outs = ['1', '2'].map((t) => spawnSync(process.execPath, [cli, 'export', path, '--format', 'jsonl', '-o', '-', '--threads', t], { maxBuffer: 1 << 28 }));
  for (const o of outs) assert.equal(o.status, 0, String(o.stderr));
  assert.ok(outs[0]!.stdout.equals(outs[1]!.stdout));
  assert.ok(outs[0]!.stdout.length > 100_000);
});
