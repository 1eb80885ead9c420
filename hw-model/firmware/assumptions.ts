/**
 * Named assumptions about CSF firmware internals that the mainline (6.18) behaviour of the model
 * rests on: what the MCU does that no source outside Arm states, with the alternatives a real FW
 * might take instead. The protected-mode assumptions live with the protected-mode policies; this
 * list is the mainline part, kept apart so that both can be merged into one registry.
 */

export interface FwAssumption {
  /** Stable name, as it appears in docs and findings. */
  readonly id: string;
  /** What the model assumes the FW does. */
  readonly modelled: string;
  /** What a real FW might do instead. */
  readonly alternatives: readonly string[];
  /** Where the model implements it. */
  readonly where: string;
}

export const MAINLINE_FW_ASSUMPTIONS: readonly FwAssumption[] = [
  {
    id: 'fw-csg-status-idle',
    modelled: 'CSG_STATUS_STATE.IS_IDLE, sampled at a CSG_STATUS_UPDATE, is set when every CS of the CSG has an empty ring or is blocked on a SYNC_WAIT, with no RUN in flight and no protected work pending',
    alternatives: ['a CS blocked on a SYNC_WAIT counts as busy', 'IS_IDLE only follows the idle_timer hysteresis (as the CSG IDLE event does)'],
    where: 'firmware/fw.ts csgIdle(), processCsg()',
  },
  {
    id: 'fw-idle-hysteresis',
    modelled: 'the CSG IDLE event is raised once a CSG has stayed idle for the GLB idle_timer (800 µs in the model)',
    alternatives: ['IDLE raised as soon as the last CS goes idle', 'a longer hysteresis (the driver programs IDLE_HYSTERESIS_US; the FW clock is unknown)'],
    where: 'firmware/fw.ts FW_TIMING.idleHysteresis, idleCheck()',
  },
  {
    id: 'fw-request-latency',
    modelled: 'fixed latencies from doorbell to acknowledgement: CSG START/RESUME 20 µs, SUSPEND 60 µs, TERMINATE 10 µs, ENDPOINT_CONFIG / STATUS_UPDATE 4 µs, GLB requests 3 µs, IRQ delivery 1 µs',
    alternatives: ['latencies that grow with the amount of state to save (SUSPEND of a busy CSG)', 'jitter'],
    where: 'firmware/fw.ts FW_TIMING',
  },
  {
    id: 'fw-suspend-acks',
    modelled: 'a CSG SUSPEND or TERMINATE is always acknowledged (unless a scenario fault drops it), also while the GPU is protected: the protected CSG then saves to its protm suspend buffer and the GPU leaves protected mode',
    alternatives: ['SUSPEND of the protected CSG waits for the protected work to finish', 'SUSPEND is ignored while protected (the pre-reset suspend then times out: INNOCENT and TIMEDOUT)'],
    where: 'firmware/fw.ts applyCsgState()',
  },
  {
    id: 'fw-resume-sync-wait',
    modelled: 'on CSG RESUME a CS that was blocked on a SYNC_WAIT re-evaluates its condition at once',
    alternatives: ['it waits for the next SYNC_UPDATE of the object'],
    where: 'firmware/fw.ts applyCsgState()',
  },
  {
    id: 'fw-extra-queues',
    modelled: 'a group with more queues than the CSG has CS slots (6.18 accepts up to MAX_CS_PER_CSG) runs only the queues that have a CS slot; jobs on the others never start and time out',
    alternatives: ['the FW faults the CSG at START (CS_FATAL / CSG fault)'],
    where: 'panthor/fw.ts bindSlot()',
  },
  {
    id: 'fw-glb-idle-en-level',
    modelled: 'GLB_IDLE_EN is a level: the FW mirrors it into GLB_ACK (the driver does not wait for it)',
    alternatives: ['the FW takes it into account only with the next toggled GLB request'],
    where: 'firmware/fw.ts processGlb()',
  },
];
