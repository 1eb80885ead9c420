/**
 * Perfetto protobuf trace writer (a TimelineSink). Hand-written wire code straight into one
 * reusable buffer, with the tags of Perfetto's fields from perfetto-fields.ts (generated from
 * upstream/perfetto_trace.proto, which the tests also decode every export with): a `Trace` is a
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
import { ArgBodies } from './args-cache.js';
import { ENUM, TAG } from './perfetto-fields.js';
import type { TimelineSink, TrackDecl } from './timeline.js';

const SEQ = 1;
const P = TAG.TracePacket, TE = TAG.TrackEvent, DA = TAG.DebugAnnotation;

export const TrackEventType = {
  SLICE_BEGIN: ENUM.TrackEventType.TYPE_SLICE_BEGIN, SLICE_END: ENUM.TrackEventType.TYPE_SLICE_END,
  INSTANT: ENUM.TrackEventType.TYPE_INSTANT, COUNTER: ENUM.TrackEventType.TYPE_COUNTER,
} as const;
/** Interned strings per table at most (names of ever-new frames stay inline past it). */
const INTERN_LIMIT = 1 << 16;
/** Slots of the event-name iid cache (a power of two). */
const NAME_SLOTS = 1 << 12;
/** Output pieces: a packet that ends past this goes out with the ones before it. */
const FLUSH_AT = (1 << 20) - 4096;

/** Writes varint `tag` (a TAG value) at w.pos; the caller has made room. */
function tag(w: Writer, t: number): void {
  const b = w.buf;
  if (t < 0x80) b[w.pos++] = t;
  else { b[w.pos++] = (t & 0x7f) | 0x80; b[w.pos++] = t >>> 7; }
}

/** Writes a varint of a non-negative integer below 2^53, or a negative one as 10 bytes (int64). */
function varint(w: Writer, v: number): void {
  const b = w.buf;
  let p = w.pos;
  if (v >= 0 && v <= 0xffffffff) {
    v >>>= 0; // as Writer.uint32
    while (v > 0x7f) { b[p++] = (v & 0x7f) | 0x80; v >>>= 7; }
    b[p++] = v;
    w.pos = p;
    return;
  }
  w.uint64(v); // 64-bit (negative: two's complement, 10 bytes)
}

/** Room for `n` more bytes (the buffer grows: a packet is written whole before it goes out). */
function need(w: Writer, n: number): void {
  if (w.pos + n > w.buf.length) w.reserve(w.pos, n);
}

/** Reserves one length byte at w.pos; returns its position. */
function fork(w: Writer): number { return w.pos++; }

/** Writes the length of everything since fork `at`. */
function ldelim(w: Writer, at: number): void {
  const len = w.pos - at - 1;
  if (len < 0x80) w.buf[at] = len;
  else w.pos = w.ldelimAt(at, w.pos);
}

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
  flush(w: Writer, field: number, entry: { readonly iid: number }, name: number): void {
    let id = this.ids.size - this.fresh.length + 1;
    for (const s of this.fresh) {
      need(w, 16);
      tag(w, field);
      const at = fork(w);
      tag(w, entry.iid); varint(w, id++);
      tag(w, name); w.string(s);
      ldelim(w, at);
    }
    this.fresh.length = 0;
  }
}

export class PerfettoWriter implements TimelineSink, ArgWriter {
  private readonly w = new Writer(1 << 21);
  private first = true;
  private readonly names = new Interned();
  private readonly argNames = new Interned();
  private readonly argStrings = new Interned();
  /** Event names' iids by track and name length (direct-mapped, checked by the string). */
  private readonly slotName: (string | undefined)[] = new Array<string | undefined>(NAME_SLOTS).fill(undefined);
  private readonly slotIid = new Int32Array(NAME_SLOTS);
  /** Open annotation forks, and whether each is an array (its entries have no names). */
  private readonly forks: number[] = [];
  private readonly arrays: boolean[] = [];
  /** Whether the innermost open annotation is an array. */
  private inArray = false;

  constructor(private readonly write: (bytes: Uint8Array) => void, private readonly attributes: Record<string, string> = {},
              private readonly category = 'csftrace') {}

