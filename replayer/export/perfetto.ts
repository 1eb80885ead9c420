/**
 * Perfetto protobuf trace writer (a TimelineSink). Hand-written wire code with Perfetto's field
 * numbers (upstream/perfetto_trace.proto, which the tests decode every export with): a `Trace` is a
 * concatenation of `packet` fields, so packets stream out in batches of ~1 MiB through `write` and
 * memory does not grow with the trace.
 *
 * One packet sequence (trusted_packet_sequence_id 1); its first packet clears incremental state and
 * carries the trace's attributes (scenario, seed, policies, firmware assumptions, the time domain:
 * trace processor's `metadata` table, `trace_attribute.*`). Event names, argument names and symbolic argument values are interned (InternedData in the packet that first uses
 * them), so an event costs a few bytes of ids instead of its strings. Arguments are nested debug
 * annotations (`args` table: `debug.ret`, `debug.slots[0].action`). Tracks carry an explicit child
 * order (`child_ordering` EXPLICIT, `sibling_order_rank`). Timestamps are the trace's virtual
 * nanoseconds on the default clock; a blocking ioctl's begin lies before events already written
 * (trace processor sorts by timestamp).
 */
import { Writer } from '../../proto/index.js';
import type { ArgKey, ArgSource, ArgWriter } from './arg-writer.js';
import type { TimelineSink, TrackDecl } from './timeline.js';

const SEQ = 1;
const WIRE_VARINT = 0, WIRE_FIXED64 = 1, WIRE_LEN = 2, WIRE_DOUBLE = 1;

/** Field numbers (Perfetto's). */
const F = {
  trace: { packet: 1 },
  packet: { timestamp: 8, seqId: 10, trackEvent: 11, internedData: 12, sequenceFlags: 13, trackDescriptor: 60, traceAttributes: 126 },
  attributes: { attribute: 1 },
  attribute: { key: 1, longValue: 2, stringValue: 3 },
  track: { uuid: 1, name: 2, process: 3, parentUuid: 5, counter: 8, childOrdering: 11, siblingOrderRank: 12, description: 14 },
  process: { pid: 1, processName: 6 },
  counter: { categories: 2, unit: 3 },
  event: { debugAnnotations: 4, type: 9, nameIid: 10, trackUuid: 11, name: 23, counterValue: 30, flowIds: 47, terminatingFlowIds: 48 },
  annotation: { nameIid: 1, name: 10, boolValue: 2, uintValue: 3, intValue: 4, doubleValue: 5, stringValue: 6, dictEntries: 11, arrayValues: 12, stringValueIid: 17 },
  interned: { eventNames: 2, annotationNames: 3, annotationStrings: 29 },
  internedEntry: { iid: 1, name: 2 },
} as const;

export const TrackEventType = { SLICE_BEGIN: 1, SLICE_END: 2, INSTANT: 3, COUNTER: 4 } as const;
const SEQ_INCREMENTAL_STATE_CLEARED = 1;
const UNIT_COUNT = 2, UNIT_SIZE_BYTES = 3;
const CHILD_ORDERING_EXPLICIT = 3;
/** Interned strings per table at most (names of ever-new frames stay inline past it). */
const INTERN_LIMIT = 1 << 16;

function tag(w: Writer, field: number, wire: number): void { w.uint32((field << 3) | wire); }

/** One interning table: string → iid, and the entries new since the last packet. */
class Interned {
  private readonly ids = new Map<string, number>();
  readonly fresh: string[] = [];
  /** The iid of `s` (new ones are queued for the packet being written), or 0 when the table is full. */
  iid(s: string): number {
    let id = this.ids.get(s);
    if (id !== undefined) return id;
    if (this.ids.size >= INTERN_LIMIT) return 0;
    id = this.ids.size + 1;
    this.ids.set(s, id);
    this.fresh.push(s);
    return id;
  }
  /** Writes the queued entries as `field` of InternedData (iids follow the queue's order). */
  flush(w: Writer, field: number): void {
    let id = this.ids.size - this.fresh.length + 1;
    for (const s of this.fresh) {
      tag(w, field, WIRE_LEN);
      const at = w.fork();
      tag(w, F.internedEntry.iid, WIRE_VARINT); w.uint32(id++);
      tag(w, F.internedEntry.name, WIRE_LEN); w.string(s); // EventName.name / InternedString.str: both field 2
      w.ldelim(at);
    }
    this.fresh.length = 0;
  }
}

export class PerfettoWriter implements TimelineSink, ArgWriter {
  private readonly w = new Writer(1 << 20);
  private first = true;
  private readonly names = new Interned();
  private readonly argNames = new Interned();
  private readonly argStrings = new Interned();
  /** Open annotation forks, and whether each is an array (its entries have no names). */
  private readonly forks: number[] = [];
  private readonly arrays: boolean[] = [];

