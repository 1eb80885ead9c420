/**
 * `export --format jsonl`: one event per line, `JSON.stringify(eventToJson(ev, i))` (with `notes`
 * appended where the event has notes; DEL, C1 controls and bidi overrides escaped too, as
 * `events --json` writes them: json-bytes.ts terminalSafe), written as text straight from the
 * decoded message instead of through an object graph and JSON.stringify, which cost five times the
 * decode.
 *
 * How each field is written is planned once per position in the message tree (the decoders build
 * every message of a kind with the same keys in the same order): its key's JSON text, its enum
 * names, its errno sibling, its nested messages' plans, all as UTF-8 bytes copied into the output
 * buffer (json-bytes.ts: JSON.stringify's escapes, and terminalSafe's). A message kind whose JSON
 * keys would collide (or sort as integers) falls back to the object path.
 */
import type { Event, EventFamily } from '../../proto/index.js';
import { ERRNO_NAMES } from '../../proto/index.js';
import { ENUM_FIELDS, ERRNO_FIELDS, eventToJson, familyName, irqBitNames, reqNames } from '../format.js';
import { notesByEvent, type TraceFile } from '../trace-file.js';
import { forEachEventReused } from '../check/event-pass.js';
import { BodyBytes, bodyFields, MAX_FIELDS, MAX_FIELDS_LONG } from './args-cache.js';
import { JsonBytes, jsonBytes, utf8 } from './json-bytes.js';

type Names = Readonly<Record<number, string>>;

interface Field {
  /** The decoded object's key. */
  k: string;
  /** `"proto_name":` */
  key: Uint8Array;
  enums: Names | undefined;
  /** Enum values' JSON text, by value. */
  enumText: Map<number, Uint8Array> | undefined;
  /** `,"errno":` for a 0-or-errno field. */
  errno: Uint8Array | undefined;
  /** Plans of the messages under this field (a message, a repeated message), built when first met. */
  child: Plan | undefined;
  /** Plans of a oneof's cases, and their keys. */
  cases: Map<string, { plan: Plan | undefined; key: Uint8Array }> | undefined;
}

interface Plan {
  fields: Field[];
  /** Keys that JSON objects would reorder or merge: written through the object path. */
  unsafe: boolean;
  /** A decision's plan: whether its keys are DECISION_KEYS, in order (worked out at first use). */
  splits?: boolean;
}

const INTEGER_KEY = /^(0|[1-9]\d*)$/;
const COMMA = 44, OPEN = 123, CLOSE = 125, OPEN_LIST = 91, CLOSE_LIST = 93;

