/**
 * world.ts: one simulation run. Builds the Sim (seeded from the scenario), the kernel (panthor +
 * FW + dma-heaps, from panthor/device.ts), the app models of the scenario, schedules app
 * start/stop and fault injection at their scenario times, runs for the scenario's duration and
 * shuts the kernel down.
 *
 *   ScenarioConfig ─► Sim(seed) ─► createKernel(sim, cfg).start()
 *                               ─► apps[i] start/stop at cfg.apps[i].start/stop (pid 1000 + i + 1)
 *                               ─► kernel.inject(fault) at fault.at
 *                               ─► sim.run(duration) ─► kernel.shutdown() ─► SimResult
 */
import type { FaultConfig, ScenarioConfig, UapiKernel } from './contract.js';
import { Sim, type Ns, type AnySink } from './sim/index.js';
import { createKernel } from './panthor/index.js';
import { SummarySink, type SummaryData } from './summary.js';
import { createApp, type AppModel, type AppStats } from './userspace/index.js';
import { createDevices, type DeviceHost } from './devices/index.js';

/** What world.ts needs of a kernel: the uAPI plus lifecycle and fault injection. */
export interface SimKernel extends UapiKernel {
  start(): void;
  inject(fault: FaultConfig): void;
  shutdown(): void;
  /** What the devices of a secure pipeline need of the kernel (absent: no such devices). */
  deviceHost?(): DeviceHost;
}

export type KernelFactory = (sim: Sim, cfg: ScenarioConfig) => SimKernel;

export interface SimulateOptions {
  /** Receive every event in order (the recorder, tests): as an object (TraceSink) or its parts. */
  sinks?: AnySink[] | undefined;
  /** Called now and then with the virtual time reached (for progress bars at the edges). */
  onProgress?: ((now: Ns, duration: Ns) => void) | undefined;
  /** The kernel to run against (default: the panthor model). */
  kernel?: KernelFactory | undefined;
}

/** What one run of the model produced, without the summary (runModel). */
export interface ModelRun {
  config: ScenarioConfig;
  /** Events emitted. */
  events: number;
  /** Virtual time simulated. */
  virtualNs: Ns;
  /** What each app saw, in scenario order. */
  apps: AppStats[];
}

/** A run with its summary (simulate). */
export interface SimResult extends ModelRun {
  summary: SummaryData;
}

/** First pid given to scenario apps (app i gets FIRST_APP_PID + i). */
export const FIRST_APP_PID = 1001;

/**
 * The last run's model (its sinks dropped), reachable until the next run has built its own. The
 * model's callbacks are closures made per run, and V8 keeps a function's optimized code only while
 * some closure of it lives (the shared feedback vector holds the code weakly): without this, a pool
 * thread running run after run recompiled them after every full collection, about five functions a
 * run on a helper core (bench/README.md, "explore").
 */
const lastRun: { model?: unknown } = {};

/**
 * Runs one scenario to its end with `opts.sinks` as the only tracepoint sinks (the recorder needs
 * nothing else: the trace itself holds every number of the summary). Deterministic: same config
 * (incl. seed) → same event sequence.
 */
export function runModel(cfg: ScenarioConfig, opts: SimulateOptions = {}): ModelRun {
  const factory: KernelFactory = opts.kernel ?? createKernel;
  const sim = new Sim(cfg.seed);
  for (const s of opts.sinks ?? []) sim.bus.subscribe(s);

  const kernel = factory(sim, cfg);
  kernel.start();
  const host = cfg.devices?.length ? kernel.deviceHost?.() : undefined;
  const devices = host && cfg.devices ? createDevices(sim, host, cfg.devices) : undefined;
  const env = {
    gpu: cfg.gpu, userSuppliedProtmBuffers: cfg.driver.heapPolicy === 'userspace-dmabuf', devices,
    gpuHeap: cfg.driver.heapPolicy === 'disabled' ? '' : cfg.driver.protectedHeapName,
    protectedHeapName: cfg.driver.protectedHeapName || 'protected',
  };
  const apps: AppModel[] = cfg.apps.map((a, i) => createApp(sim, kernel, a, FIRST_APP_PID + i, env));
  apps.forEach((app, i) => {
    const a = cfg.apps[i]!;   // apps is cfg.apps mapped
    sim.at(a.start, startApp, app);
    if (Number.isFinite(a.stop) && a.stop <= cfg.duration) sim.at(a.stop, stopApp, app);
  });
  for (const f of cfg.faults) sim.at(f.at, injectFault, { kernel, fault: f });

  const onProgress = opts.onProgress;
  sim.run(cfg.duration, onProgress ? (now) => onProgress(now, cfg.duration) : undefined);
  kernel.shutdown();
  sim.bus.unsubscribeAll();
  lastRun.model = { kernel, apps };
  return {
    config: cfg,
    events: sim.bus.count,
    virtualNs: cfg.duration,
    apps: apps.map((a) => ({ ...a.stats })),
  };
}

/** Runs one scenario to its end and summarises it (the SummarySink sees every event first). */
export function simulate(cfg: ScenarioConfig, opts: SimulateOptions = {}): SimResult {
  const summary = new SummarySink();
  const run = runModel(cfg, { ...opts, sinks: [summary, ...(opts.sinks ?? [])] });
  return { ...run, summary: summary.finalize(cfg.duration) };
}

function startApp(app: AppModel): void { app.start(); }
function stopApp(app: AppModel): void { app.stop(); }
function injectFault(x: { kernel: SimKernel; fault: FaultConfig }): void { x.kernel.inject(x.fault); }
