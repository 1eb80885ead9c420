/**
 * Chrome trace-event JSON writer (a TimelineSink): `{"traceEvents": [...]}` as understood by
 * chrome://tracing and ui.perfetto.dev. Tracks become threads of processes (a top-level track is a
 * process, its children threads); slices are B/E pairs, instants `i` (or zero-length `X` when they
 * carry flows, which bind to slices), counters `C`, flows `s`/`f` (binding to the enclosing slice).
 * Blocking ioctls are complete events (`X` with their duration). Timestamps are microseconds (the
 * format's unit) with nanosecond decimals, of the trace's virtual time (the `metadata` says so).
 * Every record is written as JSON bytes straight into a reusable buffer (json-bytes.ts: the same
 * bytes JSON.stringify of the record objects gave), which goes out in ~1 MiB pieces: memory does not
 * grow with the trace.
 */
import type { ArgKey, ArgSource, ArgWriter } from './arg-writer.js';
import { ArgBodies } from './args-cache.js';
import { JsonBytes, jsonBytes, terminalSafe, utf8 } from './json-bytes.js';
import type { TimelineSink, TrackDecl } from './timeline.js';

interface Where {
  pid: number;
  /** The track's name as JSON */
  name: Uint8Array;
  /** `,"pid":p,"tid":t` */
  at: Uint8Array;
  /** `,"pid":p,"tid":0` (counters) */
  counterAt: Uint8Array;
}

/** How every chrome-json export starts (export.ts recognises an earlier export by it). */
export const CHROME_JSON_START = '{"displayTimeUnit":"ns","traceEvents":';

/** Strings that come again (names, enum names), as JSON text: encoded once each. */
class Quoted {
  private readonly m = new Map<string, Uint8Array>();
  of(s: string): Uint8Array {
    let q = this.m.get(s);
    if (q === undefined) {
      q = jsonBytes(s);
      if (this.m.size < 1 << 16) this.m.set(s, q);
    }
    return q;
  }
}

const COMMA = 44;

/**
 * An ArgWriter that writes the `args` object as JSON text into `out`, as JSON.stringify writes
 * the object ObjectArgs builds (a test compares the two on every event of the golden traces).
 */
export class JsonArgs implements ArgWriter {
  /** Nothing written yet at the innermost level; whether that level is an array. */
  private first = true;
  private array = false;
  private readonly stack: boolean[] = [];
  private readonly keys: Uint8Array[] = [];
  constructor(readonly out: JsonBytes, private readonly quoted: Quoted = new Quoted()) {}

  /** Starts the object. */
  start(): void {
    this.out.byte(123);
    this.first = true;
    this.array = false;
    if (this.stack.length !== 0) this.stack.length = 0;
  }
  /** Ends the object. */
  finish(): void { this.out.byte(125); }

  private key(key: ArgKey): void {
    if (!this.first) this.out.byte(COMMA);
    this.first = false;
    if (this.array) return;
    let k = this.keys[key.id];
    if (k === undefined) { k = utf8(`${terminalSafe(JSON.stringify(key.name))}:`); this.keys[key.id] = k; }
    this.out.bytes(k);
  }
  int(key: ArgKey, v: number): void { this.key(key); this.out.num(v); }
  sym(key: ArgKey, v: string): void { this.key(key); this.out.bytes(this.quoted.of(v)); }
  str(key: ArgKey, v: string): void { this.key(key); this.out.str(v); }
  bool(key: ArgKey, v: boolean): void { this.key(key); this.out.ascii(v ? 'true' : 'false'); }
  open(key: ArgKey, array: boolean): void {
    this.key(key);
    this.out.byte(array ? 91 : 123);
    this.stack.push(this.first, this.array);
    this.first = true;
    this.array = array;
  }
  close(): void {
    this.out.byte(this.array ? 93 : 125);
    this.array = this.stack.pop()!;
    this.first = this.stack.pop()!;
  }
}

const R = {
  B: utf8('{"ph":"B","name":'), X: utf8('{"ph":"X","dur":'), XName: utf8(',"name":'), X0: utf8('{"ph":"X","dur":0,"name":'),
  I: utf8('{"ph":"i","s":"t","name":'), CAT: utf8(',"cat":"csftrace","ts":'), ARGS: utf8(',"args":'),
  E: utf8('{"ph":"E","ts":'), S: utf8('{"ph":"s","id":'), F: utf8('{"ph":"f","bp":"e","id":'), FLOW: utf8(',"name":"cause","cat":"flow","ts":'),
  C: utf8('{"ph":"C","name":'), TS: utf8(',"ts":'), VALUE: utf8(',"args":{"value":'), SEP: utf8(',\n'),
} as const;

export class ChromeJsonWriter implements TimelineSink {
  private readonly where = new Map<number, Where>();
  private readonly tids = new Map<number, number>();
  private readonly out: JsonBytes;
  private first = true;
  private readonly quoted = new Quoted();
  private readonly args: JsonArgs;
  /** Args text per argument body, reused (after the head, which always writes `event`, a body starts with its comma). */
  private readonly bodies: ArgBodies;

