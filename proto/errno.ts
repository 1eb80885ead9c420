/**
 * Linux errno values and names (include/uapi/asm-generic/errno-base.h, errno.h, and the
 * kernel-internal EPROBE_DEFER / ENOTSUPP of include/linux/errno.h) for the values the model returns
 * and traces carry (ioctl `ret`, heap results, probe results). Calls return 0 / a positive value or
 * -errno, as the kernel does. One table for every layer: the model, the app models' logs and the
 * replayer's event formatting and filters.
 */
export const EPERM = 1;
export const ENOENT = 2;
export const ESRCH = 3;
export const EINTR = 4;
export const EIO = 5;
export const ENXIO = 6;
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
export const EFBIG = 27;
export const ENOSPC = 28;
export const ERANGE = 34;
export const ENOSYS = 38;
export const ENODATA = 61;
export const ETIME = 62;
export const EPROTO = 71;
export const EOVERFLOW = 75;
export const EOPNOTSUPP = 95;
export const ETIMEDOUT = 110;
export const ECANCELED = 125;
export const EPROBE_DEFER = 517;
export const ENOTSUPP = 524;

/** Name of each errno value above. */
export const ERRNO_NAMES: Readonly<Record<number, string>> = {
  [EPERM]: 'EPERM', [ENOENT]: 'ENOENT', [ESRCH]: 'ESRCH', [EINTR]: 'EINTR', [EIO]: 'EIO', [ENXIO]: 'ENXIO',
  [E2BIG]: 'E2BIG', [EBADF]: 'EBADF', [EAGAIN]: 'EAGAIN', [ENOMEM]: 'ENOMEM', [EACCES]: 'EACCES',
  [EFAULT]: 'EFAULT', [EBUSY]: 'EBUSY', [EEXIST]: 'EEXIST', [ENODEV]: 'ENODEV', [EINVAL]: 'EINVAL',
  [EMFILE]: 'EMFILE', [ENOTTY]: 'ENOTTY', [EFBIG]: 'EFBIG', [ENOSPC]: 'ENOSPC', [ERANGE]: 'ERANGE',
  [ENOSYS]: 'ENOSYS', [ENODATA]: 'ENODATA', [ETIME]: 'ETIME', [EPROTO]: 'EPROTO', [EOVERFLOW]: 'EOVERFLOW',
  [EOPNOTSUPP]: 'EOPNOTSUPP', [ETIMEDOUT]: 'ETIMEDOUT', [ECANCELED]: 'ECANCELED',
  [EPROBE_DEFER]: 'EPROBE_DEFER', [ENOTSUPP]: 'ENOTSUPP',
};

/** errno value by name (`EINVAL` → 22). */
export const ERRNO_BY_NAME: Readonly<Record<string, number>> = Object.fromEntries(
  Object.entries(ERRNO_NAMES).map(([n, name]) => [name, Number(n)]),
);
