/**
 * Linux errno values used by the model (include/uapi/asm-generic/errno-base.h, errno.h, and the
 * kernel-internal EPROBE_DEFER). Calls return 0 / a positive value or -errno, as the kernel does.
 */
export const EPERM = 1;
export const ENOENT = 2;
export const E2BIG = 7;
export const EBADF = 9;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EACCES = 13;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const ENODEV = 19;
export const EINVAL = 22;
export const EMFILE = 24;
export const ENOTTY = 25;
export const ENOSPC = 28;
export const ETIME = 62;
export const EOPNOTSUPP = 95;
export const ETIMEDOUT = 110;
export const ECANCELED = 125;
/** Kernel-internal: the driver asks to be probed again later (include/linux/errno.h). */
export const EPROBE_DEFER = 517;

/** Page size of the model (4 KiB, as on arm64 with 4K pages). */
export const PAGE_SIZE = 4096;
export const pageAlign = (n: number): number => Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
