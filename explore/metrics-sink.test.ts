/**
 * The metrics a run computes as it goes (MetricsSink, what simulate, fuzz and sweep print) are those
 * diff and bugreport compute from the recorded trace (traceConsequences), figure for figure: on a
 * protected playback (a mode switch is one event in five) under two policies, and on the stress mix of apps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyOverrides, findBuiltin, parseScenario, sec } from '../hw-model/index.js';
import { recordScenario, traceHeaderFor } from '../recorder/index.js';
import { MetricsSink, openTrace, traceConsequences } from '../replayer/index.js';

for (const [name, policy] of [['drm-video-over-ui', 'panthor-2026'], ['drm-video-over-ui', 'kbase'], ['stress', 'rfc-2025']] as const) {
  test(`${name} under ${policy}: the run's metrics are the trace's`, () => {
    const text = findBuiltin(name)!.text;
    const cfg = applyOverrides(parseScenario(text, `builtin:${name}`), { duration: sec(0.5), protmPolicy: policy });
    const dir = mkdtempSync(join(tmpdir(), 'csft-sink-'));
    try {
      const path = join(dir, 't.csft');
      const sink = new MetricsSink(cfg);
      recordScenario(path, traceHeaderFor({ config: cfg, text, source: `builtin:${name}` }), cfg, { offload: false, sinks: [sink] });
      const live = sink.finish();
      const trace = openTrace(path);
      try {
        const fromTrace = traceConsequences(trace).consequences;
        // the run saw mode switches and jobs (the families it reads without the codec)
        assert.ok(live.protmEnters > 0, `${live.protmEnters} protected entries`);
        assert.ok([...live.apps.values()].some((a) => a.jobsDone > 0));
        assert.deepEqual(live, fromTrace);
      } finally { trace.close(); }
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
}
