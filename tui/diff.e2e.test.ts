/**
 * End-to-end: `csftrace replay a.csft --diff b.csft` in a real terminal (tmux, 80x24 and 120x40)
 * on the v1 goldens drm-video-over-ui-reviewed (panthor-2026-reviewed) and drm-video-over-ui-kbase
 * (kbase: the two agree until the video's first CS_PROTM_PENDING; panthor-2026 as posted differs
 * from kbase from its first decision on, one hunk to the end), and
 * `csftrace replay trace.csft#ev=N` (the links of a bug report). Expected positions come from the
 * replayer's diff API, not from the UI.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiffNavigator, diffTraces, openTrace, type HunkPosition } from '../replayer/index.js';
import { Tmux, tmuxAvailable } from './tmux-harness.js';
import { skipUnless } from '../test-support/skip.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'dist/cli/main.js');
const A = join(root, 'traces/v1/drm-video-over-ui-reviewed.csft');
const B = join(root, 'traces/v1/drm-video-over-ui-kbase.csft');
const goldens = existsSync(A) && existsSync(B);
const skip = skipUnless(goldens, 'v1 golden traces missing') || skipUnless(tmuxAvailable(), 'tmux not installed');

let dir = '';
let exp: { countA: number; countB: number; hunks: HunkPosition[] };

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'csftrace-diff-e2e-'));
  if (!goldens) return;
  const a = openTrace(A), b = openTrace(B);
  try {
    const nav = new DiffNavigator(diffTraces(a, b));
    exp = { countA: a.eventCount, countB: b.eventCount, hunks: Array.from({ length: nav.hunkCount }, (_, k) => nav.hunk(k)) };
  } finally {
    a.close();
    b.close();
  }
  assert.ok(exp.hunks.length >= 2, 'the two policies differ in at least two places');
});

after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

async function withTmux(w: number, h: number, fn: (t: Tmux) => Promise<void>): Promise<void> {
  const t = new Tmux(w, h, 'diff');
  try {
    await fn(t);
  } finally {
    t.kill();
  }
}

/** The status line of the diff view with both cursors at these events. */
const bothAt = (a: number, b: number) => new RegExp(`^ A\\*? #${a}/${exp.countA}\\b.* B\\*? #${b}/${exp.countB}\\b`, 'm');
/**
 * Both cursors there, and both decision lines under the titles drawn whole: they come from the
 * diff's worker thread a moment later, and end with the rule that decided, "(RULE_…)".
 */
const landed = (a: number, b: number) => (s: string) =>
  bothAt(a, b).test(s) && /\(RULE_\w+\)$/.test(decisionText(s, 'A')) && /\(RULE_\w+\)$/.test(decisionText(s, 'B'));

