/**
 * End-to-end test of the blessed driver and the UI loop in a real terminal (tmux), on the stub
 * replayer (stub-tui.fixture.ts): keys, resize, mouse, NO_COLOR, quit. The same UI on real traces
 * is tested through the CLI in replay.e2e.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Tmux, currentRow, statusIndex, tmuxAvailable } from './tmux-harness.js';
import { skipUnless } from '../test-support/skip.js';
import { stubEvents, stubLandmarks } from './stub-api.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixture = `node ${root}dist/tui/stub-tui.fixture.js`;
const skip = skipUnless(tmuxAvailable(), 'tmux not installed');
/** The fixture's events of interest (the decision granting protected mode, the first mode switch, ...). */
const L = stubLandmarks(stubEvents(300));
const at = (i: number): RegExp => new RegExp(` #${i}/300 `);

async function withTmux(w: number, h: number, fn: (t: Tmux) => Promise<void>): Promise<void> {
  const t = new Tmux(w, h, 'drv');
  try {
    await fn(t);
  } finally {
    t.kill();
  }
}

test('keys move the cursor; q exits with status 0', { skip }, async () => {
  await withTmux(120, 40, async (t) => {
    t.start(`${fixture} 300`);
    await t.waitFor(/ #0\/300 /);
    t.send(']');
    let screen = await t.waitFor(at(L.entering));
    assert.match(currentRow(screen) ?? '', new RegExp(`#${L.entering} 31\\.030ms modeSwitch to=ENTERING`));
    assert.match(screen, /GPU ENTERING g2/);
    t.send('Enter');
    screen = await t.waitFor(at(L.enterReq));
    t.send('BSpace');
    await t.waitFor(at(L.entering));
    t.send(['g']); t.send('31ms', true); t.send('Enter');
    await t.waitFor(at(L.grant));
    t.send('q');
    await t.waitFor('[exit 0]');
  });
});

test('follows terminal resizes, down to 80x24', { skip }, async () => {
  await withTmux(120, 40, async (t) => {
    t.start(`${fixture} 300`);
    await t.waitFor((s) => /^└─+┴─+┘$/m.test(s) && s.split('\n')[0]!.length === 120);
    t.resize(80, 24);
    // the timeline's lanes are drawn once its groups for the window are known, maybe a frame later
    const screen = await t.waitFor((s) => s.split('\n').some((l) => /^└─+┴─+┘$/.test(l) && Array.from(l).length === 80) && /CSG1  g2/.test(s));
    const lines = screen.split('\n');
    assert.match(lines[0]!, /^┌─ Timeline/);
    assert.equal(Array.from(lines[0]!).length, 80);
    assert.match(screen, /CSG1  g2/);
    t.send('q');
    await t.waitFor('[exit 0]');
  });
});

test('mouse: a click on a row selects that event, the wheel scrolls the list', { skip }, async () => {
  await withTmux(120, 40, async (t) => {
    t.start(`${fixture} 300`);
    // the layout settles once the timeline's lanes are sampled (one row per slot that holds a group)
    const screen = await t.waitFor((s) => / #0\/300 /.test(s) && /│CSG0 +g1/.test(s) && /│CSG1 +g2/.test(s));
    const y = screen.split('\n').findIndex((l) => l.includes(' #7 11.010ms'));
    assert.ok(y > 0);
    // SGR mouse press + release at column 10, row y (1-based)
    t.send(`\x1b[<0;10;${y + 1}M\x1b[<0;10;${y + 1}m`, true);
    const after = await t.waitFor(/ #7\/300 /);
    assert.match(currentRow(after) ?? '', /#7 11\.010ms/);
    t.send(`\x1b[<65;10;${y + 1}M`, true); // wheel down
    await t.waitFor((s) => !s.includes('│ #1 0.001ms'));
    assert.equal(statusIndex(t.capture()), 7, 'the wheel does not move the cursor');
    t.send('q');
    await t.waitFor('[exit 0]');
  });
});

test('NO_COLOR: no colour escape sequences, the current row still highlighted', { skip }, async () => {
  await withTmux(100, 30, async (t) => {
    t.start(`${fixture} 300`, { NO_COLOR: '1' });
    await t.waitFor(/ #0\/300 /);
    const r = (await import('node:child_process')).spawnSync('tmux', ['-L', t.socket, 'capture-pane', '-p', '-e', '-t', 'main'], { encoding: 'utf8' });
    const withEsc = r.stdout;
    assert.doesNotMatch(withEsc, /\x1b\[[0-9;]*(3[0-7]|9[0-7]|38;5;\d+|4[0-7]|10[0-7]|48;5;\d+)m/, 'no colour SGR');
    assert.match(withEsc, /\x1b\[[0-9;]*7m/, 'inverse is used');
    t.send('q');
    await t.waitFor('[exit 0]');
  });
});

test('--at: the first screen comes at once, the cursor goes there when keyframes reach it', { skip }, async () => {
  await withTmux(100, 30, async (t) => {
    t.start(`${fixture} 300 40`);
    const screen = await t.waitFor(/ #40\/300 /);
    assert.match(currentRow(screen) ?? '', /#40 /);
    t.send('q');
    await t.waitFor('[exit 0]');
  });
});
