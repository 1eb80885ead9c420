/**
 * The diff view without a terminal: stub traces (B = A with three extra events in front, so linked
 * cursors are three apart) and a stub diff in which decisions 5 and 9 differ. Screens are read as
 * text, as tmux would capture them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { startTui, type TuiHandle } from './app.js';
import { ASCII_GLYPHS, Style, UNICODE_GLYPHS, type Glyphs } from './canvas.js';
import { DiffView, chooseLayout, consequencesLines, diffComposer } from './diff-view.js';
import { helpLines } from './help.js';
import { Session } from './session.js';
import { stubApi, stubDiff, stubDiffApi, stubEvents, stubEventsShifted, stubReplayer } from './stub-api.js';

const SHIFT = 3;
const DIFFERING = [5, 9];

function view(opts: { compute?: boolean } = {}) {
  const a = new Session(stubApi, stubReplayer(stubEvents(200)));
  const b = new Session(stubApi, stubReplayer(stubEventsShifted(200, SHIFT)));
  const api = stubDiffApi(DIFFERING);
  const v = new DiffView(a, b, api);
  if (opts.compute !== false) v.compute();
  return { a, b, v, api };
}

/** Decision event indices of A (B's are SHIFT later). */
function decisionsOfA(): number[] {
  return stubEvents(200).flatMap((e, i) => (e.body.case === 'decision' ? [i] : []));
}

function screen(v: DiffView, w = 80, h = 24, g: Glyphs = UNICODE_GLYPHS): string {
  return v.draw(w, h, g).canvas.toText();
}

/** A key as the loop gives it: the view first, then the active session; slow actions run at once. */
function press(v: DiffView, ...keys: string[]): void {
  for (const k of keys) {
    const s = v.active();
    const r = (s.prompt || s.helpOpen ? undefined : v.key(k)) ?? s.key(k);
    if (typeof r === 'object') r.run();
    v.draw(80, 24, UNICODE_GLYPHS); // each key is followed by a frame (the linked cursor follows there)
  }
}

test('layout by size: lists at 80x24, rows at 120x40, columns from 160 wide', () => {
  assert.equal(chooseLayout(80, 22), 'lists');
  assert.equal(chooseLayout(120, 38), 'rows');
  assert.equal(chooseLayout(159, 30), 'lists');
  assert.equal(chooseLayout(160, 30), 'columns');
  assert.equal(chooseLayout(200, 48), 'columns');
});

