/**
 * CSF firmware interface and GPU register bits (panthor_fw.h, panthor_regs.h; reference §2).
 * Names are the kernel's, so a trace reads like the driver source.
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
export const GLB_DBG_HOST = 1 << 31;
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
export const CSG_PROGRESS_TIMER_EVENT = 1 << 31;
export const CSG_REQ_MASK = CSG_STATE_MASK | CSG_ENDPOINT_CONFIG | CSG_STATUS_UPDATE;
export const CSG_EVT_MASK = CSG_SYNC_UPDATE | CSG_IDLE | CSG_PROGRESS_TIMER_EVENT;
export const CSG_STATE_NAMES = ['TERMINATE', 'START', 'SUSPEND', 'RESUME'] as const;
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
export const CS_FAULT = 1 << 31;
export const CS_EVT_MASK = CS_TILER_OOM | CS_PROTM_PENDING | CS_FATAL | CS_FAULT;

// CS_STATUS_WAIT
export const CS_STATUS_WAIT_SB_MASK = 0xffff;
export const CS_STATUS_WAIT_SYNC_COND_GT = 1 << 24;
export const CS_STATUS_WAIT_PROGRESS = 1 << 28;
export const CS_STATUS_WAIT_PROTM = 1 << 29;
export const CS_STATUS_WAIT_SYNC_64B = 1 << 30;
export const CS_STATUS_WAIT_SYNC = 1 << 31;

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
export const JOB_INT_GLOBAL_IF = 1 << 31;
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
export const CSF_FW_BINARY_IFACE_ENTRY_ZERO = 1 << 31;
export const CSF_MCU_SHARED_REGION_START = 0x04000000;
export const CSF_MCU_SHARED_REGION_SIZE = 0x04000000;

/** Mesa cs_builder: a CS instruction is 8 bytes. */
export const CS_INSTR_SIZE = 8;
