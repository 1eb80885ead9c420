/**
 * tui/: the terminal UI over the replayer's public API (`csftrace replay`). Pure view logic
 * (session.ts, frame.ts, pane-*.ts: what each pane shows for a cursor and a size) is separate from
 * the blessed driver (term.ts) and the loop (app.ts), so views are tested without a terminal.
 */
export { startTui, runTui, type TuiOptions, type TuiHandle, type ScreenComposer } from './app.js';
export { summaryText } from './summary.js';
export { Session, STATE_TABS, PANES, type Pane, type KeyResult, type DetailModel } from './session.js';
export { drawScreen, drawTrace, drawStatus, traceLayout, MIN_WIDTH, MIN_HEIGHT, type TraceHits, type PaneRects } from './frame.js';
export { Canvas, Style, UNICODE_GLYPHS, ASCII_GLYPHS, type Glyphs, type Rect, type Hit } from './canvas.js';
export { KEY_TABLE, DIFF_KEY_TABLE, helpLines } from './help.js';
export type {
  ReplayApi, ReplayerLike, TraceLike, CursorLike, FilterLike, LaneSample, SlotSample, StateTable, DiffApi, DiffModel, DiffNavLike, DiffSide, HunkLike,
} from './contract.js';
export { replayApi, diffApi, diffApiWith, openReplay, lanesOf } from './backend.js';
export { DiffView, diffComposer, chooseLayout, consequencesLines, DIFF_HINTS, type DiffLayout } from './diff-view.js';
