/**
 * The filter grammar shared by the CLI (`events --where`, breakpoints) and the TUI.
 *
 *   filter := alt ('|' alt)*            OR of alternatives
 *   alt    := term (' ' term)*          AND of terms
 *   term   := ['!'] key op value[,value...]  |  ['!'] family
 *   op     := = != > >= < <= ~          (~ = contains, for text)
 *
 * Keys: `type` (event family: ModeSwitch, mode_switch, modeSwitch), `i`/`index`, `t`/`time`
 * (needs a unit: `t>12ms`), `group`, `queue`, `csg`, `pid`, `ioctl` (cmd name), `errno`
 * (-ret: `errno!=0`, `errno=EINVAL`), `fw` (a named FW bit or state: `fw=GLB_PROTM_ENTER`),
 * `protm`, `trigger`, `rule`, `mode`, `phase`, `msg`, `caused_by`, any event field as
 * `<family>.<field>` (`decision.protm=granted`, `group_create.priority=3`, `reset.cause=protm_fault`),
 * and state predicates `state.<path>` (`state.mode=protected`, `state.groups.3.state=active`,
 * `state.fw.pending>0`). Enum values match by name, case-insensitively, with or without their
 * prefix (`granted` = PROTM_GRANTED). A list `a,b` matches any of them.
 */
import { UserError } from '../proto/index.js';
import {
  AsCommandNames, BlockedReasonNames, DevQueryTypeNames, EVENT_FAMILIES, FaultKindNames, FwAckKindNames,
  FwIfaceNames, FwReqKindNames, GpuModeNames, GroupStateKindNames, HeapKindNames, HeapOpNames,
  HeapPurposeNames, IoctlArgsCases, IoctlCmdNames, IrqLineNames, JobPhaseNames, LogLevelNames,
  ModeSwitchCauseNames, ProbeStageNames, ProcessOpNames, ProtmVerdictNames, ResetCauseNames,
  ResetKindNames, ResetPhaseNames, SchedRuleNames, SlotActionNames, TickTriggerNames, WatchdogOpNames, EglOpNames,
  ERRNO_BY_NAME, FwIface, MESSAGE_PROPS, ONEOF_TYPES, type Event, type EventFamily,
} from '../proto/index.js';
import { lookupFwName } from './fw-bits.js';
import { isStateRequest } from './handlers/fw.js';
import { initialState } from './reducer.js';
import type { ReplayState } from './state.js';
import { parseTimeText } from './time-text.js';

export class FilterError extends UserError {
  readonly code = 'E_FILTER';
  constructor(readonly filter: string, readonly token: string, problem: string) {
    super(`filter "${filter}": ${problem}${token ? ` (at '${token}')` : ''}`);
    this.name = 'FilterError';
  }
}

export interface Filter {
  readonly text: string;
  /** True when some term reads the replayed state (pass `state` to matchEvent). */
  readonly needsState: boolean;
  matchEvent(ev: Event, index: number, state?: ReplayState): boolean;
}

type Pred = (ev: Event, i: number, s: ReplayState | undefined) => boolean;
type Op = '=' | '!=' | '>' | '>=' | '<' | '<=' | '~';
type Cmp = (v: unknown) => boolean;

const norm = (x: string): string => x.toLowerCase().replace(/[-_\s]/g, '');

// ───────────────────────────── families ─────────────────────────────

const MESSAGE_NAMES: Readonly<Record<EventFamily, string[]>> = {
  ioctl: ['Ioctl'], heap: ['HeapCall', 'heap_call', 'dma_heap'], fwReq: ['FwRequest', 'fw_req', 'fw_request'],
  fwAck: ['FwAck', 'fw_ack'], fwIrq: ['FwIrq', 'irq'], modeSwitch: ['ModeSwitch'], decision: ['SchedDecision', 'sched'],
  groupState: ['GroupState'], queueState: ['QueueState'], job: ['Job'], fault: ['Fault'], reset: ['Reset'],
  probe: ['Probe'], log: ['Log'], doorbell: ['Doorbell'], mmu: ['MmuCommand', 'mmu_command'], process: ['Process'],
  watchdog: ['Watchdog'],
  pm: ['Pm', 'runtime_pm'],
  egl: ['EglCall', 'egl_call'],
  heapChoice: ['HeapChoice', 'heap_choice'], devImport: ['DeviceImport', 'dev_import', 'import'], fence: ['Fence'],
  scanout: ['Scanout', 'vblank', 'flip'],
  tilerHeap: ['TilerHeapEvent', 'tiler_heap', 'tiler'], vm: ['VmEvent', 'vm_event', 'as'],
};

