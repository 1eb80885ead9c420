/**
 * Trace format benchmark, on drm-video-over-ui and stress:
 *  - size: .csft bytes/event beside the same events as plain length-delimited protobuf (absolute t),
 *    raw and lz4-compressed (1 MiB blocks), and as gzip'd JSON lines. Target ≤ 6 B/event.
 *  - record overhead: time(simulate + record to a file) / time(simulate). Target ≤ 1.15. As users
 *    run it: whole `csftrace record` / `csftrace simulate` processes on stress (over a million
 *    events), and the fixed cost of record over simulate. Inside one process: the median of
 *    back-to-back pairs in several processes, each variant in a thread of its own
 *    (format-pairs.ts), for wall time and, separately, CPU time of the whole process (all threads:
 *    the writer's compression counts); what csftrace record does (the event tape and lz4 HC in a writer
 *    thread with two cores, in-thread otherwise) beside the other variants, and the model alone
 *    with its events ignored, written onto the tape or encoded, which show where the time goes.
 *  - scan: events/s decoded from the .csft (iterate every event) beside lz4-decompress-only of the
 *    same chunks (the ceiling). Target ≥ 5M events/s.
 */
import { statSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { applyOverrides, loadBuiltin, sec, type ScenarioConfig } from '../hw-model/index.js';
import { offloadByDefault, recordScenario, traceHeaderFor } from '../recorder/index.js';
import { openTrace, eventToJson } from '../replayer/index.js';
import {
  Writer, encodeEvent, lz4Bound, lz4Compress, openContainer, readChunkBytes, bufferSource, type Event,
} from '../proto/index.js';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import type { Bench, BenchContext } from './registry.js';
import { HEADLINE_PROCESSES, PARTS, PROCESSES, RECORDERS, median, mergePairs, type Cost, type PairResult, type Recorder } from './format-pairs.js';

/** Wall and CPU seconds of one call. CPU is the whole process: every thread (the compression
 * worker, GC and compiler threads), so it is the honest cost on a shared machine. (No forced GC
 * between runs: a full collection throws away type feedback and slows the next run several-fold.) */
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
  for (const [i, ev] of events.entries()) parts.push(JSON.stringify(eventToJson(ev, i)));
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
    : [['drm-video-over-ui', 40], ['stress', 15]]; // about a million events each (1.5M, 0.9M)
  const self = fileURLToPath(import.meta.url);
  const child = (args: string[]): string => {
    const r = spawnSync(process.execPath, [self, ...args], { encoding: 'utf8', maxBuffer: 1 << 22 });
    if (r.status !== 0) throw new Error(`bench/format ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
    return r.stdout;
  };
  const mode = ctx.quick ? 'quick' : 'full';
  for (const [name, secs] of runs) {
    for (const line of child(['sizes', name, String(secs), mode, ctx.tmpDir]).split('\n')) {
      if (!line) continue;
      const m = JSON.parse(line) as { note?: string; report?: [string, number, string, string | undefined] };
      if (m.note !== undefined) ctx.note(m.note);
      else if (m.report) ctx.report(...m.report);
    }
    // record overhead: back-to-back pairs (bench/format-pairs.ts), one process per variant
    const pairsScript = fileURLToPath(new URL('./format-pairs.js', import.meta.url));
    const headline = offloadByDefault() ? 0 : 1;
    const measure = (v: Recorder): PairResult => mergePairs(Array.from({ length: ctx.quick ? 1 : v === RECORDERS[headline] ? HEADLINE_PROCESSES : PROCESSES }, () => {
      const r = spawnSync(process.execPath, [pairsScript, name, String(secs), mode, ctx.tmpDir, v], { encoding: 'utf8', maxBuffer: 1 << 22 });
      if (r.status !== 0) throw new Error(`bench/format-pairs ${name} ${v} failed (${r.status ?? r.signal}): ${r.stderr}`);
      return JSON.parse(r.stdout) as PairResult;
    }));
    const pairs = RECORDERS.map(measure);
    const h = pairs[headline]!; // one result per recorder
    ctx.report(`${name}: record overhead time(sim+record)/time(sim)`, h.median, 'x', '≤ 1.15');
    ctx.note(`${name}: csftrace record here: ${RECORDERS[headline]}; median of ${h.ratios.length} pairs in ${h.processMedians.length} processes (their medians: ${h.processMedians.map((x) => x.toFixed(3)).join(' ')}): ${h.ratios.map((x) => x.toFixed(2)).join(' ')}`);
    for (const [i, p] of pairs.entries()) {
      ctx.report(`${name}: overhead, ${RECORDERS[i]}, wall`, p.median, 'x');
      ctx.report(`${name}: overhead, ${RECORDERS[i]}, CPU (all threads)`, p.cpuMedian, 'x');
    }
    for (const v of PARTS) ctx.report(`${name}: where it goes: ${v}, wall / simulate`, measure(v).median, 'x');
    ctx.note(`${name}: ${h.events} events; best simulate ${(h.sim.wall * 1000).toFixed(0)} ms wall / ${(h.sim.cpu * 1000).toFixed(0)} ms CPU (${(h.sim.wall * 1e9 / h.events).toFixed(0)} ns/event); ` +
      `best recording ${pairs.map((p, i) => `${RECORDERS[i]} ${(p.rec.wall * 1000).toFixed(0)}/${(p.rec.cpu * 1000).toFixed(0)}`).join(', ')} ms (wall/CPU); ` +
      `load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`);
  }
  wholeProcess(ctx);
}

/**
 * Record overhead as users run it: `csftrace record` and `csftrace simulate` as whole processes
 * (start-up, module loading, the record command's threads, fsync), alternating, on the same stress
 * run of over a million events; and the fixed cost of record over simulate, from runs of 10 ms of
 * virtual time (a few hundred events).
 */
function wholeProcess(ctx: BenchContext): void {
  const cli = fileURLToPath(new URL('../cli/main.js', import.meta.url));
  const out = join(ctx.tmpDir, 'whole.csft');
  const wall = (args: string[]): number => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 22 });
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.status !== 0) throw new Error(`csftrace ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
    return s;
  };
  /** Pairs (simulate, record) in alternating order: their wall times. */
  const pairs = (duration: string, n: number): { sim: number[]; rec: number[] } => {
    const run = ['--scenario', 'stress', '--duration', duration];
    const sim: number[] = [], rec: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = (): void => { sim.push(wall(['simulate', ...run])); };
      const r = (): void => { rec.push(wall(['record', ...run, '-o', out])); };
      if (i % 2 === 0) { s(); r(); } else { r(); s(); }
    }
    return { sim, rec };
  };
  const secs = ctx.quick ? '3s' : '40s';
  const big = pairs(secs, ctx.quick ? 1 : 7);
  const events = openTrace(out);
  const n = events.eventCount;
  events.close();
  const ratios = big.rec.map((r, i) => r / big.sim[i]!); // one simulation per recording
  ctx.report(`stress ${secs} (${(n / 1e6).toFixed(2)}M events): whole-process record / simulate`, median(ratios), 'x', '≤ 1.15');
  ctx.note(`whole processes, stress ${secs}: simulate ${big.sim.map((x) => x.toFixed(2)).join(' ')} s; record ${big.rec.map((x) => x.toFixed(2)).join(' ')} s (pairs' ratios ${ratios.map((x) => x.toFixed(2)).join(' ')})`);
  const small = pairs('10ms', ctx.quick ? 1 : 7);
  const fixed = small.rec.map((r, i) => r - small.sim[i]!);
  ctx.report('whole-process fixed cost of record over simulate (stress 10 ms)', median(fixed), 's', '≤ 0.15');
  ctx.note(`whole processes, stress 10 ms: simulate median ${median(small.sim).toFixed(3)} s, record ${median(small.rec).toFixed(3)} s; load average ${loadavg()[0]!.toFixed(1)}`);
  rmSync(out, { force: true });
}

