/**
 * `export --format jsonl`: one event per line, exactly `JSON.stringify(eventToJson(ev, i))` (with
 * `notes` appended where the event has notes), written as text straight from the decoded message
 * instead of through an object graph and JSON.stringify, which cost five times the decode.
 *
 * How each field is written is planned once per position in the message tree (the decoders build
 * every message of a kind with the same keys in the same order): its key's JSON text, its enum
 * names, its errno sibling, its nested messages' plans. Strings go through JSON.stringify (the
 * same escapes: control characters as \u00XX). A message kind whose JSON keys would collide (or
 * sort as integers) falls back to the object path.
 */
import type { Event } from '../../proto/index.js';
import { CSG_STATE_MASK, ERRNO_NAMES, FwIface } from '../../proto/index.js';
import { ENUM_FIELDS, ERRNO_FIELDS, eventToJson, familyName, irqBitNames } from '../format.js';
import type { TraceFile } from '../trace-file.js';
import { bitNamesShared, stateName } from '../fw-bits.js';
import { TextSink } from './text-sink.js';

type Names = Readonly<Record<number, string>>;

interface Field {
  /** The decoded object's key. */
  k: string;
  /** `"proto_name":` */
  key: string;
  enums: Names | undefined;
  /** Enum values' JSON text, by value. */
  enumText: Map<number, string> | undefined;
  /** `,"errno":` for a 0-or-errno field. */
  errno: string | undefined;
  /** Plans of the messages under this field (a message, a repeated message), built when first met. */
  child: Plan | undefined;
  /** Plans of a oneof's cases. */
  cases: Map<string, Plan> | undefined;
}

interface Plan {
  ctx: string;
  fields: Field[];
  /** Keys that JSON objects would reorder or merge: written through the object path. */
  unsafe: boolean;
}

const INTEGER_KEY = /^(0|[1-9]\d*)$/;

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
      k, key: `${JSON.stringify(snake(k))}:`, enums: en, enumText: en ? new Map() : undefined,
      errno: sib === undefined ? undefined : `,${JSON.stringify(sib)}:`, child: undefined, cases: undefined,
    };
  });
  return { ctx, fields, unsafe };
}

function num(x: number): string { return Number.isFinite(x) ? String(x) : 'null'; }

const errnoText: string[] = [];
function errnoOf(x: number): string {
  if (x >= 0) return 'null';
  let s = errnoText[-x];
  if (s === undefined) {
    const n = ERRNO_NAMES[-x];
    s = n === undefined ? 'null' : JSON.stringify(n);
    if (-x < 4096) errnoText[-x] = s;
  }
  return s;
}

/** A number that is not an enum or errno field, a string, a bool, null, bytes, a list or a message, under `f`. */
function value(f: Field, x: unknown): string {
  switch (typeof x) {
    case 'number': return num(x);
    case 'string': return JSON.stringify(x);
    case 'boolean': return x ? 'true' : 'false';
    case 'object': {
      if (x === null) return 'null';
      if (Array.isArray(x)) {
        let s = '[';
        for (let i = 0; i < x.length; i++) s += (i ? ',' : '') + value(f, x[i]);
        return s + ']';
      }
      if (x instanceof Uint8Array) return JSON.stringify(Buffer.from(x).toString('base64'));
      if ('case' in x) {
        // a oneof: { case, value } → { <case>: value }, null when unset
        const one = x as { case?: string; value?: unknown };
        if (one.case === undefined) return 'null';
        return `{${JSON.stringify(snake(one.case))}:${caseValue(f, one.case, one.value)}}`;
      }
      f.child ??= planFor(f.k, x as Record<string, unknown>);
      return message(f.child, x as Record<string, unknown>, '');
    }
    default: return JSON.stringify(x) ?? 'null';
  }
}

/** A oneof case's value: a message of kind `c` (or a scalar), with its plan under `f`. */
function caseValue(f: Field, c: string, v: unknown): string {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array) {
    return value({ k: c, key: '', enums: undefined, enumText: undefined, errno: undefined, child: undefined, cases: undefined }, v);
  }
  f.cases ??= new Map();
  let p = f.cases.get(c);
  if (p === undefined) { p = planFor(c, v as Record<string, unknown>); f.cases.set(c, p); }
  return message(p, v as Record<string, unknown>, '');
}

