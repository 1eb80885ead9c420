/**
 * The worker thread behind `ReplayApi.backgroundCheck`: runs the replayer's `check` over a trace
 * file on each request and posts the findings back, so the UI thread never runs a whole-trace pass.
 * The file is opened anew on each request: a recording being followed has grown since.
 */
import { parentPort } from 'node:worker_threads';
import { checkTrace, openTrace } from '../replayer/index.js';
import type { CheckResult } from './contract.js';

/** Findings sent back (the status bar and `!` need the first ones and the count). */
const MAX_FINDINGS = 2000;

parentPort!.on('message', (path: string) => {
  try {
    const trace = openTrace(path);
    try {
      const r = checkTrace(trace);
      const result: CheckResult = {
        events: trace.eventCount,
        findings: r.findings.slice(0, MAX_FINDINGS).map((f) => ({ rule: f.rule, name: f.name, severity: f.severity, index: f.index, message: f.message })),
        total: r.violations + r.anomalies,
      };
      parentPort!.postMessage({ ok: true, result });
    } finally {
      trace.close();
    }
  } catch (e) {
    parentPort!.postMessage({ ok: false, message: e instanceof Error ? e.message : String(e) });
  }
});