  /** Opens a TracePacket with the sequence id (and the timestamp when given); returns its fork mark. */
  private packet(ts: number | undefined): number {
    const w = this.w;
    if (this.first) {
      this.first = false;
      this.attributesPacket();
    }
    need(w, 32);
    tag(w, TAG.Trace.packet);
    const at = fork(w);
    if (ts !== undefined) { tag(w, P.timestamp); varint(w, ts); }
    tag(w, P.trustedPacketSequenceId); varint(w, SEQ);
    return at;
  }

  /** The first packet: clears the sequence's incremental state, carries the trace attributes. */
  private attributesPacket(): void {
    const w = this.w;
    need(w, 16);
    tag(w, TAG.Trace.packet);
    const at = fork(w);
    tag(w, P.trustedPacketSequenceId); varint(w, SEQ);
    tag(w, P.sequenceFlags); varint(w, ENUM.TracePacketSequenceFlags.SEQ_INCREMENTAL_STATE_CLEARED);
    tag(w, P.traceAttributes);
    const ta = fork(w);
    for (const [k, v] of Object.entries(this.attributes)) {
      need(w, 8);
      tag(w, TAG.TraceAttributes.attribute);
      const a = fork(w);
      tag(w, TAG.TraceAttributesAttribute.key); w.string(k);
      need(w, 2);
      tag(w, TAG.TraceAttributesAttribute.stringValue); w.string(v);
      ldelim(w, a);
    }
    ldelim(w, ta);
    ldelim(w, at);
  }

  /** Closes the packet, with the interned entries its event introduced. */
  private closePacket(at: number): void {
    const w = this.w;
    if (this.names.fresh.length || this.argNames.fresh.length || this.argStrings.fresh.length) {
      need(w, 4);
      tag(w, P.internedData);
      const id = fork(w);
      const I = TAG.InternedData;
      this.names.flush(w, I.eventNames, TAG.EventName, TAG.EventName.name);
      this.argNames.flush(w, I.debugAnnotationNames, TAG.DebugAnnotationName, TAG.DebugAnnotationName.name);
      this.argStrings.flush(w, I.debugAnnotationStringValues, TAG.InternedString, TAG.InternedString.str);
      ldelim(w, id);
    }
    ldelim(w, at);
    if (w.pos >= FLUSH_AT) this.flush();
  }

  private flush(): void {
    if (this.w.pos === 0) return;
    this.write(this.w.view_());
    this.w.reset();
  }

  track(d: TrackDecl): void {
    const w = this.w;
    const T = TAG.TrackDescriptor;
    const at = this.packet(undefined);
    need(w, 32);
    tag(w, P.trackDescriptor);
    const td = fork(w);
    tag(w, T.uuid); varint(w, d.uuid);
    if (d.parent !== 0) { tag(w, T.parentUuid); varint(w, d.parent); }
    if (d.kind === 'process' && d.pid !== undefined && d.pid > 0) {
      tag(w, T.process);
      const p = fork(w);
      tag(w, TAG.ProcessDescriptor.pid); varint(w, d.pid);
      tag(w, TAG.ProcessDescriptor.processName); w.string(d.name);
      ldelim(w, p);
    } else {
      tag(w, T.name); w.string(d.name);
    }
    need(w, 32);
    if (d.kind === 'counter') {
      tag(w, T.counter);
      const c = fork(w);
      tag(w, TAG.CounterDescriptor.categories); w.string(this.category);
      need(w, 16);
      tag(w, TAG.CounterDescriptor.unit);
      varint(w, d.unit === 'bytes' ? ENUM.CounterDescriptorUnit.UNIT_SIZE_BYTES : ENUM.CounterDescriptorUnit.UNIT_COUNT);
      ldelim(w, c);
    } else {
      tag(w, T.childOrdering); varint(w, ENUM.TrackDescriptorChildTracksOrdering.EXPLICIT);
    }
    tag(w, T.siblingOrderRank); varint(w, d.order);
    if (d.description) { tag(w, T.description); w.string(d.description); }
    ldelim(w, td);
    this.closePacket(at);
  }

