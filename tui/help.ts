/**
 * The `?` screen: what each pane shows, a walkthrough from the first protected-mode entry back to
 * the decision that caused it, and the key table (also printed in the README); the diff view's
 * keys at the end, or first when the diff view is open.
 */
import { Canvas, Style, type Glyphs, type Rect, type Seg } from './canvas.js';
import { wrap } from './pane-detail.js';
import type { Session } from './session.js';

/** Every key, as [keys, what it does]. */
export const KEY_TABLE: ReadonlyArray<readonly [string, string]> = [
  ['← →', 'step one event back / forward'],
  ['↑ ↓ PgUp PgDn', 'move in the focused pane (the events list moves the cursor); k j b Space too'],
  ['C-u C-d', 'half a page up / down'],
  ['Home End', 'first / last event (gg G too)'],
  ['g', 'go to an index (1234 or #1234) or a virtual time (12ms, 12.5ms, 250us, 2s); g again: the first event'],
  ['/', 'filter, in the replayer\'s grammar (e.g. type=ModeSwitch, group=3); Enter on the empty prompt clears it'],
  ['n N', 'next / previous event matching the filter'],
  ['[ ]', 'previous / next GPU mode switch'],
  ['{ }', 'previous / next scheduling decision'],
  ['p', 'next protected-mode entry'],
  ['m + letter', 'mark the current event; the status bar and the timeline show the delta between the two marks set last'],
  ["' + letter", "go to a mark ('' back to where the last jump started)"],
  ['B', 'breakpoint on the current filter (again: remove it)'],
  ['c C', 'continue forwards / backwards to a breakpoint'],
  ['Enter', 'follow the cause of the current event (in Detail: the selected link)'],
  ['Backspace', 'back through the jump history'],
  ['Tab S-Tab', 'cycle panes: Events, Detail, State, Timeline'],
  ['1 2 3 4 t', 'state tabs: slots & groups, FW interfaces, heaps & buffers, device'],
  ['+ -', 'zoom the timeline in / out'],
  ['!', 'next check finding (following a recording: replay --follow, record --tui)'],
  ['? h', 'this help (Esc, ? or q closes it)'],
  ['q', 'quit'],
];

/** The diff view's own keys (`csftrace replay a.csft --diff b.csft`); every key above works on the active side. */
export const DIFF_KEY_TABLE: ReadonlyArray<readonly [string, string]> = [
  ['d D', 'next / previous difference: both cursors land on its first decision'],
  ['v', 'consequences per total, app and group: A, B and delta (↑ ↓ PgUp PgDn scroll; v or Esc closes)'],
  ['s', 'switch the active side (keys move it; the other cursor follows through the alignment); Tab too when only the lists show'],
  ['l', 'unlink / link the cursors (unlinked: each side moves on its own)'],
  ['z', 'the active side alone with all its panes / both sides'],
];

type Entry = { label?: string; text: string; style?: Style };

function diffEntries(g: Glyphs): Entry[] {
  return [
    { text: 'Diff view: csftrace replay a.csft --diff b.csft', style: Style.heading },
    { text: `Both traces, A above or left, B below or right. The line under each title is the scheduling decision at or before that side's cursor, as the diff names it (groups by app and creation order); ${g.diff} in the events list marks decisions that differ from the other trace. The cursors are linked through the alignment of the decisions: moving one moves the other to the event beside it.` },
    ...DIFF_KEY_TABLE.map(([k, t]) => ({ label: k, text: t })),
    { text: 'Walkthrough: d lands both cursors on the first divergence; compare the two decision lines (the rule that decided ends each line); z shows the active side with its Detail pane ("why:"), s switches side; v shows what it cost each app; D goes back.' },
    { text: '' },
  ];
}

