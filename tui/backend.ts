/**
 * The one place the TUI meets the real replayer: `ReplayApi` bound to `replayer/index.ts`, and
 * opening a trace file for the UI. Everything the screen says about events and state comes from
 * the replayer's functions here; the only reading of state fields is for the timeline lanes and the
 * status bar (which group is on which slot, the GPU mode).
 */
import {
  Cursor, DiffNavigator, Replayer, consequencesTable, decisionLine, diffReport, diffTraces, familyName as replayerFamilyName,
  familyOf, eventFields, explainDecision, formatEvent, formatTimeNs, looksLikeTime, openTrace, parseTimeText, parseFilter, renderState, resolvePosition,
  type KeyframeBatch, type ReplayState, type TraceDiff, type TraceFile,
} from '../replayer/index.js';
import { Worker } from 'node:worker_threads';
import type { BackgroundCheck, CheckResult, DiffApi, DiffModel, DiffSide, LaneSample, ModeName, ReplayApi, ReplayerLike, StateTable } from './contract.js';

type Event = ReturnType<TraceFile['event']>;

const MODES: ReadonlySet<string> = new Set(['NORMAL', 'PROTECTED', 'ENTERING', 'EXITING', 'RESET', 'OFF']);

/** Slots and GPU mode of a replayed state. */
export function lanesOf(s: ReplayState): LaneSample {
  const d = s.device;
  const m = d.gpuMode.replace(/^MODE_/, '');
  // protected time so far: the closed spans, plus the open one when the GPU is protected now
  const open = d.gpuMode === 'MODE_PROTECTED' && d.gpuModeSinceIdx >= 0 ? s.t - d.gpuModeSinceT : 0;
  return {
    mode: (MODES.has(m) ? m : 'UNKNOWN') as ModeName,
    protectedGroup: d.protmActiveGroup,
    protectedNs: s.counters.protectedNs + open,
    resets: d.resetCount,
    pm: d.pm.state.replace(/^PM_STATE_/, ''),
    slots: s.slots.map((sl) => {
      const g = sl.group ? s.groups[sl.group] : undefined;
      return { group: sl.group, priority: g?.priority ?? 0, isProtected: !!g?.isProtected, csgPriority: sl.csgPriority };
    }),
    displays: Object.values(s.pipeline.devices).filter((d) => d.kind === 'DISPLAY').sort((a, b) => a.name.localeCompare(b.name, 'en'))
      .map((d) => ({ name: d.name, flips: d.flips, misses: d.misses, lastMiss: /^frame \d+ (\S+)/.exec(d.lastMiss)?.[1] ?? '' })),
  };
}

export const replayApi: ReplayApi = {
  parseFilter: (text) => parseFilter(text),
  formatEvent: (ev, i) => formatEvent(ev as Event, i),
  eventFields: (ev) => eventFields(ev as Event),
  explainDecision: (ev) => explainDecision(ev as Event),
  renderState: (s) => renderState(s as ReplayState),
  newCursor(r: ReplayerLike) {
    if (!(r instanceof Replayer)) throw new Error('replayApi.newCursor needs a Replayer from replayer/index.ts');
    return new Cursor(r);
  },
  resolvePosition: (trace, target) => resolvePosition(trace as TraceFile, target, true),
  parseTime: (text) => (looksLikeTime(text.trim()) ? parseTimeText(text.trim()) : undefined),
  lanes: (s) => lanesOf(s as ReplayState),
  filters: { modeSwitch: 'type=ModeSwitch', decision: 'type=SchedDecision', protectedEntry: 'mode=PROTECTED' },
  familyName(n) {
    const c = familyOf(n);
    return c === undefined ? `family${n}` : replayerFamilyName(c);
  },
  decisionCase: 'decision',
  backgroundKeyframes(r, progress) {
    if (!(r instanceof Replayer) || !r.trace.path) return undefined;
    const worker = new Worker(new URL('./keyframe-worker.js', import.meta.url), { workerData: { path: r.trace.path } });
    worker.unref();
    let finished = false;
    const finish = () => { if (!finished) { finished = true; progress(true); } };
    worker.on('message', (m: { batch: KeyframeBatch; done: boolean } | { error: string }) => {
      if ('error' in m) { finish(); return; } // the UI thread builds them itself
      r.adoptKeyframes(m.batch);
      if (m.done) finish(); else progress(false);
    });
    worker.on('error', finish);
    worker.on('exit', finish);
    return { stop() { finished = true; void worker.terminate(); } };
  },
  backgroundCheck(trace, done, failed): BackgroundCheck {
    const worker = new Worker(new URL('./check-worker.js', import.meta.url));
    worker.unref();
    // A run is a whole pass over the trace: while a recording grows, at most one every 2 s or
    // twice as long as the last one took, so the worker leaves the recording most of a core.
    let running = false;
    let again = false;
    let timer: NodeJS.Timeout | undefined;
    let startedAt = 0;
    let nextAt = 0;
    const start = () => { timer = undefined; running = true; again = false; startedAt = Date.now(); worker.postMessage(trace.path); };
    const run = () => {
      if (running) { again = true; return; }
      if (timer) return;
      timer = setTimeout(start, Math.max(0, nextAt - Date.now()));
    };
    worker.on('message', (m: { ok: true; result: CheckResult } | { ok: false; message: string }) => {
      running = false;
      nextAt = Date.now() + Math.max(2000, 2 * (Date.now() - startedAt));
      if (m.ok) done(m.result); else failed(m.message);
      if (again) run();
    });
    worker.on('error', (e) => failed(e.message));
    return {
      run,
      stop() { if (timer) clearTimeout(timer); void worker.terminate(); },
    };
  },
};