const FAMILY_ALIASES: ReadonlyMap<string, EventFamily> = (() => {
  const m = new Map<string, EventFamily>();
  for (const f of EVENT_FAMILIES) {
    m.set(norm(f), f);
    for (const a of MESSAGE_NAMES[f] ?? []) m.set(norm(a), f);
  }
  return m;
})();

/** Resolves a family name in any spelling (ModeSwitch, mode_switch, modeSwitch), or undefined. */
export function resolveFamily(name: string): EventFamily | undefined {
  return FAMILY_ALIASES.get(norm(name));
}

// Ioctl argument messages as pseudo-families: `group_create.priority=3`.
const ARGS_ALIASES: ReadonlyMap<string, string> = new Map(IoctlArgsCases.map((c) => [norm(c), c]));

// ───────────────────────────── enums ─────────────────────────────

type Names = Readonly<Record<number, string>>;
const ENUM_BY_FIELD: Readonly<Record<string, Names>> = {
  'ioctl.cmd': IoctlCmdNames, 'mmu.cmd': AsCommandNames, 'heap.op': HeapOpNames, 'process.op': ProcessOpNames,
  'watchdog.op': WatchdogOpNames, 'heap.kind': HeapKindNames, 'fwReq.kind': FwReqKindNames, 'fwAck.kind': FwAckKindNames,
  'fault.kind': FaultKindNames, 'reset.kind': ResetKindNames, 'iface': FwIfaceNames, 'line': IrqLineNames,
  'modeSwitch.from': GpuModeNames, 'modeSwitch.to': GpuModeNames, 'groupState.from': GroupStateKindNames,
  'groupState.to': GroupStateKindNames, 'modeSwitch.cause': ModeSwitchCauseNames, 'reset.cause': ResetCauseNames,
  'trigger': TickTriggerNames, 'protm': ProtmVerdictNames, 'protmRule': SchedRuleNames, 'rule': SchedRuleNames,
  'mode': GpuModeNames, 'action': SlotActionNames, 'blocked': BlockedReasonNames, 'job.phase': JobPhaseNames,
  'reset.phase': ResetPhaseNames, 'stage': ProbeStageNames, 'level': LogLevelNames, 'purpose': HeapPurposeNames,
  'devQuery.type': DevQueryTypeNames,
  'egl.op': EglOpNames,
};

function enumFor(scope: string, field: string): Names | undefined {
  return ENUM_BY_FIELD[`${scope}.${field}`] ?? ENUM_BY_FIELD[field];
}

/** Enum value(s) whose name is `v` (case-insensitive), or ends with `_v`. */
function resolveEnum(names: Names, v: string): number[] {
  const up = v.toUpperCase();
  const exact: number[] = [];
  const suffix: number[] = [];
  for (const [k, n] of Object.entries(names)) {
    if (n === up) exact.push(Number(k));
    else if (n.endsWith(`_${up}`)) suffix.push(Number(k));
  }
  return exact.length ? exact : suffix;
}


// ───────────────────────────── comparisons ─────────────────────────────

function matchesName(actual: string, v: string): boolean {
  const a = actual.toUpperCase();
  const u = v.toUpperCase();
  return a === u || a.endsWith(`_${u}`);
}

/** A comparator over numbers; `vals` already resolved. */
function numCmp(op: Op, vals: number[]): Cmp {
  const v0 = vals[0];
  if (v0 === undefined) throw new Error('a term without values (invariant: parseWord refuses an empty value list)');
  switch (op) {
    case '=': return vals.length === 1 ? (x) => x === v0 : (x) => vals.includes(x as number);
    case '!=': return vals.length === 1 ? (x) => x !== v0 : (x) => !vals.includes(x as number);
    case '>': return (x) => (x as number) > v0;
    case '>=': return (x) => (x as number) >= v0;
    case '<': return (x) => (x as number) < v0;
    case '<=': return (x) => (x as number) <= v0;
    case '~': return (x) => String(x).includes(String(v0));
  }
}

