/**
 * Record overhead measured in back-to-back pairs: a simulation and a recording, each run by a worker
 * thread of its own (its own isolate, so the two never share the JIT's type feedback, as
 * `csftrace simulate` and `csftrace record` would not), alternating a few hundred ms apart. The
 * machine's speed drifts by 20% or more over seconds here; the two runs of a pair see the same
 * speed, so the median of the pairs' ratios holds still where ratios of best times taken at
 * different moments do not.
 *
 * The calling thread only starts runs and waits (Atomics.wait), so the process CPU time around a
 * run is that run's (its thread, the thread that writes its trace, GC helpers). As in
 * `csftrace record`, an offloaded recording's trace is written by a thread that is already up and
 * idle (a writer host of the runner's); whole processes are measured in format.ts.
 *
 * Run as a script: `node format-pairs.js <scenario> <virtual s> <quick|full> <tmpDir> <recorder>`,
 * prints one PairResult as JSON.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { applyOverrides, loadBuiltin, runModel, sec, simulate, type ScenarioConfig } from '../hw-model/index.js';
import { ChunkEncoder, tapeEvent } from '../proto/index.js';
import { recordScenario, serveTapes, traceHeaderFor, type TapeWriterData } from '../recorder/index.js';

/** The recorder variants whose overhead is measured. */
export const RECORDERS = ['event tape, lz4 HC in a writer thread', 'in-thread lz4 HC', 'event tape, lz4 fast in a writer thread'] as const;
/**
 * Where the time of a recording goes, in the simulation thread alone (no worker, no file): the
 * model with a sink that takes no notice of the events; the model writing every event onto a tape
 * (what an offloaded recording's simulation thread does); the model encoding every event into
 * chunks (what it would do without the tape).
 */
export const PARTS = ['model, events ignored', 'model + event tape', 'model + encode into chunks'] as const;
export type Recorder = typeof RECORDERS[number] | typeof PARTS[number];

/** runModel with the events written onto a tape of 64K words, over and over (no worker, no file). */
function tapeOnly(cfg: ScenarioConfig): number {
  const tape = new Float64Array(1 << 16);
  let i = 0;
  return runModel(cfg, {
    sinks: [{
      onEventParts(t, cause, body): void {
        i = tapeEvent(tape, i, t, cause, body);
        if (i > tape.length - 4096) i = 0;
      },
    }],
  }).events;
}

/** runModel with the events encoded into raw chunks that are dropped (no compression, no file). */
function encodeOnly(cfg: ScenarioConfig): number {
  const enc = new ChunkEncoder({ onChunk: () => { /* dropped */ } });
  return runModel(cfg, { sinks: [{ onEventParts(t, cause, body): void { enc.addParts(t, cause, body); } }] }).events;
}

/** Wall and CPU seconds of one run. */
export interface Cost { wall: number; cpu: number }
const NO_COST: Cost = { wall: Infinity, cpu: Infinity };

/**
 * Pairs measured per process (after two warm-up pairs), and processes per variant. Each process
 * has fresh isolates, whose JIT makes different choices: the same code's median moved by ±0.05
 * from one process to the next here (its runner threads' CPU time alone by ±0.1), so the figure
 * is the median of the pairs of several processes (more for the headline).
 */
export const PAIRS = 8;
export const PROCESSES = 3;
/** Processes for the headline (what `csftrace record` does): its median holds stiller with more. */
export const HEADLINE_PROCESSES = 5;

export interface PairResult {
  events: number;
  /** time(record) / time(simulate) of each pair, in order (wall). */
  ratios: number[];
  median: number;
  /** Median of the pairs' CPU ratios (whole process, all threads). */
  cpuMedian: number;
  cpuRatios: number[];
  /** The median of each process's pairs (mergePairs). */
  processMedians: number[];
  /** Best simulation, best recording. */
  sim: Cost;
  rec: Cost;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  // an empty sample: NaN
  return s.length % 2 ? s[(s.length - 1) >> 1]! : ((s[s.length / 2 - 1] ?? NaN) + (s[s.length / 2] ?? NaN)) / 2;
};

interface RunnerData { name: string; secs: number; tmpDir: string; variant: 'simulate' | Recorder; ctrl: SharedArrayBuffer }

/** Control words: [0] 1 = run requested, 0 = idle; [1] 2 = failed; [2] events of the last run. */
const REQ = 0, FAILED = 1, EVENTS = 2;

