/**
 * Trace format benchmark, on drm-video-over-ui and stress:
 *  - size: .csft bytes/event beside the same events as plain length-delimited protobuf (absolute t),
 *    raw and lz4-compressed (1 MiB blocks), and as gzip'd JSON lines. Target ≤ 6 B/event.
 *  - record overhead: time(simulate + record to a file) / time(simulate). Target ≤ 1.15. The
 *    recorder encodes on the simulation thread and compresses (lz4 HC) in a worker when a core is
 *    free, in-thread otherwise (same bytes); the variants show where the time goes. Runs alternate
 *    in rotating order after the same warm-up; best of 5 for wall time and, separately, for CPU
 *    time of the whole process (all threads: the worker's compression counts), since the machine
 *    may be shared.
 *  - scan: events/s decoded from the .csft (iterate every event) beside lz4-decompress-only of the
 *    same chunks (the ceiling). Target ≥ 5M events/s.
 */
import { statSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { applyOverrides, loadBuiltin, sec, simulate, type ScenarioConfig } from '../hw-model/index.js';
import { offloadByDefault, recordScenario, traceHeaderFor } from '../recorder/index.js';
import { openTrace, eventToJson } from '../replayer/index.js';
import {
  Writer, encodeEvent, lz4Bound, lz4Compress, openContainer, readChunkBytes, bufferSource, type Event,
} from '../proto/index.js';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import type { Bench, BenchContext } from './registry.js';

/** Wall and CPU seconds of one call. CPU is the whole process: every thread (the compression
 * worker, GC and compiler threads), so it is the honest cost on a shared machine. (No forced GC
 * between runs: a full collection throws away type feedback and slows the next run several-fold.) */
interface Cost { wall: number; cpu: number }
function measure(f: () => void): Cost {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  f();
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1e6 };
}
function seconds(f: () => void): number { return measure(f).wall; }
const best = (a: Cost, b: Cost): Cost => ({ wall: Math.min(a.wall, b.wall), cpu: Math.min(a.cpu, b.cpu) });
const NONE: Cost = { wall: Infinity, cpu: Infinity };

