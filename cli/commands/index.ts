/** The list of command modules, in help order. Each engineer adds their command here. */
import type { Register } from './registry.js';
import { register as diff } from './diff.js';
import { register as trim } from './trim.js';
import { register as note } from './note.js';
import { register as exportCmd } from './export.js';
import { register as replay } from './replay.js';
import { register as scenarios } from './scenarios.js';
import { register as simulate } from './simulate.js';
import { register as record } from './record.js';
import { register as info } from './info.js';
import { register as events } from './events.js';

export const commands: Register[] = [
  replay,
  diff,
  trim,
  note,
  exportCmd,
  scenarios,
  simulate,
  record,
  info,
  events,
];