function helpEntries(g: Glyphs, diff: boolean): Entry[] {
  return [
    ...(diff ? diffEntries(g) : []),
    { text: 'csftrace replay: step through a recorded GPU scheduling trace', style: Style.title },
    { text: '' },
    { text: 'Walkthrough: why did the GPU enter protected mode?', style: Style.heading },
    { label: '1. Home', text: 'go to the first event.' },
    { label: '2. p', text: 'jump to the first protected-mode entry (] jumps to the next mode switch of any kind). The status bar shows "GPU PROTECTED".' },
    { label: '3. {', text: 'step back to the scheduling decision before it, or press Enter to follow the cause link by link (the FW request, then the decision behind it).' },
    { label: '4. read', text: '"why:" in the Detail pane (Tab moves the focus there, then ↑ ↓ or PgDn scroll); 1 shows the slots and groups at that decision.' },
    { label: '5. Backspace', text: 'returns along the jumps you made.' },
    { text: 'Breakpoints: / type=ModeSwitch Enter, then B; c and C run forwards and backwards to the next hit.' },
    { text: '' },
    { text: 'The screen', style: Style.heading },
    { label: 'Timeline', text: `the GPU mode band (${g.full} protected for most of the column, ${g.half} partly protected or switching, R a reset) and one lane per CSG slot: the group bound there (g3), coloured by its priority, ${g.shade} = a protected group; with a secure video pipeline, a lane per display: ${g.laneRun} frames flipped, or the reason of a missed vblank (D decoder late, P GPU denied protected time, G GPU late, S scanout missed the latch, N no pipeline); ${g.cursor} = the cursor's time; + - zoom. Each column shows the state at its end.` },
    { label: 'Events', text: `every recorded event, one per line; ${g.current} marks the current event, ${g.match} the events matching the filter.` },
    { label: 'Detail', text: 'the current event: its cause and effects (links), "why:" for a scheduling decision (each group kept, picked or evicted, and the protected-mode verdict with the rule that decided it), then every field.' },
    { label: 'State', text: 'the state after the current event, in tabs: 1 slots & groups, 2 FW interfaces (pending requests), 3 heaps & buffers, 4 device.' },
    { label: 'Status', text: 'event index/total, virtual time, GPU mode, filter, breakpoints, the marks\' delta, check findings and the recording\'s state when following one, keyframe build progress.' },
    { text: '' },
    { text: 'Keys', style: Style.heading },
    ...KEY_TABLE.map(([k, t]) => ({ label: k, text: t })),
    { text: 'Mouse: click an event, a link, a tab or a timeline column; the wheel scrolls.' },
    ...(diff ? [] : [{ text: '' }, ...diffEntries(g)]),
  ];
}

/** The help text wrapped to width w (labels in a column, text with a hanging indent). */
export function helpLines(g: Glyphs, w = 100, opts: { diff?: boolean } = {}): Seg[][] {
  const out: Seg[][] = [];
  const lw = 15;
  for (const e of helpEntries(g, !!opts.diff)) {
    if (e.label === undefined) {
      for (const t of wrap(e.text, w)) out.push([[e.style ?? Style.normal, t]]);
      continue;
    }
    const parts = wrap(e.text, Math.max(10, w - lw - 2), 0);
    parts.forEach((t, k) => out.push([[Style.key, `  ${(k ? '' : e.label ?? '').padEnd(lw)}`], [Style.normal, t]]));
  }
  return out;
}

/** Draws the help over the panes, in a box inside r (`diff`: the diff view's keys first). */
export function drawHelp(c: Canvas, s: Session, r: Rect, g: Glyphs, opts: { diff?: boolean } = {}): void {
  const w = Math.min(r.w, 100);
  const lines = helpLines(g, w - 2, opts);
  const h = Math.min(r.h, lines.length + 2);
  const x0 = r.x + Math.floor((r.w - w) / 2);
  const y0 = r.y + Math.floor((r.h - h) / 2);
  c.fill({ x: x0, y: y0, w, h }, ' ');
  c.set(x0, y0, g.tl, Style.border);
  c.set(x0 + w - 1, y0, g.tr, Style.border);
  c.set(x0, y0 + h - 1, g.bl, Style.border);
  c.set(x0 + w - 1, y0 + h - 1, g.br, Style.border);
  for (let x = x0 + 1; x < x0 + w - 1; x++) { c.set(x, y0, g.h, Style.border); c.set(x, y0 + h - 1, g.h, Style.border); }
  for (let y = y0 + 1; y < y0 + h - 1; y++) { c.set(x0, y, g.v, Style.border); c.set(x0 + w - 1, y, g.v, Style.border); }
  c.put(x0 + 2, y0, ' Help: ↑ ↓ PgDn scroll, Esc closes ', Style.titleFocused, w - 4);
  const inner = h - 2;
  s.helpScroll = Math.max(0, Math.min(s.helpScroll, Math.max(0, lines.length - inner)));
  for (let row = 0; row < inner; row++) {
    const l = lines[s.helpScroll + row];
    if (l) c.putSegs(x0 + 1, y0 + 1 + row, l, w - 2);
  }
  if (lines.length > inner + s.helpScroll) c.put(x0 + w - 12, y0 + h - 1, ' ↓ more ', Style.titleFocused);
}
