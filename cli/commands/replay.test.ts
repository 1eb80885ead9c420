/** `csftrace replay` argument handling: `trace.csft#ev=N` links (no files read: `exists` is given). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CliError } from '../errors.js';
import { parseTraceArg } from './replay.js';

const none = () => false;

test('trace.csft#ev=N: the path and the event when the path as given does not exist', () => {
  assert.deepEqual(parseTraceArg('out/trace.csft#ev=307', none), { path: 'out/trace.csft', ev: 307, link: 'out/trace.csft#ev=307' });
  assert.deepEqual(parseTraceArg('trace.csft#ev=0', none), { path: 'trace.csft', ev: 0, link: 'trace.csft#ev=0' });
  assert.deepEqual(parseTraceArg('trace.csft', none), { path: 'trace.csft' });
  // only a trailing #ev= is a link; other '#' are part of the name
  assert.deepEqual(parseTraceArg('a#b.csft', none), { path: 'a#b.csft' });
  assert.deepEqual(parseTraceArg('#ev=3', none), { path: '#ev=3' });
});

test('a path that exists is used as it is, #ev= and all', () => {
  assert.deepEqual(parseTraceArg('odd.csft#ev=5', (p) => p === 'odd.csft#ev=5'), { path: 'odd.csft#ev=5' });
});

test('a bad event in a link is a one-line CliError', () => {
  for (const bad of ['t.csft#ev=', 't.csft#ev=x', 't.csft#ev=-1', 't.csft#ev=1.5', 't.csft#ev=12ms']) {
    assert.throws(() => parseTraceArg(bad, none), (e: unknown) => e instanceof CliError && /bad event link: expected #ev=<event index>/.test(e.message) && !e.message.includes('\n'), bad);
  }
});
