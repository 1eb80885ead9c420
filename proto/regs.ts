/**
 * CSF firmware interface and GPU register bits (panthor_fw.h, panthor_regs.h; reference §2): the one
 * vocabulary of register names for every layer (the model writes these words, the replayer names
 * them back). Names are the kernel's, so a trace reads like the driver source. Every value is an
 * unsigned 32-bit number (bit 31 included), as the trace's uint32 fields carry it.
 * A register-bit constant defined anywhere else fails `proto/regs.test.ts`.
 */

// ── GLB_REQ / GLB_ACK (§2.2) ──
export const GLB_HALT = 1 << 0;
export const GLB_CFG_PROGRESS_TIMER = 1 << 1;
export const GLB_CFG_ALLOC_EN = 1 << 2;
export const GLB_CFG_POWEROFF_TIMER = 1 << 3;
export const GLB_PROTM_ENTER = 1 << 4;
export const GLB_PERFCNT_EN = 1 << 5;
export const GLB_PERFCNT_SAMPLE = 1 << 6;
export const GLB_COUNTER_EN = 1 << 7;
export const GLB_PING = 1 << 8;
export const GLB_FWCFG_UPDATE = 1 << 9;
export const GLB_IDLE_EN = 1 << 10;
export const GLB_SLEEP = 1 << 12;
export const GLB_INACTIVE_COMPUTE = 1 << 20;
export const GLB_INACTIVE_FRAGMENT = 1 << 21;
export const GLB_INACTIVE_TILER = 1 << 22;
export const GLB_PROTM_EXIT = 1 << 23;
export const GLB_PERFCNT_THRESHOLD = 1 << 24;
export const GLB_PERFCNT_OVERFLOW = 1 << 25;
export const GLB_IDLE = 1 << 26;
export const GLB_DBG_CSF = 1 << 30;
export const GLB_DBG_HOST = 0x80000000;
/** Host requests: bits 10:0. */
export const GLB_REQ_MASK = 0x7ff;
/** FW events: bits 26:20. */
export const GLB_EVT_MASK = 0x7f00000;
export const GLB_HALT_STATUS_OK = 0;
export const GLB_HALT_STATUS_ON_PANIC = 0x4e;
export const GLB_HALT_STATUS_ON_WATCHDOG_EXPIRATION = 0x4f;

// ── CSG_REQ / CSG_ACK (§2.3) ──
export const CSG_STATE_MASK = 0x7;
export const CSG_STATE_TERMINATE = 0;
export const CSG_STATE_START = 1;
export const CSG_STATE_SUSPEND = 2;
export const CSG_STATE_RESUME = 3;
export const CSG_ENDPOINT_CONFIG = 1 << 4;
export const CSG_STATUS_UPDATE = 1 << 5;
export const CSG_SYNC_UPDATE = 1 << 28;
export const CSG_IDLE = 1 << 29;
export const CSG_DOORBELL = 1 << 30;
export const CSG_PROGRESS_TIMER_EVENT = 0x80000000;
export const CSG_REQ_MASK = CSG_STATE_MASK | CSG_ENDPOINT_CONFIG | CSG_STATUS_UPDATE;
export const CSG_EVT_MASK = (CSG_SYNC_UPDATE | CSG_IDLE | CSG_PROGRESS_TIMER_EVENT) >>> 0;
/** Names of the CSG STATE field (bits 2:0), indexed by value. */
export const CSG_STATE_NAMES: readonly string[] = ['CSG_STATE_TERMINATE', 'CSG_STATE_START', 'CSG_STATE_SUSPEND', 'CSG_STATE_RESUME'];
/** CSG_EP_REQ PRIORITY 31:28. */
export const csgEpReqPriority = (p: number): number => ((p & 0xf) << 28) >>> 0;
export const CSG_STATUS_STATE_IS_IDLE = 1 << 0;

