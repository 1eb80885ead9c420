/**
 * CSG slot handler: which group each slot holds, its CSG priority (CSG_EP_REQ PRIORITY), the
 * requested and acknowledged CSG state. Sources: CSG requests/acks and GroupState's csg_slot.
 */
import {
  CSG_ENDPOINT_CONFIG, CSG_STATE_RESUME, CSG_STATE_START, CSG_STATE_SUSPEND, CSG_STATE_TERMINATE, FwAckKind, FwIface, FwReqKind,
  GroupStateKind, ResetPhase,
} from '../../proto/index.js';
import { stateName } from '../fw-bits.js';
import { isStateRequest } from './fw.js';
import type { Handler } from './handler.js';
import type { SlotsSlices, SlotState } from './slices.js';

const MAX_SLOTS = 32;

function ensureSlot(s: SlotsSlices, slot: number): SlotState | undefined {
  if (slot < 0 || slot >= MAX_SLOTS) return undefined;
  while (s.slots.length <= slot) {
    s.slots.push({ slot: s.slots.length, group: 0, csgPriority: 0, reqState: '', state: '', asNr: 0, protmSuspendBuf: 0, idx: -1 });
  }
  return s.slots[slot];
}

function unbindGroup(s: SlotsSlices, group: number, except: number, i: number): void {
  for (const sl of s.slots) {
    if (sl.group === group && sl.slot !== except) { sl.group = 0; sl.idx = i; }
  }
}

export const slotsHandler: Handler<SlotsSlices> = {
  name: 'slots',
  families: ['probe', 'fwReq', 'fwAck', 'groupState', 'reset'],
  owns: ['slots'],
  reads: [],
  init: () => ({ slots: [] }),
  handleEvent(s, ev, i) {
    const b = ev.body;
    switch (b.case) {
      case 'probe':
        if (b.value.csgSlotCount) ensureSlot(s, b.value.csgSlotCount - 1);
        break;
      case 'fwReq': {
        const r = b.value;
        if (r.iface !== FwIface.CSG) break;
        const sl = ensureSlot(s, r.csg);
        if (!sl) break;
        sl.idx = i;
        if (r.kind === FwReqKind.REQ_TOGGLE && isStateRequest(r.iface, r.bits)) {
          sl.reqState = stateName(FwIface.CSG, r.state);
          if (r.state === CSG_STATE_START || r.state === CSG_STATE_RESUME) {
            if (r.group) { unbindGroup(s, r.group, sl.slot, i); sl.group = r.group; }
            sl.csgPriority = r.endpointPriority;
            sl.asNr = r.asNr;
            sl.protmSuspendBuf = r.protmSuspendBuf;
          }
        } else if ((r.bits & CSG_ENDPOINT_CONFIG) !== 0 || r.kind === FwReqKind.REQ_WRITE) {
          if ((r.bits & CSG_ENDPOINT_CONFIG) !== 0 || r.endpointPriority) sl.csgPriority = r.endpointPriority;
          if (r.protmSuspendBuf) sl.protmSuspendBuf = r.protmSuspendBuf;
        }
        break;
      }
      case 'fwAck': {
        const a = b.value;
        if (a.iface !== FwIface.CSG || a.kind !== FwAckKind.ACK_REQUEST || !isStateRequest(a.iface, a.bits)) break;
        const sl = ensureSlot(s, a.csg);
        if (!sl) break;
        sl.state = stateName(FwIface.CSG, a.state);
        sl.idx = i;
        // panthor releases the slot once SUSPEND/TERMINATE is acknowledged (group->csg_id = -1).
        if (a.state === CSG_STATE_SUSPEND || a.state === CSG_STATE_TERMINATE) sl.group = 0;
        break;
      }
      case 'groupState': {
        const g = b.value;
        if (g.to === GroupStateKind.GROUP_DESTROYED || g.csgSlot < 0) {
          unbindGroup(s, g.group, -1, i);
        } else {
          const sl = ensureSlot(s, g.csgSlot);
          if (!sl) break;
          unbindGroup(s, g.group, sl.slot, i);
          sl.group = g.group;
          sl.idx = i;
        }
        break;
      }
      case 'reset':
        // After a reset the FW runs no CSG until the scheduler starts groups again.
        if (b.value.phase === ResetPhase.RESET_END) {
          for (const sl of s.slots) {
            if (sl.group) { sl.group = 0; sl.state = ''; sl.reqState = ''; sl.idx = i; }
          }
        }
        break;
      default: break;
    }
  },
};

