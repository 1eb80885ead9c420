/**
 * The one place the TUI meets the real replayer: `ReplayApi` bound to `replayer/index.ts`, and
 * opening a trace file for the UI. Everything the screen says about events and state comes from
 * the replayer's functions here; the only reading of state fields is for the timeline lanes and the
 * status bar (which group is on which slot, the GPU mode).
 */
import {
  Cursor, DiffNavigator, Replayer, consequencesTable, decisionLine, diffReport, diffTraces, familyName as replayerFamilyName,
  familyOf, eventFields, explainDecision, formatEvent, formatTimeNs, looksLikeTime, openTrace, parseTimeText, parseFilter, renderState, resolvePosition,
  type KeyframeBatch, type ReplayState, type TraceFile,
} from '../replayer/index.js';
import { Worker } from 'node:worker_threads';
import type { BackgroundCheck, CheckResult, DiffApi, DiffModel, LaneSample, ModeName, ReplayApi, ReplayerLike } from './contract.js';

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
    slots: s.slots.map((sl) => {
      const g = sl.group ? s.groups[sl.group] : undefined;
      return { group: sl.group, priority: g?.priority ?? 0, isProtected: !!g?.isProtected, csgPriority: sl.csgPriority };
    }),
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
    let running = false;
    let again = false;
    const start = () => { running = true; again = false; worker.postMessage(trace.path); };
    worker.on('message', (m: { ok: true; result: CheckResult } | { ok: false; message: string }) => {
      running = false;
      if (m.ok) done(m.result); else failed(m.message);
      if (again) start();
    });
    worker.on('error', (e) => failed(e.message));
    return {
      run() { if (running) again = true; else start(); },
      stop() { void worker.terminate(); },
    };
  },
};

/** Opens a trace file for the UI (TraceError with "<path>: <problem>" on bad input). */
export function openReplay(path: string): { trace: TraceFile; replayer: Replayer } {
  const trace = openTrace(path);
  return { trace, replayer: Replayer.open(trace) };
}

/**
 * The diff of two open traces for the diff view: the replayer's diffTraces, DiffNavigator,
 * decisionLine and consequencesTable. The heading lines restate the report's header differences,
 * decision counts and first divergence.
 */
export const diffApi: DiffApi = {
  diff(ta, tb): DiffModel {
    const a = ta as TraceFile, b = tb as TraceFile;
    const d = diffTraces(a, b);
    const nav = new DiffNavigator(d);
    const report = diffReport(d, { maxHunks: 1, perHunk: 1, context: 0, eventsShown: 0 });
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
    return {
      nav,
      decisions: { a: d.trackA.count, b: d.trackB.count },
      decisionText(side, k) {
        const l = decisionLine(d, side, k);
        return `#${l.event} ${formatTimeNs(l.t)} ${l.text}`;
      },
      summary,
      consequences: consequencesTable(report),
      same: d.same,
    };
  },
};
