/**
 * The one place the TUI meets the real replayer: `ReplayApi` bound to `replayer/index.ts`, and
 * opening a trace file for the UI. Everything the screen says about events and state comes from
 * the replayer's functions here; the only reading of state fields is for the timeline lanes and the
 * status bar (which group is on which slot, the GPU mode).
 */
import {
  Cursor, Replayer, familyName as replayerFamilyName, familyOf, eventFields, explainDecision, formatEvent,
  openTrace, parseFilter, renderState, resolvePosition, type ReplayState, type TraceFile,
} from '../replayer/index.js';
import type { LaneSample, ModeName, ReplayApi, ReplayerLike } from './contract.js';

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
  lanes: (s) => lanesOf(s as ReplayState),
  filters: { modeSwitch: 'type=ModeSwitch', decision: 'type=SchedDecision', protectedEntry: 'mode=PROTECTED' },
  familyName(n) {
    const c = familyOf(n);
    return c === undefined ? `family${n}` : replayerFamilyName(c);
  },
  decisionCase: 'decision',
};

/** Opens a trace file for the UI (TraceError with "<path>: <problem>" on bad input). */
export function openReplay(path: string): { trace: TraceFile; replayer: Replayer } {
  const trace = openTrace(path);
  return { trace, replayer: Replayer.open(trace) };
}
