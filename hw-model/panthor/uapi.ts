/**
 * panthor uAPI constants (include/uapi/drm/panthor_drm.h, reference §1) and the driver's limits
 * (panthor_sched.c, panthor_drv.c, reference §3.1).
 */
import { DRM_PANTHOR_GROUP_CREATE_PROTECTED } from '../../proto/index.js';

export {
  PANTHOR_GROUP_PRIORITY_LOW, PANTHOR_GROUP_PRIORITY_MEDIUM, PANTHOR_GROUP_PRIORITY_HIGH, PANTHOR_GROUP_PRIORITY_REALTIME,
  PANTHOR_GROUP_PRIORITY_COUNT, MAX_GROUPS_PER_POOL, MAX_CS_PER_CSG, MAX_CSG_PRIO,
} from '../../proto/index.js';
import { ms } from '../sim/index.js';


export const DRM_PANTHOR_BO_NO_MMAP = 1 << 0;
/** 6.18 accepts NO_MMAP only (WB_MMAP came later; a protected BO is kernel-internal in every tree). */
export const DRM_PANTHOR_BO_FLAGS = DRM_PANTHOR_BO_NO_MMAP;

export const DRM_PANTHOR_VM_BIND_ASYNC = 1 << 0;
export const DRM_PANTHOR_VM_BIND_OP_MAP_READONLY = 1 << 0;
export const DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC = 1 << 1;
export const DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED = 1 << 2;
export const DRM_PANTHOR_VM_BIND_OP_TYPE_MASK = 0xf << 28;
export const DRM_PANTHOR_VM_BIND_OP_TYPE_MAP = 0 << 28;
export const DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP = 1 << 28;
export const DRM_PANTHOR_VM_BIND_OP_TYPE_SYNC_ONLY = 2 << 28;
/** PANTHOR_VM_BIND_OP_MAP_FLAGS (panthor_mmu.c): what a MAP op may carry. */
export const PANTHOR_VM_BIND_OP_MAP_FLAGS = (DRM_PANTHOR_VM_BIND_OP_MAP_READONLY | DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC |
  DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED | DRM_PANTHOR_VM_BIND_OP_TYPE_MASK) >>> 0;
/** PANTHOR_VM_MIN_KERNEL_VA_SIZE: VA kept for kernel objects. */
export const PANTHOR_VM_MIN_KERNEL_VA_SIZE = 256 * 1024 * 1024;
/** PANTHOR_MAX_VMS_PER_FILE, MAX_HEAPS_PER_POOL. */
export const PANTHOR_MAX_VMS_PER_FILE = 32;
export const MAX_HEAPS_PER_POOL = 128;
export const DRM_PANTHOR_USER_MMIO_OFFSET_32BIT = 2 ** 43;
export const DRM_PANTHOR_USER_MMIO_OFFSET_64BIT = 2 ** 56;
export const DRM_PANTHOR_VM_STATE_USABLE = 0;
export const DRM_PANTHOR_VM_STATE_UNUSABLE = 1;

export const DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_MASK = 0xff;
export const DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ = 0;
export const DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_TIMELINE_SYNCOBJ = 1;
export const DRM_PANTHOR_SYNC_OP_WAIT = 0;
export const DRM_PANTHOR_SYNC_OP_SIGNAL = (1 << 31) >>> 0;

/** 8/8 of the 2026 series (the former pad); the review suggests ..._GROUP_FEATURE_PROTM. */
export { DRM_PANTHOR_GROUP_CREATE_PROTECTED };
export const DRM_PANTHOR_GROUP_CREATE_FLAGS = DRM_PANTHOR_GROUP_CREATE_PROTECTED;
export const DRM_PANTHOR_GROUP_STATE_TIMEDOUT = 1 << 0;
export const DRM_PANTHOR_GROUP_STATE_FATAL_FAULT = 1 << 1;
export const DRM_PANTHOR_GROUP_STATE_INNOCENT = 1 << 2;
export const DRM_PANTHOR_PROTECTED_FEATURE_BASIC = 1 << 0;

export const DRM_SYNCOBJ_CREATE_SIGNALED = 1 << 0;
export const DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL = 1 << 0;

/** Driver limits. */
/** group_num accepted from the FW's global interface (panthor_fw.c). */
export const MIN_CSGS = 3;
export const MAX_CSGS = 31;
export const MIN_RINGBUF_SIZE = 4096;
export const MAX_RINGBUF_SIZE = 64 * 1024;
export const MIN_CHUNK_SIZE = 128 * 1024;
export const MAX_CHUNK_SIZE = 8 * 1024 * 1024;
export const BO_LABEL_MAXLEN = 4096;

/** Timeouts (reference §3.1, §4.3; the job timeout, tick period and ping interval are scenario
 * settings: DriverConfig in contract.ts). */
export const CSG_REQ_TIMEOUT = ms(100);
export const PING_TIMEOUT = ms(100);
export const FW_BOOT_TIMEOUT = ms(1000);
/** MCU_HALT_TIMEOUT_US (panthor_fw.c): the wait for MCU_STATUS.HALT at suspend. */
export const MCU_HALT_TIMEOUT = ms(1000);
/** PROGRESS_TIMEOUT_CYCLES >> PROGRESS_TIMEOUT_SCALE_SHIFT (panthor_fw.c): GLB progress_timer, in 1024-cycle units. */
export const PROGRESS_TIMER = Math.floor((5 * 500 * 1024 * 1024) / 1024);

/**
 * sizeof() of the DEV_QUERY structs (6.18: types 0-3; 5 is the protected-mode series' PROTECTED_INFO
 * as the model numbers it) and their minimum accepted sizes (PANTHOR_UOBJ_MIN_SIZE).
 */
export const DEV_QUERY_SIZES: readonly ({ size: number; min: number } | undefined)[] = [
  { size: 112, min: 96 },   // drm_panthor_gpu_info (6.18 adds u64 gpu_features; min: up to tiler_present)
  { size: 24, min: 24 },    // drm_panthor_csif_info
  { size: 24, min: 16 },    // drm_panthor_timestamp_info
  { size: 4, min: 4 },      // drm_panthor_group_priorities_info
  { size: 4, min: 4 },      // drm_panthor_protected_info (8/8: DEV_QUERY type 4, a single __u32 features)
];

/** Model sizes of the FW interface (CSG control page). */
export const CSG_SUSPEND_SIZE = 0x4000;
export const CSG_PROTM_SUSPEND_SIZE = 0x10000;
/** GPU timestamp frequency the model reports (24 MHz arch timer). */
export const TIMESTAMP_FREQUENCY = 24_000_000;
/** DRM_FILE_PAGE_OFFSET_START (mmap offsets of GEM objects). */
export const DRM_FILE_PAGE_OFFSET_START = 0x100000 * 4096;

/** hweight32(). */
export const popcount = (x: number): number => {
  let n = 0;
  for (let v = x; v > 0; v = Math.floor(v / 2)) n += v & 1;
  return n;
};
/** is_power_of_2(). */
export const isPow2 = (x: number): boolean => x > 0 && (x & (x - 1)) === 0;
