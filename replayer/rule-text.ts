/**
 * What each rule means, written once: the scheduling rules and tick triggers a decision names (proto
 * SchedRule, TickTrigger) and the check's rules (id -> name and invariant). The explanation of a
 * decision (explain.ts), the rules of `csftrace check` (check/) and the JSON schemas (`npm run
 * schemas`: event.v1.json's SchedRule and TickTrigger values, check.v1.json's RuleId) all read them
 * from here; rule-text.test.ts fails when one of them says something else.
 */
import type { SchedRule, TickTrigger } from '../proto/index.js';

/** One sentence per scheduling rule, by its proto value name (completes "..., because <sentence>"). */
export const SCHED_RULE_SENTENCES: { readonly [K in keyof typeof SchedRule]: string } = {
  RULE_NONE: 'no particular rule',
  RULE_NO_HEAP: 'no protected heap, so no protected execution (PROTM_PENDING is ignored)',
  RULE_NOT_TOP: 'the group asking for protected mode is not the top group, so it waits',
  RULE_FIRST_OF_HIGHEST_LIST: 'panthor-2026 as posted: protm_group is the first group of the highest non-empty priority list (pending queues not checked)',
  RULE_PENDING_REQUIRED: 'panthor-2026-reviewed: protm_group must have pending protected queues',
  RULE_KBASE_KEEP_PROTM: 'kbase: the active protected group is still the top group, so nothing is touched',
  RULE_KBASE_SOLE_RESIDENT: 'kbase: only the protected group stays resident; every other group is suspended before entering',
  RULE_RT_PREEMPT: 'mid-slice, only realtime groups may preempt',
  RULE_HIGHER_PRIORITY_NORMAL: 'higher-priority normal work is runnable, so protected mode is left',
  RULE_IDLE_FILL_LE_PROTM: 'with a protm_group, the idle fill only re-picks resident idle groups of priority at most its own',
  RULE_ROTATION: 'full tick: resident groups of a priority come after its runnable ones, lowest CSG priority first (the rotation)',
  RULE_AS_BUDGET: 'no GPU address space is free for its VM',
  RULE_NO_FREE_SLOT: 'no CSG slot is free',
  RULE_CANNOT_RUN: 'group_can_run() is false (terminated, destroyed, fatal or timed out)',
  RULE_PRIORITY_ORDER: 'picked in priority order',
  RULE_IDLE: 'the group is idle: only the idle pass takes it, on a slot left free',
  RULE_RFC_TOP_CSG_PRIO_15: 'rfc-2025: the group given CSG priority 15 with pending queues has its PROTM_PENDING acked',
  RULE_LAZY_SLOW_RESET: 'lazy-slow-reset: the protected FW sections are not loaded yet, so a slow reset comes first',
};

/** What ran a tick, by the proto value name of its TickTrigger. */
export const TICK_TRIGGER_SENTENCES: { readonly [K in keyof typeof TickTrigger]: string } = {
  TRIGGER_PERIODIC: 'the periodic tick timer',
  TRIGGER_SUBMIT: 'a job pushed to an off-slot group while a slot was free',
  TRIGGER_RT_SUBMIT: 'a realtime group becoming runnable',
  TRIGGER_CSG_IDLE: 'a CSG IDLE event',
  TRIGGER_GLB_IDLE: 'a GLB IDLE event',
  TRIGGER_PROTM_PENDING: 'CS_PROTM_PENDING (a queue asked for protected mode)',
  TRIGGER_PROTM_EXIT: 'the GLB PROTM_EXIT event (the FW left protected mode)',
  TRIGGER_GROUP_DESTROY: 'GROUP_DESTROY of a resident group',
  TRIGGER_RESET: 'the post-reset reschedule',
  TRIGGER_SYNC_UPDATE: 'a CSG SYNC_UPDATE unblocking a waiting group',
  TRIGGER_RESUME: 'the runtime resume (panthor_sched_resume)',
  TRIGGER_PROGRESS_TIMER: 'a CSG PROGRESS_TIMER_EVENT (the group made no progress: timed out)',
  TRIGGER_MMU_FAULT: 'an MMU fault (panthor_sched_report_mmu_fault: the groups of the faulty VM are made fatal)',
};

/** A check rule's words: its short name and the invariant it holds (reference §6). */
export interface CheckRuleText { readonly name: string; readonly title: string }