  constructor(private readonly write: (bytes: Uint8Array) => void, private readonly attributes: Record<string, string> = {},
              private readonly category = 'csftrace') {}

  /** Opens a TracePacket with the sequence id (and the timestamp when given); returns its fork mark. */
  private packet(ts: number | undefined): number {
    const w = this.w;
    if (this.first) {
      this.first = false;
      this.attributesPacket();
    }
    tag(w, F.trace.packet, WIRE_LEN);
    const at = w.fork();
    if (ts !== undefined) { tag(w, F.packet.timestamp, WIRE_VARINT); w.uint64(ts); }
    tag(w, F.packet.seqId, WIRE_VARINT); w.uint32(SEQ);
    return at;
  }

  /** The first packet: clears the sequence's incremental state, carries the trace attributes. */
  private attributesPacket(): void {
    const w = this.w;
    tag(w, F.trace.packet, WIRE_LEN);
    const at = w.fork();
    tag(w, F.packet.seqId, WIRE_VARINT); w.uint32(SEQ);
    tag(w, F.packet.sequenceFlags, WIRE_VARINT); w.uint32(SEQ_INCREMENTAL_STATE_CLEARED);
    tag(w, F.packet.traceAttributes, WIRE_LEN);
    const ta = w.fork();
    for (const [k, v] of Object.entries(this.attributes)) {
      tag(w, F.attributes.attribute, WIRE_LEN);
      const a = w.fork();
      tag(w, F.attribute.key, WIRE_LEN); w.string(k);
      tag(w, F.attribute.stringValue, WIRE_LEN); w.string(v);
      w.ldelim(a);
    }
    w.ldelim(ta);
    w.ldelim(at);
  }

  /** Closes the packet, with the interned entries its event introduced. */
  private closePacket(at: number): void {
    const w = this.w;
    if (this.names.fresh.length || this.argNames.fresh.length || this.argStrings.fresh.length) {
      tag(w, F.packet.internedData, WIRE_LEN);
      const id = w.fork();
      this.names.flush(w, F.interned.eventNames);
      this.argNames.flush(w, F.interned.annotationNames);
      this.argStrings.flush(w, F.interned.annotationStrings);
      w.ldelim(id);
    }
    w.ldelim(at);
    if (w.pos >= (1 << 20) - 4096) this.flush();
  }

  private flush(): void {
    if (this.w.pos === 0) return;
    this.write(this.w.view_());
    this.w.reset();
  }

  track(d: TrackDecl): void {
    const w = this.w;
    const at = this.packet(undefined);
    tag(w, F.packet.trackDescriptor, WIRE_LEN);
    const td = w.fork();
    tag(w, F.track.uuid, WIRE_VARINT); w.uint64(d.uuid);
    if (d.parent !== 0) { tag(w, F.track.parentUuid, WIRE_VARINT); w.uint64(d.parent); }
    if (d.kind === 'process' && d.pid !== undefined && d.pid > 0) {
      tag(w, F.track.process, WIRE_LEN);
      const p = w.fork();
      tag(w, F.process.pid, WIRE_VARINT); w.int32(d.pid);
      tag(w, F.process.processName, WIRE_LEN); w.string(d.name);
      w.ldelim(p);
    } else {
      tag(w, F.track.name, WIRE_LEN); w.string(d.name);
    }
    if (d.kind === 'counter') {
      tag(w, F.track.counter, WIRE_LEN);
      const c = w.fork();
      tag(w, F.counter.categories, WIRE_LEN); w.string(this.category);
      tag(w, F.counter.unit, WIRE_VARINT); w.uint32(d.unit === 'bytes' ? UNIT_SIZE_BYTES : UNIT_COUNT);
      w.ldelim(c);
    } else {
      tag(w, F.track.childOrdering, WIRE_VARINT); w.uint32(CHILD_ORDERING_EXPLICIT);
    }
    tag(w, F.track.siblingOrderRank, WIRE_VARINT); w.int32(d.order);
    if (d.description) { tag(w, F.track.description, WIRE_LEN); w.string(d.description); }
    w.ldelim(td);
    this.closePacket(at);
  }