/** A comparator decided at run time by the type of the actual value (state paths, untyped fields). */
function dynCmp(op: Op, raw: string[]): Cmp {
  const nums = raw.map((r) => (/^-?\d+(\.\d+)?$/.test(r) ? Number(r) : /^0x[0-9a-f]+$/i.test(r) ? parseInt(r, 16) : NaN));
  const numeric = numCmp(op, nums);
  return (x) => {
    if (typeof x === 'number') return nums.some(Number.isNaN) && (op === '=' || op === '!=') ? false : numeric(x);
    if (typeof x === 'boolean') {
      const hit = raw.some((r) => (r === 'true' || r === '1') === x);
      return op === '!=' ? !hit : op === '=' ? hit : false;
    }
    if (typeof x === 'string') {
      if (op === '~') return raw.some((r) => x.toLowerCase().includes(r.toLowerCase()));
      const hit = raw.some((r) => matchesName(x, r));
      if (op === '=') return hit;
      if (op === '!=') return !hit;
      return false;
    }
    if (x === null || x === undefined) return op === '!=';
    return false;
  };
}

/** Applies `cmp` to a value that may be an array (any element), an array-vs-number (its length). */
function test(cmp: Cmp, x: unknown, op: Op): boolean {
  if (Array.isArray(x)) {
    if (op === '!=') return x.every((e) => cmp(e));
    return x.some((e) => cmp(e));
  }
  return cmp(x);
}

// ───────────────────────────── field access ─────────────────────────────

/**
 * The properties of each family's message and of each ioctl argument message (key `args:<case>`),
 * in schema order, from the tables generated from csftrace.proto (proto/gen/fields.ts).
 */
const PROPS: ReadonlyMap<string, readonly string[]> = new Map([
  ...EVENT_FAMILIES.map((f) => [f, MESSAGE_PROPS[ONEOF_TYPES.Event.body[f]]] as const),
  ...IoctlArgsCases.map((c) => [`args:${c}`, MESSAGE_PROPS[ONEOF_TYPES.Ioctl.args[c]]] as const),
]);

/** The key among `keys` that `name` names (any case, with or without underscores). */
function keyIn(keys: readonly string[], name: string): string | undefined {
  const n = norm(name);
  return keys.find((k) => norm(k) === n);
}

function fieldKey(o: Record<string, unknown>, name: string): string | undefined {
  return keyIn(Object.keys(o), name);
}

function fieldList(props: readonly string[]): string {
  return props.filter((k) => k !== 'args').join(', ');
}

// ───────────────────────────── key compilers ─────────────────────────────

interface Term { key: string; op: Op; raw: string[]; token: string }

function parseNumbers(t: Term, f: string): number[] {
  return t.raw.map((r) => {
    const v = r.startsWith('#') ? r.slice(1) : r;
    const n = /^0x[0-9a-f]+$/i.test(v) ? parseInt(v, 16) : Number(v);
    if (v === '' || !Number.isFinite(n)) throw new FilterError(f, t.token, `'${r}' is not a number`);
    return n;
  });
}

function enumValues(t: Term, f: string, names: Names, what: string): number[] {
  const out: number[] = [];
  for (const r of t.raw) {
    if (/^\d+$/.test(r)) { out.push(Number(r)); continue; }
    const v = resolveEnum(names, r);
    if (v.length === 0) {
      throw new FilterError(f, t.token, `unknown ${what} '${r}' (one of ${Object.values(names).join(', ')})`);
    }
    out.push(...v);
  }
  return out;
}

function onlyEq(t: Term, f: string): void {
  if (t.op !== '=' && t.op !== '!=') throw new FilterError(f, t.token, `'${t.key}' takes = or !=`);
}