  constructor(write: (bytes: Uint8Array) => void, private readonly metadata: Record<string, string> = {}) {
    this.out = new JsonBytes(write);
    this.args = new JsonArgs(this.out, this.quoted);
    const out = this.out;
    this.bodies = new ArgBodies(384, 4096, out, (n) => { out.need(n); });
    this.out.text(`${CHROME_JSON_START}[\n`);
  }

  /** Starts a record (after the separator; the output goes out at a record's start once it holds ~1 MiB). */
  private record(head?: Uint8Array): JsonBytes {
    const o = this.out;
    o.mark();
    if (!this.first) o.bytes(R.SEP);
    this.first = false;
    if (head) o.bytes(head);
    return o;
  }

  private place(uuid: number, pid: number, tid: number, name: string): void {
    this.where.set(uuid, { pid, name: jsonBytes(name), at: utf8(`,"pid":${JSON.stringify(pid)},"tid":${JSON.stringify(tid)}`), counterAt: utf8(`,"pid":${JSON.stringify(pid)},"tid":0`) });
  }

  private meta(json: string): void {
    this.record().text(json);
  }

  track(d: TrackDecl): void {
    if (d.parent === 0) {
      const pid = d.pid && d.pid > 0 ? d.pid : 1_000_000 + d.uuid;
      this.place(d.uuid, pid, 0, d.name);
      this.meta(JSON.stringify({ ph: 'M', name: 'process_name', pid, tid: 0, args: { name: d.name } }));
      this.meta(JSON.stringify({ ph: 'M', name: 'process_sort_index', pid, tid: 0, args: { sort_index: d.order } }));
      return;
    }
    const ppid = this.where.get(d.parent)?.pid ?? 1_000_000 + d.parent;
    const tid = (this.tids.get(ppid) ?? 0) + 1;
    this.tids.set(ppid, tid);
    this.place(d.uuid, ppid, tid, d.name);
    if (d.kind !== 'counter') {
      this.meta(JSON.stringify({ ph: 'M', name: 'thread_name', pid: ppid, tid, args: { name: d.name } }));
      this.meta(JSON.stringify({ ph: 'M', name: 'thread_sort_index', pid: ppid, tid, args: { sort_index: d.order } }));
    }
  }

  private at(track: number): Where {
    const w = this.where.get(track);
    if (!w) throw new Error(`track ${track} used before it was declared (bug)`);
    return w;
  }

  private flows(ts: number, w: Where, out: readonly number[], inn: number): void {
    for (let k = 0; k < out.length; k++) this.flow(R.S, out[k]!, ts, w);
    if (inn !== 0) this.flow(R.F, inn, ts, w);
  }

  private flow(head: Uint8Array, id: number, ts: number, w: Where): void {
    const o = this.record(head);
    o.num(id); o.bytes(R.FLOW); o.micros(ts); o.bytes(w.at); o.byte(125);
  }

  /** `,"cat":"csftrace","ts":…,"pid":…,"tid":…,"args":{…}}` */
  private rest(ts: number, w: Where, args: ArgSource | null): void {
    const o = this.out;
    o.bytes(R.CAT); o.micros(ts); o.bytes(w.at); o.bytes(R.ARGS);
    this.args.start();
    if (args) {
      if (args.parts !== undefined) this.bodies.write(args.parts, this.args);
      else args.writeArgs(this.args);
    }
    this.args.finish();
    o.byte(125);
  }

  begin(ts: number, track: number, name: string, args: ArgSource | null, flowOut: readonly number[], flowIn: number): void {
    const w = this.at(track);
    this.record(R.B).bytes(this.quoted.of(name));
    this.rest(ts, w, args);
    this.flows(ts, w, flowOut, flowIn);
  }

  complete(ts: number, dur: number, track: number, name: string, args: ArgSource | null, flowOut: readonly number[], flowIn: number): void {
    const w = this.at(track);
    const o = this.record(R.X);
    o.micros(dur); o.bytes(R.XName); o.bytes(this.quoted.of(name));
    this.rest(ts - dur, w, args);
    this.flows(ts - dur, w, flowOut, flowIn);
  }

  end(ts: number, track: number): void {
    const o = this.record(R.E);
    o.micros(ts); o.bytes(this.at(track).at); o.byte(125);
  }

  instant(ts: number, track: number, name: string, args: ArgSource | null, flowOut: readonly number[], flowIn: number): void {
    const w = this.at(track);
    if (flowOut.length === 0 && flowIn === 0) {
      this.record(R.I).bytes(this.quoted.of(name));
      this.rest(ts, w, args);
      return;
    }
    this.record(R.X0).bytes(this.quoted.of(name));
    this.rest(ts, w, args);
    this.flows(ts, w, flowOut, flowIn);
  }

  counter(ts: number, track: number, value: number): void {
    const w = this.at(track);
    const o = this.record(R.C);
    o.bytes(w.name); o.bytes(R.TS); o.micros(ts); o.bytes(w.counterAt); o.bytes(R.VALUE); o.num(value); o.byte(125); o.byte(125);
  }

  finish(): void {
    this.out.text(`\n],"metadata":${JSON.stringify(this.metadata)}}\n`);
    this.out.flush();
  }
}