/** The screen's lines from the title of `side` down to the next side's title (or the end). */
function sideBlock(screen: string, side: 'A' | 'B'): string {
  const lines = screen.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^[┌├]─[[ ]${side} `).test(l));
  if (start < 0) return '';
  const end = lines.findIndex((l, k) => k > start && /^[┌├]─[[ ][AB] /.test(l));
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

/** The decision lines under a side's title, joined (they wrap at 80 columns). */
function decisionText(screen: string, side: 'A' | 'B'): string {
  const lines = sideBlock(screen, side).split('\n').slice(1);
  const out: string[] = [];
  for (const l of lines) {
    if (!l.startsWith('│ ') || /^[├┌└]/.test(l)) break;
    out.push(l.slice(2).replace(/│$/, '').trim());
  }
  return out.join(' ');
}

test('80x24: both traces open; d lands both cursors on the first divergence, d/D move between differences; v shows the apps', { skip }, async () => {
  const [h0, h1] = exp.hunks;
  assert.ok(h0 && h1, 'two differences');
  await withTmux(80, 24, async (t) => {
    t.start(`node ${cli} replay ${A} --diff ${B}`);
    let screen = await t.waitFor(/\d+ differences │ linked/);
    assert.match(screen, /^┌─\[A panthor-2026-reviewed · #0\/\d+ · drm-video-over-ui-reviewed\.csft\]/m);
    assert.match(screen, /^├─ B kbase · #0\/\d+ · drm-video-over-ui-kbase\.csft /m);
    assert.ok(screen.split('\n').every((l) => Array.from(l).length <= 80));
    t.send('d');
    screen = await t.waitFor(landed(h0.aEvent, h0.bEvent));
    const a = decisionText(screen, 'A');
    const b = decisionText(screen, 'B');
    assert.match(a, new RegExp(`^#${h0.aEvent} [\\d.]+ms TRIGGER_PROTM_PENDING .*PROTM_GRANTED video:0 \\(RULE_PENDING_REQUIRED\\)$`));
    assert.match(b, new RegExp(`^#${h0.bEvent} [\\d.]+ms TRIGGER_PROTM_PENDING .*evict\\[weston:0, ml-batch:0\\] PROTM_GRANTED video:0 \\(RULE_KBASE_SOLE_RESIDENT\\)$`));
    assert.match(sideBlock(screen, 'A'), /≠ difference 1\//);
    assert.match(sideBlock(screen, 'B'), /≠ difference 1\//);
    assert.match(screen, /difference 1\/\d+: A #\d+, B #\d+/);
    t.send('d');
    await t.waitFor(bothAt(h1.aEvent, h1.bEvent));
    t.send('D');
    screen = await t.waitFor(landed(h0.aEvent, h0.bEvent));
    assert.match(decisionText(screen, 'B'), /RULE_KBASE_SOLE_RESIDENT/);
    t.send('v');
    screen = await t.waitFor(/Consequences · A panthor-2026-reviewed vs B kbase/);
    assert.match(screen, /│ app ml-batch +jobs done +\d+ +\d+ /);
    assert.match(screen, /policy: panthor-2026-reviewed {2}→ {2}kbase/);
    // The apps come in name order (ml-batch, video, weston), each with its metric rows: page on.
    t.send('PageDown');
    await t.waitFor(/│ app video +\w/);
    t.send('PageDown');
    await t.waitFor(/│ app weston +\w/);
    t.send('v');
    await t.waitFor((s) => !s.includes('Consequences') && bothAt(h0.aEvent, h0.bEvent).test(s));
    t.send('q');
    await t.waitFor('[exit 0]');
  });
});

test('120x40: both traces with all panes; s moves B and A follows through the alignment; z shows one side', { skip }, async () => {
  const [h0] = exp.hunks;
  assert.ok(h0, 'a difference');
  await withTmux(120, 40, async (t) => {
    t.start(`node ${cli} replay ${A} --diff ${B}`);
    let screen = await t.waitFor(/\d+ differences │ linked/);
    assert.match(screen, /Timeline A /);
    assert.match(screen, /Timeline B /);
    t.send('d');
    // the decision lines come from the diff's worker a moment after the cursors move (landed)
    screen = await t.waitFor(landed(h0.aEvent, h0.bEvent));
    assert.match(decisionText(screen, 'B'), /TRIGGER_PROTM_PENDING .*RULE_KBASE_SOLE_RESIDENT/);
    assert.match(screen, /Timeline A .*[\s\S]*why:/, 'the detail pane explains the decision');
    t.send('s');
    await t.waitFor(/keys go to B \(kbase\); A follows/);
    t.send('Right');
    // B steps off its decision; A follows to the event the same distance after its own
    screen = await t.waitFor(bothAt(h0.aEvent + 1, h0.bEvent + 1));
    assert.match(screen, / A #\d+\/\d+ .* B\* #/);
    t.send('z');
    screen = await t.waitFor((s) => !s.includes('Timeline A') && s.includes('Timeline B'));
    t.send('q');
    await t.waitFor('[exit 0]');
  });
});

test('80x24: replay trace.csft#ev=N opens at event N', { skip }, async () => {
  await withTmux(80, 24, async (t) => {
    const n = exp.hunks[0]!.aEvent; // the first divergence's decision, wherever the model puts it
    t.start(`node ${cli} replay '${A}#ev=${n}'`);
    const screen = await t.waitFor(new RegExp(`^ #${n}/\\d+ `, 'm'));
    assert.match(screen, new RegExp(`▶#${n} `));
    t.send('q');
    await t.waitFor('[exit 0]');
  });
});

test('without a terminal: --diff prints the diff text, exit 0', { skip: skipUnless(goldens, 'v1 golden traces missing') }, () => {
  const r = spawnSync('node', [cli, 'replay', A, '--diff', B], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^csftrace replay --diff: not a terminal, so the text of `csftrace diff` instead of the UI\n--- /);
  assert.match(r.stdout, /^first divergence \(the first decision whose outcome differs\)$/m);
  assert.match(r.stdout, new RegExp(`^ {2}B decision \\d+ #${exp.hunks[0]!.bEvent} [\\d.]+ms TRIGGER_PROTM_PENDING .*\\(RULE_KBASE_SOLE_RESIDENT\\)$`, 'm'));
  assert.match(r.stdout, /^ {2}app video +jobs done/m);
  const missing = spawnSync('node', [cli, 'replay', A, '--diff', join(dir, 'nope.csft')], { encoding: 'utf8' });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^csftrace: .*nope\.csft: no such file\n$/);
});

test('without a terminal: trace.csft#ev=N, a bad N, a real file name with #ev= in it', { skip: skipUnless(goldens, 'v1 golden traces missing') }, () => {
  const n = exp.hunks[0]!.aEvent;
  const at = spawnSync('node', [cli, 'replay', `${A}#ev=${n}`], { encoding: 'utf8' });
  assert.equal(at.status, 0, at.stderr);
  assert.match(at.stdout, new RegExp(`^ {2}at #${n} [\\d.]+ms decision `, 'm'));
  for (const [arg, re] of [
    [`${A}#ev=abc`, /#ev=abc: bad event link: expected #ev=<event index>, got "#ev=abc"/],
    [`${A}#ev=`, /bad event link/],
    [`${A}#ev=-3`, /bad event link/],
  ] as const) {
    const r = spawnSync('node', [cli, 'replay', arg], { encoding: 'utf8' });
    assert.equal(r.status, 2, arg);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  }
  // past the end: the last event, as for --at past the end, and said so
  const past = spawnSync('node', [cli, 'replay', `${A}#ev=99999999`], { encoding: 'utf8' });
  assert.equal(past.status, 0, past.stderr);
  assert.match(past.stdout, /^ {2}--at 99999999 is past the end of the trace: at the last event$/m);
  assert.match(past.stdout, new RegExp(`^ {2}at #${exp.countA - 1} `, 'm'));
  const late = spawnSync('node', [cli, 'replay', A, '--at', '99s'], { encoding: 'utf8' });
  assert.match(late.stdout, /^ {2}--at 99s is past the end of the trace: at the last event$/m);
  assert.match(late.stdout, new RegExp(`^ {2}at #${exp.countA - 1} `, 'm'));
  const both = spawnSync('node', [cli, 'replay', `${A}#ev=10`, '--at', '20'], { encoding: 'utf8' });
  assert.equal(both.status, 2);
  assert.match(both.stderr, /the link gives a position and so does --at 20/);
  // a file whose name really ends in #ev=5 is opened as it is, at the start
  const odd = join(dir, 'odd.csft#ev=5');
  copyFileSync(A, odd);
  const r = spawnSync('node', [cli, 'replay', odd], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ {2}at #0 /m);
  assert.match(r.stdout, /odd\.csft#ev=5: not a terminal/);
});
