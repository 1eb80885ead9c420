/**
 * world.ts: one simulation run. Builds the Sim (seeded from the scenario), the kernel (panthor +
 * FW + dma-heaps, from panthor/kernel.ts), the app models of the scenario, schedules app
 * start/stop and fault injection at their scenario times, runs for the scenario's duration and
 * shuts the kernel down.
 *
 *   ScenarioConfig ─► Sim(seed) ─► createKernel(sim, cfg).start()
 *                               ─► apps[i] start/stop at cfg.apps[i].start/stop (pid 1000 + i + 1)
 *                               ─► kernel.inject(fault) at fault.at
 *                               ─► sim.run(duration) ─► kernel.shutdown() ─► SimResult
 */
import type { FaultConfig, ScenarioConfig, UapiKernel } from './contract.js';
import { Sim, type Ns, type TraceSink } from './sim/index.js';
import { createKernel } from './panthor/index.js';
import { SummarySink, type SummaryData } from './summary.js';
import { createApp, type AppModel, type AppStats } from './userspace/index.js';

/** What world.ts needs of a kernel: the uAPI plus lifecycle and fault injection. */
export interface SimKernel extends UapiKernel {
  start(): void;
  inject(fault: FaultConfig): void;
  shutdown(): void;
}

export type KernelFactory = (sim: Sim, cfg: ScenarioConfig) => SimKernel;

export interface SimulateOptions {
  /** Receive every event in order (the recorder, tests). */
  sinks?: TraceSink[];
  /** Called now and then with the virtual time reached (for progress bars at the edges). */
  onProgress?: (now: Ns, duration: Ns) => void;
  /** The kernel to run against (default: the panthor model). */
  kernel?: KernelFactory;
}

export interface SimResult {
  config: ScenarioConfig;
  /** Events emitted. */
  events: number;
  /** Virtual time simulated. */
  virtualNs: Ns;
  summary: SummaryData;
  /** What each app saw, in scenario order. */
  apps: AppStats[];
}

/** First pid given to scenario apps (app i gets FIRST_APP_PID + i). */
export const FIRST_APP_PID = 1001;

/** Runs one scenario to its end. Deterministic: same config (incl. seed) → same event sequence. */
export function simulate(cfg: ScenarioConfig, opts: SimulateOptions = {}): SimResult {
  const factory: KernelFactory = opts.kernel ?? createKernel;
  const sim = new Sim(cfg.seed);
  const summary = new SummarySink();
  sim.bus.subscribe(summary);
  for (const s of opts.sinks ?? []) sim.bus.subscribe(s);

  const kernel = factory(sim, cfg);
  kernel.start();
  const env = { gpu: cfg.gpu, userSuppliedProtmBuffers: cfg.driver.heapPolicy === 'userspace-dmabuf' };
  const apps: AppModel[] = cfg.apps.map((a, i) => createApp(sim, kernel, a, FIRST_APP_PID + i, env));
  apps.forEach((app, i) => {
    const a = cfg.apps[i];
    sim.at(a.start, startApp, app);
    if (Number.isFinite(a.stop) && a.stop <= cfg.duration) sim.at(a.stop, stopApp, app);
  });
  for (const f of cfg.faults) sim.at(f.at, injectFault, { kernel, fault: f });

  const onProgress = opts.onProgress;
  sim.run(cfg.duration, onProgress ? (now) => onProgress(now, cfg.duration) : undefined);
  kernel.shutdown();
  return {
    config: cfg,
    events: sim.bus.count,
    virtualNs: cfg.duration,
    summary: summary.finalize(cfg.duration),
    apps: apps.map((a) => ({ ...a.stats })),
  };
}

function startApp(app: AppModel): void { app.start(); }
function stopApp(app: AppModel): void { app.stop(); }
function injectFault(x: { kernel: SimKernel; fault: FaultConfig }): void { x.kernel.inject(x.fault); }
