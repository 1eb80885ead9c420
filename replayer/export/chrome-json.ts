/**
 * Chrome trace-event JSON writer (a TimelineSink): `{"traceEvents": [...]}` as understood by
 * chrome://tracing and ui.perfetto.dev. Tracks become threads of processes (a top-level track is a
 * process, its children threads); slices are B/E pairs, instants `i` (or zero-length `X` when they
 * carry flows, which bind to slices), counters `C`, flows `s`/`f` (binding to the enclosing slice).
 * Blocking ioctls are complete events (`X` with their duration). Timestamps are microseconds (the
 * format's unit) with nanosecond decimals, of the trace's virtual time (the `metadata` says so).
 * Every record is written as JSON text (template strings, each string through JSON.stringify: the
 * same bytes JSON.stringify of the record objects gave) into a reusable buffer that goes out in
 * ~1 MiB pieces: memory does not grow with the trace.
 */
import type { ArgKey, ArgSource, ArgWriter } from './arg-writer.js';
import { TextSink } from './text-sink.js';
import type { TimelineSink, TrackDecl } from './timeline.js';

interface Where {
  pid: number;
  /** `"name"` (the track's name, JSON) */
  name: string;
  /** `"pid":p,"tid":t` */
  at: string;
  /** `"pid":p,"tid":0` (counters) */
  counterAt: string;
}

/** A number as JSON.stringify writes it. */
function num(v: number): string { return Number.isFinite(v) ? String(v) : 'null'; }
function us(ns: number): string { return num(ns / 1000); }

/** How every chrome-json export starts (export.ts recognises an earlier export by it). */
export const CHROME_JSON_START = '{"displayTimeUnit":"ns","traceEvents":';

/** Strings that come again (names, enum names), as JSON text: JSON.stringify once each. */
class Quoted {
  private readonly m = new Map<string, string>();
  of(s: string): string {
    let q = this.m.get(s);
    if (q === undefined) {
      q = JSON.stringify(s);
      if (this.m.size < 1 << 16) this.m.set(s, q);
    }
    return q;
  }
}

/**
 * An ArgWriter that writes the `args` object as JSON text, as JSON.stringify writes the object
 * ObjectArgs builds (a test compares the two on every event of the golden traces).
 */
export class JsonArgs implements ArgWriter {
  private s = '{';
  /** Per open level: nothing written in it yet; whether it is an array. */
  private first = true;
  private array = false;
  private readonly stack: boolean[] = [];
  private readonly keys: string[] = [];
  constructor(private readonly quoted: Quoted = new Quoted()) {}

  private key(key: ArgKey): string {
    const sep = this.first ? '' : ',';
    this.first = false;
    if (this.array) return sep;
    let k = this.keys[key.id];
    if (k === undefined) { k = `${JSON.stringify(key.name)}:`; this.keys[key.id] = k; }
    return sep + k;
  }
  int(key: ArgKey, v: number): void { this.s += this.key(key) + num(v); }
  sym(key: ArgKey, v: string): void { this.s += this.key(key) + this.quoted.of(v); }
  str(key: ArgKey, v: string): void { this.s += this.key(key) + JSON.stringify(v); }
  bool(key: ArgKey, v: boolean): void { this.s += this.key(key) + (v ? 'true' : 'false'); }
  open(key: ArgKey, array: boolean): void {
    this.s += this.key(key) + (array ? '[' : '{');
    this.stack.push(this.first, this.array);
    this.first = true;
    this.array = array;
  }
  close(): void {
    this.s += this.array ? ']' : '}';
    this.array = this.stack.pop()!;
    this.first = this.stack.pop()!;
  }
  /** The object written so far, as JSON (and a fresh one for the next event). */
  take(): string {
    const s = `${this.s}}`;
    this.s = '{';
    this.first = true;
    this.array = false;
    this.stack.length = 0;
    return s;
  }
}

export class ChromeJsonWriter implements TimelineSink {
  private readonly where = new Map<number, Where>();
  private readonly tids = new Map<number, number>();
  private readonly out: TextSink;
  private sep = '';
  private readonly quoted = new Quoted();
  private readonly args = new JsonArgs(this.quoted);

  constructor(write: (bytes: Uint8Array) => void, private readonly metadata: Record<string, string> = {}) {
    this.out = new TextSink(write);
    this.out.put(`${CHROME_JSON_START}[\n`);
  }

