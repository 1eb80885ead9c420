import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Session, stateTabOf, type KeyResult } from './session.js';
import { stubApi, stubEvents, stubLandmarks, stubReplayer } from './stub-api.js';

/** Where the stub trace's events of interest are (the decision granting protected mode, the mode switches, ...). */
const L = stubLandmarks(stubEvents(200));
/** The time of that decision, as typed at a prompt (31ms). */
const GRANT_TIME = `${stubEvents(200)[L.grant]!.t / 1e6}ms`;

function session(n = 200, at?: string): Session {
  return new Session(stubApi, stubReplayer(stubEvents(n)), { at });
}

/** Presses keys; slow actions run at once (the driver would show "busy" first). */
function press(s: Session, ...keys: string[]): KeyResult[] {
  return keys.map((k) => {
    const r = s.key(k);
    if (typeof r === 'object') r.run();
    return r;
  });
}

function typeText(s: Session, text: string): void {
  for (const ch of text) press(s, ch === ' ' ? 'space' : ch);
}

test('opens at event 0, or at --at (index or time)', () => {
  assert.equal(session().index, 0);
  assert.equal(session(200, '7').index, 7);
  assert.equal(session(200, GRANT_TIME).index, L.grant);
});

test('left/right step and clamp at both ends', () => {
  const s = session(50);
  press(s, 'left');
  assert.equal(s.index, 0);
  press(s, 'right', 'right', 'right');
  assert.equal(s.index, 3);
  press(s, 'end', 'right');
  assert.equal(s.index, 49);
});

test('] goes to the next mode switch, [ back; status facts follow the cursor', () => {
  const s = session();
  press(s, ']');
  assert.equal(s.event(s.index).body.case, 'modeSwitch');
  assert.equal(s.index, L.entering);
  assert.equal(s.lanes().mode, 'ENTERING');
  assert.equal(s.lanes().protectedGroup, 2);
  press(s, ']');
  assert.equal(s.index, L.protectedEntry);
  assert.equal(s.lanes().mode, 'PROTECTED');
  press(s, '[');
  assert.equal(s.index, L.entering);
});

test('Enter follows the cause, Backspace walks the jump history back', () => {
  const s = session();
  press(s, ']');
  press(s, 'enter');
  assert.equal(s.index, L.enterReq, 'cause of the mode switch is the GLB request');
  press(s, 'enter');
  assert.equal(s.index, L.grant, 'cause of the request is the decision');
  press(s, 'backspace');
  assert.equal(s.index, L.enterReq);
  press(s, 'backspace');
  assert.equal(s.index, L.entering);
  press(s, 'backspace');
  assert.equal(s.index, 0);
  press(s, 'backspace');
  assert.match(s.message?.text ?? '', /history is empty/);
});

test('{ from the protected entry lands on the decision, with its explanation', () => {
  const s = session();
  press(s, 'p');
  assert.equal(s.index, L.protectedEntry);
  press(s, '{');
  assert.equal(s.index, L.grant);
  const d = s.detail()!;
  assert.deepEqual(d.why, ['tick 3: group 1 kept by priority', 'protected mode: PROTM_GRANTED']);
  assert.deepEqual(d.links.map((l) => l.index), [L.grantCsgReq, L.enterReq], 'effects of the decision');
});

test('g goes to an index or a time; a bad position is one warning line', () => {
  const s = session();
  press(s, 'g'); typeText(s, GRANT_TIME); press(s, 'enter');
  assert.equal(s.index, L.grant);
  press(s, 'g'); typeText(s, '#40'); press(s, 'enter');
  assert.equal(s.index, 40);
  press(s, 'g'); typeText(s, 'xyz'); press(s, 'enter');
  assert.equal(s.index, 40);
  assert.equal(s.message?.warn, true);
  assert.match(s.message!.text, /bad position/);
  press(s, 'backspace');
  assert.equal(s.index, L.grant);
});

test('prompt editing: backspace deletes, escape cancels', () => {
  const s = session();
  press(s, 'g'); typeText(s, '123'); press(s, 'backspace');
  assert.equal(s.prompt?.text, '12');
  press(s, 'escape');
  assert.equal(s.prompt, undefined);
  assert.equal(s.index, 0);
});

test('/ sets a filter and finds the first match; n/N move between matches; bad filter warns', () => {
  const s = session();
  press(s, '/'); typeText(s, 'type=job'); press(s, 'enter');
  assert.equal(s.filter?.text, 'type=job');
  assert.equal(s.index, L.firstJob);
  press(s, 'n');
  assert.equal(s.index, L.secondJob);
  press(s, 'N');
  assert.equal(s.index, L.firstJob);
  assert.equal(s.matches(L.secondJob), true);
  assert.equal(s.matches(L.secondJob - 1), false);
  press(s, '/'); typeText(s, 'nonsense'); press(s, 'enter');
  assert.equal(s.message?.warn, true);
  assert.equal(s.filter?.text, 'type=job', 'a bad filter keeps the old one');
  // the prompt opens empty (not pre-filled with the filter): Enter on it clears the filter
  press(s, '/');
  assert.equal(s.prompt?.text, '');
  press(s, 'enter');
  assert.equal(s.filter, undefined);
  assert.equal(s.message?.text, 'filter cleared');
});

