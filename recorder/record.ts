/**
 * One recording: runs a scenario through the model with a TraceRecorder subscribed to the
 * tracepoints, and closes the file. The header carries everything needed to re-simulate the run
 * (scenario text, seed, policies, duration, model version) and no wall-clock time unless asked.
 *
 *   ScenarioConfig ─► runModel(cfg, { sinks: [recorder], onProgress: stop check }) ─► recorder.close()
 *
 * `shouldStop` (polled with the model's progress, every 65536 callbacks: a few tens of ms) lets the
 * caller end a recording early (SIGINT): the run unwinds and the file is closed with its index,
 * holding every event up to that point.
 */
import { availableParallelism } from 'node:os';
import {
  runModel, MODEL_VERSION, assumptionEntries, formatReviewFixes, reviewFixesOf, type ScenarioConfig, type ModelRun, type AnySink,
} from '../hw-model/index.js';
import type { Compression, TraceHeaderInit } from '../proto/index.js';
import { MemoryOutput, TraceRecorder, type RecorderOptions } from './trace-recorder.js';

/** The tool's version (the CLI's --version, the producer recorded in trace headers). */
export const VERSION = '0.1.0';
export const PRODUCER = `csftrace ${VERSION}`;

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
    fwAssumptions: assumptionEntries(c.firmware),
    reviewFixes: formatReviewFixes(reviewFixesOf(c.driver.protmPolicy, c.driver.reviewFixes)),
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
  chunkEvents?: number | undefined;
  /**
   * Encode, compress and write in another thread, so that the simulation thread only writes the
   * events onto a tape. 'auto' (the
   * default) does so when the process may use two cores (offloadByDefault): the bytes are the same
   * either way, only the wall time differs.
   */
  offload?: boolean | 'auto' | undefined;
  /** fsync the trace when finished (default true; in-thread recordings only, RecorderOptions.sync). */
  sync?: boolean | undefined;
  compression?: Compression | undefined;
  /** With offload: the thread that writes the trace (RecorderOptions.startWriter). */
  startWriter?: RecorderOptions['startWriter'] | undefined;
  onProgress?: ((p: RecordProgress) => void) | undefined;
  /**
   * Polled every 65536 model callbacks (a few tens of ms); true ends the recording early (the file
   * is still closed properly). Polled with the progress, not by a sink: no call per event.
   */
  shouldStop?: (() => boolean) | undefined;
  /** More sinks on the model's tracepoints beside the recorder (metrics computed as the run goes). */
  sinks?: readonly AnySink[] | undefined;
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
  sim?: ModelRun | undefined;
}

/**
 * Whether `offload: 'auto'` compresses in another thread: whenever the process may use two cores. The
 * writer needs about two thirds of a core (encoding and lz4 HC level 4 against the model's pace);
 * on one core it would only add thread switches.
 */
export function offloadByDefault(): boolean {
  return availableParallelism() >= 2;
}

/** Thrown through the model by the stop check; caught here. */
class RecordingStopped extends Error {}

/**
 * Records `config` into `path` (created or truncated; `-` is standard output), or into a
 * MemoryOutput (always in-thread).
 */
export function recordScenario(path: string | MemoryOutput, header: TraceHeaderInit, config: ScenarioConfig, opts: RecordOptions = {}): RecordResult {
  const memory = path instanceof MemoryOutput;
  const offload = memory ? false : opts.offload === undefined || opts.offload === 'auto' ? offloadByDefault() : opts.offload;
  const rec = TraceRecorder.create(path, header, { chunkEvents: opts.chunkEvents, offload, compression: opts.compression, startWriter: opts.startWriter, sync: opts.sync });
  const sinks: AnySink[] = [rec, ...(opts.sinks ?? [])];
  const onProgress = opts.onProgress;
  const shouldStop = opts.shouldStop;
  let sim: ModelRun | undefined;
  let stopped = false;
  try {
    // runModel, not simulate: the recording needs no run summary (the trace holds all of it)
    sim = runModel(config, {
      sinks,
      onProgress: onProgress || shouldStop ? (now, duration) => {
        if (shouldStop?.()) throw new RecordingStopped('stopped');
        onProgress?.({ now, duration, events: rec.events, bytes: rec.bytes });
      } : undefined,
    });
  } catch (e) {
    if (!(e instanceof RecordingStopped)) { rec.abandon(); throw e; }
    stopped = true;
  }
  rec.close();
  return { path: memory ? path.name : path, events: rec.events, bytes: rec.bytes, chunks: rec.chunks, lastTimeNs: rec.lastTimeNs, stopped, sim };
}
