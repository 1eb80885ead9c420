/**
 * User space's copy of the uAPI constants it needs (as Mesa carries its own copy of
 * include/uapi/drm/panthor_drm.h and linux/dma-heap.h). Values from reference §1.
 */

/** drm_panthor_bo_flags */
export const DRM_PANTHOR_BO_NO_MMAP = 1 << 0;
export const DRM_PANTHOR_BO_WB_MMAP = 1 << 1;

/** drm_panthor_vm_bind_op_flags: type in bits 31:28. */
export const DRM_PANTHOR_VM_BIND_OP_MAP_READONLY = 1 << 0;
export const DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC = 1 << 1;
export const DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED = 1 << 2;
export const DRM_PANTHOR_VM_BIND_OP_TYPE_MAP = 0 << 28;
export const DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP = 1 << 28;

/** drm_panthor_sync_op_flags */
export const DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ = 0;
export const DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_TIMELINE_SYNCOBJ = 1;
export const DRM_PANTHOR_SYNC_OP_WAIT = 0;
export const DRM_PANTHOR_SYNC_OP_SIGNAL = 0x8000_0000;   // 1 << 31 as an unsigned u32

/** enum drm_panthor_group_priority */
export const PANTHOR_GROUP_PRIORITY = { low: 0, medium: 1, high: 2, realtime: 3 } as const;

/** drm_panthor_group_create.flags (the former pad), [V1-2026] 8/8. */
export const DRM_PANTHOR_GROUP_CREATE_PROTECTED = 1 << 0;

/** drm_panthor_group_state_flags */
export const DRM_PANTHOR_GROUP_STATE_TIMEDOUT = 1 << 0;
export const DRM_PANTHOR_GROUP_STATE_FATAL_FAULT = 1 << 1;
export const DRM_PANTHOR_GROUP_STATE_INNOCENT = 1 << 2;

/** drm_panthor_protected_info.features */
export const DRM_PANTHOR_PROTECTED_FEATURE_BASIC = 1 << 0;

/** open(2) flags used as dma-heap fd_flags. */
export const O_RDWR = 0o2;
export const O_CLOEXEC = 0o2000000;

/**
 * userspace-dmabuf design: size of the protected dma-buf handed to GROUP_CREATE (protm_buf_fd):
 * the CSG protected suspend buffer (64 KiB on the modelled FW) plus room for the FW's protected
 * sections (256 KiB), which the kernel loads from the first such buffer after a full reset.
 */
export const PROTM_USER_BUFFER_SIZE = 0x1_0000 + 0x4_0000;

export const PAGE_SIZE = 4096;
export const pageAlign = (n: number): number => Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
