/**
 * What the metrics need of the scenario a trace was made from: the run's duration and each app's
 * pacing (fps, start, stop), read from the trace header's scenario text.
 */
import { parseScenario, type ScenarioConfig } from '../../hw-model/index.js';
import type { TraceHeader } from '../../proto/index.js';
import type { AppPlan, MetricsOptions } from './metrics.js';

/** The pacing of every app of a scenario, by app name (the Process comm of its pid). */
export function planOfScenario(cfg: ScenarioConfig): Map<string, AppPlan> {
  const plan = new Map<string, AppPlan>();
  for (const a of cfg.apps) {
    plan.set(a.name, { fps: a.fps, startNs: a.start, stopNs: Number.isFinite(a.stop) ? a.stop : 0 });
  }
  return plan;
}

/**
 * Metrics options for a trace: the pacing from its scenario text when that parses (a trace made
 * from a scenario this build cannot read still gets every other metric), and the duration of the
 * run when the trace is whole (a trimmed trace spans its own events).
 */
export function metricsOptionsOf(header: TraceHeader): MetricsOptions {
  const whole = !header.trimmedFrom;
  let plan: Map<string, AppPlan> | undefined;
  if (header.scenarioText.trim()) {
    try { plan = planOfScenario(parseScenario(header.scenarioText, header.scenarioName || 'scenario')); }
    catch { plan = undefined; }
  }
  return { durationNs: whole && header.durationNs > 0 ? header.durationNs : undefined, plan };
}