test('vi and less keys: j/k, G and gg, Ctrl-D/Ctrl-U, space/b page; g then a number still goes there', () => {
  const s = session();
  s.listRows = 10;
  press(s, 'j', 'j', 'j');
  assert.equal(s.index, 3);
  press(s, 'k');
  assert.equal(s.index, 2);
  press(s, 'G');
  assert.equal(s.index, 199);
  press(s, 'g', 'g');
  assert.equal(s.index, 0, 'gg: the first event');
  assert.equal(s.prompt, undefined);
  press(s, 'C-d');
  assert.equal(s.index, 5, 'half a page of 10 rows');
  press(s, 'C-u');
  assert.equal(s.index, 0);
  press(s, 'space');
  assert.equal(s.index, 9, 'a page (rows - 1)');
  press(s, 'space', 'b');
  assert.equal(s.index, 9);
  press(s, 'g'); typeText(s, '42'); press(s, 'enter');
  assert.equal(s.index, 42, 'g then a number');
  press(s, 'g'); typeText(s, '#1g');
  assert.equal((s as Session).prompt?.text, '#1g', 'g later in the prompt is a character');
  press(s, 'escape');
  press(s, 'h');
  assert.equal(s.helpOpen, true, 'h opens help (as in less)');
  press(s, 'j', 'G', 'g');
  assert.equal(s.helpScroll, 0);
  press(s, 'q');
  assert.equal(s.helpOpen, false);
});

