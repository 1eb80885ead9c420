/**
 * The request numbers of the ioctls the model serves, built the way the kernel's headers build
 * them: _IOWR(type, nr, struct) of include/uapi/asm-generic/ioctl.h (dir 3 << 30, sizeof << 16,
 * type << 8, nr) with DRM_IOCTL_PANTHOR(WR, <id>, <struct>) = DRM_IOWR(DRM_COMMAND_BASE + id)
 * (include/uapi/drm/panthor_drm.h), DRM_IOWR(nr) = _IOWR('d', nr) (include/uapi/drm/drm.h) and
 * DMA_HEAP_IOCTL_ALLOC = _IOWR('H', 0, struct dma_heap_allocation_data)
 * (include/uapi/linux/dma-heap.h). Struct sizes come from their field lists with natural
 * alignment, as the C compiler lays them out.
 */
import { IoctlCmd } from '../../proto/index.js';

type Field = 'u8' | 'u32' | 'u64' | 'obj_array';
const SIZE: Record<Field, number> = { u8: 1, u32: 4, u64: 8, obj_array: 16 };
const ALIGN: Record<Field, number> = { u8: 1, u32: 4, u64: 8, obj_array: 8 };

/** sizeof(struct { fields }) with natural alignment and tail padding. */
export function sizeofStruct(fields: readonly Field[]): number {
  let off = 0, align = 1;
  for (const f of fields) {
    const a = ALIGN[f];
    off = Math.ceil(off / a) * a + SIZE[f];
    if (a > align) align = a;
  }
  return Math.ceil(off / align) * align;
}

/** _IOWR(type, nr, size). */
export function iowr(type: string, nr: number, size: number): number {
  return ((3 << 30) | (size << 16) | (type.charCodeAt(0) << 8) | nr) >>> 0;
}

const DRM_COMMAND_BASE = 0x40;
const u32 = 'u32', u64 = 'u64', u8 = 'u8', arr = 'obj_array';

/** The 6.18 structs, field by field (pads included). */
const PANTHOR: readonly [IoctlCmd, readonly Field[]][] = [
  [IoctlCmd.DEV_QUERY, [u32, u32, u64]],                                     // type, size, pointer
  [IoctlCmd.VM_CREATE, [u32, u32, u64]],                                     // flags, id, user_va_range
  [IoctlCmd.VM_DESTROY, [u32, u32]],                                         // id, pad
  [IoctlCmd.VM_BIND, [u32, u32, arr]],                                       // vm_id, flags, ops
  [IoctlCmd.VM_GET_STATE, [u32, u32]],                                       // vm_id, state
  [IoctlCmd.BO_CREATE, [u64, u32, u32, u32, u32]],                           // size, flags, exclusive_vm_id, handle, pad
  [IoctlCmd.BO_MMAP_OFFSET, [u32, u32, u64]],                                // handle, pad, offset
  [IoctlCmd.GROUP_CREATE, [arr, u8, u8, u8, u8, u32, u64, u64, u64, u32, u32]],
  [IoctlCmd.GROUP_DESTROY, [u32, u32]],                                      // group_handle, pad
  [IoctlCmd.GROUP_SUBMIT, [u32, u32, arr]],                                  // group_handle, pad, queue_submits
  [IoctlCmd.GROUP_GET_STATE, [u32, u32, u32, u32]],                          // group_handle, state, fatal_queues, pad
  [IoctlCmd.TILER_HEAP_CREATE, [u32, u32, u32, u32, u32, u32, u64, u64]],
  [IoctlCmd.TILER_HEAP_DESTROY, [u32, u32]],                                 // handle, pad
  [IoctlCmd.BO_SET_LABEL, [u32, u32, u64]],                                  // bo_handle, pad, label
  [IoctlCmd.SET_USER_MMIO_OFFSET, [u64]],                                    // offset
];

/** DRM core ioctls: [cmd, nr, struct]. */
const DRM_CORE: readonly [IoctlCmd, number, readonly Field[]][] = [
  [IoctlCmd.PRIME_HANDLE_TO_FD, 0x2d, [u32, u32, u32]],                     // drm_prime_handle
  [IoctlCmd.PRIME_FD_TO_HANDLE, 0x2e, [u32, u32, u32]],
  [IoctlCmd.SYNCOBJ_CREATE, 0xbf, [u32, u32]],                              // handle, flags
  [IoctlCmd.SYNCOBJ_DESTROY, 0xc0, [u32, u32]],                             // handle, pad
  [IoctlCmd.SYNCOBJ_WAIT, 0xc3, [u64, u64, u32, u32, u32, u32, u64]],       // ..., deadline_nsec
  [IoctlCmd.SYNCOBJ_TIMELINE_WAIT, 0xca, [u64, u64, u64, u32, u32, u32, u32, u64]],
];

/** Request number by IoctlCmd (0 for commands that 6.18 does not have). */
export const IOCTL_REQUEST: Readonly<Record<number, number>> = (() => {
  const t: Record<number, number> = {};
  for (const [cmd, fields] of PANTHOR) t[cmd] = iowr('d', DRM_COMMAND_BASE + cmd, sizeofStruct(fields));
  for (const [cmd, nr, fields] of DRM_CORE) t[cmd] = iowr('d', nr, sizeofStruct(fields));
  t[IoctlCmd.DMA_HEAP_IOCTL_ALLOC] = iowr('H', 0, sizeofStruct([u64, u32, u32, u64]));   // len, fd, fd_flags, heap_flags
  return t;
})();
