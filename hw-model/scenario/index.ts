/**
 * scenario/: the scenario file format (schema.ts), the YAML loader with file:line:key errors
 * (loader.ts), command-line overrides (overrides.ts) and the built-in scenarios (builtin.ts).
 */
export { ScenarioError, parseScenario, scenarioNameOf, suggest, MAX_APPS, MAX_HEAPS, MAX_FAULTS, MAX_SCENARIO_BYTES } from './loader.js';
export {
  applyOverrides, parseHeapPolicy, parseProtmPolicy, parseRunDuration, parseSeed, type ScenarioOverrides,
} from './overrides.js';
export {
  BUILTIN_SCENARIOS, DEFAULT_SCENARIO, findBuiltin, listBuiltins, loadBuiltin, type BuiltinScenario,
} from './builtin.js';
export {
  APP_DEFAULTS, DEFAULT_DRIVER, DEFAULT_DURATION, DEFAULT_GPU, DEFAULT_SEED, MAX_DURATION,
} from './schema.js';
