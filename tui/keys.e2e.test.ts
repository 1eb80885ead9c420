/**
 * End-to-end in tmux on the drm-video-over-ui golden: the colours as each terminal gets them (dim
 * text as SGR 90, never 30, under the TERM names whose terminfo blessed reads as 8 colours), the vi
 * and less keys, marks with their delta, and the hint line at 80 columns. Every wait polls the
 * screen with a generous timeout.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openTrace } from '../replayer/index.js';
import { fmtTime } from './time-format.js';
import { Tmux, tmuxAvailable } from './tmux-harness.js';
import { skipUnless } from '../test-support/skip.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'dist/cli/main.js');
const golden = join(root, 'traces/v1/drm-video-over-ui.csft');
const skip = skipUnless(tmuxAvailable(), 'tmux not installed');

let count = 0;
let timeOf: (i: number) => number = () => 0;

before(() => {
  const tf = openTrace(golden);
  count = tf.eventCount;
  const times = Array.from({ length: count }, (_, i) => tf.timeOf(i));
  timeOf = (i) => times[i] ?? assert.fail(`no event ${i}`);
  tf.close();
});

async function withTmux(w: number, h: number, env: Record<string, string>, fn: (t: Tmux) => Promise<void>): Promise<void> {
  const t = new Tmux(w, h, 'keys');
  try {
    t.start(`node ${cli} replay ${golden}`, env);
    await fn(t);
  } finally {
    t.kill();
  }
}

const at = (i: number) => new RegExp(`^ #${i}/${count} `, 'm');

test('colours: dim text (borders, labels, the normal band) is SGR 90, never 30, in tmux, screen, xterm, alacritty and kitty', { skip, timeout: 120_000 }, async () => {
  for (const term of ['tmux-256color', 'screen-256color', 'xterm', 'alacritty', 'xterm-kitty']) {
    await withTmux(100, 30, { TERM: term }, async (t) => {
      await t.waitFor(at(0), 30_000);
      const sgr = await pollEscapes(t);
      assert.match(sgr, /\x1b\[(?:[0-9;]*;)?90m/, `${term}: bright black (SGR 90) for dim text`);
      // black text only on a coloured background (the focused pane's title: black on cyan)
      assert.doesNotMatch(sgr, /\x1b\[(?:[0-9;]*;)?30m(?!\x1b\[4[0-7]m)/, `${term}: no black (SGR 30) text on the terminal's background`);
      assert.doesNotMatch(sgr, /Error on /, `${term}: no terminfo error on the screen`);
      t.send('q');
      await t.waitFor('[exit 0]', 30_000);
    });
  }
});

/** The pane with its escape sequences, once the timeline lanes are drawn. */
async function pollEscapes(t: Tmux): Promise<string> {
  await t.waitFor(/│CSG\d+ +[^│]*g\d+/, 30_000);
  return t.captureEscapes();
}

test('vi and less keys: j k G gg Ctrl-D Ctrl-U space b; h opens help; g then a number still goes there', { skip, timeout: 120_000 }, async () => {
  await withTmux(120, 40, {}, async (t) => {
    await t.waitFor(at(0), 30_000);
    // the page keys move by the list's height: wait until the timeline's lanes are drawn, which
    // takes three rows from the list (Space then b would otherwise use two page sizes)
    await t.waitFor(/│CSG\d+ +[^│]*g\d+/, 30_000);
    t.send(['j', 'j', 'j']);
    await t.waitFor(at(3), 30_000);
    t.send('k');
    await t.waitFor(at(2), 30_000);
    t.send('G');
    await t.waitFor(at(count - 1), 30_000);
    t.send(['g', 'g']);
    await t.waitFor(at(0), 30_000);
    t.send('C-d');
    const half = await t.waitFor((s) => !at(0).test(s) && /^ #\d+\//m.test(s), 30_000);
    const h = Number(/^ #(\d+)\//m.exec(half)![1]);
    assert.ok(h >= 5 && h <= 20, `Ctrl-D: half a page (${h})`);
    t.send('C-u');
    await t.waitFor(at(0), 30_000);
    t.send('Space');
    const page = await t.waitFor((s) => !at(0).test(s) && /^ #\d+\//m.test(s), 30_000);
    const p = Number(/^ #(\d+)\//m.exec(page)![1]);
    assert.ok(p > h && p <= 2 * h + 1, `space: a page of rows - 1 (${p}, half page ${h})`);
    t.send('b');
    await t.waitFor(at(0), 30_000);
    t.send('g'); t.send('307', true); t.send('Enter');
    await t.waitFor(at(307), 30_000);
    t.send('h');
    await t.waitFor(/Walkthrough: why did the GPU enter protected mode\?/, 30_000);
    t.send('Escape');
    await t.waitFor((s) => !s.includes('Walkthrough'), 30_000);
    t.send('q');
    await t.waitFor('[exit 0]', 30_000);
  });
});

test('marks: m a, m b, the delta in the status bar and the timeline title, \' a jumps back', { skip, timeout: 120_000 }, async () => {
  // two events far enough apart in time to fall in different timeline columns
  const ia = 100;
  let ib = ia + 1;
  while (ib < count - 1 && timeOf(ib) - timeOf(ia) < timeOf(count - 1) / 4) ib++;
  await withTmux(120, 40, {}, async (t) => {
    await t.waitFor(at(0), 30_000);
    t.send('g'); t.send(String(ia), true); t.send('Enter');
    await t.waitFor(at(ia), 30_000);
    t.send(['m', 'a']);
    await t.waitFor(new RegExp(`mark a at #${ia}`), 30_000);
    t.send('g'); t.send(String(ib), true); t.send('Enter');
    await t.waitFor(at(ib), 30_000);
    t.send(['m', 'b']);
    const ns = timeOf(ib) - timeOf(ia);
    const delta = `a→b +${fmtTime(ns)}, ${ib - ia} events`;
    const screen = await t.waitFor(`marks ${delta}`, 30_000);
    assert.ok(screen.split('\n')[0]!.includes(delta), `timeline title: ${screen.split('\n')[0]!}`);
    const axis = screen.split('\n').find((l) => l.startsWith('│time'))!;
    assert.match(axis, /^│time +a/, 'mark a under its column');
    assert.match(axis, /b/);
    t.send(["'", 'a']);
    await t.waitFor(at(ia), 30_000);
    t.send(["'", "'"]);
    await t.waitFor(at(ib), 30_000);
    t.send('q');
    await t.waitFor('[exit 0]', 30_000);
  });
});

test('80 columns: the hint line ends with "? help  q quit"', { skip, timeout: 60_000 }, async () => {
  await withTmux(80, 24, {}, async (t) => {
    const screen = await t.waitFor(at(0), 30_000);
    const hints = screen.split('\n')[23]!;
    assert.match(hints, /^←→ step .*\? help {2}q quit\s*$/);
    assert.ok(Array.from(hints.trimEnd()).length <= 80);
    t.send('q');
    await t.waitFor('[exit 0]', 30_000);
  });
});
