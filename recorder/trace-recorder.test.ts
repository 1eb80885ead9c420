/**
 * The recorder writes a file the reader opens: complete recordings through the index, and a
 * recording killed with SIGKILL up to its last flushed chunk. Events come from a synthetic bus
 * (the same emit rules as hw-model's TracepointBus).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Writer, encodeEvent, openContainer, bufferSource, readChunkBytes, decodeChunkEvents,
  type Event, type EventInit, type OpenedContainer,
} from '../proto/index.js';
import { applyOverrides, loadBuiltin, sec } from '../hw-model/index.js';
import { MemoryOutput, TraceRecorder, recordScenario, traceHeaderFor } from './index.js';
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
    // and in memory (a fuzz or sweep run's trace): the same bytes, in one array; offload is refused
    const mem = new MemoryOutput('run x');
    const rec3 = TraceRecorder.create(mem, { scenarioName: 'synthetic', seed: 3 }, { chunkEvents: 1000 });
    emitInto(rec3, 4500);
    rec3.close();
    assert.equal(rec3.bytes, mem.bytes().length);
    assert.equal(Buffer.compare(readFileSync(path), mem.bytes()), 0);
    assert.equal(mem.bytes(), mem.bytes()); // joined once
    assert.throws(() => TraceRecorder.create(new MemoryOutput('run y'), { scenarioName: 'synthetic' }, { offload: true }),
      { name: 'RecorderError', message: 'run y: a trace in memory is recorded in-thread only' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a recording far ahead of its starting worker waits for it and still gives the same bytes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'csft-rec-'));
  try {
    // a flush every 20 events publishes 150 tape slots before the worker can have started: the
    // recording blocks at the in-flight limit (32 slots) instead of queueing them all
    const inThread = join(dir, 'in-thread.csft'), worker = join(dir, 'worker.csft');
    for (const [path, offload] of [[inThread, false], [worker, true]] as const) {
      const rec = TraceRecorder.create(path, { scenarioName: 'synthetic' }, { chunkEvents: 1000, offload });
      for (let i = 0; i < 3000; i++) {
        const ev = syntheticEvent(i);
        ev.t = i * 1000;
        rec.onEvent(ev, i);
        if (i % 20 === 19) rec.flush();
      }
      rec.close();
      assert.equal(rec.events, 3000);
      assert.equal(rec.chunks, 150);
      assert.equal(rec.lastTimeNs, 2999000);
      assert.equal(rec.bytes, readFileSync(path).length);
    }
    assert.equal(Buffer.compare(readFileSync(inThread), readFileSync(worker)), 0);
    assert.equal(openTrace(worker).eventCount, 3000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('events that fill tape slots, and events larger than a slot, keep their order and bytes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'csft-rec-'));
  try {
    // messages of 1 to 9 KiB fill a slot (65536 words) every few dozen events, so events end just
    // before, at and past its end; two events of 70,000 characters are larger than a slot
    const inThread = join(dir, 'in-thread.csft'), worker = join(dir, 'worker.csft');
    const msg = (i: number): string => `${i}:` + (i === 1500 || i === 1501 ? 'z'.repeat(70_000) : 'x'.repeat(1024 * (1 + (i * 7) % 9)));
    for (const [path, offload] of [[inThread, false], [worker, true]] as const) {
      const rec = TraceRecorder.create(path, { scenarioName: 'synthetic' }, { chunkEvents: 300, offload });
      for (let i = 0; i < 3000; i++) {
        rec.onEventParts(i * 100, i % 5 === 0 ? 1 : 0, { case: 'log', value: { level: 1, msg: msg(i), source: 'test' } }, i);
      }
      rec.close();
      assert.equal(rec.events, 3000);
      assert.ok(rec.chunks >= 10, `${rec.chunks} chunks`);
    }
    assert.equal(Buffer.compare(readFileSync(inThread), readFileSync(worker)), 0);
    const evs = openTrace(worker).iterate();
    assert.equal(evs.length, 3000);
    for (const i of [0, 299, 300, 1499, 1500, 1501, 1502, 2999]) {
      assert.equal((evs[i]?.body.value as { msg: string }).msg, msg(i), `event ${i}`);
    }
    assert.equal(evs[2999]?.t, 299900);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('recordings to /dev/null, and to standard output as a pipe, in both modes', () => {
  for (const offload of [false, true]) {
    const rec = TraceRecorder.create('/dev/null', { scenarioName: 'synthetic' }, { offload });
    emitInto(rec, 2000);
    rec.close(); // no fsync error: a character device cannot be synced
    assert.equal(rec.events, 2000);
    assert.equal(rec.chunks, 1);
  }
  // `-` is standard output; a child records there into a pipe, and the bytes are those of a file
  const dir = mkdtempSync(join(tmpdir(), 'csft-rec-'));
  try {
    const ref = join(dir, 'ref.csft');
    const r0 = TraceRecorder.create(ref, { scenarioName: 'synthetic', seed: 9 }, { chunkEvents: 700 });
    emitInto(r0, 5000);
    r0.close();
    for (const offload of [false, true]) {
      const script = `
        import { TraceRecorder } from ${JSON.stringify(`${repo}dist/recorder/index.js`)};
        import { syntheticEvent } from ${JSON.stringify(`${repo}dist/recorder/synthetic.testutil.js`)};
        process.stdout; // a pipe made non-blocking by Node: the recorder still writes all of it
        const rec = TraceRecorder.create('-', { scenarioName: 'synthetic', seed: 9 }, { chunkEvents: 700, offload: ${offload} });
        for (let i = 0; i < 5000; i++) {
          const ev = syntheticEvent(i); ev.t = i * 1000 + (i % 3) * 7; ev.cause = i % 4 === 2 ? 1 : 0; rec.onEvent(ev, i);
        }
        rec.close();
        process.stderr.write(rec.chunks + ' ' + rec.bytes);`;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { maxBuffer: 64 << 20 });
      assert.equal(r.status, 0, r.stderr.toString());
      assert.equal(r.stderr.toString(), `8 ${r.stdout.length}`);
      assert.equal(Buffer.compare(readFileSync(ref), r.stdout), 0, `offload ${offload}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the recorder never writes through a symbolic link, nor into a directory, whatever the CLI checked before', () => {
  const dir = mkdtempSync(join(tmpdir(), 'csft-rec-'));
  try {
    const victim = join(dir, 'victim.txt'), link = join(dir, 'link.csft');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, link);
    for (const offload of [false, true]) {
      assert.throws(() => TraceRecorder.create(link, { scenarioName: 'synthetic' }, { offload }),
        (e: Error) => e.name === 'RecorderError' && e.message === `${link}: is a symbolic link: the trace is not written through it`);
    }
    assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
    assert.throws(() => TraceRecorder.create(dir, { scenarioName: 'synthetic' }), (e: Error) => e.name === 'RecorderError' && e.message.startsWith(`${dir}: cannot create the trace (EISDIR)`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('after kill -9, every chunk written is readable and a notice says the rest is lost (both modes)', async () => {
  for (const offload of [false, true]) await killedRecording(offload);
});

async function killedRecording(offload: boolean): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'csft-kill-'));
  try {
    const path = join(dir, 'killed.csft');
    // A child records forever, reporting the events in the chunks written so far; it is killed
    // with SIGKILL once five or more chunks are written.
    const script = `
      import { TraceRecorder } from ${JSON.stringify(`${repo}dist/recorder/index.js`)};
      import { syntheticEvent } from ${JSON.stringify(`${repo}dist/recorder/synthetic.testutil.js`)};
      const rec = TraceRecorder.create(${JSON.stringify(path)}, { scenarioName: 'killed' }, { chunkEvents: 500, offload: ${offload} });
      let said = 0;
      for (let i = 0; ; i++) {
        const ev = syntheticEvent(i); ev.t = i * 1000; ev.cause = 0; rec.onEvent(ev, i);
        if (i % 500 === 250) {
          if (rec.chunks !== said) { said = rec.chunks; process.stdout.write('flushed ' + said * 500 + '\\n'); }
          await new Promise((r) => setTimeout(r, 1));
        }
      }`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let flushed = 0;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const last = [...out.matchAll(/flushed (\d+)/g)].at(-1);
        if (last !== undefined && Number(last[1]) >= 2500 && flushed === 0) {
          flushed = Number(last[1]);
          child.kill('SIGKILL');
        }
      });
      child.on('exit', () => resolve());
      child.on('error', reject);
    });
    assert.ok(flushed >= 2500, `offload ${offload}: ${flushed}`);
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
}

test('a recording stopped early (shouldStop) or abandoned keeps what it handed the worker', () => {
  const dir = mkdtempSync(join(tmpdir(), 'csft-rec-'));
  try {
    // stopped by the caller: the file is closed with its index, the same bytes in both modes
    const config = applyOverrides(loadBuiltin('stress'), { duration: sec(20) });
    const header = traceHeaderFor({ config, text: '', source: 'builtin:stress' });
    const inThread = join(dir, 'stop-in-thread.csft'), worker = join(dir, 'stop-worker.csft');
    const stopEarly = (path: string, offload: boolean): ReturnType<typeof recordScenario> => {
      let polls = 0;
      // the loop polls every 4096 simulation steps: 64 polls are about 260,000 steps
      return recordScenario(path, header, config, { offload, shouldStop: () => ++polls > 63 });
    };
    const inThreadResult = stopEarly(inThread, false), workerResult = stopEarly(worker, true);
    for (const r of [inThreadResult, workerResult]) {
      assert.equal(r.stopped, true);
      assert.equal(r.sim, undefined);
      assert.ok(r.events > 50_000, `${r.events} events`);
    }
    assert.equal(inThreadResult.events, workerResult.events);
    assert.equal(Buffer.compare(readFileSync(inThread), readFileSync(worker)), 0);
    const stopped = openTrace(worker);
    assert.equal(stopped.indexed, true);
    assert.equal(stopped.eventCount, workerResult.events);
    // abandoned (an error path): no index, and every event flushed to the worker is in the file
    const path = join(dir, 'abandoned.csft');
    const rec = TraceRecorder.create(path, { scenarioName: 'synthetic' }, { chunkEvents: 500, offload: true });
    emitInto(rec, 3000);
    rec.flush();
    emitInto({ onEvent: (ev, i) => rec.onEvent({ ...ev, t: 3_000_000 + i }, i) }, 100);
    rec.abandon();
    const tr = openTrace(path);
    assert.equal(tr.indexed, false);
    assert.equal(tr.eventCount, 3000);
    assert.match(tr.notices.join('\n'), /no index|recovered/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