function snake(k: string): string { return k.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`); }

function planFor(ctx: string, o: Record<string, unknown>): Plan {
  const enums = ENUM_FIELDS[ctx];
  const errnos = ERRNO_FIELDS[ctx];
  const seen = new Set<string>();
  let unsafe = false;
  const note = (k: string): void => { if (seen.has(k) || INTEGER_KEY.test(k)) unsafe = true; seen.add(k); };
  const fields = Object.keys(o).map((k): Field => {
    const en = enums?.[k];
    const sib = errnos?.[k];
    note(snake(k));
    if (sib !== undefined) note(sib);
    return {
      k, key: utf8(`${JSON.stringify(snake(k))}:`), enums: en, enumText: en ? new Map() : undefined,
      errno: sib === undefined ? undefined : utf8(`,${JSON.stringify(sib)}:`), child: undefined, cases: undefined,
    };
  });
  return { fields, unsafe };
}

const NULL = utf8('null');
const errnoText: Uint8Array[] = [];
function errnoOf(x: number): Uint8Array {
  if (x >= 0) return NULL;
  let s = errnoText[-x];
  if (s === undefined) {
    const n = ERRNO_NAMES[-x];
    s = n === undefined ? NULL : jsonBytes(n);
    if (-x < 4096) errnoText[-x] = s;
  }
  return s;
}

class UnsafeShape extends Error {}

/** Writes a value that is not an enum or errno field (a number, string, bool, null, bytes, list or message) under `f`. */
function value(o: JsonBytes, f: Field, x: unknown): void {
  switch (typeof x) {
    case 'number': o.num(x); return;
    case 'string': o.str(x); return;
    case 'boolean': o.ascii(x ? 'true' : 'false'); return;
    case 'object': {
      if (x === null) { o.bytes(NULL); return; }
      if (Array.isArray(x)) {
        o.byte(OPEN_LIST);
        for (let i = 0; i < x.length; i++) { if (i) o.byte(COMMA); value(o, f, x[i]); }
        o.byte(CLOSE_LIST);
        return;
      }
      if (x instanceof Uint8Array) { o.str(Buffer.from(x).toString('base64')); return; }
      if ('case' in x) {
        // a oneof: { case, value } → { <case>: value }, null when unset
        const one = x as { case?: string; value?: unknown };
        if (one.case === undefined) { o.bytes(NULL); return; }
        f.cases ??= new Map();
        let c = f.cases.get(one.case);
        if (c === undefined) {
          const v = one.value;
          const msg = v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);
          c = { plan: msg ? planFor(one.case, v as Record<string, unknown>) : undefined, key: utf8(`${JSON.stringify(snake(one.case))}:`) };
          f.cases.set(one.case, c);
        }
        o.byte(OPEN);
        o.bytes(c.key);
        if (c.plan === undefined) value(o, f, one.value);
        else message(o, c.plan, one.value as Record<string, unknown>, undefined);
        o.byte(CLOSE);
        return;
      }
      f.child ??= planFor(f.k, x as Record<string, unknown>);
      message(o, f.child, x as Record<string, unknown>, undefined);
      return;
    }
    default: o.text(JSON.stringify(x) ?? 'null');
  }
}

/** Writes a decoded message as toEventJson makes it; `extra` (`"names":[...]`) goes after its fields. */
function message(o: JsonBytes, plan: Plan, m: Record<string, unknown>, extra: Uint8Array | undefined): void {
  if (plan.unsafe) throw new UnsafeShape();
  o.byte(OPEN);
  const first = fieldsOf(o, plan, m, 0, plan.fields.length, true);
  if (extra !== undefined) { if (!first) o.byte(COMMA); o.bytes(extra); }
  o.byte(CLOSE);
}

/**
 * Writes fields [from, to) of `plan` (those `m` has), each after a comma unless it is the message's
 * first (`first`: none written yet); returns whether none has been written yet.
 */
function fieldsOf(o: JsonBytes, plan: Plan, m: Record<string, unknown>, from: number, to: number, first: boolean): boolean {
  const fields = plan.fields;
  for (let i = from; i < to; i++) {
    const f = fields[i]!;
    const x = m[f.k];
    if (x === undefined) continue;
    if (!first) o.byte(COMMA);
    first = false;
    o.bytes(f.key);
    if (typeof x === 'number') {
      if (f.enumText !== undefined) {
        let t = f.enumText.get(x);
        if (t === undefined) {
          const n = f.enums![x];
          t = n === undefined ? utf8(Number.isFinite(x) ? String(x) : 'null') : jsonBytes(n);
          if (f.enumText.size < 4096) f.enumText.set(x, t);
        }
        o.bytes(t);
      } else if (f.errno !== undefined) {
        o.num(x); o.bytes(f.errno); o.bytes(errnoOf(x));
      } else {
        o.num(x);
      }
      continue;
    }
    value(o, f, x);
  }
  return first;
}

/**
 * A decision's keys in the decoders' order: its middle (trigger to timeslice) is what bodyFields
 * lists, so that text is written once per distinct middle; tick before it and next tick and mode
 * after it are written every time.
 */
const DECISION_KEYS = ['tick', 'trigger', 'fullTick', 'inputs', 'slots', 'evicted', 'protm', 'protmRule', 'protmGroup', 'reasons',
  'freeAs', 'timeslice', 'nextTickNs', 'mode'];
const MIDDLE_FROM = 1, MIDDLE_TO = 12;
/** Whether `plan` (a decision's) has DECISION_KEYS, in order. */
function splits(plan: Plan): boolean {
  plan.splits ??= plan.fields.length === DECISION_KEYS.length && plan.fields.every((f, i) => f.k === DECISION_KEYS[i]);
  return plan.splits;
}

/** Writes a decision, its middle copied when written before (JsonBodies.decisions). */
function decision(o: JsonBytes, plan: Plan, ev: Event, bodies: JsonBodies): void {
  const m = (ev.body as { value: unknown }).value as Record<string, unknown>;
  const n = splits(plan) ? bodyFields(ev, bodies.decisionFields) : 0;
  if (n === 0 || m.tick === undefined || m.trigger === undefined) { message(o, plan, m, undefined); return; }
  if (plan.unsafe) throw new UnsafeShape();
  o.byte(OPEN);
  fieldsOf(o, plan, m, 0, MIDDLE_FROM, true);
  const f = bodies.decisionFields, cache = bodies.decisions;
  if (!cache.copyTo(f, n, o, bodies.need)) {
    const at = o.pos;
    fieldsOf(o, plan, m, MIDDLE_FROM, MIDDLE_TO, false);
    cache.keepWritten(f, n, o, at);
  }
  fieldsOf(o, plan, m, MIDDLE_TO, plan.fields.length, false);
  o.byte(CLOSE);
}


const namesText = new Map<number, Uint8Array>();
function cachedNames(key: number, make: () => readonly string[]): Uint8Array {
  if (Number.isNaN(key)) return utf8(`"names":${JSON.stringify(make())}`);
  let s = namesText.get(key);
  if (s === undefined) {
    s = utf8(`"names":${JSON.stringify(make())}`);
    if (namesText.size < 8192) namesText.set(key, s);
  }
  return s;
}

/** Per family: `"fw_req","cause_index":`, `,"fw_req":`, and its message's plan (made when first met). */
interface FamilyText { type: Uint8Array; key: Uint8Array; plan: Plan | undefined }
const familyText = new Map<string, FamilyText>();
const INDEX = utf8('{"index":'), T = utf8(',"t":'), TYPE = utf8(',"type":'), CAUSE = utf8(',"cause_index":');
const UNKNOWN = utf8('"unknown"'), NOTES = utf8(',"notes":');

function textOf(c: EventFamily): FamilyText {
  let fam = familyText.get(c);
  if (fam === undefined) {
    const type = JSON.stringify(familyName(c));
    fam = { type: utf8(`${type},"cause_index":`), key: utf8(`,${type}:`), plan: undefined };
    familyText.set(c, fam);
  }
  return fam;
}

/** The `"names":[...]` a FW request, ack or IRQ body ends with (undefined for other bodies). */
function namesOf(ev: Event): Uint8Array | undefined {
  const b = ev.body;
  if (b.case === 'fwReq' || b.case === 'fwAck') {
    const v = b.value;
    const key = v.state >>> 0 === v.state && v.state < 64 && v.iface >>> 0 < 4 && v.kind >>> 0 < 4 ? (v.bits >>> 0) * 1024 + v.iface * 256 + v.kind * 64 + v.state : NaN;
    return cachedNames(key, () => reqNames(v));
  }
  if (b.case === 'fwIrq') {
    const v = b.value;
    return cachedNames(-1 - (v.line * 2 ** 32 + (v.status >>> 0)), () => irqBitNames(v.line, v.status));
  }
  return undefined;
}

/**
 * The JSON text of bodies already written, by their fields (one per export). A decision's text holds
 * its tick, next tick and mode, which bodyFields leaves out: only its middle is kept (`decisions`),
 * and the rest is written around it.
 */
export class JsonBodies {
  constructor(private readonly out: JsonBytes) {}
  readonly need = (n: number): void => { this.out.need(n); };
  readonly fields = new Float64Array(MAX_FIELDS);
  /** 4096 bodies of at most 512 bytes: 2 MB. */
  readonly bytes = new BodyBytes(1 << 12, 512, MAX_FIELDS);
  readonly decisionFields = new Float64Array(MAX_FIELDS_LONG);
  /**
   * 256 decision middles of at most 8 KiB (2 MB): a stress trace's decisions repeat one of the last
   * few dozen four times in five, and a middle of twelve groups is about 2.8 KB.
   */
  readonly decisions = new BodyBytes(1 << 8, 8 << 10, MAX_FIELDS_LONG);
}

/**
 * Writes one event's line (and its newline): JSON.stringify of eventToJson (+ notes). With `bodies`,
 * a body written before is copied from there.
 */
export function writeEventLine(o: JsonBytes, ev: Event, index: number, notes: readonly string[] | undefined, bodies?: JsonBodies): void {
  const start = o.pos;
  const b = ev.body;
  const c = b.case;
  o.bytes(INDEX); o.num(index); o.bytes(T); o.num(ev.t); o.bytes(TYPE);
  if (c === undefined) {
    o.bytes(UNKNOWN); o.bytes(CAUSE);
    if (ev.cause) o.num(index - ev.cause); else o.bytes(NULL);
  } else {
    const fam = textOf(c);
    o.bytes(fam.type);
    if (ev.cause) o.num(index - ev.cause); else o.bytes(NULL);
    o.bytes(fam.key);
    let plan = fam.plan;
    if (plan === undefined) { plan = planFor(c, b.value as unknown as Record<string, unknown>); fam.plan = plan; }
    try {
      const n = bodies === undefined || c === 'decision' ? 0 : bodyFields(ev, bodies.fields);
      if (c === 'decision' && bodies !== undefined) {
        decision(o, plan, ev, bodies);
      } else if (n !== 0) {
        // FW words, IRQs, doorbells, mode switches: the body's text once per distinct body (args-cache.ts)
        const f = bodies!.fields, cache = bodies!.bytes;
        if (!cache.copyTo(f, n, o, bodies!.need)) {
          const at = o.pos;
          message(o, plan, b.value as unknown as Record<string, unknown>, namesOf(ev));
          cache.keepWritten(f, n, o, at);
        }
      } else {
        message(o, plan, b.value as unknown as Record<string, unknown>, namesOf(ev));
      }
    } catch (e) {
      if (!(e instanceof UnsafeShape)) throw e;
      o.pos = start;
      const j = eventToJson(ev, index) as Record<string, unknown>;
      o.text(JSON.stringify(notes ? { ...j, notes } : j));
      o.byte(10);
      return;
    }
  }
  if (notes) { o.bytes(NOTES); o.text(JSON.stringify(notes)); }
  o.byte(CLOSE);
  o.byte(10);
}

/** Writes the lines of events [from, to) of `trace` into `out` (handed on at line ends, ~1 MiB at a time; not flushed). */
export function writeLines(trace: TraceFile, out: JsonBytes, bodies: JsonBodies, notes: ReadonlyMap<number, string[]>, from: number, to: number): void {
  // each event is written before the next is decoded: the pass may reuse its messages
  if (notes.size === 0) forEachEventReused(trace, (ev, i) => { writeEventLine(out, ev, i, undefined, bodies); out.mark(); }, from, to);
  else forEachEventReused(trace, (ev, i) => { writeEventLine(out, ev, i, notes.get(i), bodies); out.mark(); }, from, to);
}

/** Writes events [from, to) of `trace` as JSON lines, in this thread. */
export function exportJsonl(trace: TraceFile, write: (bytes: Uint8Array) => void, from: number, to: number): void {
  const out = new JsonBytes(write);
  writeLines(trace, out, new JsonBodies(out), notesByEvent(trace), from, to);
  out.flush();
}
