/**
 * FW interface handler: GLB/CSG/CS req and ack words and the list of pending requests and events
 * (`(req ^ ack) & bit`, reference §2.1), with the event that opened each; doorbells and IRQs.
 */
import { FwAckKind, FwIface, FwReqKind, ResetPhase } from '../../proto/index.js';
import { bitNamesShared as bitNames, stateName } from '../fw-bits.js';
import type { Handler } from './handler.js';
import type { FwPending, FwSlices, FwWord } from './slices.js';

const IFACE_NAME = ['GLB', 'CSG', 'CS'] as const;

/** A CSG/CS write that changes the STATE field (bits 2:0): a state request, acked by state. */
export function isStateRequest(iface: number, bits: number): boolean {
  return iface !== FwIface.GLB && ((bits & 0x7) !== 0 || bits === 0);
}

function word(s: FwSlices, iface: number, csg: number, cs: number): FwWord {
  if (iface === FwIface.GLB) return s.fw.glb;
  const table = iface === FwIface.CSG ? s.fw.csg : s.fw.cs;
  const key = iface === FwIface.CSG ? String(csg) : `${csg}.${cs}`;
  let w = table[key];
  if (!w) { w = { req: 0, ack: 0, idx: -1 }; table[key] = w; }
  return w;
}

function addPending(s: FwSlices, iface: number, csg: number, cs: number, name: string, kind: FwPending['kind'], i: number, t: number): void {
  const ifn = IFACE_NAME[iface] ?? 'GLB';
  const c = iface === FwIface.GLB ? -1 : csg;
  const q = iface === FwIface.CS ? cs : -1;
  const list = s.fw.pending;
  for (let k = 0; k < list.length; k++) {
    const p = list[k]!;
    if (p.iface === ifn && p.csg === c && p.cs === q && p.name === name && p.kind === kind) return;
  }
  list.push({ iface: ifn, csg: c, cs: q, name, kind, sinceIdx: i, sinceT: t, ageNs: 0 });
}

function removePending(s: FwSlices, iface: number, csg: number, cs: number, kind: FwPending['kind'], match: (name: string) => boolean): void {
  const list = s.fw.pending;
  if (list.length === 0) return;
  const ifn = IFACE_NAME[iface] ?? 'GLB';
  const c = iface === FwIface.GLB ? -1 : csg;
  const q = iface === FwIface.CS ? cs : -1;
  // In place (this runs for every FW request and ack): keep order, no new array.
  let w = 0;
  for (let r = 0; r < list.length; r++) {
    const p = list[r]!;
    if (p.iface === ifn && p.csg === c && p.cs === q && p.kind === kind && match(p.name)) continue;
    list[w++] = p;
  }
  list.length = w;
}

const isStateName = (n: string): boolean => n.includes('_STATE_');

export const fwHandler: Handler<FwSlices> = {
  name: 'fw',
  families: ['fwReq', 'fwAck', 'fwIrq', 'doorbell', 'reset'],
  owns: ['fw'],
  reads: [],
  init: () => ({ fw: { glb: { req: 0, ack: 0, idx: -1 }, csg: {}, cs: {}, pending: [], doorbells: 0, lastDoorbell: null, irqs: 0 } }),
  handleEvent(s, ev, i) {
    const b = ev.body;
    switch (b.case) {
      case 'fwReq': {
        const r = b.value;
        const w = word(s, r.iface, r.csg, r.cs);
        if (r.req) w.req = r.req;
        w.idx = i;
        if (r.kind === FwReqKind.REQ_TOGGLE) {
          if (isStateRequest(r.iface, r.bits)) {
            removePending(s, r.iface, r.csg, r.cs, 'request', isStateName);
            addPending(s, r.iface, r.csg, r.cs, stateName(r.iface, r.state), 'request', i, ev.t);
          }
          for (const n of bitNames(r.iface, r.bits)) addPending(s, r.iface, r.csg, r.cs, n, 'request', i, ev.t);
        } else if (r.kind === FwReqKind.REQ_EVENT_ACK) {
          const names = bitNames(r.iface, r.bits);
          removePending(s, r.iface, r.csg, r.cs, 'event', (n) => names.includes(n));
        }
        break;
      }
      case 'fwAck': {
        const a = b.value;
        const w = word(s, a.iface, a.csg, a.cs);
        if (a.ack) w.ack = a.ack;
        w.idx = i;
        const names = bitNames(a.iface, a.bits);
        if (a.kind === FwAckKind.ACK_REQUEST) {
          const state = isStateRequest(a.iface, a.bits);
          removePending(s, a.iface, a.csg, a.cs, 'request', (n) => names.includes(n) || (state && isStateName(n)));
        } else {
          for (const n of names) addPending(s, a.iface, a.csg, a.cs, n, 'event', i, ev.t);
        }
        break;
      }
      case 'fwIrq': s.fw.irqs++; break;
      case 'doorbell':
        s.fw.doorbells++;
        s.fw.lastDoorbell = { id: b.value.id, idx: i };
        break;
      case 'reset':
        // A reset abandons every request in flight: the FW is restarted and global init redone.
        if (b.value.phase === ResetPhase.RESET_BEGIN) s.fw.pending = [];
        break;
      default: break;
    }
  },
  finalize(s) {
    for (const p of s.fw.pending) p.ageNs = s.t - p.sinceT;
  },
};
