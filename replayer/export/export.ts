/**
 * `csftrace export`: a trace in formats other tools open.
 *
 *   perfetto     Perfetto protobuf trace (TracePacket / TrackEvent), for ui.perfetto.dev and trace_processor
 *   chrome-json  Chrome trace-event JSON, for chrome://tracing (and Perfetto's JSON importer)
 *   jsonl        one decoded event per line (eventToJson), notes attached to their events
 *
 * Bytes go to `write` in order, in pieces of about 1 MiB, each valid until `write` returns (the
 * writers reuse their buffers); the caller owns the file.
 */
import { assumptionsOf } from '../assumptions.js';
import type { TraceFile } from '../trace-file.js';
import { CHROME_JSON_START, ChromeJsonWriter } from './chrome-json.js';
import { exportJsonl } from './jsonl.js';
import { exportJsonlThreads } from './jsonl-threads.js';
import { PerfettoWriter } from './perfetto.js';
import { buildTimeline } from './timeline.js';

export const EXPORT_FORMATS = ['perfetto', 'chrome-json', 'jsonl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  /** Draw cause → effect flows (perfetto, chrome-json; default true). */
  flows?: boolean;
  /** Events [from, to) (default: all). */
  from?: number;
  to?: number;
  /**
   * jsonl: threads to write on (default 1), used for ranges of `threadsFrom` events or more (default
   * THREADS_FROM) of a trace read from a file; `segmentEvents`: events per thread's turn (tests).
   */
  threads?: number;
  threadsFrom?: number;
  segmentEvents?: number;
}

/**
 * jsonl on several threads from this many events: below it a second thread did not pay here (a
 * worker starts cold, and two busy cores each run about a third slower): 0.8 × at 300k events,
 * about 1.0 × at 1–1.5M, 1.03–1.14 × at 2M and 4M, 1.27–1.40 × at 10M (bench/README.md).
 */
export const THREADS_FROM = 2_000_000;

export function isExportFormat(s: string): s is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(s);
}

/**
 * True when `head` (the first bytes of a file) starts as `format`'s output does: `csftrace export`
 * replaces such a file without --force (an earlier export), and nothing else.
 */
export function looksLikeExport(format: ExportFormat, head: Uint8Array): boolean {
  const text = (): string => new TextDecoder().decode(head.subarray(0, 48));
  switch (format) {
    case 'perfetto': {
      // Trace.packet (field 1, length-delimited), then the first packet: [timestamp] seq id 1, flags
      if (head[0] !== 0x0a) return false;
      let p = 1;
      while (p < head.length && head[p]! & 0x80) p++;
      p++;
      if (head[p] === 0x40) { p++; while (p < head.length && head[p]! & 0x80) p++; p++; }
      return head[p] === 0x50 && head[p + 1] === 0x01 && head[p + 2] === 0x68;
    }
    case 'chrome-json': return text().startsWith(CHROME_JSON_START);
    case 'jsonl': return /^\{"index":\d/.test(text());
    default: {
      const never: never = format;
      throw new Error(`unknown export format ${String(never)}`);
    }
  }
}

/** What every export says about its timestamps. */
export const VIRTUAL_TIME_NOTE = 'virtual nanoseconds of the simulated GPU (deterministic model time, not wall-clock time)';

/**
 * The header facts every export carries (Perfetto: trace attributes, `trace_attribute.<key>` in
 * trace processor's `metadata` table; Chrome JSON: `metadata`): scenario, seed, policies, the
 * firmware assumptions (`fw.<name>`), review fixes, and what the timestamps are.
 */
export function traceMetadata(trace: TraceFile): Record<string, string> {
  const h = trace.header;
  const out: Record<string, string> = {
    producer: h.producer, model_version: h.modelVersion, scenario: h.scenarioName, seed: String(h.seed),
    policy: h.policy, heap_policy: h.heapPolicy, heap_name_source: h.heapNameSource,
  };
  if (h.reviewFixes) out.review_fixes = h.reviewFixes;
  for (const a of assumptionsOf(h)) out[`fw.${a.name}`] = a.value;
  out.timestamps = VIRTUAL_TIME_NOTE;
  return out;
}

export function exportTrace(trace: TraceFile, format: ExportFormat, write: (bytes: Uint8Array) => void,
                            opts: ExportOptions = {}): void {
  switch (format) {
    case 'perfetto':
      buildTimeline(trace, new PerfettoWriter(write, traceMetadata(trace)), opts);
      return;
    case 'chrome-json':
      buildTimeline(trace, new ChromeJsonWriter(write, traceMetadata(trace)), opts);
      return;
    case 'jsonl': {
      const from = Math.max(0, opts.from ?? 0), to = Math.min(trace.eventCount, opts.to ?? trace.eventCount);
      const threads = opts.threads ?? 1;
      if (threads > 1 && to - from >= (opts.threadsFrom ?? THREADS_FROM)) {
        exportJsonlThreads(trace, write, from, to, threads, opts.segmentEvents);
      } else {
        exportJsonl(trace, write, from, to);
      }
      return;
    }
    default: {
      const never: never = format;
      throw new Error(`unknown export format ${String(never)}`);
    }
  }
}
