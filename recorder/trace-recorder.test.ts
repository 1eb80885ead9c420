/**
 * The recorder writes a file the reader opens: complete recordings through the index, and a
 * recording killed with SIGKILL up to its last flushed chunk. Events come from a synthetic bus
 * (the same emit rules as hw-model's TracepointBus).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Writer, encodeEvent, openContainer, bufferSource, readChunkBytes, decodeChunkEvents,
  type Event, type EventInit, type OpenedContainer,
} from '../proto/index.js';
import { TraceRecorder } from './index.js';
import { syntheticEvent } from './synthetic.testutil.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));

function emitInto(sink: { onEvent(ev: EventInit, i: number): void }, n: number): void {
  for (let i = 0; i < n; i++) {
    const ev = syntheticEvent(i);
    ev.t = i * 1000 + (i % 3) * 7;
    ev.cause = i % 4 === 2 ? 1 : 0;
    sink.onEvent(ev, i);
  }
}

/** Opens a trace file with the container reader (the recorder may not import the replayer). */
function openTrace(path: string): OpenedContainer & { iterate(): Event[]; close(): void } {
  const buf = readFileSync(path);
  const src = bufferSource(buf);
  const oc = openContainer(src);
  return {
    ...oc,
    iterate() {
      const out: Event[] = [];
      for (const c of oc.chunks) decodeChunkEvents(readChunkBytes(src, c, true), c, out);
      return out;
    },
    close() { /* in memory */ },
  };
}

function enc(ev: EventInit): string {
  const w = new Writer();
  encodeEvent(w, ev);
  return Buffer.from(w.finish()).toString('hex');
}

test('a recording opens through its index with every event', () => {
  const dir = mkdtempSync(join(tmpdir(), 'csft-rec-'));
  try {
    const path = join(dir, 'a.csft');
    const flushes: number[] = [];
    const rec = TraceRecorder.create(path, { scenarioName: 'synthetic', seed: 3 }, { chunkEvents: 1000, onFlush: (r) => flushes.push(r.events) });
    emitInto(rec, 4500);
    assert.deepEqual(flushes, [1000, 2000, 3000, 4000]);
    rec.close();
    rec.close(); // idempotent
    const tr = openTrace(path);
    assert.equal(tr.eventCount, 4500);
    assert.equal(tr.indexed, true);
    assert.deepEqual(tr.notices, []);
    assert.equal(tr.header.scenarioName, 'synthetic');
    let i = 0;
    for (const ev of tr.iterate()) {
      const want = syntheticEvent(i);
      want.t = i * 1000 + (i % 3) * 7;
      want.cause = i % 4 === 2 ? 1 : 0;
      assert.equal(ev.t, want.t);
      assert.equal(enc(ev), enc(want), `event ${i}`);
      i++;
    }
    assert.equal(i, 4500);
    tr.close();
    // the same events give the same bytes, also when a worker compresses and writes
    const path2 = join(dir, 'b.csft');
    const rec2 = TraceRecorder.create(path2, { scenarioName: 'synthetic', seed: 3 }, { chunkEvents: 1000, offload: true });
    emitInto(rec2, 4500);
    rec2.close();
    assert.equal(rec2.events, 4500);
    assert.equal(rec2.chunks, 5);
    assert.equal(rec2.bytes, readFileSync(path2).length);
    assert.equal(Buffer.compare(readFileSync(path), readFileSync(path2)), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a recording far ahead of its starting worker waits for it and still gives the same bytes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'csft-rec-'));
  try {
    // 150 chunks are sealed before the worker can have started: the recording blocks at the
    // in-flight limit instead of queueing them all
    const paths = [join(dir, 'in-thread.csft'), join(dir, 'worker.csft')];
    for (const [k, offload] of [false, true].entries()) {
      const rec = TraceRecorder.create(paths[k], { scenarioName: 'synthetic' }, { chunkEvents: 20, offload });
      emitInto(rec, 3000);
      rec.close();
      assert.equal(rec.chunks, 150);
      assert.equal(rec.bytes, readFileSync(paths[k]).length);
    }
    assert.equal(Buffer.compare(readFileSync(paths[0]), readFileSync(paths[1])), 0);
    assert.equal(openTrace(paths[1]).eventCount, 3000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('chunks larger than a ring slot reach the worker as copies, in order with the others', () => {
  const dir = mkdtempSync(join(tmpdir(), 'csft-rec-'));
  try {
    // chunks of 300 log events: every third one of 2 KiB messages (600 KiB raw, more than a slot)
    const paths = [join(dir, 'in-thread.csft'), join(dir, 'worker.csft')];
    for (const [k, offload] of [false, true].entries()) {
      const rec = TraceRecorder.create(paths[k], { scenarioName: 'synthetic' }, { chunkEvents: 300, offload });
      for (let i = 0; i < 3000; i++) {
        const big = Math.floor(i / 300) % 3 === 1;
        rec.onEventParts(i * 100, i % 5 === 0 ? 1 : 0, { case: 'log', value: { level: 1, msg: `${i}:` + (big ? 'x'.repeat(2048) : 'y'), source: 'test' } }, i);
      }
      rec.close();
      assert.equal(rec.chunks, 10);
    }
    assert.equal(Buffer.compare(readFileSync(paths[0]), readFileSync(paths[1])), 0);
    const tr = openTrace(paths[1]);
    const evs = tr.iterate();
    assert.equal(evs.length, 3000);
    assert.ok(tr.chunks.some((c) => c.rawSize > 512 * 1024) && tr.chunks.some((c) => c.rawSize < 512 * 1024));
    assert.deepEqual([0, 299, 300, 1799, 2999].map((i) => (evs[i].body.value as { msg: string }).msg.split(':')[0]), ['0', '299', '300', '1799', '2999']);
    assert.equal(evs[2999].t, 299900);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('after kill -9, every flushed chunk is readable and a notice says the rest is lost', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'csft-kill-'));
  try {
    const path = join(dir, 'killed.csft');
    // A child records forever, reporting each flush; it is killed with SIGKILL after the 5th.
    const script = `
      import { TraceRecorder } from ${JSON.stringify(`${repo}dist/recorder/index.js`)};
      import { syntheticEvent } from ${JSON.stringify(`${repo}dist/recorder/synthetic.testutil.js`)};
      const rec = TraceRecorder.create(${JSON.stringify(path)}, { scenarioName: 'killed' }, {
        chunkEvents: 500, onFlush: (r) => process.stdout.write('flushed ' + r.events + '\\n') });
      for (let i = 0; ; i++) {
        const ev = syntheticEvent(i); ev.t = i * 1000; ev.cause = 0; rec.onEvent(ev, i);
        if (i % 500 === 250) await new Promise((r) => setTimeout(r, 1));
      }`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let flushed = 0;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = [...out.matchAll(/flushed (\d+)/g)];
        if (m.length >= 5 && flushed === 0) {
          flushed = Number(m[m.length - 1][1]);
          child.kill('SIGKILL');
        }
      });
      child.on('exit', () => resolve());
      child.on('error', reject);
    });
    assert.ok(flushed >= 2500);
    const tr = openTrace(path);
    assert.equal(tr.indexed, false);
    assert.ok(tr.eventCount >= flushed, `${tr.eventCount} >= ${flushed}`);
    assert.equal(tr.eventCount % 500, 0);
    assert.match(tr.notices.join('\n'), /no index|recovered/);
    let i = 0;
    for (const ev of tr.iterate()) {
      const want = syntheticEvent(i);
      want.t = i * 1000;
      assert.equal(enc(ev), enc(want), `event ${i}`);
      i++;
    }
    tr.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
