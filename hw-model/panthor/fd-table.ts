/**
 * The processes and their file descriptor tables (the VFS side of the model: task_struct, files,
 * fd_install): what an fd refers to — an open of the render node (drm_file → panthor_file), a
 * /dev/dma_heap/<name> character device, or a dma-buf. The lowest free fd is given out, from 3.
 */
import { ProcessOp } from '../../proto/index.js';
import type { AppKind } from '../contract.js';
import type { DmaBuf, DmaHeap } from '../dma-heap/index.js';
import type { Sim } from '../sim/index.js';
import type { PanthorFile } from './objects.js';

export type FileRef =
  | { kind: 'render'; pf: PanthorFile }
  | { kind: 'heap'; heap: DmaHeap }
  | { kind: 'dmabuf'; buf: DmaBuf };

export interface Proc {
  pid: number;
  comm: string;
  kind: AppKind | 'system';
  privileged: boolean;
  files: Map<number, FileRef>;
  nextFd: number;
}

export class FdTable {
  readonly procs = new Map<number, Proc>();

  constructor(private readonly sim: Sim) {}

  spawn(pid: number, comm: string, kind: AppKind | 'system', privileged: boolean): void {
    this.procs.set(pid, { pid, comm, kind, privileged, files: new Map(), nextFd: 3 });
    this.sim.bus.emitBody({ case: 'process', value: { op: ProcessOp.PROC_START, pid, comm, appKind: kind, privileged } });
  }

  /** What `fd` of process `pid` refers to. */
  file(pid: number, fd: number): FileRef | undefined { return this.procs.get(pid)?.files.get(fd); }

  /** fd_install at the lowest free fd. */
  installFd(p: Proc, f: FileRef): number {
    let fd = 3;
    while (p.files.has(fd)) fd++;
    p.files.set(fd, f);
    return fd;
  }
}
