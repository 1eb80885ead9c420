/**
 * replayer/'s test doubles, for tests and benches of other layers: synthetic traces of any size
 * (decisions, groups, mode switches) built without running the model. Production code never
 * imports this file (eslint.config.js).
 */
export { syntheticEvents, syntheticStream, syntheticHeader, writeSyntheticTrace, type SyntheticOptions } from './diff/synthetic.js';
