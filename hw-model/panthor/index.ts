/** panthor/: the kernel driver model (device, uAPI, scheduler) and its entry point createKernel. */
export { createKernel, Kernel } from './kernel.js';
export * from './uapi.js';
export { Scheduler, JOB_INSTRS } from './sched.js';
export { Group, Queue, Job, Vm, Bo, Syncobj, PanthorFile } from './objects.js';