/** Calls `cb` with each group the event concerns; true as soon as one matches. */
function someGroup(ev: Event, cb: Cmp): boolean {
  const b = ev.body;
  switch (b.case) {
    case 'ioctl': {
      const a = b.value.args;
      switch (a.case) {
        case 'groupCreate': return cb(a.value.groupHandle);
        case 'groupDestroy': case 'groupSubmit': case 'groupGetState': return cb(a.value.groupHandle);
        default: return false;
      }
    }
    case 'heap': return b.value.groupHandle !== 0 && cb(b.value.groupHandle);
    case 'fwReq': case 'fwAck': case 'modeSwitch': return b.value.group !== 0 && cb(b.value.group);
    case 'groupState': case 'queueState': case 'job': case 'fault': return cb(b.value.group);
    case 'decision': {
      const d = b.value;
      if (d.protmGroup && cb(d.protmGroup)) return true;
      for (const e of d.inputs) if (cb(e.group)) return true;
      for (const e of d.slots) if (e.group && cb(e.group)) return true;
      for (const e of d.evicted) if (cb(e)) return true;
      return false;
    }
    default: return false;
  }
}

function someQueue(ev: Event, cb: Cmp): boolean {
  const b = ev.body;
  switch (b.case) {
    case 'queueState': case 'job': case 'fault': return cb(b.value.queue);
    case 'fwReq': case 'fwAck': return b.value.iface === FwIface.CS && cb(b.value.cs);
    case 'ioctl':
      if (b.value.args.case === 'groupSubmit') { for (const q of b.value.args.value.queueSubmits) if (cb(q.queueIndex)) return true; }
      return false;
    default: return false;
  }
}

function someCsg(ev: Event, cb: Cmp): boolean {
  const b = ev.body;
  switch (b.case) {
    case 'fwReq': case 'fwAck': return b.value.iface !== FwIface.GLB && cb(b.value.csg);
    case 'modeSwitch': return b.value.group !== 0 && cb(b.value.csg);
    case 'groupState': return b.value.csgSlot >= 0 && cb(b.value.csgSlot);
    case 'decision': for (const s of b.value.slots) if (s.group && cb(s.slot)) return true; return false;
    default: return false;
  }
}

function somePid(ev: Event, cb: Cmp): boolean {
  const b = ev.body;
  switch (b.case) {
    case 'ioctl': case 'job': case 'groupState': case 'process': return cb(b.value.pid);
    case 'heap': return cb(b.value.callerPid);
    default: return false;
  }
}

/** -errno of the event's result, or undefined when the event has none. */
function errnoOf(ev: Event): number | undefined {
  const b = ev.body;
  switch (b.case) {
    case 'ioctl': return -b.value.ret;
    case 'heap': return -b.value.result;
    case 'probe': return -b.value.result;
    case 'job': return -b.value.fenceError;
    default: return undefined;
  }
}

