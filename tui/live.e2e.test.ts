/**
 * End-to-end in tmux, under CPU load where it matters:
 *  - the timeline is drawn without a key, on small and large traces, many times in a row with two
 *    busy processes beside the UI (the background loop once stopped before sampling a column);
 *  - `replay --follow` on a recording still being written: the UI grows as chunks land, End stays at
 *    the newest event, the status bar says when the recording closes or stops without closing;
 *  - `record --tui`: the UI on the recording as it is made.
 * No fixed sleeps are assertions: every wait polls the screen with a generous timeout.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openTrace } from '../replayer/index.js';
import { KEYFRAME_WORKER_MIN_EVENTS } from './app.js';
import { Tmux, statusIndex, tmuxAvailable } from './tmux-harness.js';
import { skipUnless } from '../test-support/skip.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'dist/cli/main.js');
const skip = skipUnless(tmuxAvailable(), 'tmux not installed');

let dir = '';
let large = '';
let chunked = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'csftrace-live-e2e-'));
  large = join(dir, 'large.csft');
  chunked = join(dir, 'chunked.csft');
  for (const [out, args] of [
    // past KEYFRAME_WORKER_MIN_EVENTS: its keyframes come from the worker thread
    [large, ['--scenario', 'stress', '--duration', '4s']],
    [chunked, ['--scenario', 'drm-video-over-ui', '--chunk-events', '500']],
  ] as const) {
    const r = spawnSync('node', [cli, 'record', ...args, '-o', out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  }
});

after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

test('the large trace is large enough for the keyframe worker', () => {
  const tf = openTrace(large);
  try { assert.ok(tf.eventCount >= KEYFRAME_WORKER_MIN_EVENTS, `${tf.eventCount} events`); } finally { tf.close(); }
});

/** Two busy processes beside the UI (the machine's two cores taken), stopped by the returned function. */
function cpuLoad(): () => void {
  const kids: ChildProcess[] = [0, 1].map(() => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
  return () => { for (const k of kids) k.kill('SIGKILL'); };
}

/** A lane that shows a group ("CSG0  ··g1━━━"): the timeline's columns were sampled. */
const LANE_DRAWN = /│CSG\d+ +[^│]*g\d+/;

/** Every column of every CSG lane drawn (an empty slot is '·', a blank is a column not sampled). */
function timelineComplete(screen: string): boolean {
  const lanes = screen.split('\n').filter((l) => /^│CSG\d+ /.test(l));
  return lanes.length > 0 && lanes.every((l) => !Array.from(l).slice(7, -1).includes(' '));
}

test('the timeline is drawn without a key: small and large traces, 4 times each, beside two busy processes', { skip, timeout: 600_000 }, async () => {
  const traces = ['traces/v1/tiny.csft', 'traces/v1/priority-inversion.csft', large].map((p) => (p.startsWith('/') ? p : join(root, p)));
  const stop = cpuLoad();
  try {
    for (let round = 0; round < 4; round++) {
      for (const tr of traces) {
        const t = new Tmux(120, 40, 'blank');
        try {
          t.start(`node ${cli} replay ${tr}`);
          const screen = await t.waitFor((x) => timelineComplete(x), 60_000);
          assert.match(screen, LANE_DRAWN, `round ${round}, ${tr}`);
        } finally {
          t.kill();
        }
      }
    }
  } finally {
    stop();
  }
});

/** Frames of a closed trace: the bytes up to the end of chunk k (a recording that has written k+1 chunks). */
function upToChunk(bytes: Uint8Array, chunks: readonly { offset: number }[], k: number): number {
  return chunks[k + 1]?.offset ?? bytes.length;
}

test('replay --follow: grows as chunks land, End stays on the newest event, closed and killed recordings are reported', { skip, timeout: 120_000 }, async () => {
  const bytes = readFileSync(chunked);
  const tf = openTrace(chunked);
  const chunks = tf.chunks.map((c) => ({ offset: c.offset, end: c.firstEvent + c.eventCount }));
  tf.close();
  assert.ok(chunks.length >= 10, 'the recording has many chunks');
  const live = join(dir, 'live.csft');
  // the "writer": keeps the file open for writing while it is being recorded
  const fd = openSync(live, 'w');
  let written = 0;
  const writeTo = (end: number) => { writeSync(fd, bytes, written, end - written); written = end; };
  const t = new Tmux(120, 40, 'follow');
  try {
    writeTo(upToChunk(bytes, chunks, 2) + 40); // three chunks and the start of the fourth
    t.start(`node ${cli} replay --follow ${live}`);
    const n3 = chunks[2]!.end;
    await t.waitFor(new RegExp(`^ #${n3 - 1}/${n3} .*│ live`, 'm'), 30_000);
    let screen = await t.waitFor((x) => timelineComplete(x) && LANE_DRAWN.test(x), 30_000);
    writeTo(upToChunk(bytes, chunks, 6));
    const n7 = chunks[6]!.end;
    await t.waitFor(new RegExp(`^ #${n7 - 1}/${n7} `, 'm'), 30_000); // End stayed at the newest event
    // moved away from the end, the cursor stays where it is while the recording grows
    t.send('Home');
    await t.waitFor(/^ #0\//m, 30_000);
    writeTo(upToChunk(bytes, chunks, 8));
    const n9 = chunks[8]!.end;
    screen = await t.waitFor(new RegExp(`^ #0/${n9} `, 'm'), 30_000);
    t.send('End');
    await t.waitFor(new RegExp(`^ #${n9 - 1}/${n9} `, 'm'), 30_000);
    // the rest, index and trailer: closed
    writeTo(bytes.length);
    screen = await t.waitFor(/│ recording closed/, 30_000);
    assert.equal(statusIndex(screen), chunks.at(-1)!.end - 1);
    await t.waitFor((x) => timelineComplete(x) && LANE_DRAWN.test(x), 30_000);
    t.send('q');
    await t.waitFor('[exit 0]', 30_000);
  } finally {
    t.kill();
    closeSync(fd);
  }

  // a writer that goes away without closing the file (killed)
  const cut = join(dir, 'cut.csft');
  const fd2 = openSync(cut, 'w');
  const t2 = new Tmux(100, 30, 'follow-killed');
  try {
    writeSync(fd2, bytes, 0, upToChunk(bytes, chunks, 3));
    t2.start(`node ${cli} replay --follow ${cut}`);
    const n4 = chunks[3]!.end;
    await t2.waitFor(new RegExp(`^ #${n4 - 1}/${n4} .*│ live`, 'm'), 30_000);
    closeSync(fd2);
    const screen = await t2.waitFor(/recording stopped without closing the file \(killed\?\)/, 30_000);
    assert.match(screen, new RegExp(`: ${n4} events`));
    t2.send('q');
    await t2.waitFor('[exit 0]', 30_000);
  } finally {
    t2.kill();
  }
});

test('record --tui: the UI follows the recording as it is made, says when it is closed; q then exits', { skip, timeout: 120_000 }, async () => {
  const out = join(dir, 'rec-tui.csft');
  const t = new Tmux(120, 40, 'rec-tui');
  try {
    t.start(`node ${cli} record --duration 2s --chunk-events 1000 -o ${out} --tui`);
    const screen = await t.waitFor(/│ recording closed/, 60_000);
    const tf = openTrace(out);
    const n = tf.eventCount;
    tf.close();
    assert.equal(statusIndex(screen), n - 1, 'at the newest event');
    await t.waitFor((x) => timelineComplete(x) && LANE_DRAWN.test(x), 30_000);
    t.send('q');
    const end = await t.waitFor('[exit 0]', 30_000);
    assert.match(end, /recorded .*rec-tui\.csft: drm-video-over-ui/);
  } finally {
    t.kill();
  }
});
