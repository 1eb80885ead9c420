/**
 * One recording: runs a scenario through the model with a TraceRecorder subscribed to the
 * tracepoints, and closes the file. The header carries everything needed to re-simulate the run
 * (scenario text, seed, policies, duration, model version) and no wall-clock time unless asked.
 *
 *   ScenarioConfig ─► simulate(cfg, { sinks: [stopCheck?, recorder] }) ─► recorder.close()
 *
 * `shouldStop` (polled every 4096 events) lets the caller end a recording early (SIGINT): the run
 * unwinds and the file is closed with its index, holding every event up to that point.
 */
import { availableParallelism, loadavg } from 'node:os';
import {
  simulate, MODEL_VERSION, type ScenarioConfig, type SimResult, type TraceSink,
} from '../hw-model/index.js';
import type { Compression, EventInit, TraceHeaderInit } from '../proto/index.js';
import { TraceRecorder } from './trace-recorder.js';

export const PRODUCER = 'csftrace 0.1.0';

export interface HeaderInputs {
  config: ScenarioConfig;
  /** The scenario YAML the run was made from (a built-in's text or the file's). */
  text: string;
  /** Where it came from: `builtin:<name>` or the file's base name (never an absolute path). */
  source: string;
  /** Record the wall-clock time of the recording (off by default: it breaks byte-identity). */
  wallClock?: boolean;
  /** Wall-clock ms, read by the caller (the recorder itself never reads the clock). */
  nowMs?: number;
}

/** The TraceHeader of a recording of `config`. */
export function traceHeaderFor(h: HeaderInputs): TraceHeaderInit {
  const c = h.config;
  return {
    producer: PRODUCER,
    modelVersion: MODEL_VERSION,
    scenarioName: c.name,
    scenarioText: h.text,
    seed: c.seed,
    policy: c.driver.protmPolicy,
    heapPolicy: c.driver.heapPolicy,
    heapNameSource: c.driver.heapNameSource,
    durationNs: c.duration,
    metadata: { source: h.source },
    wallClockUnixMs: h.wallClock ? (h.nowMs ?? 0) : 0,
  };
}

export interface RecordProgress {
  /** Virtual time reached. */
  now: number;
  duration: number;
  events: number;
  /** Bytes in the file so far. */
  bytes: number;
}

export interface RecordOptions {
  chunkEvents?: number;
  /**
   * Compress and write in a worker thread, so that the simulation thread only encodes. 'auto' (the
   * default) does so when a core looks free (load average below the core count minus one): the
   * bytes are the same either way, only the wall time differs.
   */
  offload?: boolean | 'auto';
  compression?: Compression;
  onProgress?: (p: RecordProgress) => void;
  /** Polled every 4096 events; true ends the recording early (the file is still closed properly). */
  shouldStop?: () => boolean;
}

export interface RecordResult {
  path: string;
  events: number;
  bytes: number;
  chunks: number;
  lastTimeNs: number;
  /** True when shouldStop ended the run early. */
  stopped: boolean;
  /** The model's run result (absent when stopped early). */
  sim?: SimResult;
}

/** True when another core is probably idle (a compression worker would run in parallel). */
export function coreLooksFree(): boolean {
  const cores = availableParallelism();
  return cores >= 2 && loadavg()[0] < cores - 1;
}

/** Thrown through the model by the stop check; caught here. */
class RecordingStopped extends Error {}

class StopCheck implements TraceSink {
  constructor(private readonly shouldStop: () => boolean) {}
  onEvent(_ev: EventInit, index: number): void {
    if ((index & 4095) === 4095 && this.shouldStop()) throw new RecordingStopped('stopped');
  }
}

/** Records `config` into `path` (created or truncated). */
export function recordScenario(path: string, header: TraceHeaderInit, config: ScenarioConfig, opts: RecordOptions = {}): RecordResult {
  const offload = opts.offload === undefined || opts.offload === 'auto' ? coreLooksFree() : opts.offload;
  const rec = TraceRecorder.create(path, header, { chunkEvents: opts.chunkEvents, offload, compression: opts.compression });
  const sinks: TraceSink[] = [rec];
  if (opts.shouldStop) sinks.unshift(new StopCheck(opts.shouldStop));
  const onProgress = opts.onProgress;
  let sim: SimResult | undefined;
  let stopped = false;
  try {
    sim = simulate(config, {
      sinks,
      onProgress: onProgress ? (now, duration) => onProgress({ now, duration, events: rec.events, bytes: rec.bytes }) : undefined,
    });
  } catch (e) {
    if (!(e instanceof RecordingStopped)) { rec.abandon(); throw e; }
    stopped = true;
  }
  rec.close();
  return { path, events: rec.events, bytes: rec.bytes, chunks: rec.chunks, lastTimeNs: rec.lastTimeNs, stopped, sim };
}