function minOf(n: number, f: () => number): number {
  let b = Infinity;
  for (let i = 0; i < n; i++) b = Math.min(b, f());
  return b;
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

/**
 * Each scenario is measured in a fresh process (this file run as a script): a scenario measured
 * after another one would inherit its grown heap (a young generation grown to 16 MiB by the size
 * figures' million retained events scans ~40% slower, out of the caches).
 */
async function run(ctx: BenchContext): Promise<void> {
  const runs: [string, number][] = ctx.quick
    ? [['drm-video-over-ui', 10], ['stress', 3]]
    : [['drm-video-over-ui', 600], ['stress', 40]];
  const self = fileURLToPath(import.meta.url);
  for (const [name, secs] of runs) {
    const r = spawnSync(process.execPath, [self, name, String(secs), ctx.quick ? 'quick' : 'full', ctx.tmpDir], { encoding: 'utf8', maxBuffer: 1 << 22 });
    if (r.status !== 0) throw new Error(`bench/format ${name} failed (${r.status ?? r.signal}): ${r.stderr}`);
    for (const line of r.stdout.split('\n')) {
      if (!line) continue;
      const m = JSON.parse(line) as { note?: string; report?: [string, number, string, string | undefined] };
      if (m.note !== undefined) ctx.note(m.note);
      else if (m.report) ctx.report(...m.report);
    }
  }
}

/** One scenario, in this process (the child of run()). */
function measureScenario(ctx: BenchContext, name: string, secs: number): void {
  const reps = ctx.quick ? 1 : 5;
  const auto = offloadByDefault();
  // warm-up (JIT) of the model, every recorder variant and the reader, on the same code paths as
  // the measured runs
  const warm = applyOverrides(loadBuiltin('drm-video-over-ui'), { duration: sec(ctx.quick ? 2 : 20) });
  const warmPath = join(ctx.tmpDir, `warm-${process.pid}.csft`);
  const warmHeader = traceHeaderFor({ config: warm, text: '', source: 'bench' });
  for (let i = 0; i < 2; i++) {
    simulate(warm);
    for (const compression of ['fast', 'hc'] as const) recordScenario(warmPath, warmHeader, warm, { offload: false, compression });
    recordScenario(warmPath, warmHeader, warm, { offload: true, compression: 'hc' });
  }
  const warmTrace = openTrace(warmPath);
  let warmEvents = 0;
  for (const ev of warmTrace.iterate()) warmEvents += ev.cause > 0 ? 1 : 0;
  warmTrace.forEach(() => { warmEvents++; });
  warmTrace.close();
  rmSync(warmPath, { force: true });
  if (warmEvents < 0) throw new Error('unreachable');

  const cfg: ScenarioConfig = applyOverrides(loadBuiltin(name), { duration: sec(secs) });
  const path = join(ctx.tmpDir, `${name}.csft`);
  const header = traceHeaderFor({ config: cfg, text: '', source: `builtin:${name}` });

  // record overhead: the runs alternate (rotating order), the best wall and the best CPU time of
  // each are kept. The headline is what csftrace record does here (lz4 HC, in a worker when a
  // core looks free, else in-thread); the other variants show where the time goes.
  let events = 0;
  const variants: [string, () => void][] = [
    ['simulate', () => { events = simulate(cfg).events; }],
    ['lz4 HC in a worker', () => { recordScenario(path, header, cfg, { offload: true, compression: 'hc' }); }],
    ['in-thread lz4 HC', () => { recordScenario(path, header, cfg, { offload: false, compression: 'hc' }); }],
    ['in-thread lz4 fast', () => { recordScenario(path, header, cfg, { offload: false, compression: 'fast' }); }],
  ];
  const headline = auto ? 1 : 2;
  const cost = variants.map(() => NONE);
  for (let r = 0; r < reps; r++) {
    for (let k = 0; k < variants.length; k++) {
      const i = (k + r) % variants.length;
      cost[i] = best(cost[i], measure(variants[i][1]));
    }
  }
  const fastSize = (() => { recordScenario(path, header, cfg, { offload: false, compression: 'fast' }); return statSync(path).size; })();
  recordScenario(path, header, cfg);
  const size = statSync(path).size;
  ctx.note(`${name}: ${secs} s virtual, ${events} events, ${(size / 1024).toFixed(0)} KiB`);

  // scan (measured before the size figures, which keep every event in memory)
  let scan = NONE;
  for (let r = 0; r < reps; r++) {
    scan = best(scan, measure(() => {
      const t = openTrace(path);
      let n = 0;
      t.forEach((ev) => { n += ev.cause & 1; });
      t.close();
      if (n < 0) throw new Error('unreachable');
    }));
  }
  const tOpen = minOf(reps, () => seconds(() => { openTrace(path).close(); }));
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

  // size
  const tr = openTrace(path);
  const all = [...tr.iterate()];
  tr.close();
  const plain = plainSizes(all);
  ctx.report(`${name}: .csft bytes/event`, size / events, 'B/event', '≤ 6');
  ctx.report(`${name}: .csft with lz4 fast chunks bytes/event`, fastSize / events, 'B/event');
  ctx.report(`${name}: plain length-delimited protobuf bytes/event`, plain.raw / events, 'B/event');
  ctx.report(`${name}: plain length-delimited protobuf + lz4 bytes/event`, plain.lz4 / events, 'B/event');
  ctx.report(`${name}: JSON lines + gzip bytes/event`, jsonLinesGz(all) / events, 'B/event');

  const sim = cost[0];
  ctx.report(`${name}: record overhead time(sim+record)/time(sim)`, cost[headline].wall / sim.wall, 'x', '≤ 1.15');
  ctx.note(`${name}: csftrace record here: ${auto ? 'lz4 HC in a worker' : 'in-thread lz4 HC (one core)'}`);
  for (let i = 1; i < variants.length; i++) {
    ctx.report(`${name}: overhead, ${variants[i][0]}, wall`, cost[i].wall / sim.wall, 'x');
    ctx.report(`${name}: overhead, ${variants[i][0]}, CPU (all threads)`, cost[i].cpu / sim.cpu, 'x');
  }
  const ns = (x: number, y: number): string => ((x - y) * 1e9 / events).toFixed(0);
  ctx.note(`${name}: simulate ${(sim.wall * 1000).toFixed(0)} ms wall / ${(sim.cpu * 1000).toFixed(0)} ms CPU (${(sim.cpu * 1e9 / events).toFixed(0)} ns/event); ` +
    `recording adds ${variants.slice(1).map(([l], i) => `${l} ${ns(cost[i + 1].wall, sim.wall)}/${ns(cost[i + 1].cpu, sim.cpu)}`).join(', ')} ns/event (wall/CPU); ` +
    `best of ${reps}; load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`);

  ctx.report(`${name}: scan (open + forEach), events decoded per second`, events / scan.wall, 'events/s', '≥ 5M');
  ctx.report(`${name}: scan (open + forEach) per CPU second (all threads)`, events / scan.cpu, 'events/s');
  ctx.report(`${name}: scan (open + iterate), events decoded per second`, events / tIter, 'events/s');
  ctx.report(`${name}: lz4-decompress-only of the same chunks`, events / tLz4, 'events/s');
  ctx.note(`${name}: open (index, every chunk's checksum) ${(tOpen * 1000).toFixed(1)} ms of the scan's ${(scan.wall * 1000).toFixed(0)} ms`);
  rmSync(path, { force: true });
}

export const formatBench: Bench = { name: 'format', run };

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [name, secs, mode, tmpDir] = process.argv.slice(2);
  const out = (m: unknown): void => { process.stdout.write(JSON.stringify(m) + '\n'); };
  measureScenario({
    tmpDir, quick: mode === 'quick',
    report: (n, value, unit, target) => out({ report: [n, value, unit, target] }),
    note: (text) => out({ note: text }),
  }, name, Number(secs));
}
