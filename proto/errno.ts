/**
 * Linux errno names for the values the model returns and traces carry (ioctl `ret`, heap results,
 * probe results). One table for every layer: the model's summary, the app models' logs and the
 * replayer's event formatting.
 */
export const ERRNO_NAMES: Readonly<Record<number, string>> = {
  1: 'EPERM', 2: 'ENOENT', 3: 'ESRCH', 4: 'EINTR', 5: 'EIO', 6: 'ENXIO', 7: 'E2BIG', 9: 'EBADF',
  11: 'EAGAIN', 12: 'ENOMEM', 13: 'EACCES', 14: 'EFAULT', 16: 'EBUSY', 17: 'EEXIST', 19: 'ENODEV',
  22: 'EINVAL', 24: 'EMFILE', 25: 'ENOTTY', 27: 'EFBIG', 28: 'ENOSPC', 34: 'ERANGE', 38: 'ENOSYS',
  61: 'ENODATA', 62: 'ETIME', 71: 'EPROTO', 75: 'EOVERFLOW', 95: 'EOPNOTSUPP', 110: 'ETIMEDOUT',
  125: 'ECANCELED', 517: 'EPROBE_DEFER', 524: 'ENOTSUPP',
};