  private event(ts: number, track: number, type: number, name: string | undefined, args: ArgSource | null,
                flowOut: readonly number[], flowIn: number, counter?: number): void {
    const w = this.w;
    const at = this.packet(ts);
    need(w, 48);
    tag(w, P.trackEvent);
    const te = fork(w);
    tag(w, TE.type); varint(w, type);
    tag(w, TE.trackUuid); varint(w, track);
    if (name !== undefined) {
      // the iid of the name last placed on the track with a name this long: most often this one again
      const slot = (track * 37 + name.length) & (NAME_SLOTS - 1);
      let id: number;
      if (this.slotName[slot] === name) id = this.slotIid[slot]!;
      else { id = this.names.iid(name); this.slotName[slot] = name; this.slotIid[slot] = id; }
      if (id !== 0) { tag(w, TE.nameIid); varint(w, id); }
      else { tag(w, TE.name); w.string(name); }
    }
    if (counter !== undefined) { need(w, 16); tag(w, TE.counterValue); varint(w, counter); }
    if (args) {
      if (args.parts !== undefined) this.bodies.write(args.parts, this);
      else args.writeArgs(this);
    }
    if (flowOut.length !== 0 || flowIn !== 0) {
      need(w, 12 * flowOut.length + 12);
      for (let k = 0; k < flowOut.length; k++) { tag(w, TE.flowIds); w.fixed64(flowOut[k]!); }
      if (flowIn !== 0) { tag(w, TE.terminatingFlowIds); w.fixed64(flowIn); }
    }
    ldelim(w, te);
    this.closePacket(at);
  }

  // ── Encoded argument bodies, reused (args-cache.ts) ──

  /**
   * Annotations per argument body, reused: their bytes name only iids that stay valid (the interning
   * tables never forget), so a body is kept when writing it interned nothing new.
   */
  private readonly bodies = new ArgBodies(192, 2048, this.w, (n) => { need(this.w, n); },
    () => this.argNames.fresh.length + this.argStrings.fresh.length);

  // ── ArgWriter: debug annotations of the event being written ──

  /** Per ArgKey id: its interned name's iid (0: not interned yet). */
  private readonly keyIids: number[] = [];
  /** Per ArgKey id: the last symbolic value written under it, and that value's iid. */
  private readonly lastSym: string[] = [];
  private readonly lastSymIid: number[] = [];

  /** Starts one annotation (a top-level one, a dict entry or an array value), names it; room for 32 more bytes. */
  private ann(key: ArgKey): number {
    const w = this.w;
    need(w, 48);
    const depth = this.forks.length;
    tag(w, depth === 0 ? TE.debugAnnotations : this.inArray ? DA.arrayValues : DA.dictEntries);
    const at = fork(w);
    if (!this.inArray) {
      let id = this.keyIids[key.id] ?? 0;
      if (id === 0) { id = this.argNames.iid(key.name); this.keyIids[key.id] = id; }
      if (id !== 0) { tag(w, DA.nameIid); varint(w, id); }
      else { tag(w, DA.name); w.string(key.name); need(w, 32); }
    }
    return at;
  }
  int(key: ArgKey, v: number): void {
    const w = this.w;
    const at = this.ann(key);
    if (!Number.isInteger(v)) { tag(w, DA.doubleValue); w.double(v); }
    else if (v >= 0) { tag(w, DA.uintValue); varint(w, v); }
    else { tag(w, DA.intValue); varint(w, v); }
    ldelim(w, at);
  }
  sym(key: ArgKey, v: string): void {
    const w = this.w;
    const at = this.ann(key);
    // the last value per key comes again most of the time (iface CSG, kind ACK_REQUEST): no lookup
    let id: number;
    if (this.lastSym[key.id] === v) id = this.lastSymIid[key.id]!;
    else { id = this.argStrings.iid(v); this.lastSym[key.id] = v; this.lastSymIid[key.id] = id; }
    if (id !== 0) { tag(w, DA.stringValueIid); varint(w, id); }
    else { tag(w, DA.stringValue); w.string(v); }
    ldelim(w, at);
  }
  str(key: ArgKey, v: string): void {
    const w = this.w;
    const at = this.ann(key);
    tag(w, DA.stringValue); w.string(v);
    ldelim(w, at);
  }
  bool(key: ArgKey, v: boolean): void {
    const w = this.w;
    const at = this.ann(key);
    tag(w, DA.boolValue); w.buf[w.pos++] = v ? 1 : 0;
    ldelim(w, at);
  }
  open(key: ArgKey, array: boolean): void {
    this.forks.push(this.ann(key));
    this.arrays.push(this.inArray);
    this.inArray = array;
  }
  close(): void {
    this.inArray = this.arrays.pop()!;
    ldelim(this.w, this.forks.pop()!);
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