  private emit(json: string): void {
    this.out.put(this.sep + json);
    this.sep = ',\n';
  }

  private place(uuid: number, pid: number, tid: number, name: string): void {
    this.where.set(uuid, { pid, name: JSON.stringify(name), at: `"pid":${num(pid)},"tid":${num(tid)}`, counterAt: `"pid":${num(pid)},"tid":0` });
  }

  track(d: TrackDecl): void {
    if (d.parent === 0) {
      const pid = d.pid && d.pid > 0 ? d.pid : 1_000_000 + d.uuid;
      this.place(d.uuid, pid, 0, d.name);
      this.emit(`{"ph":"M","name":"process_name","pid":${num(pid)},"tid":0,"args":{"name":${JSON.stringify(d.name)}}}`);
      this.emit(`{"ph":"M","name":"process_sort_index","pid":${num(pid)},"tid":0,"args":{"sort_index":${num(d.order)}}}`);
      return;
    }
    const ppid = this.where.get(d.parent)?.pid ?? 1_000_000 + d.parent;
    const tid = (this.tids.get(ppid) ?? 0) + 1;
    this.tids.set(ppid, tid);
    this.place(d.uuid, ppid, tid, d.name);
    if (d.kind !== 'counter') {
      this.emit(`{"ph":"M","name":"thread_name","pid":${num(ppid)},"tid":${tid},"args":{"name":${JSON.stringify(d.name)}}}`);
      this.emit(`{"ph":"M","name":"thread_sort_index","pid":${num(ppid)},"tid":${tid},"args":{"sort_index":${num(d.order)}}}`);
    }
  }

  private at(track: number): Where {
    const w = this.where.get(track);
    if (!w) throw new Error(`track ${track} used before it was declared (bug)`);
    return w;
  }

  private flows(ts: number, w: Where, out: readonly number[], inn: number): void {
    if (out.length === 0 && inn === 0) return;
    const t = us(ts);
    for (const id of out) this.emit(`{"ph":"s","id":${num(id)},"name":"cause","cat":"flow","ts":${t},${w.at}}`);
    if (inn !== 0) this.emit(`{"ph":"f","bp":"e","id":${num(inn)},"name":"cause","cat":"flow","ts":${t},${w.at}}`);
  }

  private argsOf(src: ArgSource | null): string {
    if (src) src.writeArgs(this.args);
    return this.args.take();
  }

  begin(ts: number, track: number, name: string, args: ArgSource | null, flowOut: readonly number[], flowIn: number): void {
    const w = this.at(track);
    this.emit(`{"ph":"B","name":${this.quoted.of(name)},"cat":"csftrace","ts":${us(ts)},${w.at},"args":${this.argsOf(args)}}`);
    this.flows(ts, w, flowOut, flowIn);
  }

  complete(ts: number, dur: number, track: number, name: string, args: ArgSource | null, flowOut: readonly number[], flowIn: number): void {
    const w = this.at(track);
    this.emit(`{"ph":"X","dur":${us(dur)},"name":${this.quoted.of(name)},"cat":"csftrace","ts":${us(ts - dur)},${w.at},"args":${this.argsOf(args)}}`);
    this.flows(ts - dur, w, flowOut, flowIn);
  }

  end(ts: number, track: number): void {
    this.emit(`{"ph":"E","ts":${us(ts)},${this.at(track).at}}`);
  }

  instant(ts: number, track: number, name: string, args: ArgSource | null, flowOut: readonly number[], flowIn: number): void {
    const w = this.at(track);
    if (flowOut.length === 0 && flowIn === 0) {
      this.emit(`{"ph":"i","s":"t","name":${this.quoted.of(name)},"cat":"csftrace","ts":${us(ts)},${w.at},"args":${this.argsOf(args)}}`);
      return;
    }
    this.emit(`{"ph":"X","dur":0,"name":${this.quoted.of(name)},"cat":"csftrace","ts":${us(ts)},${w.at},"args":${this.argsOf(args)}}`);
    this.flows(ts, w, flowOut, flowIn);
  }

  counter(ts: number, track: number, value: number): void {
    const w = this.at(track);
    this.emit(`{"ph":"C","name":${w.name},"ts":${us(ts)},${w.counterAt},"args":{"value":${num(value)}}}`);
  }

  finish(): void {
    this.out.put(`\n],"metadata":${JSON.stringify(this.metadata)}}\n`);
    this.out.flush();
  }
}
