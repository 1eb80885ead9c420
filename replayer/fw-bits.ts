/**
 * Named bits of the CSF firmware interfaces (reference §2.2–2.4), for the replayer's FW state,
 * filters (`fw=GLB_PROTM_ENTER`) and checks. The CSG/CS STATE field (bits 2:0) is a value, not a
 * set of toggle bits: it is named separately (CSG_STATE_START, CS_STATE_STOP, ...).
 */
import { FwIface } from '../proto/index.js';

export const GLB_BITS: Readonly<Record<string, number>> = {
  GLB_HALT: 1 << 0,
  GLB_CFG_PROGRESS_TIMER: 1 << 1,
  GLB_CFG_ALLOC_EN: 1 << 2,
  GLB_CFG_POWEROFF_TIMER: 1 << 3,
  GLB_PROTM_ENTER: 1 << 4,
  GLB_PERFCNT_EN: 1 << 5,
  GLB_PERFCNT_SAMPLE: 1 << 6,
  GLB_COUNTER_EN: 1 << 7,
  GLB_PING: 1 << 8,
  GLB_FWCFG_UPDATE: 1 << 9,
  GLB_IDLE_EN: 1 << 10,
  GLB_SLEEP: 1 << 12,
  GLB_INACTIVE_COMPUTE: 1 << 20,
  GLB_INACTIVE_FRAGMENT: 1 << 21,
  GLB_INACTIVE_TILER: 1 << 22,
  GLB_PROTM_EXIT: 1 << 23,
  GLB_PERFCNT_THRESHOLD: 1 << 24,
  GLB_PERFCNT_OVERFLOW: 1 << 25,
  GLB_IDLE: 1 << 26,
  GLB_DBG_CSF: 1 << 30,
  GLB_DBG_HOST: (1 << 31) >>> 0,
};

export const CSG_BITS: Readonly<Record<string, number>> = {
  CSG_ENDPOINT_CONFIG: 1 << 4,
  CSG_STATUS_UPDATE: 1 << 5,
  CSG_SYNC_UPDATE: 1 << 28,
  CSG_IDLE: 1 << 29,
  CSG_DOORBELL: 1 << 30,
  CSG_PROGRESS_TIMER_EVENT: (1 << 31) >>> 0,
};

export const CS_BITS: Readonly<Record<string, number>> = {
  CS_EXTRACT_EVENT: 1 << 4,
  CS_IDLE_SYNC_WAIT: 1 << 8,
  CS_IDLE_PROTM_PENDING: 1 << 9,
  CS_IDLE_EMPTY: 1 << 10,
  CS_IDLE_RESOURCE_REQ: 1 << 11,
  CS_TILER_OOM: 1 << 26,
  CS_PROTM_PENDING: 1 << 27,
  CS_FATAL: 1 << 30,
  CS_FAULT: (1 << 31) >>> 0,
};

/** The STATE field of CSG_REQ/ACK (bits 2:0). */
export const CSG_STATE_MASK = 0x7;
export const CSG_STATE_NAMES: readonly string[] = ['CSG_STATE_TERMINATE', 'CSG_STATE_START', 'CSG_STATE_SUSPEND', 'CSG_STATE_RESUME'];
export const CSG_STATE = { TERMINATE: 0, START: 1, SUSPEND: 2, RESUME: 3 } as const;
/** The STATE field of CS_REQ/ACK (bits 2:0). */
export const CS_STATE_NAMES: readonly string[] = ['CS_STATE_STOP', 'CS_STATE_START'];

export const GLB_PROTM_ENTER = GLB_BITS.GLB_PROTM_ENTER;
export const GLB_PROTM_EXIT = GLB_BITS.GLB_PROTM_EXIT;
export const GLB_PING = GLB_BITS.GLB_PING;
export const CS_PROTM_PENDING = CS_BITS.CS_PROTM_PENDING;
export const CSG_ENDPOINT_CONFIG = CSG_BITS.CSG_ENDPOINT_CONFIG;
/** GPU_INT PROTM_FAULT (reference §2.5). */
export const GPU_IRQ_PROTM_FAULT = 1 << 1;
/** GPU_STATUS.PROTM_ACTIVE. */
export const GPU_STATUS_PROTM_ACTIVE = 1 << 7;
/** FW section flag PROT (bit 5). */
export const FW_SECTION_PROT = 1 << 5;
/** DRM_PANTHOR_GROUP_CREATE_PROTECTED. */
export const GROUP_CREATE_PROTECTED = 1 << 0;
/** DRM_PANTHOR_BO_NO_MMAP. */
export const BO_NO_MMAP = 1 << 0;

export function bitTable(iface: number): Readonly<Record<string, number>> {
  return iface === FwIface.GLB ? GLB_BITS : iface === FwIface.CSG ? CSG_BITS : CS_BITS;
}

const tableEntries = new Map<number, Array<[string, number]>>();
function entries(iface: number): Array<[string, number]> {
  let e = tableEntries.get(iface);
  if (!e) { e = Object.entries(bitTable(iface)); tableEntries.set(iface, e); }
  return e;
}

const namesCache = new Map<number, readonly string[]>();

/** Names of the set bits of a *_REQ/*_ACK word (state field excluded); unknown bits as BIT<n>. */
export function bitNames(iface: number, bits: number): string[] {
  return bitNamesShared(iface, bits).slice();
}

/** bitNames, shared (cached per interface and word) for the reducer's hot path: do not modify. */
export function bitNamesShared(iface: number, bits: number): readonly string[] {
  const key = iface * 2 ** 32 + (bits >>> 0);
  let v = namesCache.get(key);
  if (v === undefined) {
    v = computeBitNames(iface, bits);
    if (namesCache.size < 4096) namesCache.set(key, v);
  }
  return v;
}

function computeBitNames(iface: number, bits: number): string[] {
  const out: string[] = [];
  let rest = (iface === FwIface.GLB ? bits : bits & ~CSG_STATE_MASK) >>> 0;
  for (const [name, mask] of entries(iface)) {
    if ((rest & mask) !== 0) { out.push(name); rest = (rest & ~mask) >>> 0; }
  }
  for (let b = 0; rest !== 0 && b < 32; b++) {
    const m = (1 << b) >>> 0;
    if ((rest & m) !== 0) { out.push(`${iface === FwIface.GLB ? 'GLB' : iface === FwIface.CSG ? 'CSG' : 'CS'}_BIT${b}`); rest = (rest & ~m) >>> 0; }
  }
  return out;
}

/** Name of a CSG/CS state value. */
export function stateName(iface: number, state: number): string {
  const t = iface === FwIface.CSG ? CSG_STATE_NAMES : CS_STATE_NAMES;
  return t[state] ?? `${iface === FwIface.CSG ? 'CSG' : 'CS'}_STATE_${state}`;
}

/** Looks a bit or state name up across every interface: `GLB_PROTM_ENTER`, `CS_PROTM_PENDING`, `CSG_STATE_START`. */
export function lookupFwName(name: string): { iface: number; bits: number; state?: number } | undefined {
  const n = name.toUpperCase();
  for (const iface of [FwIface.GLB, FwIface.CSG, FwIface.CS]) {
    const b = bitTable(iface)[n];
    if (b !== undefined) return { iface, bits: b };
  }
  const cs = CSG_STATE_NAMES.indexOf(n);
  if (cs >= 0) return { iface: FwIface.CSG, bits: 0, state: cs };
  const s = CS_STATE_NAMES.indexOf(n);
  if (s >= 0) return { iface: FwIface.CS, bits: 0, state: s };
  return undefined;
}