test('marks: m + letter sets, \' + letter jumps, \'\' returns; the delta of the two newest marks', () => {
  const s = session();
  press(s, 'g'); typeText(s, '12'); press(s, 'enter');
  press(s, 'm', 'a');
  assert.equal(s.marks.get('a')?.index, 12);
  assert.equal(s.markDelta(), undefined);
  press(s, 'G', 'm', 'b');
  const d = s.markDelta()!;
  assert.equal(d.from.letter, 'a');
  assert.equal(d.to.letter, 'b');
  assert.equal(d.events, 199 - 12);
  assert.equal(d.ns, s.timeAt(199) - s.timeAt(12));
  assert.match(s.message?.text ?? '', /mark b at #199 +\(a→b \+\d+\.\d{3}ms, 187 events\)/);
  press(s, "'", 'a');
  assert.equal(s.index, 12);
  press(s, "'", "'");
  assert.equal(s.index, 199, "'' goes back to before the jump");
  press(s, "'", 'z');
  assert.equal(s.message?.warn, true);
  assert.match(s.message?.text ?? '', /no mark z/);
  press(s, 'm', '1');
  assert.equal(s.message?.warn, true, 'a mark is a letter');
  // a mark set earlier in the trace than the other still reads forwards
  press(s, 'g'); typeText(s, '5'); press(s, 'enter');
  press(s, 'm', 'c');
  assert.equal(s.markDelta()?.text.startsWith('c→b +'), true);
});

test('the first + zooms in visibly: every span but the whole trace is at most two thirds of it', () => {
  const s = session();
  const whole = s.span;
  press(s, '+');
  assert.ok(s.span <= (whole * 2) / 3, `${s.span} after + on ${whole}`);
});

test('B sets a breakpoint on the filter; c/C continue to it; B again removes it', () => {
  const s = session();
  press(s, 'B');
  assert.equal(s.message?.warn, true, 'no filter yet');
  press(s, '/'); typeText(s, 'type=modeSwitch'); press(s, 'enter');
  assert.equal(s.index, L.entering);
  press(s, 'B');
  assert.equal(s.cursor.breakpoints.length, 1);
  press(s, 'c');
  assert.equal(s.index, L.protectedEntry);
  press(s, 'c');
  assert.equal(s.index, L.protectedExit);
  press(s, 'C');
  assert.equal(s.index, L.protectedEntry);
  press(s, 'B');
  assert.equal(s.cursor.breakpoints.length, 0);
  press(s, 'c');
  assert.match(s.message?.text ?? '', /no breakpoints/);
});

test('Tab cycles panes forwards and backwards', () => {
  const s = session();
  press(s, 'tab');
  assert.equal(s.focus, 'detail');
  press(s, 'tab', 'tab', 'tab');
  assert.equal(s.focus, 'events');
  press(s, 'S-tab');
  assert.equal(s.focus, 'timeline');
});

test('state tabs by number and t; tables sorted into tabs by title', () => {
  const s = session();
  assert.deepEqual(s.tabTables(0).map((t) => t.title), ['CSG slots']);
  press(s, '2');
  assert.equal(s.stateTab, 1);
  assert.deepEqual(s.tabTables().map((t) => t.title), ['GLB interface']);
  press(s, 't', 't', 't');
  assert.equal(s.stateTab, 0);
  assert.equal(stateTabOf('CSG slots'), 0);
  assert.equal(stateTabOf('Groups'), 0);
  assert.equal(stateTabOf('Pending FW requests'), 1);
  assert.equal(stateTabOf('CSG interfaces'), 1);
  assert.equal(stateTabOf('dma-bufs'), 2);
  assert.equal(stateTabOf('Heaps'), 2);
  assert.equal(stateTabOf('Device'), 3);
  assert.equal(stateTabOf('Processes'), 3);
  assert.equal(stateTabOf('GPU probes'), 3);
  assert.equal(stateTabOf('EGL contexts'), 3);
});

test('q quits, ? opens help and q/Esc close it', () => {
  const s = session();
  assert.deepEqual(press(s, '?'), ['redraw']);
  assert.equal(s.helpOpen, true);
  press(s, 'escape');
  assert.equal(s.helpOpen, false);
  assert.deepEqual(press(s, 'q'), ['quit']);
  assert.deepEqual(press(s, 'C-c'), ['quit']);
});

test('the state at the cursor is computed once per index', () => {
  const r = stubReplayer(stubEvents(100));
  const s = new Session(stubApi, r);
  s.lanes(); s.tables(); s.state();
  assert.equal(r.stateCalls, 1);
  press(s, 'right');
  s.lanes(); s.tables();
  assert.equal(r.stateCalls, 2);
});

test('timeline columns wait for keyframes, then sample', () => {
  const r = stubReplayer(stubEvents(200), { keyframesReady: false });
  const s = new Session(stubApi, r);
  const cols = s.columns(50);
  assert.equal(s.sampleColumns(100), true);
  assert.equal(cols.filter(Boolean).length, 0, 'no keyframes yet: nothing sampled');
  r.buildKeyframesStep(100);
  s.sampleColumns(1000);
  const some = cols.filter(Boolean).length;
  assert.ok(some > 0 && some < 50, `half built: some columns (${some})`);
  r.buildKeyframesStep(1000);
  assert.equal(s.sampleColumns(1000), false);
  assert.equal(cols.filter(Boolean).length, 50);
});

test('zoom narrows the window around the cursor and stops at the whole trace', () => {
  const s = session();
  const full = s.span;
  press(s, '-');
  assert.equal(s.span, full, 'cannot zoom out past the whole trace');
  press(s, 'g'); typeText(s, '300ms'); press(s, 'enter');
  press(s, '+', '+', '+');
  assert.ok(s.span < full);
  const { t0, span } = s.window();
  const t = s.timeAt(s.index);
  assert.ok(t >= t0 && t < t0 + span, 'the cursor is inside the window');
});

test('! jumps from one check finding to the next (following a recording), and says why it cannot otherwise', () => {
  const s = session();
  press(s, '!');
  assert.match(s.message?.text ?? '', /while following a recording/);
  s.live = 'live';
  press(s, '!');
  assert.match(s.message?.text ?? '', /still running/);
  s.check = {
    events: 200, total: 3,
    findings: [
      { rule: 'R5', name: 'protm-enter-completes', severity: 'anomaly', index: 20, message: 'no ack' },
      { rule: 'R9', name: 'sole-resident', severity: 'violation', index: 90, message: 'two resident' },
      { rule: 'R5', name: 'protm-enter-completes', severity: 'anomaly', index: 150, message: 'no ack' },
    ],
  };
  press(s, '!');
  assert.equal(s.index, 20);
  assert.match(s.message?.text ?? '', /^check 1\/3: R5 protm-enter-completes #20: anomaly: no ack$/);
  press(s, '!', '!');
  assert.equal(s.index, 150);
  press(s, '!');
  assert.equal(s.index, 20, 'after the last, the first again');
  press(s, 'backspace');
  assert.equal(s.index, 150, 'each jump is in the history');
});

test('grow: a followed recording gets longer; the cursor stays at the end when it was there, else where it is', () => {
  const all = stubEvents(300);
  const shown = all.slice(0, 100);
  const s = new Session(stubApi, stubReplayer(shown), {});
  press(s, 'G');
  assert.equal(s.index, 99);
  const whole = s.span;
  shown.push(...all.slice(100, 200));
  assert.equal(s.grow(), 100);
  assert.equal(s.count, 200);
  assert.equal(s.index, 199, 'at the end, it stays at the end');
  assert.ok(s.span > whole && s.zoom === s.spans.length - 1, 'the timeline still shows the whole trace');
  press(s, 'g'); typeText(s, '50'); press(s, 'enter');
  shown.push(...all.slice(200, 300));
  assert.equal(s.grow(), 100);
  assert.equal(s.index, 50, 'moved away from the end, it stays');
  assert.equal(s.grow(), 0, 'nothing new');
  press(s, 'G');
  assert.equal(s.index, 299);
});
