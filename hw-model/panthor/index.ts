/** panthor/: the kernel driver model, one file per driver file (see README.md); entry point createKernel. */
export { createKernel, PanthorDevice, type Kernel } from './device.js';
export * from './uapi.js';
export { Scheduler, JOB_INSTRS } from './sched.js';
export { Group, Queue, Job, Vm, Bo, Syncobj, PanthorFile } from './objects.js';