/** Opens a trace file for the UI (TraceError with "<path>: <problem>" on bad input). */
export function openReplay(path: string): { trace: TraceFile; replayer: Replayer } {
  const trace = openTrace(path);
  return { trace, replayer: Replayer.open(trace) };
}

/** The heading lines of the consequences view: header differences, decision counts, first divergence. */
function diffSummary(report: ReturnType<typeof diffReport>): string[] {
  const summary: string[] = [];
  for (const h of report.header) summary.push(`${h.field}: ${h.a}  →  ${h.b}`);
  const n = report.decisions;
  summary.push(`decisions: A ${n.a}, B ${n.b}, ${n.matched} matched, ${n.hunks} difference${n.hunks === 1 ? '' : 's'}` +
    (n.exact ? '' : ' (approximate alignment)'));
  const f = report.firstDivergence;
  if (f) {
    const side = (x: typeof f.a) => (x.decision ? `decision ${x.decision.decision} #${x.decision.event}` : 'no decision (the other has extra ones)');
    summary.push(`first divergence: A ${side(f.a)}; B ${side(f.b)}`);
  }
  return summary;
}

/** Decision k of a side as the diff view's line under a title. */
export function decisionTextOf(d: TraceDiff, side: DiffSide, k: number): string {
  const l = decisionLine(d, side, k);
  return `#${l.event} ${formatTimeNs(l.t)} ${l.text}`;
}

/**
 * What the diff view needs of a diff that can cross threads: the navigator's data (the alignment,
 * the differences, each decision's event) as plain arrays, the heading lines and the consequences.
 */
export interface DiffData {
  nav: Pick<TraceDiff, 'hunks' | 'alignment'> & {
    trackA: { count: number; eventIndex: Float64Array };
    trackB: { count: number; eventIndex: Float64Array };
    a: { eventCount: number };
    b: { eventCount: number };
  };
  summary: string[];
  consequences: StateTable;
  same: boolean;
}

/** The diff of two traces as DiffData (in the diff worker), and the full diff for its decision lines. */
export function diffData(a: TraceFile, b: TraceFile, opts: DiffViewOptions = {}): { d: TraceDiff; data: DiffData } {
  const d = diffTraces(a, b, { reasons: opts.reasons });
  const report = diffReport(d, { maxHunks: 1, perHunk: 1, context: 0, eventsShown: 0 });
  const track = (t: TraceDiff['trackA']) => ({ count: t.count, eventIndex: t.eventIndex });
  return {
    d,
    data: {
      nav: { hunks: d.hunks, alignment: d.alignment, trackA: track(d.trackA), trackB: track(d.trackB), a: { eventCount: a.eventCount }, b: { eventCount: b.eventCount } },
      summary: diffSummary(report),
      consequences: consequencesTable(report),
      same: d.same,
    },
  };
}

/**
 * The diff of two open traces for the diff view: the replayer's diffTraces, DiffNavigator,
 * decisionLine and consequencesTable. `diff` computes it here; `diffInBackground` in a worker thread
 * (tui/diff-worker.ts), whose decision lines then arrive a moment after they are first asked for.
 */
/** What the diff view compares: `reasons` makes d / D stop at decisions that differ only in their reason too. */
export interface DiffViewOptions { reasons?: boolean | undefined }

export const diffApi: DiffApi = diffApiWith({});

/** The diff view's API with options (`replay --diff --reasons`). */
export function diffApiWith(opts: DiffViewOptions): DiffApi {
  return {
  diff(ta, tb): DiffModel {
    const { d, data } = diffData(ta as TraceFile, tb as TraceFile, opts);
    return modelOf(data, (side, k) => decisionTextOf(d, side, k));
  },
  diffInBackground(ta, tb, done, failed, changed) {
    if (!ta.path || !tb.path) return undefined;
    const worker = new Worker(new URL('./diff-worker.js', import.meta.url), { workerData: { a: ta.path, b: tb.path, reasons: opts.reasons === true } });
    worker.unref();
    const lines = new Map<string, string>();
    const asked = new Set<string>();
    worker.on('message', (m: { data: DiffData } | { line: { side: DiffSide; k: number; text: string } } | { error: string }) => {
      if ('error' in m) { failed(m.error); return; }
      if ('data' in m) {
        done(modelOf(m.data, (side, k) => {
          const key = `${side}${k}`;
          const text = lines.get(key);
          if (text !== undefined) return text;
          if (!asked.has(key)) { asked.add(key); worker.postMessage({ side, k }); }
          return `decision ${k} …`;
        }));
        return;
      }
      lines.set(`${m.line.side}${m.line.k}`, m.line.text);
      if (lines.size > 10_000) { lines.clear(); asked.clear(); }
      changed();
    });
    worker.on('error', (e) => failed(e.message));
    return { stop() { void worker.terminate(); } };
  },
  };
}

function modelOf(data: DiffData, decisionText: (side: DiffSide, k: number) => string): DiffModel {
  // The navigator reads only the plain parts of a diff (DiffData.nav).
  const nav = new DiffNavigator(data.nav as unknown as TraceDiff);
  const t = data.nav;
  return {
    nav, decisions: { a: t.trackA.count, b: t.trackB.count }, decisionText,
    summary: data.summary, consequences: data.consequences, same: data.same,
  };
}
