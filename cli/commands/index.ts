/** The list of command modules, in help order. Each engineer adds their command here. */
import type { Register } from './registry.js';
import { register as diff } from './diff.js';
import { register as scenarios } from './scenarios.js';
import { register as simulate } from './simulate.js';

export const commands: Register[] = [
  diff,
  scenarios,
  simulate,
];
