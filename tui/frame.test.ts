import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ASCII_GLYPHS, Style, UNICODE_GLYPHS, fit } from './canvas.js';
import type { ReplayApi } from './contract.js';
import { drawScreen, traceLayout } from './frame.js';
import { helpLines, KEY_TABLE } from './help.js';
import { Session } from './session.js';
import { stubApi, stubEvents, stubLandmarks, stubReplayer } from './stub-api.js';
import { keyName, styleAttrs } from './term.js';

/** Where the stub trace's events of interest are (the decision granting protected mode, its effects, the mode switches). */
const L = stubLandmarks(stubEvents(200));

function session(n = 200, api: ReplayApi = stubApi): Session {
  return new Session(api, stubReplayer(stubEvents(n)), {});
}

function screen(s: Session, w = 120, h = 40, g = UNICODE_GLYPHS) {
  drawScreen(s, w, h, g);       // first draw sets the timeline window
  while (s.sampleColumns(1000)); // background sampling, done at once here
  return drawScreen(s, w, h, g);
}

function press(s: Session, ...keys: string[]): void {
  for (const k of keys) { const r = s.key(k); if (typeof r === 'object') r.run(); }
}

test('120x40: every pane, the current row marked, the status line', () => {
  const s = session();
  const { canvas } = screen(s);
  const text = canvas.toText();
  const lines = text.split('\n');
  assert.equal(lines.length, 40);
  assert.match(lines[0]!, /^┌─ Timeline 0ns–641ms \(641ms wide/);
  assert.match(text, /Events #0\/200/);
  assert.match(text, / Detail /);
  assert.match(text, / State /);
  assert.match(text, /▶#0 0\.000ms probe stage=PROBE_DONE/);
  assert.match(lines[38]!, /^ #0\/200 │ 0\.000ms │ GPU NORMAL │ filter - │ bp -/);
  assert.match(lines[39]!, /←→ step/);
  assert.ok(lines.every((l) => Array.from(l).length <= 120));
});

test('80x24 fits: borders closed, lanes, list, detail and state all visible', () => {
  const s = session();
  press(s, 'p');
  const { canvas } = screen(s, 80, 24);
  const lines = canvas.toText().split('\n');
  assert.equal(lines.length, 24);
  for (let y = 0; y < 22; y++) assert.equal(Array.from(canvas.line(y)).length, 80);
  assert.match(lines[0]!, /^┌.*┐$/);
  assert.match(lines[21]!, /^└─+┴─+┘$/);
  assert.match(canvas.toText(), /CSG0  g1/);
  assert.match(canvas.toText(), /CSG1  g2▒/);
  assert.match(canvas.toText(), new RegExp(`▶#${L.protectedEntry} 31\\.040ms modeSwitch to=PROTECTED`));
  assert.match(canvas.toText(), /\[1 slots\]/);
  assert.match(lines[22]!, /GPU PROTECTED g2/);
  assert.match(canvas.toText(), /GPU PROTECTED, protected g2 on CSG1/, 'the state pane names the protected group');
});

test('timeline: mode band shows protected time, lanes show groups by slot, protected shaded, cursor column', () => {
  const s = session();
  press(s, 'p');
  const { canvas } = screen(s);
  const p = traceLayout(s, { x: 0, y: 0, w: 120, h: 38 });
  const band = canvas.line(p.timeline.y);
  assert.ok(band.includes('█'), 'protected span in the mode band');
  const lane1 = canvas.line(p.timeline.y + 2);
  assert.match(lane1, /CSG1  g2▒+/);
  // styles: lane 0 is a HIGH (2) normal group, lane 1 a MEDIUM (1) protected one
  const x = p.timeline.x + 6 + 5;
  assert.equal(canvas.styleAt(x + 40, p.timeline.y + 1), Style.prio2);
  assert.equal(canvas.styleAt(x + 40, p.timeline.y + 2), Style.prot1);
  // the cursor column
  const col = s.cursorColumn(p.timeline.w - 6);
  assert.ok(col >= 0);
  assert.equal(canvas.styleAt(p.timeline.x + 6 + col, p.timeline.y + 1), Style.cursorCol);
  assert.match(canvas.line(p.timeline.y + 3), /▲31ms/);
});

test('events list is virtualised: only the visible rows are formatted', () => {
  let formatted = 0;
  const api: ReplayApi = { ...stubApi, formatEvent: (ev, i) => { formatted++; return stubApi.formatEvent(ev, i); } };
  const s = new Session(api, stubReplayer(stubEvents(20_000)), { at: '15000' });
  const { canvas } = screen(s);
  const rows = traceLayout(s, { x: 0, y: 0, w: 120, h: 38 }).events.h;
  assert.ok(formatted <= rows + 10, `formatted ${formatted} lines for ${rows} rows`);
  assert.match(canvas.toText(), /▶#15000 /);
});

test('the list follows the cursor: stepping past the bottom scrolls by one, jumps centre', () => {
  const s = session();
  screen(s, 120, 40);
  const rows = s.listRows;
  for (let k = 0; k < rows; k++) press(s, 'down');
  drawScreen(s, 120, 40, UNICODE_GLYPHS);
  assert.equal(s.listTop, 1);
  press(s, 'g', '1', '5', '0', 'enter');
  drawScreen(s, 120, 40, UNICODE_GLYPHS);
  assert.equal(s.listTop, 150 - Math.floor(rows / 2));
});

test('detail pane: a long title takes at most two lines', () => {
  const long = 'x'.repeat(30) + ' ' + 'y'.repeat(30) + ' ' + 'z'.repeat(30) + ' ' + 'w'.repeat(30);
  const api: ReplayApi = { ...stubApi, formatEvent: (ev, i) => (i === L.grant ? long : stubApi.formatEvent(ev, i)) };
  const s = new Session(api, stubReplayer(stubEvents(200)), { at: String(L.grant) });
  const text = screen(s, 80, 24).canvas.toText();
  const lines = text.split('\n').map((l) => l.split('│')[2] ?? '');
  const k = lines.findIndex((l) => l.startsWith('xxx'));
  assert.ok(k > 0);
  assert.match(lines[k + 1]!, /^  yyy+ z+…/);
  assert.match(lines[k + 2]!, /^effect|^why|^cause/);
});

test('detail pane: title, cause link, why, every field', () => {
  const s = session();
  press(s, 'p', '{');
  const text = screen(s).canvas.toText();
  assert.match(text, new RegExp(`#${L.grant} 31\\.000ms decision tick=3 protm=PROTM_GRANTED`));
  assert.match(text, new RegExp(`effect → #${L.grantCsgReq} 31\\.010ms fwReq`));
  assert.match(text, /why:/);
  assert.match(text, /• protected mode: PROTM_GRANTED/);
  assert.match(text, /fields:/);
  assert.match(text, / tick +3/);
});

test('Detail: ↑/↓ move a line cursor, Enter follows the link under it (or the cause)', () => {
  const s = session();
  press(s, '}', '}', '}', '}');
  assert.equal(s.index, L.grant);
  press(s, 'tab');
  screen(s);
  const line = s.detailLinks.indexOf(1); // the second link: the PROTM_ENTER request
  assert.ok(line > 0);
  for (let k = 0; k < line; k++) press(s, 'down');
  const { canvas } = screen(s);
  const y = canvas.toText().split('\n').findIndex((l) => l.includes(`effect → #${L.enterReq}`));
  assert.equal(canvas.styleAt(90, y), Style.linkSelected, 'the selected link is highlighted');
  press(s, 'enter');
  assert.equal(s.index, L.enterReq);
  screen(s);
  press(s, 'enter');
  assert.equal(s.index, L.grant, 'on a line that is no link, Enter follows the cause');
});

test('mouse map: rows, links, tabs and columns are where they are drawn', () => {
  const s = session();
  press(s, 'p', '{');
  const { canvas, hits } = screen(s);
  const all = hits[0]!.hits;
  const row = all.find((h) => h.kind === 'row' && h.index === L.grant)!;
  assert.match(canvas.line(row.rect.y), new RegExp(`▶#${L.grant} `));
  const link = all.find((h) => h.kind === 'link' && h.link === 1)!;
  assert.match(canvas.line(link.rect.y), new RegExp(`effect → #${L.enterReq}`));
  const tab = all.find((h) => h.kind === 'tab' && h.tab === 2)!;
  assert.match(canvas.line(tab.rect.y).slice(tab.rect.x, tab.rect.x + tab.rect.w), /3 heaps/);
  assert.equal(all.filter((h) => h.kind === 'column').length, 120 - 2 - 6);
});

test('ASCII glyphs: frame and timeline in plain ASCII', () => {
  const s = session();
  press(s, 'p');
  const text = screen(s, 100, 30, ASCII_GLYPHS).canvas.toText();
  assert.match(text.split('\n')[0]!, /^\+- Timeline/);
  assert.match(text, /CSG1  g2#+/);
  assert.match(text, new RegExp(`>#${L.protectedEntry} `));
});

test('help fits the screen and tells a newcomer how to get from protected mode to its decision', () => {
  const text = helpLines(UNICODE_GLYPHS, 78).map((l) => l.map(([, t]) => t).join('')).join('\n');
  assert.ok(text.split('\n').every((l) => Array.from(l).length <= 78));
  assert.match(text, /first protected-mode entry/);
  assert.match(text, /scheduling decision before it/);
  assert.match(text, /"why:"/);
  for (const [k] of KEY_TABLE) assert.ok(text.includes(k), `help lists ${k}`);
  const s = session();
  press(s, '?');
  const shown = screen(s, 80, 24).canvas.toText();
  assert.match(shown, /Help/);
  assert.match(shown, /Walkthrough/);
});

test('too small a terminal says so', () => {
  const text = screen(session(), 30, 8).canvas.toText();
  assert.match(text, /terminal too small \(30x8\)/);
});

test('NO_COLOR: attributes only, no colours', () => {
  const plain = styleAttrs(true);
  for (const a of plain) {
    assert.equal((a >> 9) & 0x1ff, 0x1ff, 'default fg');
    assert.equal(a & 0x1ff, 0x1ff, 'default bg');
  }
  assert.notEqual(plain[Style.current], plain[Style.normal], 'the current row is still visible (inverse)');
  const colour = styleAttrs(false);
  assert.notEqual((colour[Style.prio3]! >> 9) & 0x1ff, 0x1ff);
});

test('key names from blessed keypresses', () => {
  assert.equal(keyName(undefined, { full: 'left' }), 'left');
  assert.equal(keyName('\r', { full: 'enter' }), 'enter');
  assert.equal(keyName('\r', { full: 'return' }), undefined, 'blessed repeats a CR as return');
  assert.equal(keyName('{', { full: '{' }), '{');
  assert.equal(keyName('N', { full: 'S-n' }), 'N');
  assert.equal(keyName('\t', { full: 'tab' }), 'tab');
  assert.equal(keyName(undefined, { full: 'S-tab' }), 'S-tab');
  assert.equal(keyName('\x7f', { full: 'backspace' }), 'backspace');
  assert.equal(keyName(' ', { full: 'space' }), 'space');
});

test('fit pads and cuts to a width', () => {
  assert.equal(fit('abc', 5), 'abc  ');
  assert.equal(fit('abcdef', 4), 'abc…');
});

test('mode band: a column shows protected time or a reset that happened inside it, from running totals', () => {
  const s = session();
  const p = traceLayout(s, { x: 0, y: 0, w: 120, h: 38 });
  const cols = p.timeline.w - 6;
  const base = { mode: 'NORMAL' as const, protectedGroup: 0, slots: [] };
  const colNs = s.window().span / cols;
  const samples = Array.from({ length: cols }, (_, k) => ({ ...base, protectedNs: 0, resets: 0, k }));
  // column 10: protected for a tenth of it; column 20: most of it; column 30: a reset
  for (const smp of samples.slice(10)) smp.protectedNs = colNs / 10;
  for (const smp of samples.slice(20)) smp.protectedNs = colNs / 10 + colNs * 0.9;
  for (const smp of samples.slice(30)) smp.resets = 1;
  s.columns = () => samples;
  const { canvas } = screen(s);
  const band = Array.from(canvas.line(p.timeline.y)).slice(p.timeline.x + 6);
  assert.equal(band[9], '·');
  assert.equal(band[10], '▌', 'partly protected');
  assert.equal(band[11], '·');
  assert.equal(band[20], '█', 'mostly protected');
  assert.equal(band[30], 'R', 'a reset');
});

test('80 columns: the hint line ends with "? help  q quit" (other hints give way)', () => {
  for (const w of [80, 60, 120]) {
    const lines = screen(session(), w, 24).canvas.toText().split('\n');
    assert.match(lines[23]!, /\? help {2}q quit {0,2}$/, `width ${w}: ${lines[23]}`);
    assert.match(lines[23]!, /^←→ step {2}g go/);
  }
});

test('marks: the letters under their columns on the time axis, the delta in the timeline title and the status bar', () => {
  const s = session();
  press(s, 'g', '2', '0', 'enter', 'm', 'a', 'g', '1', '5', '0', 'enter', 'm', 'b');
  const { canvas } = screen(s);
  const lines = canvas.toText().split('\n');
  const delta = s.markDelta()!;
  assert.equal(delta.events, 130);
  assert.ok(lines[0]?.includes(`a→b +${(delta.ns / 1e6).toFixed(3)}ms, 130 events`), lines[0]);
  assert.ok(lines[38]?.includes(`marks a→b +${(delta.ns / 1e6).toFixed(3)}ms, 130 events`), lines[38]);
  const axis = lines.find((l) => l.startsWith('│time'))!;
  const cols = 120 - 2 - 6;
  const col = (i: number) => 1 + 6 + Math.floor((s.timeAt(i) / s.span) * cols);
  assert.equal(Array.from(axis)[col(20)], 'a');
  assert.equal(Array.from(axis)[col(150)], 'b');
});

test('the timeline keeps its height when the window shows fewer lanes: the list below does not move', () => {
  const s = session();
  const slot = (group: number) => ({ group, priority: 1, isProtected: false, csgPriority: 0 });
  const sample = (used: number) => ({ mode: 'NORMAL' as const, protectedGroup: 0, slots: Array.from({ length: 6 }, (_, k) => slot(k < used ? k + 1 : 0)) });
  const r = { x: 0, y: 0, w: 120, h: 40 };
  let used = 5;
  s.columns = (cols: number) => Array.from({ length: cols }, () => sample(used));
  const wide = traceLayout(s, r);
  assert.equal(wide.timeline.h, 5 + 1 + 2, 'five lanes, a row for the empty slot, the mode band and the axis');
  used = 1;
  assert.equal(s.laneRows(100).length, 2, 'the window now has one lane and one row of empty slots');
  const narrow = traceLayout(s, r);
  assert.deepStrictEqual(narrow, wide);
  // drawn: the list starts on the same row and shows as many events
  const { canvas } = drawScreen(s, 120, 40, UNICODE_GLYPHS);
  assert.match(canvas.line(wide.events.y - 1), /Events #/);
});
