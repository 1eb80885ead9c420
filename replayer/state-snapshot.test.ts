/**
 * Golden snapshots of the replayed state as text (the `csftrace state` tables and the decision
 * explanations): a synthetic story, and a golden trace from traces/ when one is there.
 * UPDATE_SNAPSHOTS=1 rewrites the .snapshot.txt files; a mismatch names the first differing line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { explainDecision } from './explain.js';
import { formatTables, renderState } from './render-state.js';
import { Replayer } from './replayer.js';
import { storyEvents } from './test-events.js';
import { memoryTrace, openTrace } from './trace-file.js';
import { formatEvent } from './format.js';
import { skipTest } from '../test-support/skip.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function matchSnapshot(text: string, file: string): void {
  if (process.env.UPDATE_SNAPSHOTS === '1') writeFileSync(file, text);
  assert.ok(existsSync(file), `${file} is missing (UPDATE_SNAPSHOTS=1 to create it)`);
  const want = readFileSync(file, 'utf8');
  if (text !== want) {
    const x = text.split('\n');
    const y = want.split('\n');
    let k = 0;
    while (k < x.length && x[k] === y[k]) k++;
    assert.fail(`state differs from ${file} at line ${k + 1}:\n  got:  ${x[k]}\n  want: ${y[k]}\n(UPDATE_SNAPSHOTS=1 to accept)`);
  }
}

test('state tables and decision explanations of the story (snapshot)', () => {
  const tr = memoryTrace({ policy: 'panthor-2026' }, storyEvents());
  const r = Replayer.open(tr, { keyframeEvery: 8 });
  const out: string[] = [];
  for (const at of [-1, 18, 30, tr.eventCount - 1]) {
    out.push(`=== state --at ${at}`, formatTables(renderState(r.stateAt(at))));
  }
  let i = 0;
  for (const ev of tr.iterate()) {
    if (ev.body.case === 'decision') out.push(`=== explain ${formatEvent(ev, i)}`, ...explainDecision(ev), '');
    i++;
  }
  matchSnapshot(out.join('\n'), `${ROOT}replayer/state-story.snapshot.txt`);
});

test('state --at the middle of a golden trace (snapshot)', (t) => {
  // The newest format version's default-scenario golden (traces/v<N>/drm-video-over-ui.csft).
  const versions = existsSync(`${ROOT}traces`) ? readdirSync(`${ROOT}traces`).filter((d) => /^v\d+$/.test(d)).sort((a, b) => Number(b.slice(1)) - Number(a.slice(1))) : [];
  const dir = versions.map((v) => `${ROOT}traces/${v}`).find((d) => existsSync(`${d}/drm-video-over-ui.csft`));
  const name = 'drm-video-over-ui.csft';
  if (!dir) { skipTest(t, 'no golden trace in traces/ yet'); return; }
  const tr = openTrace(`${dir}/${name}`);
  try {
    const mid = Math.floor(tr.eventCount / 2);
    const s = Replayer.open(tr).stateAt(mid);
    const text = `=== ${dir.slice(ROOT.length)}/${name} state --at ${mid}\n${formatEvent(tr.event(mid), mid)}\n\n${formatTables(renderState(s))}`;
    matchSnapshot(text, `${ROOT}replayer/state-golden.snapshot.txt`);
  } finally {
    tr.close();
  }
});
