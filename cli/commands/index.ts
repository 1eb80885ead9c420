/** The list of command modules, in help order. Each engineer adds their command here. */
import type { Register } from './registry.js';
import { register as diff } from './diff.js';
import { register as trim } from './trim.js';
import { register as note } from './note.js';
import { register as exportCmd } from './export.js';
import { register as bugreport } from './bugreport.js';
import { register as demo } from './demo.js';
import { register as replay } from './replay.js';
import { register as scenarios } from './scenarios.js';
import { register as simulate } from './simulate.js';
import { register as record } from './record.js';
import { register as info } from './info.js';
import { register as events } from './events.js';
import { register as state } from './state.js';
import { register as check } from './check.js';
import { register as verify } from './verify.js';
import { register as rerun } from './rerun.js';
import { register as dump } from './dump.js';
import { register as fuzz } from './fuzz.js';
import { register as shrink } from './shrink.js';
import { register as sweep } from './sweep.js';
import { register as worker } from './worker.js';
import { register as completion } from './completion.js';

export const commands: Register[] = [
  demo,
  replay,
  diff,
  trim,
  note,
  exportCmd,
  bugreport,
  scenarios,
  simulate,
  record,
  info,
  events,
  state,
  check,
  verify,
  rerun,
  dump,
  fuzz,
  shrink,
  sweep,
  worker,
  completion,
];
