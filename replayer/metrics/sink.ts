/**
 * The run metrics as a sink of the model: `metrics.ts` fed with the simulation's events as the run
 * goes, so that `simulate`, `fuzz` and `sweep` give the numbers `diff`, `bugreport` and the TUI
 * compute from the recorded trace, without reading a trace back.
 */
import type { VirtualNs } from '../../proto/index.js';
import { IoctlCmd, type EventInit } from '../../proto/index.js';
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
  onEvent(ev: EventInit, index: number): void {
    const b = ev.body;
    const c = b?.case;
    if (c === undefined || !METRIC_FAMILIES.has(c)) { this.collector.touch(ev.t ?? 0); return; }
    // Jobs are the frequent family: read with proto3 defaults instead of a round trip through the codec.
    if (b?.case === 'job') {
      const j = b.value;
      this.collector.onEvent({ t: (ev.t ?? 0) as VirtualNs, body: { case: 'job', value: {
        group: j.group ?? 0, queue: j.queue ?? 0, seqno: j.seqno ?? 0, phase: j.phase ?? 0, protRegion: j.protRegion ?? false,
        frame: j.frame ?? 0, fenceError: j.fenceError ?? 0, gpuNs: j.gpuNs ?? 0, pid: j.pid ?? 0, deadlineNs: j.deadlineNs ?? 0,
      } } });
      return;
    }
    // Only GROUP_CREATE matters among the ioctls (group identities).
    if (b?.case === 'ioctl' && b.value.cmd !== IoctlCmd.GROUP_CREATE) { this.collector.touch(ev.t ?? 0); return; }
    const e = normalizeEventInit(ev);
    this.ids.onEvent(e, index);
    this.collector.onEvent(e);
  }
  finish(): ConsequenceSet { return this.collector.finish(); }
}
