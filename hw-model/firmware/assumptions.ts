/**
 * Firmware assumptions: what the CSF firmware does in the cases nobody outside Arm can read in a
 * source. Each one is named, has a default and selectable alternatives, and is recorded in every
 * trace header (`TraceHeader.fw_assumptions`, one `{name, value}` per assumption, names prefixed
 * `fw.`), so a finding always says which firmware behaviour it rests on.
 *
 *   scenario `firmware: { protm_enter_without_pending: hang }`  ─┐
 *   CLI `--assume protm_enter_without_pending=hang`              ─┴─► FwAssumptions ─► fw.ts
 *
 * The registry below is the one home of the names, values, defaults and reasons: the scenario
 * schema, the CLI (`csftrace scenarios --assumptions`) and the README table are made from it.
 */
import type { FwAssumptions } from '../contract.js';

export interface FwAssumptionSpec {
  /** snake_case name (scenario key; `fw.<name>` in headers and on the CLI). */
  readonly name: string;
  /** The question the assumption answers. */
  readonly question: string;
  /** Allowed values, the default first. */
  readonly values: readonly string[];
  /** What the model's FW does under each value. */
  readonly meaning: Readonly<Record<string, string>>;
  /** Why the default was chosen. */
  readonly why: string;
}

export const FW_ASSUMPTION_SPECS = [
  {
    name: 'protm_enter_without_pending',
    question: 'GLB_PROTM_ENTER arrives while no CS has an acknowledged PROTM_PENDING',
    values: ['enter-then-exit', 'hang', 'ignore'],
    meaning: {
      'enter-then-exit': 'acks, raises PROTM_ACTIVE, finds nothing to run protected and leaves at once (GLB PROTM_EXIT event)',
      'hang': 'acks, raises PROTM_ACTIVE and stays protected with nothing to run until a PING, a suspend of the protected CSG or a reset',
      'ignore': 'acks and stays in normal mode with no event: PROTM_ACTIVE never rises, so the 2026 poll times out (500 ms) and resets',
    },
    why: 'the posted 7/8 sends GLB_PROTM_ENTER on every tick that has a busy group, pending or not, and was run on hardware by its authors; only a FW that enters and leaves makes that code work, and its PROTM_ACTIVE poll also accepts "PROTM_EXIT already pending"',
  },
  {
    name: 'ping_while_protected',
    question: 'a GLB_PING arrives while the GPU is protected',
    values: ['exit', 'ack-only'],
    meaning: {
      'exit': 'the FW leaves protected mode (GLB PROTM_EXIT event) and acks the PING',
      'ack-only': 'the FW acks the PING and stays protected',
    },
    why: '7/8 forces an exit by sending a PING (panthor_fw_protm_exit_wait_event_timeout), kbase forces its exits the same way, and the review asks to pause the watchdog PING because "a PING triggers a PROTM exit"',
  },
  {
    name: 'suspend_protected_csg',
    question: 'CSG_STATE_SUSPEND for the CSG that runs protected work',
    values: ['exit', 'finish-region'],
    meaning: {
      'exit': 'the CSG state goes to its protm suspend buffer, the GPU leaves protected mode, the suspend is acked',
      'finish-region': 'the FW finishes the protected region before it acks the suspend (the 100 ms CSG request timeout may expire first)',
    },
    why: 'the protm suspend buffer exists to save a CSG suspended in protected mode (RFC cover letter: "FW will use it to suspend the execution of PROT_REGION"), and 7/8\'s commit message says rotation "forces the GPU to exit protected mode"',
  },
  {
    name: 'resume_in_protected_region',
    question: 'a CS suspended inside a PROT_REGION is resumed in normal mode',
    values: ['pending-again', 'next-enter'],
    meaning: {
      'pending-again': 'the CS raises CS_PROTM_PENDING again and waits for a new acknowledgement',
      'next-enter': 'no new event: the CS waits and joins the next protected entry (its earlier acknowledgement still counts)',
    },
    why: '7/8\'s commit message: "When a protected mode job is suspended as a result of the CSGs rotation, the GPU will send an IRQ to the CPU to notify that the protected mode job needs to resume" (its code comment is less sure)',
  },
  {
    name: 'protm_done',
    question: 'every granted CS has finished its protected region',
    values: ['exit', 'stay'],
    meaning: {
      'exit': 'the FW leaves protected mode by itself (GLB PROTM_EXIT event)',
      'stay': 'the FW stays protected until the host forces an exit (PING) or suspends the protected CSG',
    },
    why: 'both series acknowledge a FW-initiated GLB_PROTM_EXIT and never force an exit when protected work ends; 7/8 waits 5 ms for the FW "to exit protected mode on its own"',
  },
  {
    name: 'higher_priority_work',
    question: 'a CSG with a higher CSG priority than the protected one gets normal work',
    values: ['wait', 'exit'],
    meaning: {
      'wait': 'the normal work waits until protected mode ends',
      'exit': 'the FW leaves protected mode by itself to run it',
    },
    why: '7/8\'s commit message: normal jobs "block until the GPU exits protected mode, or the kernel driver rotates the CSGs"; kbase forces the exit itself when a higher-priority group must run (scheduler_force_protm_exit), which it would not need if the FW did',
  },
  {
    name: 'tiler_oom_null_chunk',
    question: 'the host answers CS_TILER_OOM with a NULL chunk (panthor_heap_grow returned -ENOMEM: max_chunks reached or too many render passes in flight)',
    values: ['wait-fragments-then-fatal', 'wait'],
    meaning: {
      'wait-fragments-then-fatal': 'while tiled render passes of the heap still have fragment work pending, the CS waits for their chunks to come back; with none, it faults with CS_FATAL OOM (0x60): no user exception handler in the model',
      'wait': 'the CS waits for chunks to come back, forever if no fragment work is pending (the job times out)',
    },
    why: 'group_process_tiler_oom\'s comment: on -ENOMEM "let the FW try to reclaim memory by waiting for fragment jobs to land or by executing the tiler OOM exception handler"; panthor_heap_grow\'s FIXME says a handler that cannot help "will flag the queue as faulty so the job [...] fail[s] immediately"',
  },
] as const satisfies readonly FwAssumptionSpec[];