/** Every check rule by id, in reference order. */
export const CHECK_RULE_TEXT = {
  R1: { name: 'single-protected-group', title: 'At most one active protected group; no PROTM_ENTER while one is active and its exit not acknowledged.' },
  R2: { name: 'protm-top-priority-only', title: 'Only the top-priority group (CSG priority 15) has its PROTM_PENDING acked for entry.' },
  R3: { name: 'protm-acks-before-enter', title: 'Every acknowledged PROTM_PENDING precedes the GLB PROTM_ENTER toggle (the FW samples the acks then).' },
  R4: { name: 'no-heap-no-protm', title: 'No heap → no PROTM_PENDING ack, no PROTM_ENTER, PROTECTED_INFO.features = 0, PROT sections skipped, GROUP_CREATE_PROTECTED fails.' },
  R5: { name: 'protm-enter-completes', title: 'Enter completes (ack ≤ 4000 ms, PROTM_ACTIVE ≤ 500 ms, or an exit already pending) or a reset follows.' },
  R6: { name: 'protm-exit-acked-once', title: 'Each PROTM_EXIT event is acknowledged exactly once, then the active group is cleared and a tick runs; an exit with no active group is an anomaly.' },
  R7: { name: 'forced-exit-completes', title: 'A forced exit clears PROTM_ACTIVE within 500 ms (after the 5 ms grace) or a reset follows.' },
  R8: { name: 'no-mmu-while-protected', title: 'No MMU command (AS LOCK/UPDATE for VM_BIND) while PROTM_ACTIVE.' },
  R9: { name: 'kbase-sole-resident', title: 'kbase: exactly one resident CSG while protected.' },
  R10: { name: 'protected-bo-not-exposed', title: 'Protected BOs are never user-mappable, never returned as handles or PRIME-exported.' },
  R11: { name: 'protm-suspend-buffer', title: 'A protected group has a protm suspend buffer from the heap, programmed on every START/RESUME; other groups get 0.' },
  R12: { name: 'heap-refs-balance', title: 'Heap references balance: each dma_heap_find matched by one dma_heap_put; each protected kernel BO\'s dma-buf released on destroy; no leak at teardown.' },
  R13: { name: 'protm-fault-handling', title: 'GPU_IRQ_PROTM_FAULT → reset; the active protected group ends fatal; other resident groups are suspended, not blamed.' },
  R14: { name: 'slot-group-consistency', title: 'Slot i holds g iff g.csg_id == i; no group on two slots; resident CSG priorities distinct in 0..15.' },
  R15: { name: 'as-budget', title: 'Distinct VMs among resident groups ≤ usable address spaces.' },
  R16: { name: 'no-start-if-cannot-run', title: 'No START/RESUME for a group that cannot run; submits to it fail with -EINVAL.' },
  R17: { name: 'group-state-machine', title: 'Group state machine legality (START from CREATED, RESUME from SUSPENDED); CSG requests acked within 100 ms or a reset follows.' },
  R18: { name: 'uapi-limits', title: 'uAPI limits: HIGH/REALTIME only for privileged callers, ≤ 128 groups per file, queue priority ≤ 15, ring size a power of two in [4K, 64K], submit address/size alignment.' },
  R19a: { name: 'mid-slice-rt-only', title: 'Fairness: mid-slice (not a full tick) only realtime groups preempt.' },
  R19b: { name: 'protm-waits-until-top', title: 'Fairness: a non-top protected group waits until it is top (no protected mode over higher-priority busy normal work).' },
  R19c: { name: 'ping-while-protected', title: 'Fairness: a watchdog PING while protected is flagged (it forces an exit under the 2026 code).' },
  R20: { name: 'protm-grant-needs-pending', title: 'Protected mode is granted only to a group with a pending protected queue (CS_PROTM_PENDING raised); otherwise the FW is asked to enter for nothing.' },
  R21: { name: 'protected-work-starved', title: 'Protected work that asks for protected mode gets it within a bound (default 100 ms; check --starvation-bound).' },
  R22: { name: 'protm-kept-over-higher-priority', title: 'A protected group is not kept in protected mode while a group of higher priority is (re)started beside it and has to wait.' },
  R23: { name: 'as-command-sequence', title: 'AS commands follow mmu_hw_do_operation_locked: LOCK, then the flush, then UNLOCK on the same AS; UPDATE only on an unlocked AS.' },
  R24: { name: 'tiler-heap-limits', title: 'panthor_heap_grow: chunk_count never exceeds max_chunks; -ENOMEM only at max_chunks or with more render passes in flight than target_in_flight; a chunk is acked only after it was grown; every TILER_OOM is answered.' },
  R25: { name: 'mmu-fault-kills-groups', title: 'After an AS fault, the first tick keeps no resident group of the faulty VM (panthor_sched_report_mmu_fault, tick_ctx_init: all its queues fatal, TERMINATE).' },
  R26: { name: 'no-gpu-access-while-suspended', title: 'Runtime PM: no FW request, doorbell or MMU command while the device is suspended (between PM_SUSPENDED and the next PM_RESUME_BEGIN).' },
  R27: { name: 'suspend-leaves-no-resident-group', title: 'Runtime PM: when the device is suspended no group is resident on a CSG slot and the GPU is not in protected mode.' },
  R28: { name: 'progress-timeout-terminates', title: 'A group timed out by CSG PROGRESS_TIMER_EVENT is evicted with CSG_STATE_TERMINATE by the next tick (it can no longer run).' },
  R33: { name: 'no-alloc-from-removed-heap', title: 'No allocation succeeds on a dma-heap after its removal (its allocate op belongs to the module that went away).' },
  R34: { name: 'no-heap-use-after-release', title: 'A dma-heap is freed only when no buffer of it is alive, and nothing calls into it afterwards.' },
  R30: { name: 'pipeline-heap-in-intersection', title: 'A pipeline pool is allocated from a heap every device sharing it lists for the buffer property (the intersection), not from one device\'s own choice.' },
  R31: { name: 'protected-pool-protected-memory', title: 'A buffer of a protected pipeline pool is protected memory (from a protected-carveout or restricted heap) wherever it is imported.' },
  R32: { name: 'flip-after-fences', title: 'The display flips a frame only after the decoder\'s and the GPU\'s fences of that frame have signalled.' },
} as const satisfies Readonly<Record<string, CheckRuleText>>;

export type CheckRuleId = keyof typeof CHECK_RULE_TEXT;

/** A check rule's id with its name and invariant from the table (spread into a CheckRule). */
export function checkRuleWords(id: CheckRuleId): { readonly id: CheckRuleId; readonly name: string; readonly title: string } {
  return { id, ...CHECK_RULE_TEXT[id] };
}