/** Compiles one term to a predicate. */
function compileTerm(t: Term, f: string, state: { needsState: boolean }): Pred {
  const key = norm(t.key);
  const cmpFor = (vals: number[]): Cmp => numCmp(t.op, vals);
  const pos = (p: Pred): Pred => p;
  switch (key) {
    case 'type': case 'family': case 'kind': {
      onlyEq(t, f);
      const fams = t.raw.map((r) => {
        const fam = resolveFamily(r);
        if (!fam) throw new FilterError(f, t.token, `unknown event type '${r}' (one of ${EVENT_FAMILIES.join(', ')})`);
        return fam;
      });
      const neg = t.op === '!=';
      return (ev) => fams.includes(ev.body.case as EventFamily) !== neg;
    }
    case 'i': case 'index': case '#': {
      const c = cmpFor(parseNumbers(t, f));
      return (_ev, i) => c(i);
    }
    case 't': case 'time': {
      const vals = t.raw.map((r) => {
        const v = parseTimeText(r);
        if (v === undefined) throw new FilterError(f, t.token, `'${r}' is not a time: give a unit (ns, us, ms, s), e.g. t>12.5ms`);
        return v;
      });
      const c = cmpFor(vals);
      return (ev) => c(ev.t);
    }
    case 'causedby': {
      const c = cmpFor(parseNumbers(t, f));
      return (ev, i) => ev.cause !== 0 && c(i - ev.cause);
    }
    case 'group': case 'g': {
      const c = cmpFor(parseNumbers(t, f));
      if (t.op === '!=') { const eq = numCmp('=', parseNumbers(t, f)); return (ev) => !someGroup(ev, eq); }
      return (ev) => someGroup(ev, c);
    }
    case 'queue': case 'q': {
      const c = cmpFor(parseNumbers(t, f));
      if (t.op === '!=') { const eq = numCmp('=', parseNumbers(t, f)); return (ev) => !someQueue(ev, eq); }
      return (ev) => someQueue(ev, c);
    }
    case 'csg': case 'slot': {
      const c = cmpFor(parseNumbers(t, f));
      if (t.op === '!=') { const eq = numCmp('=', parseNumbers(t, f)); return (ev) => !someCsg(ev, eq); }
      return (ev) => someCsg(ev, c);
    }
    case 'pid': {
      const c = cmpFor(parseNumbers(t, f));
      return (ev) => somePid(ev, c);
    }
    case 'ioctl': case 'cmd': {
      onlyEq(t, f);
      const c = cmpFor(enumValues(t, f, IoctlCmdNames, 'ioctl'));
      return (ev) => ev.body.case === 'ioctl' && c(ev.body.value.cmd);
    }
    case 'errno': case 'err': {
      const vals = t.raw.map((r) => {
        const up = r.toUpperCase();
        if (ERRNO_BY_NAME[up] !== undefined) return ERRNO_BY_NAME[up];
        const n = Number(r.startsWith('-') ? r.slice(1) : r);
        if (!Number.isInteger(n)) throw new FilterError(f, t.token, `'${r}' is not an errno (a number or a name such as EINVAL)`);
        return n;
      });
      const c = cmpFor(vals);
      return (ev) => { const e = errnoOf(ev); return e !== undefined && c(e); };
    }
    case 'fw': {
      onlyEq(t, f);
      const specs = t.raw.map((r) => {
        const s = lookupFwName(r);
        if (!s) throw new FilterError(f, t.token, `unknown FW bit '${r}' (e.g. GLB_PROTM_ENTER, GLB_PING, CS_PROTM_PENDING, CSG_STATE_START)`);
        return s;
      });
      const neg = t.op === '!=';
      return (ev) => {
        const b = ev.body;
        if (b.case !== 'fwReq' && b.case !== 'fwAck') return neg;
        const v = b.value;
        for (const s of specs) {
          if (v.iface !== s.iface) continue;
          if (s.state !== undefined ? isStateRequest(v.iface, v.bits) && v.state === s.state : (v.bits & s.bits) !== 0) return !neg;
        }
        return neg;
      };
    }
    case 'protm': case 'verdict': {
      onlyEq(t, f);
      const c = cmpFor(enumValues(t, f, ProtmVerdictNames, 'protm verdict'));
      return (ev) => ev.body.case === 'decision' && c(ev.body.value.protm);
    }
    case 'trigger': {
      onlyEq(t, f);
      const c = cmpFor(enumValues(t, f, TickTriggerNames, 'tick trigger'));
      return (ev) => ev.body.case === 'decision' && c(ev.body.value.trigger);
    }
    case 'rule': {
      onlyEq(t, f);
      const vals = enumValues(t, f, SchedRuleNames, 'rule');
      const neg = t.op === '!=';
      return (ev) => {
        if (ev.body.case !== 'decision') return false;
        const d = ev.body.value;
        const hit = vals.includes(d.protmRule) || d.reasons.some((r) => vals.includes(r.rule));
        return hit !== neg;
      };
    }
    case 'mode': {
      onlyEq(t, f);
      const c = cmpFor(enumValues(t, f, GpuModeNames, 'GPU mode'));
      return (ev) => ev.body.case === 'modeSwitch' && c(ev.body.value.to);
    }
    case 'phase': {
      onlyEq(t, f);
      const c = cmpFor(enumValues(t, f, JobPhaseNames, 'job phase'));
      return (ev) => ev.body.case === 'job' && c(ev.body.value.phase);
    }
    case 'msg': case 'log': {
      const c = dynCmp(t.op === '=' ? '~' : t.op, t.raw);
      return (ev) => ev.body.case === 'log' && c(ev.body.value.msg);
    }
    default: break;
  }
  // Dotted paths: state.<path> or <family>.<field>[.<sub>].
  const [head = '', name, ...rest] = t.key.split('.');
  if (name !== undefined && norm(head) === 'state') {
    state.needsState = true;
    return pos(compileStatePath(t, f, name, rest));
  }
  if (name !== undefined) return compileEventPath(t, f, head, name, rest);
  throw new FilterError(f, t.token, `unknown key '${t.key}' (keys: type, i, t, group, queue, csg, pid, ioctl, errno, fw, protm, trigger, rule, mode, phase, msg, caused_by, <type>.<field>, state.<path>)`);
}