// ── CS_REQ / CS_ACK (§2.4) ──
export const CS_STATE_MASK = 0x7;
export const CS_STATE_STOP = 0;
export const CS_STATE_START = 1;
export const CS_EXTRACT_EVENT = 1 << 4;
export const CS_IDLE_SYNC_WAIT = 1 << 8;
export const CS_IDLE_PROTM_PENDING = 1 << 9;
export const CS_IDLE_EMPTY = 1 << 10;
export const CS_IDLE_RESOURCE_REQ = 1 << 11;
export const CS_TILER_OOM = 1 << 26;
export const CS_PROTM_PENDING = 1 << 27;
export const CS_FATAL = 1 << 30;
export const CS_FAULT = 0x80000000;
export const CS_EVT_MASK = (CS_TILER_OOM | CS_PROTM_PENDING | CS_FATAL | CS_FAULT) >>> 0;
/** Names of the CS STATE field (bits 2:0), indexed by value. */
export const CS_STATE_NAMES: readonly string[] = ['CS_STATE_STOP', 'CS_STATE_START'];

// CS_STATUS_WAIT
export const CS_STATUS_WAIT_SB_MASK = 0xffff;
export const CS_STATUS_WAIT_SYNC_COND_GT = 1 << 24;
export const CS_STATUS_WAIT_PROGRESS = 1 << 28;
export const CS_STATUS_WAIT_PROTM = 1 << 29;
export const CS_STATUS_WAIT_SYNC_64B = 1 << 30;
export const CS_STATUS_WAIT_SYNC = 0x80000000;

// CS exception types (CS_FAULT / CS_FATAL EXCEPTION_TYPE 7:0)
export const DRM_PANTHOR_EXCEPTION_OK = 0x00;
export const DRM_PANTHOR_EXCEPTION_TERMINATED = 0x04;
export const DRM_PANTHOR_EXCEPTION_KABOOM = 0x05;
export const DRM_PANTHOR_EXCEPTION_CS_RES_TERM = 0x0f;
export const DRM_PANTHOR_EXCEPTION_CS_CONFIG_FAULT = 0x40;
export const DRM_PANTHOR_EXCEPTION_CS_UNRECOVERABLE = 0x41;
export const DRM_PANTHOR_EXCEPTION_CS_ENDPOINT_FAULT = 0x44;
export const DRM_PANTHOR_EXCEPTION_CS_BUS_FAULT = 0x48;
export const DRM_PANTHOR_EXCEPTION_CS_INSTR_INVALID = 0x49;
export const DRM_PANTHOR_EXCEPTION_CS_CALL_STACK_OVERFLOW = 0x4a;
export const DRM_PANTHOR_EXCEPTION_INSTR_INVALID_PC = 0x50;
export const DRM_PANTHOR_EXCEPTION_OOM = 0x60;
export const DRM_PANTHOR_EXCEPTION_TRANSLATION_FAULT_0 = 0xc0;
export const DRM_PANTHOR_EXCEPTION_DATA_INVALID_FAULT = 0x58;
export const DRM_PANTHOR_EXCEPTION_CSF_FW_INTERNAL_ERROR = 0x68;
export const DRM_PANTHOR_EXCEPTION_GPU_BUS_FAULT = 0x80;

// ── GPU / MCU registers (§2.5) ──
export const GPU_IRQ_FAULT = 1 << 0;
export const GPU_IRQ_PROTM_FAULT = 1 << 1;
export const GPU_IRQ_RESET_COMPLETED = 1 << 8;
export const GPU_IRQ_POWER_CHANGED = 1 << 9;
export const GPU_IRQ_POWER_CHANGED_ALL = 1 << 10;
export const GPU_IRQ_CLEAN_CACHES_COMPLETED = 1 << 17;
export const GPU_IRQ_DOORBELL_MIRROR = 1 << 18;
export const GPU_IRQ_MCU_STATUS_CHANGED = 1 << 19;
export const GPU_STATUS_ACTIVE = 1 << 0;
export const GPU_STATUS_PWR_ACTIVE = 1 << 1;
export const GPU_STATUS_PAGE_FAULT = 1 << 4;
export const GPU_STATUS_PROTM_ACTIVE = 1 << 7;
export const GPU_STATUS_DBG_ENABLED = 1 << 8;
export const MCU_CONTROL_DISABLE = 0;
export const MCU_CONTROL_ENABLE = 1;
export const MCU_CONTROL_AUTO = 2;
export const MCU_STATUS_DISABLED = 0;
export const MCU_STATUS_ENABLED = 1;
export const MCU_STATUS_HALT = 2;
export const MCU_STATUS_FATAL = 3;
/** JOB_INT: GLOBAL_IF = bit 31, CSG_IF(x) = bit x. */
export const JOB_INT_GLOBAL_IF = 0x80000000;
export const JOB_INT_CSG_IF = (x: number): number => 1 << x;