export type FwAssumptionName = (typeof FW_ASSUMPTION_SPECS)[number]['name'];

/** The effective value of every assumption (the type lives with the scenario config in contract.ts). */
export type { FwAssumptions };

/**
 * Behaviours the model also had to guess but offers no alternative for (listed with the
 * assumptions so every guess is in one place).
 */
export const FW_FIXED_GUESSES: readonly { name: string; behaviour: string }[] = [
  { name: 'protm_latency', behaviour: 'PROTM_ACTIVE rises 300 µs after GLB_PROTM_ENTER is acked and clears 200 µs after an exit starts' },
  { name: 'exit_event', behaviour: 'every exit, forced or not, ends with the GLB PROTM_EXIT event' },
  { name: 'prot_region_any_group', behaviour: 'PROT_REGION in a group created without the PROTECTED flag raises CS_PROTM_PENDING like any other' },
];

export const DEFAULT_FW_ASSUMPTIONS: FwAssumptions = Object.fromEntries(
  FW_ASSUMPTION_SPECS.map((s) => [s.name, s.values[0]])) as unknown as FwAssumptions;

/** The spec of `name` (with or without the `fw.` prefix), or undefined. */
export function fwAssumptionSpec(name: string): FwAssumptionSpec | undefined {
  const n = name.startsWith('fw.') ? name.slice(3) : name;
  return FW_ASSUMPTION_SPECS.find((s) => s.name === n);
}

/** `name=value` (as on the CLI) → [name, value], or an error sentence. */
export function parseAssumption(text: string): { name: FwAssumptionName; value: string } | string {
  const eq = text.indexOf('=');
  if (eq < 0) return `expected name=value (got "${text}")`;
  const spec = fwAssumptionSpec(text.slice(0, eq).trim());
  if (!spec) return `unknown firmware assumption "${text.slice(0, eq).trim()}" (one of ${FW_ASSUMPTION_SPECS.map((s) => s.name).join(', ')})`;
  const value = text.slice(eq + 1).trim();
  if (!spec.values.includes(value)) return `${spec.name}: expected one of ${spec.values.join(', ')} (got "${value}")`;
  return { name: spec.name as FwAssumptionName, value };
}

/** The header form: every assumption as `{ name: 'fw.<name>', value }`, in registry order. */
export function assumptionEntries(a: FwAssumptions): { name: string; value: string }[] {
  return FW_ASSUMPTION_SPECS.map((s) => ({ name: `fw.${s.name}`, value: a[s.name] }));
}

/** Back from the header form; names that are missing keep their default, unknown ones are an error. */
export function assumptionsFromEntries(entries: readonly { name: string; value: string }[]): FwAssumptions | string {
  const out: Record<string, string> = { ...DEFAULT_FW_ASSUMPTIONS };
  for (const e of entries) {
    const r = parseAssumption(`${e.name}=${e.value}`);
    if (typeof r === 'string') return r;
    out[r.name] = r.value;
  }
  return out as unknown as FwAssumptions;
}

// ───────────── mainline (6.18) firmware assumptions ─────────────
// What the MCU does that no source outside Arm states, on which the mainline behaviour of the model
// rests; no alternative is selectable for these yet (the protected-mode ones above are).

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
  {
    id: 'fw-glb-idle',
    modelled: 'GLB IDLE is raised once per busy period: when some CSG had work since the last one, the GPU is in normal mode, and every resident CSG has stayed idle for the idle_timer (800 µs); never right after boot',
    alternatives: ['GLB IDLE also with no CSG resident after boot', 'GLB IDLE again after every idle_timer period while idle', 'GLB IDLE also while protected'],
    where: 'firmware/fw.ts noteIdle(), glbIdleCheck()',
  },
  {
    id: 'fw-progress-timer',
    modelled: 'the CSG PROGRESS_TIMER_EVENT is raised when one RUN_* of a CS is still executing progress_timer × 1024 GPU cycles after it started (at gpu.clock_mhz; a task resumed after a preemption starts counting again); the task keeps running until the host terminates the group',
    alternatives: ['the timer counts only cycles the CSG is scheduled on the GPU', 'the FW also stops the CSG'],
    where: 'firmware/fw.ts armProgressTimer(), progressCheck(); cs-interp.ts startRun()',
  },
  {
    id: 'fw-cs-fault',
    modelled: 'a CS_FAULT stops the CS at the faulting RUN_* until the host acknowledges it and rings the CS doorbell; the faulting task is then skipped and the CS goes on',
    alternatives: ['the faulting task is retried', 'the CS goes on without waiting for the acknowledgement'],
    where: 'firmware/fw.ts raiseCsFault(); cs-interp.ts exec()',
  },
  {
    id: 'fw-halt',
    modelled: 'GLB_HALT (a level) halts the MCU within the GLB request latency (MCU_STATUS = HALT), whatever the CSGs are doing; a fast restart then boots in 2 ms, a slow one (every section reloaded) in 8 ms',
    alternatives: ['the halt waits for running work', 'boot times that depend on the image size'],
    where: 'firmware/fw.ts processGlb(), boot(), FW_TIMING',
  },
];
