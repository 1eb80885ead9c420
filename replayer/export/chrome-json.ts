/**
 * Chrome trace-event JSON writer (a TimelineSink): `{"traceEvents": [...]}` as understood by
 * chrome://tracing and ui.perfetto.dev. Tracks become threads of processes (a top-level track is a
 * process, its children threads); slices are B/E pairs, instants `i` (or zero-length `X` when they
 * carry flows, which bind to slices), counters `C`, flows `s`/`f` (binding to the enclosing slice).
 * Blocking ioctls are complete events (`X` with their duration). Timestamps are microseconds (the
 * format's unit) with nanosecond decimals, of the trace's virtual time (the `metadata` says so).
 * Output goes out in ~1 MiB pieces: memory does not grow with the trace.
 */
import { ObjectArgs, type ArgSource } from './arg-writer.js';
import type { TimelineSink, TrackDecl } from './timeline.js';

interface Where { pid: number; tid: number; name: string }

function us(ns: number): number { return ns / 1000; }

/** How every chrome-json export starts (export.ts recognises an earlier export by it). */
export const CHROME_JSON_START = '{"displayTimeUnit":"ns","traceEvents":';

export class ChromeJsonWriter implements TimelineSink {
  private readonly where = new Map<number, Where>();
  private readonly tids = new Map<number, number>();
  private buf: string[] = [];
  private size = 0;
  private first = true;
  private readonly args = new ObjectArgs();

  constructor(private readonly write: (bytes: Uint8Array) => void, private readonly metadata: Record<string, string> = {}) {
    this.raw(`${CHROME_JSON_START}[\n`);
  }

  private raw(s: string): void {
    this.buf.push(s);
    this.size += s.length;
    if (this.size > 1 << 20) this.flush();
  }

  private flush(): void {
    if (this.buf.length === 0) return;
    this.write(new TextEncoder().encode(this.buf.join('')));
    this.buf = [];
    this.size = 0;
  }

  private emit(o: object): void {
    this.raw((this.first ? '' : ',\n') + JSON.stringify(o));
    this.first = false;
  }

  track(d: TrackDecl): void {
    if (d.parent === 0) {
      const pid = d.pid && d.pid > 0 ? d.pid : 1_000_000 + d.uuid;
      this.where.set(d.uuid, { pid, tid: 0, name: d.name });
      this.emit({ ph: 'M', name: 'process_name', pid, tid: 0, args: { name: d.name } });
      this.emit({ ph: 'M', name: 'process_sort_index', pid, tid: 0, args: { sort_index: d.order } });
      return;
    }
    const parent = this.where.get(d.parent) ?? { pid: 1_000_000 + d.parent, tid: 0, name: '' };
    const tid = (this.tids.get(parent.pid) ?? 0) + 1;
    this.tids.set(parent.pid, tid);
    this.where.set(d.uuid, { pid: parent.pid, tid, name: d.name });
    if (d.kind !== 'counter') {
      this.emit({ ph: 'M', name: 'thread_name', pid: parent.pid, tid, args: { name: d.name } });
      this.emit({ ph: 'M', name: 'thread_sort_index', pid: parent.pid, tid, args: { sort_index: d.order } });
    }
  }

  private at(track: number): Where {
    const w = this.where.get(track);
    if (!w) throw new Error(`track ${track} used before it was declared (bug)`);
    return w;
  }

  private flows(ts: number, w: Where, out: readonly number[], inn: number): void {
    for (const id of out) this.emit({ ph: 's', id, name: 'cause', cat: 'flow', ts: us(ts), pid: w.pid, tid: w.tid });
    if (inn !== 0) this.emit({ ph: 'f', bp: 'e', id: inn, name: 'cause', cat: 'flow', ts: us(ts), pid: w.pid, tid: w.tid });
  }

  private argsOf(src: ArgSource | null): Record<string, unknown> {
    if (src) src.writeArgs(this.args);
    return this.args.take();
  }

  begin(ts: number, track: number, name: string, args: ArgSource | null, flowOut: readonly number[], flowIn: number): void {
    const w = this.at(track);
    this.emit({ ph: 'B', name, cat: 'csftrace', ts: us(ts), pid: w.pid, tid: w.tid, args: this.argsOf(args) });
    this.flows(ts, w, flowOut, flowIn);
  }

  complete(ts: number, dur: number, track: number, name: string, args: ArgSource | null, flowOut: readonly number[], flowIn: number): void {
    const w = this.at(track);
    this.emit({ ph: 'X', dur: us(dur), name, cat: 'csftrace', ts: us(ts - dur), pid: w.pid, tid: w.tid, args: this.argsOf(args) });
    this.flows(ts - dur, w, flowOut, flowIn);
  }

  end(ts: number, track: number): void {
    const w = this.at(track);
    this.emit({ ph: 'E', ts: us(ts), pid: w.pid, tid: w.tid });
  }

  instant(ts: number, track: number, name: string, args: ArgSource | null, flowOut: readonly number[], flowIn: number): void {
    const w = this.at(track);
    if (flowOut.length === 0 && flowIn === 0) {
      this.emit({ ph: 'i', s: 't', name, cat: 'csftrace', ts: us(ts), pid: w.pid, tid: w.tid, args: this.argsOf(args) });
      return;
    }
    this.emit({ ph: 'X', dur: 0, name, cat: 'csftrace', ts: us(ts), pid: w.pid, tid: w.tid, args: this.argsOf(args) });
    this.flows(ts, w, flowOut, flowIn);
  }

  counter(ts: number, track: number, value: number): void {
    const w = this.at(track);
    this.emit({ ph: 'C', name: w.name, ts: us(ts), pid: w.pid, tid: 0, args: { value } });
  }

  finish(): void {
    this.raw(`\n],"metadata":${JSON.stringify(this.metadata)}}\n`);
    this.flush();
  }
}
