/**
 * `events --json` writes its first JSON_OBJECT_LINES lines as objects and the rest with export's
 * jsonl writer (writeEventLine); every line must stay the text of the object path,
 * `safeJson(eventToJson(ev, i))` with its notes: across the switch and the writer's 1 MiB pieces,
 * with filters, a start and a limit, and with hostile characters in a note past the switch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventToJson, notesByEvent, openTrace, isSkippedEvent } from '../../replayer/read.js';
import { safeJson } from '../output.js';
import { eventMatchers, JSON_OBJECT_LINES } from './events.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(repo, 'dist/cli/main.js');

/** The lines the object path gives for `trace` from event `from`, at most `limit`, through `events`' own filters. */
function expected(trace: string, from: number, limit: number, type?: string): string {
  const tr = openTrace(trace);
  try {
    const matchers = eventMatchers(type !== undefined ? { type } : {});
    const notes = notesByEvent(tr);
    let text = '', n = 0;
    tr.forEach((ev, i) => {
      if (n >= limit || isSkippedEvent(ev) || !matchers.every((m) => m(ev, i))) return;
      const nt = notes.get(i);
      text += safeJson(nt ? { ...eventToJson(ev, i), notes: nt } : eventToJson(ev, i)) + '\n';
      n++;
    }, from);
    return text;
  } finally { tr.close(); }
}

function events(...args: string[]): string {
  const r = spawnSync(process.execPath, [cli, 'events', ...args, '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  return r.stdout;
}

test('events --json is the object path\'s text, line for line, across the switch to the byte writer and its 1 MiB pieces, with filters and limits', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'csftrace-events-json-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const trace = join(dir, 's.csft');
  copyFileSync(join(repo, 'traces/v1/stress.csft'), trace);
  for (const [at, text] of [[5, 'plain'], [5, 'twice at one event'], [30_000, 'esc \x1b[31m red, C1 \x9b, bidi \u202e, "quoted" \\ end']] as const) {
    const r = spawnSync(process.execPath, [cli, 'note', trace, '--at', String(at), text], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  }
  const all = events(trace);
  assert.ok(all.length > 8 << 20, `${all.length} bytes: several of the writer's pieces`);
  const want = expected(trace, 0, Infinity);
  assert.equal(all.split('\n').length, want.split('\n').length);
  assert.equal(all, want);
  assert.match(all, /"notes":\["esc \\u001b\[31m red, C1 \\u009b, bidi \\u202e, \\"quoted\\" \\\\ end"\]/);
  assert.equal(events(trace, '--type', 'job,GLB_PROTM_ENTER', '--from', '1000', '--limit', '500'), expected(trace, 1000, 500, 'job,GLB_PROTM_ENTER'));
  assert.equal(events(trace, '--from', '29999', '--limit', '3'), expected(trace, 29_999, 3));
  assert.equal(events(trace, '--limit', '0'), '');
  // a limit at the switch (no writer loaded), and one line past it (loaded for one line)
  for (const limit of [JSON_OBJECT_LINES, JSON_OBJECT_LINES + 1]) {
    assert.equal(events(trace, '--from', '100', '--limit', String(limit)), expected(trace, 100, limit));
  }
});
