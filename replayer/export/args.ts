/**
 * The arguments of an exported event, structured: every field of the event's message under its
 * csftrace.proto name (`ret`, `cmd`, `trigger`, `slots[0].action`, `args.group_create.priority`),
 * enums as their names, errno fields with the errno name beside them, FW words with their decoded
 * bit names (`names`), decisions with the rule sentences that say why (`why`, `reasons_why[i]`).
 *
 * Written through an `ArgWriter`, which each export format implements: Perfetto as nested debug
 * annotations (trace processor's `args` table: `debug.ret`, `debug.slots[0].action`), Chrome JSON
 * as the event's `args` object. Nothing is built per event but the writer's own output.
 */
import { ERRNO_NAMES, FwIface, ProtmVerdictNames, TickTriggerNames, type Event, type SchedDecision } from '../../proto/index.js';
import { ENUM_FIELDS, ERRNO_FIELDS, irqBitNames, reqNames } from '../format.js';
import { ruleSentence } from '../explain.js';
import { argKey, ENTRY, type ArgKey, type ArgWriter } from './arg-writer.js';
import { decisionArgs, decisionHead, decisionMiddle, decisionTail, doorbellArgs, fwAckArgs, fwIrqArgs, fwReqArgs, jobArgs, modeSwitchArgs } from './args-fast.js';

const K = {
  event: argKey('event'), causeEvent: argKey('cause_event'), names: argKey('names'), why: argKey('why'), reasonsWhy: argKey('reasons_why'),
} as const;

