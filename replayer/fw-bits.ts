/**
 * Naming the words of the CSF firmware interfaces (reference §2.2–2.4) for the replayer's FW state,
 * filters (`fw=GLB_PROTM_ENTER`) and checks. The names and values are proto/regs.ts's; the CSG/CS
 * STATE field (bits 2:0) is a value, not a set of toggle bits: it is named separately
 * (CSG_STATE_START, CS_STATE_STOP, ...).
 */
import { CS_BITS, CS_STATE_NAMES, CSG_BITS, CSG_STATE_MASK, CSG_STATE_NAMES, FwIface, GLB_BITS } from '../proto/index.js';

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
