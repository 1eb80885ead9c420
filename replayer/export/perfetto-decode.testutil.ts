/**
 * Test support: decodes a Perfetto export with the UPSTREAM schema (upstream/perfetto_trace.proto,
 * pinned; see upstream/README.md) the way trace processor reads it: interned names resolved per
 * sequence, debug annotations flattened into `args` keys (`debug.ret`, `debug.slots[0].action`),
 * trace attributes as `trace_attribute.<key>`. Also runs `protoc --decode` against the same schema
 * to count fields the schema does not know.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const UPSTREAM_DIR = fileURLToPath(new URL('../../../replayer/export/upstream/', import.meta.url));
export const UPSTREAM_PROTO = `${UPSTREAM_DIR}perfetto_trace.proto`;

export type ArgVal = string | number | boolean;

export interface DecodedTrack {
  uuid: number; name: string; parent: number; pid?: number | undefined; counter: boolean; unit?: number | undefined;
  childOrdering?: number | undefined; rank?: number | undefined; description?: string | undefined;
}
export interface DecodedEvent {
  /** Position in the file (packets). */
  seq: number;
  ts: number; type: number; track: number; name?: string | undefined; counter?: number | undefined;
  args: Map<string, ArgVal>; flowIds: number[]; terminating: number[];
}
export interface DecodedTrace {
  tracks: Map<number, DecodedTrack>;
  /** Track uuids in declaration order. */
  order: number[];
  events: DecodedEvent[];
  metadata: Map<string, string | number>;
  packets: number;
}

let cached: protobuf.Type | undefined;
async function traceType(): Promise<protobuf.Type> {
  if (!cached) cached = (await protobuf.load(UPSTREAM_PROTO)).lookupType('perfetto.protos.Trace');
  return cached;
}

interface Ann {
  nameIid?: number; name?: string; boolValue?: boolean; uintValue?: number; intValue?: number; doubleValue?: number;
  stringValue?: string; stringValueIid?: number; dictEntries?: Ann[]; arrayValues?: Ann[];
}

function flatten(prefix: string, a: Ann, names: Map<number, string>, strings: Map<number, string>, out: Map<string, ArgVal>): void {
  if (a.dictEntries?.length) {
    for (const e of a.dictEntries) flatten(`${prefix}.${e.name ?? names.get(e.nameIid!) ?? `?${e.nameIid}`}`, e, names, strings, out);
    return;
  }
  if (a.arrayValues?.length) {
    a.arrayValues.forEach((e, i) => flatten(`${prefix}[${i}]`, e, names, strings, out));
    return;
  }
  const v = a.stringValueIid !== undefined ? strings.get(a.stringValueIid) ?? `?iid${a.stringValueIid}`
    : a.stringValue ?? a.uintValue ?? a.intValue ?? a.doubleValue ?? a.boolValue;
  if (v !== undefined) out.set(prefix, v);
}

const decoder = new TextDecoder();

/** The TracePacket fields read here, as protobufjs' toObject gives them (camelCase, numbers). */
interface Packet {
  sequenceFlags?: number; timestamp: number;
  internedData?: {
    eventNames?: { iid: number; name: string }[]; debugAnnotationNames?: { iid: number; name: string }[];
    debugAnnotationStringValues?: { iid: number; str: number[] }[];
  };
  traceAttributes?: { attribute?: { key: string; stringValue?: string; longValue?: number }[] };
  trackDescriptor?: {
    uuid: number; name?: string; parentUuid?: number; process?: { processName?: string; pid?: number };
    counter?: { unit?: number }; childOrdering?: number; siblingOrderRank?: number; description?: string;
  };
  trackEvent?: {
    type: number; trackUuid: number; name?: string; nameIid?: number; counterValue?: number;
    debugAnnotations?: Ann[]; flowIds?: number[]; terminatingFlowIds?: number[];
  };
}

export async function decodePerfetto(bytes: Uint8Array): Promise<DecodedTrace> {
  const Trace = await traceType();
  const obj = Trace.toObject(Trace.decode(bytes), { longs: Number, enums: Number, defaults: false, bytes: Array }) as {
    packet?: Packet[];
  };
  const names = new Map<number, string>(), argNames = new Map<number, string>(), strings = new Map<number, string>();
  const tracks = new Map<number, DecodedTrack>();
  const order: number[] = [];
  const events: DecodedEvent[] = [];
  const metadata = new Map<string, string | number>();
  const packets = obj.packet ?? [];
  packets.forEach((p, seq) => {
    if ((p.sequenceFlags ?? 0) & 1) { names.clear(); argNames.clear(); strings.clear(); }
    const idata = p.internedData;
    if (idata) {
      for (const e of idata.eventNames ?? []) names.set(e.iid, e.name);
      for (const e of idata.debugAnnotationNames ?? []) argNames.set(e.iid, e.name);
      for (const e of idata.debugAnnotationStringValues ?? []) strings.set(e.iid, decoder.decode(Uint8Array.from(e.str)));
    }
    if (p.traceAttributes) {
      for (const a of p.traceAttributes.attribute ?? []) metadata.set(`trace_attribute.${a.key}`, a.stringValue ?? a.longValue ?? '');
    }
    const d = p.trackDescriptor;
    if (d) {
      tracks.set(d.uuid, {
        uuid: d.uuid, name: d.name ?? d.process?.processName ?? '', parent: d.parentUuid ?? 0, pid: d.process?.pid,
        counter: d.counter !== undefined, unit: d.counter?.unit, childOrdering: d.childOrdering, rank: d.siblingOrderRank, description: d.description,
      });
      order.push(d.uuid);
    }
    const e = p.trackEvent;
    if (e) {
      const args = new Map<string, ArgVal>();
      for (const a of e.debugAnnotations ?? []) flatten(`debug.${a.name ?? argNames.get(a.nameIid!) ?? `?${a.nameIid}`}`, a, argNames, strings, args);
      events.push({
        seq, ts: p.timestamp, type: e.type, track: e.trackUuid, name: e.name ?? (e.nameIid !== undefined ? names.get(e.nameIid) ?? `?iid${e.nameIid}` : undefined),
        counter: e.counterValue, args, flowIds: e.flowIds ?? [], terminating: e.terminatingFlowIds ?? [],
      });
    }
  });
  return { tracks, order, events, metadata, packets: packets.length };
}

/**
 * `protoc --decode=perfetto.protos.Trace` of the bytes with the upstream schema: the lines of
 * fields the schema does not know (protoc prints them by number).
 */
export function protocUnknownFields(bytes: Uint8Array): string[] {
  const r = spawnSync('protoc', [`-I${UPSTREAM_DIR}`, '--decode=perfetto.protos.Trace', UPSTREAM_PROTO], { input: bytes, maxBuffer: 1 << 30 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`protoc failed: ${r.stderr.toString()}`);
  return r.stdout.toString().split('\n').filter((l) => /^\s*\d+\s*[:{]/.test(l));
}