const snake = new Map<string, string>();
/** `durationNs` → `duration_ns`: the field's name in csftrace.proto. */
export function protoName(k: string): string {
  let s = snake.get(k);
  if (s === undefined) { s = k.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`); snake.set(k, s); }
  return s;
}

function writeValue(w: ArgWriter, ctx: string, name: ArgKey, x: unknown): void {
  switch (typeof x) {
    case 'number': w.int(name, x); return;
    case 'boolean': w.bool(name, x); return;
    case 'string': w.str(name, x); return;
    case 'bigint': w.str(name, String(x)); return;
    case 'object': {
      if (x === null) return;
      if (Array.isArray(x)) {
        if (x.length === 0) return;
        w.open(name, true);
        for (const e of x) writeValue(w, ctx, ENTRY, e);
        w.close();
        return;
      }
      if (x instanceof Uint8Array) { w.str(name, Buffer.from(x).toString('base64')); return; }
      const o = x as Record<string, unknown>;
      if ('case' in o && Object.keys(o).length <= 2) {
        // a oneof: { case, value } → { <case>: value }
        if (o.case === undefined) return;
        const c = o.case as string;
        w.open(name, false);
        writeMessage(w, c, argKey(protoName(c)), o.value);
        w.close();
        return;
      }
      w.open(name, false);
      writeFields(w, ctx, o);
      w.close();
      return;
    }
    default: return;
  }
}

/** Writes `value` (a decoded message of kind `ctx`) as a dictionary named `name`. */
function writeMessage(w: ArgWriter, ctx: string, name: ArgKey, value: unknown): void {
  w.open(name, false);
  writeFields(w, ctx, value as Record<string, unknown>);
  w.close();
}

/** Fields whose 0 is a value (CSG 0, queue 0), written even when 0. */
const ZERO_IS_A_VALUE = new Set(['csg', 'cs', 'slot', 'queue', 'csgSlot']);

/** FW words locate by interface: a GLB word has no CSG, a CSG word no CS. */
function notLocating(ctx: string, k: string, o: Record<string, unknown>): boolean {
  if (ctx !== 'fwReq' && ctx !== 'fwAck') return false;
  return (k === 'csg' && o.iface === FwIface.GLB) || (k === 'cs' && o.iface !== FwIface.CS);
}

/**
 * Every field of a decoded message: enum fields by name, errno fields with the errno beside.
 * proto3 defaults (0, false, '', []) are left out, as on the wire, except enums (their 0 has a
 * name), errno fields (`ret: 0`) and the fields whose 0 locates something (`csg`, `cs`, `slot`,
 * `queue`, `csg_slot`): an absent key reads as 0.
 */
export function writeFields(w: ArgWriter, ctx: string, o: Record<string, unknown>): void {
  const plan = planOf(ctx, o);
  for (let f = 0; f < plan.length; f++) {
    const p = plan[f]!;
    const x = o[p.k];
    if (x === undefined || x === false || x === '') continue;
    if (typeof x === 'number') {
      if (p.enums !== undefined) { w.sym(p.key, p.enums[x] ?? String(x)); continue; }
      if (x === 0 && p.errno === undefined && (!p.zeroIsValue || notLocating(ctx, p.k, o))) continue;
      w.int(p.key, x);
      if (p.errno !== undefined && x < 0) w.sym(p.errno, ERRNO_NAMES[-x] ?? String(x));
      continue;
    }
    writeValue(w, typeof x === 'object' ? p.k : ctx, p.key, x);
  }
}

/** How to write one field of a message kind: looked up once per kind, not per event. */
interface FieldPlan {
  k: string;
  /** Its csftrace.proto name. */
  key: ArgKey;
  enums?: Readonly<Record<number, string>> | undefined;
  errno?: ArgKey | undefined;
  zeroIsValue: boolean;
}

const plans = new Map<string, FieldPlan[]>();

/** The fields of message kind `ctx` (decoded messages of a kind all carry the same keys). */
function planOf(ctx: string, o: Record<string, unknown>): FieldPlan[] {
  let plan = plans.get(ctx);
  if (plan === undefined) {
    const enums = ENUM_FIELDS[ctx];
    const errnos = ERRNO_FIELDS[ctx];
    plan = Object.keys(o).map((k) => {
      const errno = errnos?.[k];
      return { k, key: argKey(protoName(k)), enums: enums?.[k], errno: errno === undefined ? undefined : argKey(errno), zeroIsValue: ZERO_IS_A_VALUE.has(k) };
    });
    plans.set(ctx, plan);
  }
  return plan;
}

const TRIGGER_PREFIX = /^TRIGGER_/;
const VERDICT_PREFIX = /^PROTM_/;

/** `PROTM_PENDING → GRANTED`: a decision named by its trigger and its protected-mode verdict. */
export function decisionName(d: SchedDecision): string {
  const t = TickTriggerNames[d.trigger] ?? String(d.trigger);
  const v = ProtmVerdictNames[d.protm] ?? String(d.protm);
  return `${t.replace(TRIGGER_PREFIX, '')} → ${v.replace(VERDICT_PREFIX, '')}`;
}

/** The rule sentences of a decision: the verdict's, then one per group reason. */
function writeDecisionWhy(w: ArgWriter, d: SchedDecision): void {
  w.sym(K.why, ruleSentence(d.protmRule));
  if (d.reasons.length === 0) return;
  w.open(K.reasonsWhy, true);
  for (const r of d.reasons) w.sym(ENTRY, cached(reasonCache, r.group * 256 + r.rule, () => `group ${r.group}: ${ruleSentence(r.rule)}`));
  w.close();
}

/** `make()` for `key`, remembered (up to 4096 keys): the same string object every time. */
function cached(m: Map<number, string>, key: number, make: () => string): string {
  let s = m.get(key);
  if (s === undefined) {
    s = make();
    if (m.size < 4096) m.set(key, s);
  }
  return s;
}
const reasonCache = new Map<number, string>();
const irqCache = new Map<number, string>();

/** Joined bit names of an IRQ status word (`CSG_IF0|CSG_IF1`), cached. */
export function irqNames(line: number, status: number): string {
  const key = line * 2 ** 32 + (status >>> 0);
  let s = irqCache.get(key);
  if (s === undefined) {
    s = irqBitNames(line, status).join('|');
    if (irqCache.size < 4096) irqCache.set(key, s);
  }
  return s;
}

const fwNamesCache = new Map<number, string>();

/** Joined bit names of an FW word (`GLB_PROTM_ENTER|GLB_PING`), or '' for none (cached: the same string objects again). */
export function fwNames(iface: number, kind: number, bits: number, state: number): string {
  const key = (bits >>> 0) * 1024 + iface * 256 + kind * 64 + (state & 63);
  let s = fwNamesCache.get(key);
  if (s === undefined) {
    s = computeFwNames(iface, kind, bits, state);
    if (fwNamesCache.size < 4096) fwNamesCache.set(key, s);
  }
  return s;
}

function computeFwNames(iface: number, kind: number, bits: number, state: number): string {
  // format.ts's rule: a CSG/CS state request names the state first, then the bits
  return reqNames({ iface, kind, bits, state }).join('|');
}

/**
 * The generic writer's output for `ev` (every family through `writeFields`): what the fast paths
 * of args-fast.ts must match (tests).
 */
export function writeEventArgsGeneric(w: ArgWriter, ev: Event): void {
  const b = ev.body;
  if (b.case === undefined) return;
  writeFields(w, b.case, b.value as unknown as Record<string, unknown>);
  writeExtras(w, ev);
}

/**
 * Writes event `index`'s arguments: its index, its cause's index, then every field of its message,
 * with the decoded extras (bit names, rule sentences).
 */
export function writeEventArgs(w: ArgWriter, ev: Event, index: number): void {
  w.int(K.event, index);
  if (ev.cause !== 0) w.int(K.causeEvent, index - ev.cause);
  writeBodyArgs(w, ev);
}

/**
 * Event `index`'s arguments in three parts, as writeEventArgs writes them, for writers that reuse
 * the middle part's bytes (args-cache.ts: it depends on the fields bodyFields lists only). The head:
 * the event's index, its cause's index (and a decision's tick).
 */
export function writeEventHead(w: ArgWriter, ev: Event, index: number): void {
  w.int(K.event, index);
  if (ev.cause !== 0) w.int(K.causeEvent, index - ev.cause);
  if (ev.body.case === 'decision') decisionHead(w, ev.body.value);
}

/** The middle part (see writeEventHead): a decision's fields up to `timeslice`, any other family's whole body and extras. */
export function writeEventMiddle(w: ArgWriter, ev: Event): void {
  if (ev.body.case === 'decision') decisionMiddle(w, ev.body.value);
  else writeBodyArgs(w, ev);
}

/** The tail (see writeEventHead): a decision's next tick, mode and rule sentences; nothing for the others. */
export function writeEventTail(w: ArgWriter, ev: Event): void {
  if (ev.body.case !== 'decision') return;
  decisionTail(w, ev.body.value);
  writeDecisionWhy(w, ev.body.value);
}

/** The rest of an event's arguments: every field of its message, the decoded extras (from the body only). */
function writeBodyArgs(w: ArgWriter, ev: Event): void {
  const b = ev.body;
  if (b.case === undefined) return;
  switch (b.case) {
    case 'fwReq': fwReqArgs(w, b.value); break;
    case 'fwAck': fwAckArgs(w, b.value); break;
    case 'fwIrq': fwIrqArgs(w, b.value); break;
    case 'doorbell': doorbellArgs(w, b.value); break;
    case 'modeSwitch': modeSwitchArgs(w, b.value); break;
    case 'job': jobArgs(w, b.value); break;
    case 'decision': decisionArgs(w, b.value); break;
    default: writeFields(w, b.case, b.value as unknown as Record<string, unknown>);
  }
  writeExtras(w, ev);
}

/** What the fields do not say: FW words' bit names, a decision's rule sentences. */
function writeExtras(w: ArgWriter, ev: Event): void {
  const b = ev.body;
  switch (b.case) {
    case 'fwReq': case 'fwAck': {
      const v = b.value;
      w.sym(K.names, fwNames(v.iface, v.kind, v.bits, v.state));
      break;
    }
    case 'fwIrq': w.sym(K.names, irqNames(b.value.line, b.value.status)); break;
    case 'decision': writeDecisionWhy(w, b.value); break;
    default: break;
  }
}

