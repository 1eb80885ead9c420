/**
 * Re-simulation from a trace's header: the scenario text, seed, policies and duration recorded in
 * it give back the ScenarioConfig of the run (`configFromHeader`). `verify` replays it as is;
 * `rerun` swaps the protected-mode (or heap) policy: the same workload under the other design, for
 * `csftrace diff`. (This file and verify.ts are the only replayer modules that import hw-model.)
 */
import { UserError } from '../proto/index.js';
import {
  applyOverrides, parseHeapPolicy, parseProtmPolicy, parseScenario, MODEL_VERSION, PROTM_POLICIES, HEAP_POLICIES, MAX_DURATION,
  assumptionsFromEntries, parseAssumption, parseReviewFixes,
  type ScenarioConfig, type ScenarioOverrides,
} from '../hw-model/index.js';
import type { TraceHeader } from '../proto/index.js';

export class RerunError extends UserError {
  readonly code = 'E_RERUN';
  constructor(message: string) { super(message); this.name = 'RerunError'; }
}

export interface RerunOverrides {
  policy?: string | undefined;
  heapPolicy?: string | undefined;
  /** "a,b" / "all" / "none": review fixes (replace the recorded ones). */
  reviewFixes?: string | undefined;
  /** name=value firmware assumptions (replace the recorded values). */
  assume?: readonly string[] | undefined;
}

/** The scenario config a trace was recorded from (with optional policy overrides). */
export function configFromHeader(header: TraceHeader, where: string, o: RerunOverrides = {}): ScenarioConfig {
  if (!header.scenarioText.trim()) {
    throw new RerunError(`${where}: the trace header holds no scenario text, so the run cannot be re-simulated`);
  }
  const source = header.metadata.source || header.scenarioName || 'scenario';
  const cfg = parseScenario(header.scenarioText, `${where} (scenario ${source})`);
  // The header is input like any other: the limits `record` applies to its flags apply to it.
  if (!Number.isSafeInteger(header.seed) || header.seed < 0) {
    throw new RerunError(`${where}: the header's seed ${header.seed} is not one record accepts (0..${Number.MAX_SAFE_INTEGER}): not re-simulated`);
  }
  const ov: ScenarioOverrides = { seed: header.seed };
  if (header.durationNs > MAX_DURATION || !Number.isFinite(header.durationNs)) {
    throw new RerunError(`${where}: the header's duration (${header.durationNs} ns) is beyond the ${MAX_DURATION / 3.6e12}h that record accepts: not re-simulated`);
  }
  if (header.durationNs > 0) ov.duration = header.durationNs;
  const policy = o.policy ?? header.policy;
  if (policy) {
    const p = parseProtmPolicy(policy);
    if (!p) throw new RerunError(`${o.policy !== undefined ? '--policy' : where}: unknown policy "${policy}" (one of ${PROTM_POLICIES.join(', ')})`);
    ov.protmPolicy = p;
  }
  const heapPolicy = o.heapPolicy ?? header.heapPolicy;
  if (heapPolicy) {
    const h = parseHeapPolicy(heapPolicy);
    if (!h) throw new RerunError(`${o.heapPolicy !== undefined ? '--heap-policy' : where}: unknown heap policy "${heapPolicy}" (one of ${HEAP_POLICIES.join(', ')})`);
    ov.heapPolicy = h;
  }
  // The recorded review fixes, unless --review-fixes names others or --policy switches policy
  // (then the new policy's own set applies). Headers of older models record none.
  const switched = o.policy !== undefined && o.policy !== header.policy;
  const recordedFixes = header.fwAssumptions.length > 0 && !switched ? header.reviewFixes : undefined;
  const fixText = o.reviewFixes ?? recordedFixes;
  if (fixText !== undefined) {
    const fixes = parseReviewFixes(fixText);
    if (typeof fixes === 'string') throw new RerunError(`${o.reviewFixes !== undefined ? '--review-fixes' : where}: ${fixes}`);
    ov.reviewFixes = fixes;
  }
  const recorded = assumptionsFromEntries(header.fwAssumptions);
  if (typeof recorded === 'string') throw new RerunError(`${where}: ${recorded}`);
  ov.assumptions = { ...recorded };
  for (const a of o.assume ?? []) {
    const r = parseAssumption(a);
    if (typeof r === 'string') throw new RerunError(`--assume: ${r}`);
    (ov.assumptions as Record<string, string>)[r.name] = r.value;
  }
  const out = applyOverrides(cfg, ov);
  if (header.heapNameSource === 'dt' || header.heapNameSource === 'module-param') {
    out.driver = { ...out.driver, heapNameSource: header.heapNameSource };
  }
  return out;
}

/** A note when the trace was recorded by another model version (differences are then expected). */
export function modelVersionNote(header: TraceHeader): string | undefined {
  if (!header.modelVersion || header.modelVersion === MODEL_VERSION) return undefined;
  return `recorded with model ${header.modelVersion}; this build's model is ${MODEL_VERSION}, so the re-simulation may differ`;
}

export { PROTM_POLICIES, HEAP_POLICIES, MODEL_VERSION };