/** CSF_DOORBELL(i) = 0x80000 + i*0x10000; doorbell 0 is global, a group's queues use csg_id + 1. */
export const CSF_DOORBELL = (i: number): number => 0x80000 + i * 0x10000;
export const CSF_GLB_DOORBELL_ID = 0;

// ── FW image (§2.6) ──
export const CSF_FW_BINARY_HEADER_MAGIC = 0xc3f13a6e;
export const CSF_FW_BINARY_IFACE_ENTRY_RD = 1 << 0;
export const CSF_FW_BINARY_IFACE_ENTRY_WR = 1 << 1;
export const CSF_FW_BINARY_IFACE_ENTRY_EX = 1 << 2;
export const CSF_FW_BINARY_IFACE_ENTRY_CACHE_MODE_CACHED = 1 << 3;
export const CSF_FW_BINARY_IFACE_ENTRY_PROT = 1 << 5;
export const CSF_FW_BINARY_IFACE_ENTRY_SHARED = 1 << 30;
export const CSF_FW_BINARY_IFACE_ENTRY_ZERO = 0x80000000;
export const CSF_MCU_SHARED_REGION_START = 0x04000000;
export const CSF_MCU_SHARED_REGION_SIZE = 0x04000000;

/** Mesa cs_builder: a CS instruction is 8 bytes. */
export const CS_INSTR_SIZE = 8;

// ── Bit tables by name, for naming a *_REQ/*_ACK word and looking names up (filters, checks) ──
// The toggle/event bits only: the STATE field (bits 2:0) of CSG/CS is a value, named above.

export const GLB_BITS: Readonly<Record<string, number>> = {
  GLB_HALT, GLB_CFG_PROGRESS_TIMER, GLB_CFG_ALLOC_EN, GLB_CFG_POWEROFF_TIMER, GLB_PROTM_ENTER, GLB_PERFCNT_EN,
  GLB_PERFCNT_SAMPLE, GLB_COUNTER_EN, GLB_PING, GLB_FWCFG_UPDATE, GLB_IDLE_EN, GLB_SLEEP, GLB_INACTIVE_COMPUTE,
  GLB_INACTIVE_FRAGMENT, GLB_INACTIVE_TILER, GLB_PROTM_EXIT, GLB_PERFCNT_THRESHOLD, GLB_PERFCNT_OVERFLOW, GLB_IDLE,
  GLB_DBG_CSF, GLB_DBG_HOST,
};

export const CSG_BITS: Readonly<Record<string, number>> = {
  CSG_ENDPOINT_CONFIG, CSG_STATUS_UPDATE, CSG_SYNC_UPDATE, CSG_IDLE, CSG_DOORBELL, CSG_PROGRESS_TIMER_EVENT,
};

export const CS_BITS: Readonly<Record<string, number>> = {
  CS_EXTRACT_EVENT, CS_IDLE_SYNC_WAIT, CS_IDLE_PROTM_PENDING, CS_IDLE_EMPTY, CS_IDLE_RESOURCE_REQ, CS_TILER_OOM,
  CS_PROTM_PENDING, CS_FATAL, CS_FAULT,
};

// ── uAPI values a trace carries (panthor_drm.h) ──
/** drm_panthor_group_create.flags (the former pad), [V1-2026] 8/8. */
export const DRM_PANTHOR_GROUP_CREATE_PROTECTED = 1 << 0;

/** enum drm_panthor_group_priority. */
export const PANTHOR_GROUP_PRIORITY_LOW = 0;
export const PANTHOR_GROUP_PRIORITY_MEDIUM = 1;
export const PANTHOR_GROUP_PRIORITY_HIGH = 2;
export const PANTHOR_GROUP_PRIORITY_REALTIME = 3;
export const PANTHOR_GROUP_PRIORITY_COUNT = 4;

/** Driver limits a trace is checked against (panthor_sched.c): groups per file, queues per group, CSG priority. */
export const MAX_GROUPS_PER_POOL = 128;
export const MAX_CS_PER_CSG = 32;
export const MAX_CSG_PRIO = 15;

/** PANTHOR_GROUP_PRIORITY_* names, indexed by value (LOW 0 .. REALTIME 3). */
export const GROUP_PRIORITY_NAMES: readonly string[] = ['LOW', 'MEDIUM', 'HIGH', 'REALTIME'];
