/**
 * hw-model: the deterministic simulator of panthor + CSF firmware + dma-buf heaps with protected
 * mode. Public face for the other layers: the simulation kernel (sim/), the contract types
 * (scenario config, CS ISA, uAPI), scenario loading, `simulate` and the run summary.
 */
export * from './sim/index.js';
export * from './contract.js';
export * from './scenario/index.js';
export {
  simulate, runModel, FIRST_APP_PID, type SimKernel, type KernelFactory, type SimulateOptions, type SimResult, type ModelRun,
} from './world.js';
export { SummarySink, formatSummary, type SummaryData, type GroupSummary } from './summary.js';
export type { AppStats } from './userspace/index.js';
export {
  FW_ASSUMPTION_SPECS, FW_FIXED_GUESSES, DEFAULT_FW_ASSUMPTIONS, fwAssumptionSpec, parseAssumption, assumptionEntries,
  assumptionsFromEntries, type FwAssumptions, type FwAssumptionSpec, type FwAssumptionName,
} from './firmware/index.js';
export { REVIEW_FIX_SPECS, reviewFixesOf, parseReviewFixes, formatReviewFixes, type ReviewFixSpec } from './policies/index.js';

/** Version of the model's behaviour: recorded in trace headers; bump when the same scenario + seed
 *  would produce a different event sequence. */
export const MODEL_VERSION = '0.4.0';