/** A decoded message as toEventJson writes it; `extra` (`"names":[...]`) goes after its fields. */
function message(plan: Plan, o: Record<string, unknown>, extra: string): string {
  if (plan.unsafe) throw new UnsafeShape();
  let s = '{';
  let first = true;
  const fields = plan.fields;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    const x = o[f.k];
    if (x === undefined) continue;
    if (!first) s += ',';
    first = false;
    if (typeof x === 'number') {
      if (f.enumText !== undefined) {
        let t = f.enumText.get(x);
        if (t === undefined) {
          const n = f.enums![x];
          t = n === undefined ? num(x) : JSON.stringify(n);
          if (f.enumText.size < 4096) f.enumText.set(x, t);
        }
        s += f.key + t;
      } else if (f.errno !== undefined) {
        s += f.key + num(x) + f.errno + errnoOf(x);
      } else {
        s += f.key + num(x);
      }
      continue;
    }
    s += f.key + value(f, x);
  }
  if (extra) s += (first ? '' : ',') + extra;
  return s + '}';
}

class UnsafeShape extends Error {}

const familyText = new Map<string, { type: string; key: string }>();
const namesText = new Map<number, string>();

/** What an FW request/ack names (format.ts): the state a CSG/CS state request asks for, then the bits. */
function reqNames(v: { iface: number; kind: number; bits: number; state: number }): string[] {
  const names = bitNamesShared(v.iface, v.bits).slice();
  if (v.iface !== FwIface.GLB && v.kind === 0 && ((v.bits & CSG_STATE_MASK) !== 0 || v.bits === 0)) names.unshift(stateName(v.iface, v.state));
  return names;
}

function cachedNames(key: number, make: () => readonly string[]): string {
  if (Number.isNaN(key)) return `"names":${JSON.stringify(make())}`;
  let s = namesText.get(key);
  if (s === undefined) {
    s = `"names":${JSON.stringify(make())}`;
    if (namesText.size < 8192) namesText.set(key, s);
  }
  return s;
}

const plans = new Map<string, Plan>();

/** One event's line (without the newline), equal to JSON.stringify of eventToJson (+ notes). */
export function eventLine(ev: Event, index: number, notes: readonly string[] | undefined): string {
  const b = ev.body;
  const c = b.case;
  const head = `{"index":${index},"t":${num(ev.t)},"type":`;
  const cause = ev.cause ? num(index - ev.cause) : 'null';
  const tail = notes ? `,"notes":${JSON.stringify(notes)}}` : '}';
  if (c === undefined) return `${head}"unknown","cause_index":${cause}${tail}`;
  let fam = familyText.get(c);
  if (fam === undefined) {
    const type = familyName(c);
    fam = { type: JSON.stringify(type), key: `${JSON.stringify(type)}:` };
    familyText.set(c, fam);
  }
  let plan = plans.get(c);
  if (plan === undefined) { plan = planFor(c, b.value as unknown as Record<string, unknown>); plans.set(c, plan); }
  let extra = '';
  if (b.case === 'fwReq' || b.case === 'fwAck') {
    const v = b.value;
    const key = v.state >>> 0 === v.state && v.state < 64 && v.iface >>> 0 < 4 && v.kind >>> 0 < 4 ? (v.bits >>> 0) * 1024 + v.iface * 256 + v.kind * 64 + v.state : NaN;
    extra = cachedNames(key, () => reqNames(v));
  } else if (b.case === 'fwIrq') {
    const v = b.value;
    extra = cachedNames(-1 - (v.line * 2 ** 32 + (v.status >>> 0)), () => irqBitNames(v.line, v.status));
  }
  try {
    return `${head}${fam.type},"cause_index":${cause},${fam.key}${message(plan, b.value as unknown as Record<string, unknown>, extra)}${tail}`;
  } catch (e) {
    if (!(e instanceof UnsafeShape)) throw e;
    const o = eventToJson(ev, index) as Record<string, unknown>;
    return JSON.stringify(notes ? { ...o, notes } : o);
  }
}

/** Writes events [from, to) of `trace` as JSON lines. */
export function exportJsonl(trace: TraceFile, write: (bytes: Uint8Array) => void, from: number, to: number): void {
  const notes = new Map<number, string[]>();
  for (const n of trace.notes) {
    const l = notes.get(n.eventIndex);
    if (l) l.push(n.text); else notes.set(n.eventIndex, [n.text]);
  }
  const out = new TextSink(write);
  if (notes.size === 0) trace.forEach((ev, i) => { out.line(eventLine(ev, i, undefined)); }, from, to);
  else trace.forEach((ev, i) => { out.line(eventLine(ev, i, notes.get(i))); }, from, to);
  out.flush();
}
