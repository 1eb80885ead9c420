/**
 * Perfetto protobuf trace writer (a TimelineSink). Hand-written wire code for the messages in
 * perfetto.proto (same field numbers as Perfetto's own protos): a `Trace` is a concatenation of
 * `packet` fields, so packets stream out in batches of ~1 MiB through `write`.
 *
 * One packet sequence (trusted_packet_sequence_id 1); its first packet clears incremental state.
 * Track descriptors are written before the first event on the track; timestamps are the trace's
 * virtual nanoseconds (the default clock), non-decreasing along the sequence.
 */
import { Writer } from '../../proto/index.js';
import type { Args, TimelineSink, TrackDecl } from './timeline.js';

const SEQ = 1;
const WIRE_VARINT = 0, WIRE_FIXED64 = 1, WIRE_LEN = 2;

/** Field numbers (Perfetto's). */
const F = {
  trace: { packet: 1 },
  packet: { timestamp: 8, seqId: 10, trackEvent: 11, sequenceFlags: 13, trackDescriptor: 60 },
  track: { uuid: 1, name: 2, process: 3, parentUuid: 5, counter: 8 },
  process: { pid: 1, processName: 6 },
  counter: { categories: 2, unit: 3 },
  event: { debugAnnotations: 4, type: 9, trackUuid: 11, categories: 22, name: 23, counterValue: 30, flowIds: 47, terminatingFlowIds: 48 },
  annotation: { boolValue: 2, uintValue: 3, intValue: 4, stringValue: 6, name: 10 },
} as const;

export const TrackEventType = { SLICE_BEGIN: 1, SLICE_END: 2, INSTANT: 3, COUNTER: 4 } as const;
const SEQ_INCREMENTAL_STATE_CLEARED = 1;
const UNIT_COUNT = 2, UNIT_SIZE_BYTES = 3;

function tag(w: Writer, field: number, wire: number): void { w.uint32((field << 3) | wire); }

export class PerfettoWriter implements TimelineSink {
  private readonly w = new Writer(1 << 20);
  private first = true;
  private lastTs = 0;

  constructor(private readonly write: (bytes: Uint8Array) => void, private readonly category = 'csftrace') {}

  /** Opens a TracePacket with the sequence id (and the timestamp when given); returns its fork mark. */
  private packet(ts: number | undefined): number {
    const w = this.w;
    tag(w, F.trace.packet, WIRE_LEN);
    const at = w.fork();
    if (ts !== undefined) { tag(w, F.packet.timestamp, WIRE_VARINT); w.uint64(ts); }
    tag(w, F.packet.seqId, WIRE_VARINT); w.uint32(SEQ);
    if (this.first) {
      tag(w, F.packet.sequenceFlags, WIRE_VARINT); w.uint32(SEQ_INCREMENTAL_STATE_CLEARED);
      this.first = false;
    }
    return at;
  }

  private close(at: number): void {
    this.w.ldelim(at);
    if (this.w.pos >= (1 << 20) - 4096) this.flush();
  }

  private flush(): void {
    if (this.w.pos === 0) return;
    this.write(this.w.view_());
    this.w.reset();
  }

  track(d: TrackDecl): void {
    const w = this.w;
    const at = this.packet(this.lastTs);
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
    }
    w.ldelim(td);
    this.close(at);
  }

  private event(ts: number, track: number, type: number, name: string | undefined, args: Args | undefined,
                flowOut: readonly number[], flowIn: number, counter?: number): void {
    const w = this.w;
    this.lastTs = ts;
    const at = this.packet(ts);
    tag(w, F.packet.trackEvent, WIRE_LEN);
    const te = w.fork();
    tag(w, F.event.type, WIRE_VARINT); w.uint32(type);
    tag(w, F.event.trackUuid, WIRE_VARINT); w.uint64(track);
    if (name !== undefined) {
      tag(w, F.event.categories, WIRE_LEN); w.string(this.category);
      tag(w, F.event.name, WIRE_LEN); w.string(name);
    }
    if (counter !== undefined) { tag(w, F.event.counterValue, WIRE_VARINT); w.int64(counter); }
    if (args) {
      for (const [k, v] of args) {
        tag(w, F.event.debugAnnotations, WIRE_LEN);
        const a = w.fork();
        tag(w, F.annotation.name, WIRE_LEN); w.string(k);
        if (typeof v === 'string') { tag(w, F.annotation.stringValue, WIRE_LEN); w.string(v); }
        else if (typeof v === 'boolean') { tag(w, F.annotation.boolValue, WIRE_VARINT); w.bool(v); }
        else if (Number.isInteger(v) && v >= 0) { tag(w, F.annotation.uintValue, WIRE_VARINT); w.uint64(v); }
        else if (Number.isInteger(v)) { tag(w, F.annotation.intValue, WIRE_VARINT); w.int64(v); }
        else { tag(w, F.annotation.stringValue, WIRE_LEN); w.string(String(v)); }
        w.ldelim(a);
      }
    }
    for (const id of flowOut) { tag(w, F.event.flowIds, WIRE_FIXED64); w.fixed64(id); }
    if (flowIn !== 0) { tag(w, F.event.terminatingFlowIds, WIRE_FIXED64); w.fixed64(flowIn); }
    w.ldelim(te);
    this.close(at);
  }

  begin(ts: number, track: number, name: string, args: Args, flowOut: readonly number[], flowIn: number): void {
    this.event(ts, track, TrackEventType.SLICE_BEGIN, name, args, flowOut, flowIn);
  }
  end(ts: number, track: number): void {
    this.event(ts, track, TrackEventType.SLICE_END, undefined, undefined, [], 0);
  }
  instant(ts: number, track: number, name: string, args: Args, flowOut: readonly number[], flowIn: number): void {
    this.event(ts, track, TrackEventType.INSTANT, name, args, flowOut, flowIn);
  }
  counter(ts: number, track: number, value: number): void {
    this.event(ts, track, TrackEventType.COUNTER, undefined, undefined, [], 0, value);
  }
  finish(): void { this.flush(); }
}