const STATE_ALIASES: Readonly<Record<string, readonly [string, string]>> = {
  mode: ['device', 'gpuMode'], gpumode: ['device', 'gpuMode'], activegroup: ['device', 'protmActiveGroup'],
  pending: ['fw', 'pending'], resets: ['device', 'resetCount'], inreset: ['device', 'inReset'],
  fwstate: ['device', 'fwState'],
};

function compileStatePath(t: Term, f: string, first: string, rest: string[]): Pred {
  const alias = rest.length === 0 ? STATE_ALIASES[norm(first)] : undefined;
  const segs: readonly [string, ...string[]] = alias ?? [first, ...rest];
  // Validate what can be validated against the initial state: the fixed top-level structure.
  const init = initialState() as unknown as Record<string, unknown>;
  const top = fieldKey(init, segs[0]);
  if (!top) throw new FilterError(f, t.token, `unknown state field '${segs[0]}' (one of ${Object.keys(init).join(', ')}, or mode, active_group, pending, resets)`);
  const cmp = dynCmp(t.op, t.raw);
  const op = t.op;
  const walk = (root: unknown): unknown => {
    let cur: unknown = root;
    for (let k = 0; k < segs.length; k++) {
      const seg = segs[k]!;
      if (cur === null || cur === undefined) return undefined;
      if (Array.isArray(cur) && !/^\d+$/.test(seg)) {
        return cur.map((e) => (e && typeof e === 'object' ? (e as Record<string, unknown>)[fieldKey(e as Record<string, unknown>, seg) ?? seg] : undefined));
      }
      if (typeof cur !== 'object') return undefined;
      const o = cur as Record<string, unknown>;
      const key = k === 0 ? top : (o[seg] !== undefined ? seg : fieldKey(o, seg) ?? seg);
      cur = o[key];
    }
    return cur;
  };
  return (_ev, _i, s) => {
    if (!s) return false;
    const v = walk(s);
    if (Array.isArray(v) && op !== '=' && op !== '!=' && op !== '~' && t.raw.every((r) => /^\d+$/.test(r))) return cmp(v.length);
    return test(cmp, v, op);
  };
}

/** `<head>.<name>[.<sub>...]`: a field of an event family, or of an ioctl's argument message. */
function compileEventPath(t: Term, f: string, head: string, name: string, sub: string[]): Pred {
  const fam = resolveFamily(head);
  const argsCase = fam ? undefined : ARGS_ALIASES.get(norm(head));
  if (!fam && !argsCase) {
    throw new FilterError(f, t.token, `unknown event type '${head}' in '${t.key}' (one of ${EVENT_FAMILIES.join(', ')}, or an ioctl argument such as group_create)`);
  }
  const props = PROPS.get(fam ?? `args:${argsCase}`)!;
  const scope = fam ?? argsCase!;
  let field = keyIn(props, name);
  let inArgs = false;
  if (!field && fam === 'ioctl') {
    // ioctl.<arg field>: searched in the ioctl's argument message.
    inArgs = true;
    field = name;
  }
  if (!field) throw new FilterError(f, t.token, `${scope} has no field '${name}' (fields: ${fieldList(props)})`);
  const leaf = sub[sub.length - 1] ?? field;
  const names = enumFor(scope, keyIn(props, leaf) ?? leaf) ?? (sub.length ? ENUM_BY_FIELD[leaf] : undefined);
  let cmp: Cmp;
  if (names && t.op !== '~') {
    const vals = enumValues(t, f, names, `${scope}.${[name, ...sub].join('.')} value`);
    cmp = numCmp(t.op, vals);
  } else {
    cmp = dynCmp(t.op, t.raw);
  }
  const op = t.op;
  const pick = (obj: unknown, name: string): unknown => {
    if (obj === null || typeof obj !== 'object') return undefined;
    const o = obj as Record<string, unknown>;
    return o[name] !== undefined ? o[name] : o[fieldKey(o, name) ?? name];
  };
  const walkSub = (v: unknown): unknown => {
    let cur = v;
    for (const s of sub) {
      if (Array.isArray(cur)) cur = cur.map((e) => pick(e, s));
      else cur = pick(cur, s);
    }
    return cur;
  };
  if (argsCase) {
    return (ev) => {
      if (ev.body.case !== 'ioctl' || ev.body.value.args.case !== argsCase) return false;
      return test(cmp, walkSub(pick(ev.body.value.args.value, field!)), op);
    };
  }
  if (inArgs) {
    return (ev) => {
      if (ev.body.case !== 'ioctl' || !ev.body.value.args.value) return false;
      const v = pick(ev.body.value.args.value, field!);
      return v !== undefined && test(cmp, walkSub(v), op);
    };
  }
  return (ev) => ev.body.case === fam && test(cmp, walkSub((ev.body.value as unknown as Record<string, unknown>)[field!]), op);
}