  private event(ts: number, track: number, type: number, name: string | undefined, args: ArgSource | null,
                flowOut: readonly number[], flowIn: number, counter?: number): void {
    const w = this.w;
    const at = this.packet(ts);
    tag(w, F.packet.trackEvent, WIRE_LEN);
    const te = w.fork();
    tag(w, F.event.type, WIRE_VARINT); w.uint32(type);
    tag(w, F.event.trackUuid, WIRE_VARINT); w.uint64(track);
    if (name !== undefined) {
      const id = this.names.iid(name);
      if (id !== 0) { tag(w, F.event.nameIid, WIRE_VARINT); w.uint32(id); }
      else { tag(w, F.event.name, WIRE_LEN); w.string(name); }
    }
    if (counter !== undefined) { tag(w, F.event.counterValue, WIRE_VARINT); w.int64(counter); }
    if (args) args.writeArgs(this);
    for (const id of flowOut) { tag(w, F.event.flowIds, WIRE_FIXED64); w.fixed64(id); }
    if (flowIn !== 0) { tag(w, F.event.terminatingFlowIds, WIRE_FIXED64); w.fixed64(flowIn); }
    w.ldelim(te);
    this.closePacket(at);
  }

  // ── ArgWriter: debug annotations of the event being written ──

  /** Per ArgKey id: its interned name's iid (0: not interned yet). */
  private readonly keyIids: number[] = [];

  /** Starts one annotation (a top-level one, a dict entry or an array value) and names it. */
  private ann(key: ArgKey): number {
    const w = this.w;
    const depth = this.forks.length;
    tag(w, depth === 0 ? F.event.debugAnnotations : this.arrays[depth - 1] ? F.annotation.arrayValues : F.annotation.dictEntries, WIRE_LEN);
    const at = w.fork();
    if (depth === 0 || !this.arrays[depth - 1]) {
      let id = this.keyIids[key.id] ?? 0;
      if (id === 0) { id = this.argNames.iid(key.name); this.keyIids[key.id] = id; }
      if (id !== 0) { tag(w, F.annotation.nameIid, WIRE_VARINT); w.uint32(id); }
      else { tag(w, F.annotation.name, WIRE_LEN); w.string(key.name); }
    }
    return at;
  }
  int(key: ArgKey, v: number): void {
    const w = this.w;
    const at = this.ann(key);
    if (!Number.isInteger(v)) { tag(w, F.annotation.doubleValue, WIRE_DOUBLE); w.double(v); }
    else if (v >= 0) { tag(w, F.annotation.uintValue, WIRE_VARINT); w.uint64(v); }
    else { tag(w, F.annotation.intValue, WIRE_VARINT); w.int64(v); }
    w.ldelim(at);
  }
  sym(key: ArgKey, v: string): void {
    const w = this.w;
    const at = this.ann(key);
    const id = this.argStrings.iid(v);
    if (id !== 0) { tag(w, F.annotation.stringValueIid, WIRE_VARINT); w.uint32(id); }
    else { tag(w, F.annotation.stringValue, WIRE_LEN); w.string(v); }
    w.ldelim(at);
  }
  str(key: ArgKey, v: string): void {
    const w = this.w;
    const at = this.ann(key);
    tag(w, F.annotation.stringValue, WIRE_LEN); w.string(v);
    w.ldelim(at);
  }
  bool(key: ArgKey, v: boolean): void {
    const w = this.w;
    const at = this.ann(key);
    tag(w, F.annotation.boolValue, WIRE_VARINT); w.bool(v);
    w.ldelim(at);
  }
  open(key: ArgKey, array: boolean): void {
    this.forks.push(this.ann(key));
    this.arrays.push(array);
  }
  close(): void {
    this.arrays.pop();
    this.w.ldelim(this.forks.pop()!);
  }

  // ── TimelineSink ──

  begin(ts: number, track: number, name: string, args: ArgSource | null, flowOut: readonly number[], flowIn: number): void {
    this.event(ts, track, TrackEventType.SLICE_BEGIN, name, args, flowOut, flowIn);
  }
  end(ts: number, track: number): void {
    this.event(ts, track, TrackEventType.SLICE_END, undefined, null, NONE, 0);
  }
  complete(ts: number, dur: number, track: number, name: string, args: ArgSource | null, flowOut: readonly number[], flowIn: number): void {
    this.event(ts - dur, track, TrackEventType.SLICE_BEGIN, name, args, flowOut, flowIn);
    this.event(ts, track, TrackEventType.SLICE_END, undefined, null, NONE, 0);
  }
  instant(ts: number, track: number, name: string, args: ArgSource | null, flowOut: readonly number[], flowIn: number): void {
    this.event(ts, track, TrackEventType.INSTANT, name, args, flowOut, flowIn);
  }
  counter(ts: number, track: number, value: number): void {
    this.event(ts, track, TrackEventType.COUNTER, undefined, null, NONE, 0, value);
  }
  finish(): void {
    if (this.first) this.closePacket(this.packet(undefined)); // an empty export still carries the attributes
    this.flush();
  }
}

const NONE: readonly number[] = [];
