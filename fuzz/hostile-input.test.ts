/**
 * Hostile files in, nothing harmed out (the inputs): a hostile snapshot, header, chunk content,
 * index or scenario gives one line or a notice, within memory and time budgets; a slow reader
 * holds the output back. Each test starts from a minimal input and runs the CLI as the user does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  FrameKind, HeapOp, LIMITS, Writer, encodeContainer, encodeNote, lz4Bound, lz4Compress, lz4Decompress,
} from '../proto/index.js';
import { Sim } from '../hw-model/index.js';
import { parseScenario } from '../hw-model/index.js';
import { applyEvent, cloneState, decodeStateSnapshot, encodeStateSnapshot, initialState, memoryTrace } from '../replayer/index.js';
import { assemble, chunkParts, chunkPayload, parseFrames } from './mutate.js';
import { assertOneLineError, base, cli, dir, run, withHeader, withSnapshot, write, type SnapshotState } from './hostile-support.js';

// ─── 2. hostile snapshot ───────────────────────────────────────────────────────────────────

test('2: a hostile SNAPSHOT is one line naming what is wrong, in every replaying command', () => {
  const cases: [string, (s: SnapshotState) => unknown, RegExp][] = [
    ['groups-queues', (s) => { const g = Object.values(s.groups!)[0] as Record<string, unknown>; g.queues = 5; }, /groups\.\d+\.queues: expected an array/],
    ['slots-null', (s) => { s.slots = [null]; }, /state\.slots\.0: expected an object/],
    ['fw-pending', (s) => { (s.fw as Record<string, unknown>).pending = {}; }, /state\.fw\.pending: expected an array/],
    ['device-missing', (s) => { delete (s.device as Record<string, unknown>).watchdog; }, /state\.device\.watchdog: missing/],
    ['number-string', (s) => { (s.counters as Record<string, unknown>).families = ['x']; }, /state\.counters\.families\.0: expected a finite number/],
    ['proto-key', (s) => { s.heaps = JSON.parse('{"__proto__": {}}'); }, /state\.heaps\.__proto__\.id: missing/],
    ['not-object', () => [1, 2], /state: expected an object/],
  ];
  for (const [k, [name, edit, re]] of cases.entries()) {
    const p = withSnapshot(`snap-${name}.csft`, edit);
    const every = [['state', p], ['check', p], ['replay', p], ['trim', p, '--from', '0', '--to', '5', '-o', join(dir, `t-${name}.csft`)], ['events', p, '--where', 'state.mode=protected']];
    for (const args of k === 0 ? every : [every[k % every.length]!]) {
      const r = run(args);
      assertOneLineError(r, re);
      assert.match(r.err, /state snapshot does not hold a replayer state/);
    }
  }
});

test('2: a heap named __proto__ is a heap like any other: replayed, cloned, snapshotted; Object.prototype untouched', () => {
  const tr = memoryTrace({ producer: 'test' }, [
    { t: 1, body: { case: 'heap', value: { op: HeapOp.DMA_HEAP_ADD, heapName: '__proto__', heapCapacity: 4096 } } },
    { t: 2, body: { case: 'heap', value: { op: HeapOp.DMA_HEAP_BUFFER_ALLOC, heapName: '__proto__', size: 64, bufferId: 7 } } },
  ]);
  const s = initialState();
  tr.forEach((ev, i) => { applyEvent(s, ev, i); });
  assert.equal((Object.prototype as Record<string, unknown>).allocated, undefined);
  assert.equal(Object.getPrototypeOf(s.heaps), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(s.heaps, '__proto__')?.value.capacity, 4096);
  const back = decodeStateSnapshot({ eventIndex: 0, timeNs: 0, encoding: 1, state: encodeStateSnapshot(cloneState(s)) });
  assert.equal(Object.getOwnPropertyDescriptor(back.heaps, '__proto__')?.value.capacity, 4096);
});

// ─── 3. rerun and verify trust the header no more than record trusts its flags ──────────────

test('3: rerun/verify refuse a header duration beyond record\'s limit, one line', () => {
  const p = withHeader('long.csft', (h) => { h.durationNs = 1e18; });
  for (const args of [['rerun', p, '--policy', 'kbase', '-o', join(dir, 'long-rerun.csft')], ['verify', p]]) {
    assertOneLineError(run(args), /the header's duration \(1000000000000000000 ns\) is beyond the 1h that record accepts: not re-simulated/);
  }
  const deep = withHeader('deep.csft', (h) => { h.scenarioText = '['.repeat(20000) + ']'.repeat(20000); });
  assertOneLineError(run(['verify', deep]), /nested too deeply for a scenario/);
});

// ─── 4. events waits for a slow reader ─────────────────────────────────────────────────────

test('4: events | slow reader: the output waits for the reader instead of piling up in memory', async () => {
  // 600k small events: about 40 MB of text; the reader takes nothing for a second
  const evs = Array.from({ length: 600_000 }, (_, i) => ({ t: i, body: { case: 'doorbell' as const, value: { id: i & 7, csgMask: 1 } } }));
  const p = write('many.csft', encodeContainer({ producer: 'test' }, evs, { chunkEvents: 8192 }));
  const child = spawn(process.execPath, [cli, 'events', p], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pause();
  await new Promise((r) => setTimeout(r, 2500));
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  let bytes = 0;
  child.stdout.on('data', (b: Buffer) => { bytes += b.length; });
  child.stdout.resume();
  const code = await new Promise<number>((r) => child.on('close', (c) => r(c ?? -1)));
  assert.equal(code, 0);
  assert.ok(bytes > 20e6, `${bytes} bytes of output`);
  // with the reader stalled: about 70 MB when the output waits for it, 150 MB and growing when it piles up
  assert.ok(rssKb < 120_000, `RSS ${rssKb} kB while the reader was not reading (the whole output is ${(bytes / 1e6).toFixed(0)} MB)`);
});

// ─── 6. a chunk whose checksum passes but whose content does not decode ─────────────────────

test('6: an undecodable chunk is found by info and skipped by readers, with a notice; the chunks after it are read', () => {
  const p = parseFrames(new Uint8Array(readFileSync(base)));
  const k = p.frames.findIndex((f) => f.kind === FrameKind.CHUNK) + 1; // the second chunk
  const { entry, block } = chunkParts(p.frames[k]!.payload);
  const raw = new Uint8Array(entry.rawSize);
  lz4Decompress(block, raw);
  raw[raw.length >> 1] = 0xff; raw[(raw.length >> 1) + 1] = 0xff; // garbage inside an event: wire type 7
  const out = new Uint8Array(lz4Bound(raw.length));
  const clen = lz4Compress(raw, out);
  p.frames[k] = { kind: FrameKind.CHUNK, payload: chunkPayload(entry, out.subarray(0, clen)) };
  const bad = write('undecodable.csft', assemble(p, true));
  const info = run(['info', bad]);
  assert.equal(info.code, 1, info.err);
  assert.match(info.out, /integrity +DAMAGED/);
  assert.match(info.out, /! chunk 1 \(events 256\.\.511\) does not decode \(chunk at byte \d+: event \d+: .*\): its events from there on are skipped/);
  const events = run(['events', bad, '--json']);
  assert.equal(events.code, 0, events.err);
  assert.match(events.err, /^csftrace: .*undecodable\.csft: chunk 1 \(events 256\.\.511\) does not decode/m);
  const last = JSON.parse(events.out.trim().split('\n').pop()!) as { index: number };
  const total = JSON.parse(run(['info', base, '--json']).out) as { events: number };
  assert.equal(last.index, total.events - 1, 'the chunks after the bad one are read');
  for (const args of [['state', bad], ['check', bad], ['diff', base, bad]]) {
    const r2 = run(args);
    assert.ok(r2.code === 0 || r2.code === 1, `${args[0]}: ${r2.err}`);
    assert.match(r2.err, /does not decode/);
  }
});

// ─── 7. memory budgets ─────────────────────────────────────────────────────────────────────

test('7: budgets: too many index entries or notes is one line; a chunk claiming too many events is refused', () => {
  const p = parseFrames(new Uint8Array(readFileSync(base)));
  const many = write('many-chunks.csft', assemble(p, true, (ix) => {
    const c = ix.chunks[0];
    assert.ok(c, 'the base trace has chunks');
    ix.chunks = Array.from({ length: LIMITS.maxChunks + 1 }, () => c);
  }));
  assertOneLineError(run(['info', many]), /the trace has 131073 chunks: beyond the limit of 131072 this csftrace reads/);
  const q = parseFrames(new Uint8Array(readFileSync(base)));
  for (let i = 0; i <= LIMITS.maxNotes; i++) {
    const w = new Writer(16);
    encodeNote(w, { eventIndex: 1, text: 'n' });
    q.frames.push({ kind: FrameKind.NOTE, payload: w.finish() });
  }
  assertOneLineError(run(['events', write('many-notes.csft', assemble(q, true))]), /more than 4096 notes: beyond the limit/);
  // 300,000 empty events in a few hundred compressed bytes: far beyond any recording
  const bomb = encodeContainer({ producer: 'test' }, Array.from({ length: 300_000 }, () => ({})), { chunkEvents: 1 << 20 });
  const r = run(['info', write('bomb.csft', bomb)]);
  assert.equal(r.code, 1);
  assert.match(r.out, /claims 300000 events from \d+ compressed bytes \(beyond the limit of 32 per byte/);
});

// ─── 11. the rest ──────────────────────────────────────────────────────────────────────────

test('11: a stop is seen within 4096 simulation steps', () => {
  const sim = new Sim(1);
  let calls = 0;
  const tick = (): void => { sim.after(1, tick); };
  sim.after(1, tick);
  sim.run(20_000, () => { calls++; });
  assert.ok(calls >= 4, `onProgress called ${calls} times in 20,000 steps`);
});

test('11: info with a wall-clock value outside the Date range says so', () => {
  const p = withHeader('wallclock.csft', (h) => { h.wallClockUnixMs = 8.64e15 + 1; });
  const r = run(['info', p]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /recorded \(invalid wall-clock value 8640000000000001\)/);
});

test('11: deep YAML nesting, NUL and non-UTF-8 in scenario names are one line', () => {
  assert.throws(() => parseScenario(`apps: ${'['.repeat(20000)}${']'.repeat(20000)}`, 'deep.yaml'), /deep\.yaml: nested too deeply for a scenario/);
  const deep = write('deep.yaml', new TextEncoder().encode(`${'- '.repeat(5000)}x\n`));
  assertOneLineError(run(['simulate', '--scenario', deep]), /deep\.yaml/);
  const nul = write('nul.yaml', new TextEncoder().encode('name: "a\\0b"\napps: [{ kind: compositor }]\n'));
  assertOneLineError(run(['simulate', '--scenario', nul]), /nul\.yaml:1: name: holds a NUL byte \(at character 2\): names and descriptions are plain text/);
  const latin1 = write('latin1.yaml', Uint8Array.from([...new TextEncoder().encode('name: caf'), 0xe9, 0x0a]));
  assertOneLineError(run(['simulate', '--scenario', latin1]), /latin1\.yaml: not UTF-8 text \(a bad byte near byte 9\)/);
  const esc = write('esc.yaml', new TextEncoder().encode('name: "x\\e[2J"\napps: [{ kind: compositor }]\n'));
  assertOneLineError(run(['simulate', '--scenario', esc]), /esc\.yaml:1: name: holds control character U\+001B/);
  assert.ok(statSync(deep).isFile());
});