test('80x24 before the diff is computed: both traces, "aligning", d says so and moves nothing', () => {
  const { v, a, b, api } = view({ compute: false });
  const text = screen(v);
  assert.match(text, /^┌─\[A panthor-2026 · #0\/200 · stub\.csft\]─+┐$/m);
  assert.match(text, /├─ B panthor-2026 · #0\/203 · stub\.csft ─+┤/);
  assert.equal((text.match(/aligning the decisions of the two traces/g) ?? []).length, 2);
  assert.match(text, / A\* #0\/200 │ B #0\/203 │ aligning … │ linked/);
  press(v, 'd');
  assert.equal(a.index, 0);
  assert.equal(b.index, 0);
  assert.match(screen(v), /still aligning the decisions/);
  assert.equal(api.calls, 0);
  assert.equal(v.background(), true, 'the first slice computes the diff');
  assert.equal(api.calls, 1);
  v.background();
  assert.equal(api.calls, 1, 'once');
});

test('80x24: every line fits, both lists and decision lines, the status names both cursors', () => {
  const { v } = view();
  const lines = screen(v).split('\n');
  assert.equal(lines.length, 24);
  assert.ok(lines.every((l) => Array.from(l).length <= 80), 'no line wider than 80');
  assert.match(lines[0]!, /^┌─\[A panthor-2026 · #0\/200 · stub\.csft\]─+┐$/);
  assert.match(lines[1]!, /before the first scheduling decision/);
  assert.match(lines[4]!, /^├─ Events 0\.000ms · GPU NORMAL ─+┤$/);
  assert.match(lines[5]!, /^│▶#0 0\.000ms probe stage=PROBE_DONE/);
  assert.match(lines[21]!, /^└─+┘$/);
  assert.match(lines[22]!, /^ A\* #0\/200 │ B #0\/203 │ 2 differences │ linked$/);
  assert.match(lines[23]!, /^d D difference {2}v consequences {2}s side/);
});

test('d lands both cursors on the next difference, D goes back; the decision lines say which differs', () => {
  const { v, a, b } = view();
  const dec = decisionsOfA();
  press(v, 'd');
  assert.equal(a.index, dec[5]!);
  assert.equal(b.index, dec[5]! + SHIFT);
  const text = screen(v);
  assert.match(text, new RegExp(`A panthor-2026 · #${dec[5]!}/200 · decision 5/\\d+ ≠ difference 1/2`));
  assert.match(text, new RegExp(`B panthor-2026 · #${dec[5]! + SHIFT}/203 · decision 5/\\d+ ≠ difference 1/2`));
  assert.match(text, /│ #\d+ TRIGGER_STUB slots\[app:5\] PROTM_GRANTED app:0 \(RULE_STUB_A\)/);
  assert.match(text, /│ #\d+ TRIGGER_STUB slots\[app:5\] PROTM_GRANTED app:0 \(RULE_STUB_B\)/);
  assert.match(text, /difference 1\/2: A #\d+, B #\d+ {2}\(d next, D previous, Backspace returns\)/);
  press(v, 'd');
  assert.equal(a.index, dec[9]!);
  assert.equal(b.index, dec[9]! + SHIFT);
  press(v, 'd');
  assert.equal(a.index, dec[9]!, 'no later difference: nothing moves');
  assert.match(screen(v), /no later difference \(2 in all\)/);
  press(v, 'D');
  assert.equal(a.index, dec[5]!);
  assert.equal(b.index, dec[5]! + SHIFT);
  press(v, 'D');
  assert.match(screen(v), /no earlier difference/);
  // Backspace returns along the jumps (the other side follows)
  press(v, 'backspace');
  assert.equal(a.index, dec[9]!);
  assert.equal(b.index, dec[9]! + SHIFT);
});

test('linked cursors: the other side follows each step; s switches the side keys move; l unlinks', () => {
  const { v, a, b } = view();
  const dec = decisionsOfA();
  press(v, '}', '}', 'right');
  assert.equal(a.index, dec[1]! + 1);
  assert.equal(b.index, dec[1]! + 1 + SHIFT, 'B beside A through the alignment');
  press(v, 's');
  assert.equal(v.side, 'b');
  assert.match(screen(v), /keys go to B \(panthor-2026\); A follows/);
  assert.match(screen(v), / A #\d+\/200 │ B\* #\d+\/203 /);
  press(v, 'right', 'right');
  assert.equal(b.index, dec[1]! + 3 + SHIFT);
  assert.equal(a.index, dec[1]! + 3);
  press(v, 'l');
  assert.equal(v.linked, false);
  press(v, 'right');
  assert.equal(b.index, dec[1]! + 4 + SHIFT);
  assert.equal(a.index, dec[1]! + 3, 'unlinked: A stays');
  assert.match(screen(v), /│ unlinked$/m);
  press(v, 'l', 'left');
  assert.equal(a.index, dec[1]! + 3, 'linked again: A beside B');
});

test('a click on the other side\'s list makes it the active side', () => {
  const { v, b } = view();
  screen(v);
  b.clickRow(20);
  screen(v);
  assert.equal(v.side, 'b');
  assert.equal(v.a.index, 20 - SHIFT, 'A beside B: the same event, SHIFT events earlier');
});

test('differing decisions are marked in both lists, with their side\'s style', () => {
  const { v, a, b } = view();
  const dec = decisionsOfA();
  press(v, 'd', 'right');
  const text = screen(v);
  assert.match(text, new RegExp(`│≠#${dec[5]!} `));
  assert.match(text, new RegExp(`│≠#${dec[5]! + SHIFT} `));
  assert.equal(a.diffMark?.(dec[5]!), Style.diffA);
  assert.equal(b.diffMark?.(dec[5]! + SHIFT), Style.diffB);
  assert.equal(a.diffMark?.(dec[4]!), undefined);
  assert.match(screen(v, 80, 24, ASCII_GLYPHS), new RegExp(`\\|!#${dec[5]!} `), 'ASCII marker');
});

test('v: the consequences view with app names, scrolls, closes; d from there jumps', () => {
  const { v, a } = view();
  press(v, 'v');
  let text = screen(v);
  assert.match(text, /Consequences · A panthor-2026 vs B kbase|Consequences · A panthor-2026 vs B panthor-2026/);
  assert.match(text, /policy: panthor-2026 {2}→ {2}kbase/);
  assert.match(text, /│ total +protected residency +10\.000ms +30\.000ms +\+20\.000ms/);
  assert.match(text, /│ app compositor +jobs done +40 +38 +-2/);
  assert.match(text, /│ app video +jobs done/);
  assert.match(text, /↓ more/);
  assert.doesNotMatch(text, /groups only in A/);
  assert.ok(text.split('\n').every((l) => Array.from(l).length <= 80));
  press(v, 'end');
  text = screen(v);
  assert.match(text, /│ groups only in A: video:31, video:32/);
  assert.match(text, /│ group video:\d+ +jobs done/, 'the first row on screen names its block');
  press(v, 'right');
  assert.equal(a.index, 0, 'keys other than the view\'s are not passed to the traces');
  press(v, 'v');
  assert.doesNotMatch(screen(v), /Consequences/);
  press(v, 'v', 'd');
  assert.equal(v.consequencesOpen, false);
  assert.equal(a.index, decisionsOfA()[5]);
});

test('consequencesLines: block label once, delta highlighted, columns cut to the width', () => {
  const { a, b } = view();
  const m = stubDiff(a.trace, b.trace, DIFFERING);
  const { rows, labelled, header } = consequencesLines(m, 70, UNICODE_GLYPHS);
  const text = (l: typeof rows[number]) => l.map(([, t]) => t).join('');
  const narrow = consequencesLines(m, 60, UNICODE_GLYPHS);
  assert.match(text(narrow.rows[1]!), /^app com… {2}jobs done/, 'narrow: the label column gives way');
  assert.ok([narrow.header, ...narrow.rows].every((l) => Array.from(text(l)).length <= 60));
  assert.match(text(rows[1]!), /^app compositor +jobs done/);
  assert.match(text(rows[2]!), /^ +GPU time share +20\.0% +18\.0% +-2\.0pp$/);
  assert.match(text(labelled[2]!), /^app compositor +GPU time share/);
  assert.deepEqual(rows[1]?.at(-1), [Style.key, '-2']);
  assert.equal(rows[4]?.length, 1, '"=" is not highlighted');
  assert.ok([header, ...rows].every((l) => Array.from(text(l)).length <= 70));
});

test('120x40 rows and 200x50 columns: both traces with every pane; z shows the active side alone', () => {
  const { v } = view();
  press(v, 'd');
  let text = screen(v, 120, 40);
  assert.equal(v.layout, 'rows');
  assert.match(text, /Timeline A /);
  assert.match(text, /Timeline B /);
  assert.match(text, /RULE_STUB_A/);
  assert.match(text, /RULE_STUB_B/);
  assert.match(text.split('\n')[38]!, /^ A\* #\d+\/200 [\d.]+ms GPU \w+( g\d)? │ B #\d+\/203 [\d.]+ms GPU \w+( g\d)? │ 2 differences │ linked$/);
  text = screen(v, 200, 50);
  assert.equal(v.layout, 'columns');
  const row = text.split('\n')[0]!;
  assert.match(row, /^┌─\[A panthor-2026 .*┐┌─ B panthor-2026 .*┐$/, 'side by side');
  press(v, 's', 'z');
  text = screen(v, 120, 40);
  assert.equal(v.layout, 'one');
  assert.match(text, /Timeline B /);
  assert.doesNotMatch(text, /Timeline A /);
  assert.match(text, / Detail /);
  press(v, 'z');
  assert.match(screen(v, 120, 40), /Timeline A /);
});

test('Tab switches sides when only the lists show, and cycles panes otherwise', () => {
  const { v, a } = view();
  screen(v, 80, 24);
  press(v, 'tab');
  assert.equal(v.side, 'b');
  press(v, 'tab');
  assert.equal(v.side, 'a');
  const r = v.key('tab');
  assert.equal(r, 'redraw');
  v.draw(120, 40, UNICODE_GLYPHS);
  assert.equal(v.key('tab'), undefined, 'rows layout: Tab goes to the session');
  a.key('tab');
  assert.equal(a.focus, 'detail');
});

test('? in the diff view: the diff keys come first; the single-trace help lists them at the end', () => {
  const { v } = view();
  press(v, '?');
  const text = screen(v);
  assert.match(text, /Diff view: csftrace replay a\.csft --diff b\.csft/);
  assert.match(text, /d D +next \/ previous difference/);
  const plain = helpLines(UNICODE_GLYPHS, 78).map((l) => l.map(([, t]) => t).join(''));
  const k = plain.findIndex((l) => l.startsWith('Diff view'));
  assert.ok(k > plain.findIndex((l) => l.startsWith('Keys')), 'after the main keys');
  press(v, 'escape');
  assert.doesNotMatch(screen(v), /Diff view:/);
});

test('background: after the diff, B\'s keyframes and timeline columns are built', () => {
  const a = new Session(stubApi, stubReplayer(stubEvents(200)));
  const rb = stubReplayer(stubEventsShifted(200, SHIFT), { keyframesReady: false });
  const v = new DiffView(a, new Session(stubApi, rb, { deferEffects: true }), stubDiffApi(DIFFERING));
  v.draw(120, 40, UNICODE_GLYPHS);
  let slices = 0;
  while (v.background() && slices < 1000) slices++;
  assert.ok(rb.keyframesReady);
  assert.ok(v.model);
  assert.equal(v.b.effectsPending, false);
  assert.ok(v.b.columns(10).length > 0);
});

// ── the loop with a fake terminal ──

function fakeTerminal(cols: number, rows: number) {
  const input = new PassThrough() as PassThrough & { isTTY: boolean; setRawMode: (b: boolean) => void };
  input.isTTY = true;
  input.setRawMode = () => undefined;
  let out = '';
  const output = new Writable({ write(chunk: Buffer, _e, cb) { out += chunk.toString('utf8'); cb(); } }) as Writable & { isTTY: boolean; columns: number; rows: number };
  output.isTTY = true;
  output.columns = cols;
  output.rows = rows;
  return { input, output, text: () => out };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

async function settle(ui: TuiHandle): Promise<void> {
  for (let k = 0; k < 200 && !(ui.idle && !ui.busy); k++) await tick();
  await tick();
}

test('in the loop: diffComposer computes the diff in the background, d moves both cursors, --at links B', async () => {
  const t = fakeTerminal(80, 24);
  let view: DiffView | undefined;
  const make = diffComposer(stubApi, stubDiffApi(DIFFERING), stubReplayer(stubEventsShifted(200, SHIFT)));
  const ui = startTui({
    api: stubApi, replayer: stubReplayer(stubEvents(200)), at: '20', input: t.input, output: t.output, terminal: 'xterm-256color',
    env: { LANG: 'C.UTF-8' }, composer: (s) => (view = make(s)),
  });
  await settle(ui);
  assert.ok(view?.model, 'diff computed');
  assert.equal(ui.session.index, 20);
  assert.equal(view.b.index, 20 + SHIFT, 'B follows --at through the alignment');
  t.input.write('d');
  await settle(ui);
  const dec = decisionsOfA();
  const next = DIFFERING.map((p) => dec[p]!).find((e) => e > 20)!;
  assert.equal(ui.session.index, next);
  assert.equal(view.b.index, next + SHIFT);
  assert.match(t.text(), /RULE_STUB_B/);
  t.input.write('q');
  await ui.done;
});
