/**
 * The run metrics as a sink of the model: `metrics.ts` fed with the simulation's events as the run
 * goes, so that `simulate`, `fuzz` and `sweep` give the numbers `diff`, `bugreport` and the TUI
 * compute from the recorded trace, without reading a trace back.
 */
import type { VirtualNs } from '../../proto/index.js';
import { IoctlCmd, completeJob, completeModeSwitch, type EventInit, type Job, type ModeSwitch } from '../../proto/index.js';
import type { ScenarioConfig } from '../../hw-model/index.js';
import { GroupIdentities, LabelInterner } from '../diff/identity.js';
import { normalizeEventInit } from '../verify.js';
import { ConsequenceCollector, type ConsequenceSet } from './metrics.js';
import { planOfScenario } from './plan.js';

/** Families the metrics read; the rest are not normalised. */
const METRIC_FAMILIES = new Set(['job', 'queueState', 'groupState', 'modeSwitch', 'process', 'ioctl', 'devImport', 'fence', 'scanout']);

/**
 * The replayer's metrics over a simulation's events, as the run goes: the same module (and so the
 * same numbers) as `diff`, `bugreport` and the TUI compute from the recorded trace.
 */
export class MetricsSink {
  private readonly ids = new GroupIdentities(new LabelInterner());
  private readonly collector: ConsequenceCollector;
  constructor(cfg: ScenarioConfig) {
    this.collector = new ConsequenceCollector(this.ids, { durationNs: cfg.duration, plan: planOfScenario(cfg) });
  }
  /**
   * The bus's parts (a TracePartsSink): with the recorder, also a parts sink, the bus builds no
   * event object at all. `body` is only read.
   */
  onEventParts(t: number, cause: number, b: EventInit['body'], index: number): void {
    const c = b?.case;
    if (c === undefined || !METRIC_FAMILIES.has(c)) { this.collector.touch(t); return; }
    // Jobs and mode switches are the frequent families (a mode switch is one event in five of a
    // protected playback): flat messages, read with proto3 defaults (the generated complete*)
    // instead of a round trip through the codec, which allocated a writer for each.
    if (b?.case === 'job') { this.collector.onEvent({ t: t as VirtualNs, body: { case: 'job', value: completeJob(b.value) as Job } }); return; }
    if (b?.case === 'modeSwitch') {
      this.collector.onEvent({ t: t as VirtualNs, body: { case: 'modeSwitch', value: completeModeSwitch(b.value) as ModeSwitch } });
      return;
    }
    // Only GROUP_CREATE matters among the ioctls (group identities).
    if (b?.case === 'ioctl' && b.value.cmd !== IoctlCmd.GROUP_CREATE) { this.collector.touch(t); return; }
    const e = normalizeEventInit({ t, cause, body: b });
    this.ids.onEvent(e, index);
    this.collector.onEvent(e);
  }
  finish(): ConsequenceSet { return this.collector.finish(); }
}
