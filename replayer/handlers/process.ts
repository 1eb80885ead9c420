/**
 * Process handler: app processes (name, kind, privilege), their open files (render node, dma-heap
 * nodes, dma-buf fds) and their ioctl counts and errors.
 */
import { ProcessOp } from '../../proto/index.js';
import type { Handler } from './handler.js';
import type { MemorySlices, ProcessRec, ProcessSlices } from './slices.js';

/** A closed fd lowers its dma-buf's fd count; a PRIME export's fd names the BO's dma-buf. */
type Reads = Pick<MemorySlices, 'dmabufs' | 'bos'>;

function ensureProcess(s: ProcessSlices, pid: number, i: number): ProcessRec {
  let p = s.processes[pid];
  if (!p) {
    p = { pid, comm: '', kind: '', privileged: false, fds: {}, ioctls: 0, ioctlErrors: 0, createdIdx: i, idx: i };
    s.processes[pid] = p;
  }
  return p;
}

export const processHandler: Handler<ProcessSlices, Reads> = {
  name: 'process',
  families: ['process', 'ioctl'],
  owns: ['processes'],
  reads: ['dmabufs', 'bos'],
  init: () => ({ processes: {} }),
  handleEvent(s, ev, i) {
    const b = ev.body;
    if (b.case === 'process') {
      const e = b.value;
      switch (e.op) {
        case ProcessOp.PROC_START: {
          const p = ensureProcess(s, e.pid, i);
          p.comm = e.comm; p.kind = e.appKind; p.privileged = e.privileged; p.createdIdx = i; p.idx = i;
          break;
        }
        case ProcessOp.PROC_EXIT: delete s.processes[e.pid]; break;
        case ProcessOp.PROC_OPEN:
          if (e.fd >= 0) { const p = ensureProcess(s, e.pid, i); p.fds[e.fd] = { path: e.path, buffer: 0 }; p.idx = i; }
          break;
        case ProcessOp.PROC_CLOSE: {
          const p = s.processes[e.pid];
          if (!p) break;
          const f = p.fds[e.fd];
          if (f?.buffer) {
            const db = s.dmabufs[f.buffer];
            if (db && db.fds > 0) { db.fds--; db.idx = i; }
          }
          delete p.fds[e.fd];
          p.idx = i;
          break;
        }
        default: break;
      }
    } else if (b.case === 'ioctl') {
      const io = b.value;
      if (!io.pid) return;
      const p = ensureProcess(s, io.pid, i);
      p.ioctls++;
      p.idx = i;
      if (io.ret !== 0) { p.ioctlErrors++; s.counters.ioctlErrors++; return; }
      const a = io.args;
      // dma-buf fds handed to the process: DMA_HEAP_IOCTL_ALLOC and PRIME_HANDLE_TO_FD.
      if (a.case === 'dmaHeapAlloc' && a.value.fd) {
        p.fds[a.value.fd] = { path: `dmabuf:${a.value.bufferId}`, buffer: a.value.bufferId };
      } else if (a.case === 'primeHandleToFd' && a.value.fd > 0) {
        const bo = s.bos[`${io.pid}:${a.value.handle}`];
        const buffer = bo?.imported ?? 0;
        p.fds[a.value.fd] = { path: `dmabuf:${buffer}`, buffer };
      }
    }
  },
};