/** Size and scan figures of one scenario, in this process (a child of run()). */
function measureScenario(ctx: BenchContext, name: string, secs: number): void {
  const reps = ctx.quick ? 1 : 5;
  // warm-up (JIT) of the reader, on the same code paths as the measured runs
  const warm = applyOverrides(loadBuiltin('drm-video-over-ui'), { duration: sec(ctx.quick ? 2 : 20) });
  const warmPath = join(ctx.tmpDir, `warm-${process.pid}.csft`);
  recordScenario(warmPath, traceHeaderFor({ config: warm, text: '', source: 'bench' }), warm);
  for (let i = 0; i < 2; i++) {
    const warmTrace = openTrace(warmPath);
    let warmEvents = 0;
    for (const ev of warmTrace.iterate()) warmEvents += ev.cause > 0 ? 1 : 0;
    warmTrace.forEach(() => { warmEvents++; });
    warmTrace.close();
    if (warmEvents < 0) throw new Error('unreachable');
  }
  rmSync(warmPath, { force: true });

  const cfg: ScenarioConfig = applyOverrides(loadBuiltin(name), { duration: sec(secs) });
  const path = join(ctx.tmpDir, `${name}.csft`);
  const header = traceHeaderFor({ config: cfg, text: '', source: `builtin:${name}` });
  const fastSize = (() => { recordScenario(path, header, cfg, { offload: false, compression: 'fast' }); return statSync(path).size; })();
  const events = recordScenario(path, header, cfg).events;
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

  ctx.report(`${name}: scan (open + forEach), events decoded per second`, events / scan.wall, 'events/s', '≥ 5M');
  ctx.report(`${name}: scan (open + forEach) per CPU second (all threads)`, events / scan.cpu, 'events/s');
  ctx.report(`${name}: scan (open + iterate), events decoded per second`, events / tIter, 'events/s');
  ctx.report(`${name}: lz4-decompress-only of the same chunks`, events / tLz4, 'events/s');
  ctx.note(`${name}: open (index, every chunk's checksum) ${(tOpen * 1000).toFixed(1)} ms of the scan's ${(scan.wall * 1000).toFixed(0)} ms`);
  rmSync(path, { force: true });
}

export const formatBench: Bench = { name: 'format', run };

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // `sizes <scenario> <virtual s> <quick|full> <tmpDir>`: the size and scan figures of one scenario
  const [, name, secs, mode, tmpDir] = process.argv.slice(2);
  if (name === undefined || tmpDir === undefined) throw new Error('usage: format.js sizes <scenario> <virtual s> <quick|full> <tmpDir>');
  const out = (m: unknown): void => { process.stdout.write(JSON.stringify(m) + '\n'); };
  measureScenario({
    tmpDir, quick: mode === 'quick',
    report: (n, value, unit, target) => out({ report: [n, value, unit, target] }),
    note: (text) => out({ note: text }),
  }, name, Number(secs));
}
