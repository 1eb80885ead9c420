/** Test helper (not part of the recorder): deterministic synthetic events for recorder tests. */
import type { EventInit, JobPhase } from '../proto/index.js';

/** Deterministic synthetic events: job lifecycles, FW requests and acks, decisions. */
export function syntheticEvent(i: number): EventInit {
  const g = 1 + (i % 5);
  switch (i % 4) {
    case 0: return { body: { case: 'job', value: { group: g, queue: 0, seqno: i >> 2, phase: ((i >> 2) % 3) as JobPhase, frame: i >> 4 } } };
    case 1: return { body: { case: 'fwReq', value: { iface: 1, csg: g - 1, kind: 0, bits: 1, req: i & 7, state: 1, group: g, endpointPriority: 15 - g } } };
    case 2: return { body: { case: 'fwAck', value: { iface: 1, csg: g - 1, kind: 0, bits: 1, ack: i & 7, state: 1, group: g } } };
    default: return { body: { case: 'log', value: { level: 1, msg: `tick ${i >> 2}`, source: 'panthor' } } };
  }
}