// ───────────────────────────── tokenizer / parser ─────────────────────────────

const OPS: readonly Op[] = ['!=', '>=', '<=', '=', '>', '<', '~'];

/** Splits into alternatives (by |) of whitespace-separated words; quotes group text. */
function tokenize(text: string): string[][] {
  let alt: string[] = [];
  const alts: string[][] = [alt];
  let cur = '';
  let quote = '';
  const flush = (): void => { if (cur) { alt.push(cur); cur = ''; } };
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = '';
      else cur += ch;
      continue;
    }
    if (ch === '"' || ch === "'") { quote = ch; continue; }
    if (ch === '|') { flush(); alts.push(alt = []); continue; }
    if (/\s/.test(ch)) { flush(); continue; }
    cur += ch;
  }
  if (quote) throw new FilterError(text, quote, 'unterminated quote');
  flush();
  return alts;
}

function parseTerm(word: string, f: string): { term?: Term; family?: EventFamily; neg: boolean } {
  let w = word;
  let neg = false;
  if (w.startsWith('!') && !w.startsWith('!=')) { neg = true; w = w.slice(1); }
  let at = -1;
  let op: Op | undefined;
  for (let k = 0; k < w.length && at < 0; k++) {
    for (const o of OPS) {
      if (w.startsWith(o, k)) { at = k; op = o; break; }
    }
  }
  if (at < 0 || !op) {
    const fam = resolveFamily(w);
    if (!fam) throw new FilterError(f, word, `'${w}' is neither an event type nor a key=value term`);
    return { family: fam, neg };
  }
  const key = w.slice(0, at);
  const value = w.slice(at + op.length);
  if (!key) throw new FilterError(f, word, 'missing key before the operator');
  const raw = value.split(',').filter((v) => v !== '');
  if (raw.length === 0) throw new FilterError(f, word, `missing value after '${op}'`);
  return { term: { key, op, raw, token: word }, neg };
}

/** Parses a filter; throws FilterError (userFacing) naming the offending token. */
export function parseFilter(text: string): Filter {
  const alts = tokenize(text);
  if (alts.every((a) => a.length === 0)) throw new FilterError(text, '', 'empty filter');
  const st = { needsState: false };
  const compiled: Pred[][] = alts.map((words) => {
    if (words.length === 0) throw new FilterError(text, '|', "empty alternative around '|'");
    return words.map((w) => {
      const { term, family, neg } = parseTerm(w, text);
      let p: Pred;
      if (family) p = (ev) => ev.body.case === family;
      else p = compileTerm(term!, text, st);
      return neg ? (ev, i, s) => !p(ev, i, s) : p;
    });
  });
  const match = (ev: Event, i: number, s?: ReplayState): boolean => {
    for (const alt of compiled) {
      let ok = true;
      for (const p of alt) { if (!p(ev, i, s)) { ok = false; break; } }
      if (ok) return true;
    }
    return false;
  };
  return { text, needsState: st.needsState, matchEvent: match };
}
