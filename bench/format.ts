/**
 * Trace format benchmark, on drm-video-over-ui and stress:
 *  - size: .csft bytes/event beside the same events as plain length-delimited protobuf (absolute t),
 *    raw and lz4-compressed (1 MiB blocks), and as gzip'd JSON lines. Target ≤ 6 B/event.
 *  - record overhead: time(simulate + record to a file) / time(simulate). Target ≤ 1.15. The
 *    recorder encodes on the simulation thread and compresses (lz4 HC) in a worker when a core is
 *    free, in-thread otherwise (same bytes); the variants show where the time goes.
 *  - scan: events/s decoded from the .csft (iterate every event) beside lz4-decompress-only of the
 *    same chunks (the ceiling). Target ≥ 5M events/s.
 */
import { statSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { applyOverrides, loadBuiltin, sec, simulate, type ScenarioConfig } from '../hw-model/index.js';
import { coreLooksFree, recordScenario, traceHeaderFor } from '../recorder/index.js';
import { openTrace, eventToJson } from '../replayer/index.js';
import {
  Writer, encodeEvent, lz4Bound, lz4Compress, openContainer, readChunkBytes, bufferSource, type Event,
} from '../proto/index.js';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import type { Bench, BenchContext } from './registry.js';

function seconds(f: () => void): number {
  const t0 = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function minOf(n: number, f: () => number): number {
  let best = Infinity;
  for (let i = 0; i < n; i++) best = Math.min(best, f());
  return best;
}

/** Plain length-delimited protobuf of the events (absolute t), and its lz4 size in 1 MiB blocks. */
function plainSizes(events: Event[]): { raw: number; lz4: number } {
  const w = new Writer(1 << 20);
  let raw = 0, lz = 0;
  const out = new Uint8Array(lz4Bound(2 << 20));
  const flush = (): void => { raw += w.pos; lz += lz4Compress(w.buf.subarray(0, w.pos), out); w.reset(); };
  for (const ev of events) {
    const at = w.fork();
    encodeEvent(w, ev);
    w.ldelim(at);
    if (w.pos >= 1 << 20) flush();
  }
  if (w.pos) flush();
  return { raw, lz4: lz };
}

function jsonLinesGz(events: Event[]): number {
  const parts: string[] = [];
  for (let i = 0; i < events.length; i++) parts.push(JSON.stringify(eventToJson(events[i], i)));
  return gzipSync(parts.join('\n') + '\n', { level: 6 }).length;
}

async function run(ctx: BenchContext): Promise<void> {
  const runs: [string, number][] = ctx.quick
    ? [['drm-video-over-ui', 10], ['stress', 3]]
    : [['drm-video-over-ui', 600], ['stress', 40]];
  const reps = ctx.quick ? 1 : 3;
  // warm-up (JIT) of the model, the encoder and the reader
  const warm = applyOverrides(loadBuiltin('drm-video-over-ui'), { duration: sec(1) });
  const warmPath = join(ctx.tmpDir, 'warm.csft');
  for (const offload of [false, true]) recordScenario(warmPath, traceHeaderFor({ config: warm, text: '', source: 'bench' }), warm, { offload });
  const warmTrace = openTrace(warmPath);
  let warmEvents = 0;
  for (const ev of warmTrace.iterate()) warmEvents += ev.cause > 0 ? 1 : 0;
  warmTrace.forEach(() => { warmEvents++; });
  warmTrace.close();
  if (warmEvents < 0) throw new Error('unreachable');

  for (const [name, secs] of runs) {
    const cfg: ScenarioConfig = applyOverrides(loadBuiltin(name), { duration: sec(secs) });
    const path = join(ctx.tmpDir, `${name}.csft`);
    const header = traceHeaderFor({ config: cfg, text: '', source: `builtin:${name}` });

    // record overhead: alternate the runs, keep the best of each. `record` is what csftrace record
    // does (lz4 HC in a compression worker); the in-thread variants show where the time goes.
    let tSim = Infinity, tRec = Infinity, tInFast = Infinity, tInHc = Infinity, tWorker = Infinity, events = 0;
    const auto = coreLooksFree();
    for (let r = 0; r < reps; r++) {
      tSim = Math.min(tSim, seconds(() => { events = simulate(cfg).events; }));
      tInFast = Math.min(tInFast, seconds(() => { recordScenario(path, header, cfg, { offload: false, compression: 'fast' }); }));
      tInHc = Math.min(tInHc, seconds(() => { recordScenario(path, header, cfg, { offload: false, compression: 'hc' }); }));
      tWorker = Math.min(tWorker, seconds(() => { recordScenario(path, header, cfg, { offload: true, compression: 'hc' }); }));
      tRec = Math.min(tRec, seconds(() => { recordScenario(path, header, cfg, { offload: auto }); }));
    }
    const fastSize = (() => { recordScenario(path, header, cfg, { offload: false, compression: 'fast' }); return statSync(path).size; })();
    recordScenario(path, header, cfg);
    const size = statSync(path).size;
    ctx.note(`${name}: ${secs} s virtual, ${events} events, ${(size / 1024).toFixed(0)} KiB`);

    // size
    const tr = openTrace(path);
    const all = [...tr.iterate()];
    const plain = plainSizes(all);
    ctx.report(`${name}: .csft bytes/event`, size / events, 'B/event', '≤ 6');
    ctx.report(`${name}: .csft with lz4 fast chunks bytes/event`, fastSize / events, 'B/event');
    ctx.report(`${name}: plain length-delimited protobuf bytes/event`, plain.raw / events, 'B/event');
    ctx.report(`${name}: plain length-delimited protobuf + lz4 bytes/event`, plain.lz4 / events, 'B/event');
    ctx.report(`${name}: JSON lines + gzip bytes/event`, jsonLinesGz(all) / events, 'B/event');

    ctx.report(`${name}: record overhead time(sim+record)/time(sim)`, tRec / tSim, 'x', '≤ 1.15');
    ctx.report(`${name}: overhead, in-thread lz4 fast`, tInFast / tSim, 'x');
    ctx.report(`${name}: overhead, in-thread lz4 HC`, tInHc / tSim, 'x');
    ctx.report(`${name}: overhead, lz4 HC in a worker`, tWorker / tSim, 'x');
    ctx.note(`${name}: simulate ${(tSim * 1000).toFixed(0)} ms, record ${(tRec * 1000).toFixed(0)} ms ` +
      `(${((tRec - tSim) * 1e9 / events).toFixed(0)} ns/event; compression ${auto ? 'in a worker' : 'in-thread: no free core'}); ` +
      `load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`);

    // scan
    const tScan = minOf(reps, () => seconds(() => {
      const t = openTrace(path);
      let n = 0;
      t.forEach((ev) => { n += ev.cause & 1; });
      t.close();
      if (n < 0) throw new Error('unreachable');
    }));
    const tIter = minOf(reps, () => seconds(() => {
      const t = openTrace(path);
      let n = 0;
      for (const ev of t.iterate()) n += ev.cause & 1;
      t.close();
      if (n < 0) throw new Error('unreachable');
    }));
    const buf = readFileSync(path);
    const src = bufferSource(buf);
    const oc = openContainer(src);
    let scratch = new Uint8Array(1 << 20);
    const tLz4 = minOf(reps, () => seconds(() => {
      for (const c of oc.chunks) {
        if (scratch.length < c.rawSize) scratch = new Uint8Array(c.rawSize);
        readChunkBytes(src, c, false, scratch);
      }
    }));
    ctx.report(`${name}: scan (open + forEach), events decoded per second`, events / tScan, 'events/s', '≥ 5M');
    ctx.report(`${name}: scan (open + iterate), events decoded per second`, events / tIter, 'events/s');
    ctx.report(`${name}: lz4-decompress-only of the same chunks`, events / tLz4, 'events/s');
    tr.close();
    rmSync(path, { force: true });
  }
}

export const formatBench: Bench = { name: 'format', run };