/** A runner thread: runs its variant each time [REQ] is set, then clears it. */
function runner(d: RunnerData): void {
  const ctrl = new Int32Array(d.ctrl);
  const cfg = applyOverrides(loadBuiltin(d.name), { duration: sec(d.secs) });
  const path = join(d.tmpDir, `${d.name}-${process.pid}-pair.csft`);
  const header = traceHeaderFor({ config: cfg, text: '', source: `builtin:${d.name}` });
  const v = d.variant;
  let host: Worker | undefined;
  const startWriter = (w: TapeWriterData): void => {
    if (host === undefined) {
      host = new Worker(new URL(import.meta.url), { workerData: { writerHost: true } });
      host.unref();
    }
    host.postMessage(w, [w.port]);
  };
  for (;;) {
    Atomics.wait(ctrl, REQ, 0);
    try {
      if (v === 'simulate') ctrl[EVENTS] = simulate(cfg).events;
      else if (v === 'model, events ignored') ctrl[EVENTS] = runModel(cfg, { sinks: [{ onEventParts(): void { /* ignored */ } }] }).events;
      else if (v === 'model + event tape') ctrl[EVENTS] = tapeOnly(cfg);
      else if (v === 'model + encode into chunks') ctrl[EVENTS] = encodeOnly(cfg);
      else {
        ctrl[EVENTS] = recordScenario(path, header, cfg, {
          offload: v !== 'in-thread lz4 HC', compression: v === 'event tape, lz4 fast in a writer thread' ? 'fast' : 'hc', startWriter,
        }).events;
      }
    } catch (e) {
      ctrl[FAILED] = 2;
      writeSync(2, `bench runner (${v}): ${String((e as Error)?.stack ?? e)}\n`);
    }
    rmSync(path, { force: true });
    Atomics.store(ctrl, REQ, 0);
    Atomics.notify(ctrl, REQ);
  }
}

class Runner {
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(16));
  private readonly worker: Worker;
  constructor(name: string, secs: number, tmpDir: string, variant: 'simulate' | Recorder) {
    const data: RunnerData = { name, secs, tmpDir, variant, ctrl: this.ctrl.buffer as SharedArrayBuffer };
    this.worker = new Worker(new URL(import.meta.url), { workerData: data });
    this.worker.unref();
  }
  /** One run, timed from here: wall and the process's CPU. */
  run(): Cost & { events: number } {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    Atomics.store(this.ctrl, REQ, 1);
    Atomics.notify(this.ctrl, REQ);
    while (Atomics.load(this.ctrl, REQ) === 1) Atomics.wait(this.ctrl, REQ, 1, 1000);
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    if (this.ctrl[FAILED] === 2) throw new Error('a benchmark runner failed');
    return { wall, cpu: (c.user + c.system) / 1e6, events: this.ctrl[EVENTS]! };
  }
  stop(): void { void this.worker.terminate(); }
}

/** The pairs of several processes as one result. */
export function mergePairs(rs: PairResult[]): PairResult {
  const first = rs[0];
  if (first === undefined) throw new Error('mergePairs: no process results');
  const ratios = rs.flatMap((r) => r.ratios), cpuRatios = rs.flatMap((r) => r.cpuRatios);
  const best = (k: 'sim' | 'rec'): Cost => ({ wall: Math.min(...rs.map((r) => r[k].wall)), cpu: Math.min(...rs.map((r) => r[k].cpu)) });
  return {
    events: first.events, ratios, median: median(ratios), cpuRatios, cpuMedian: median(cpuRatios),
    processMedians: rs.flatMap((r) => r.processMedians), sim: best('sim'), rec: best('rec'),
  };
}

/** Pairs of `variant` against simulate on one scenario. */
export function measurePairs(name: string, secs: number, quick: boolean, tmpDir: string, variant: Recorder): PairResult {
  const sim = new Runner(name, secs, tmpDir, 'simulate');
  const rec = new Runner(name, secs, tmpDir, variant);
  try {
    for (let i = 0; i < (quick ? 1 : 2); i++) { sim.run(); rec.run(); }
    const n = quick ? 1 : PAIRS;
    const ratios: number[] = [], cpuRatios: number[] = [];
    let bs: Cost = NO_COST, br: Cost = NO_COST;
    let events = 0;
    for (let i = 0; i < n; i++) {
      // the order alternates: neither variant always runs right after the other
      let s: Cost & { events: number }, r: Cost;
      if (i % 2 === 0) { s = sim.run(); r = rec.run(); } else { r = rec.run(); s = sim.run(); }
      ratios.push(r.wall / s.wall);
      cpuRatios.push(r.cpu / s.cpu);
      bs = { wall: Math.min(bs.wall, s.wall), cpu: Math.min(bs.cpu, s.cpu) };
      br = { wall: Math.min(br.wall, r.wall), cpu: Math.min(br.cpu, r.cpu) };
      events = s.events;
    }
    return { events, ratios, median: median(ratios), cpuMedian: median(cpuRatios), cpuRatios, processMedians: [median(ratios)], sim: bs, rec: br };
  } finally {
    sim.stop();
    rec.stop();
  }
}

if (!isMainThread && (workerData as { writerHost?: boolean }).writerHost === true) parentPort?.on('message', (w: TapeWriterData) => serveTapes(w));
else if (!isMainThread) runner(workerData as RunnerData);
else if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [name, secs, mode, tmpDir, variant] = process.argv.slice(2);
  if (name === undefined || tmpDir === undefined) throw new Error('usage: format-pairs.js <scenario> <virtual s> <quick|full> <tmpDir> <recorder>');
  process.stdout.write(JSON.stringify(measurePairs(name, Number(secs), mode === 'quick', tmpDir, variant as Recorder)) + '\n');
}
