/**
 * DRM syncobjs (drivers/gpu/drm/drm_syncobj.c): SYNCOBJ_CREATE / SYNCOBJ_DESTROY, the blocking
 * and non-blocking SYNCOBJ_(TIMELINE_)WAIT (drm_syncobj_array_wait), the points a job's fence
 * signals (drm_syncobj_add_point / drm_syncobj_replace_fence) and the job dependencies a
 * GROUP_SUBMIT adds (drm_sched_job_add_syncobj_dependency), released to the scheduler when met.
 *
 *   GROUP_SUBMIT wait op ──► waitSyncobj(job) ─┐
 *   job fence signalled ──► signalSyncobj ─────┴─► JobDepsSink.depsMet / blocked waiters woken
 */
import { IoctlCmd, EBADF, EINVAL, ETIME } from '../../proto/index.js';
import type { Ns, Sim } from '../sim/index.js';
import type { FdTable } from './fd-table.js';
import type { JobDepsSink } from './interfaces.js';
import { IOCTL_REQUEST } from './ioctl-request.js';
import { type Job, type PanthorFile, Syncobj, type SyncWaiter } from './objects.js';
import { removeAt } from './objects.js';
import * as U from './uapi.js';

const TIMELINE_WAIT_REQUEST = IOCTL_REQUEST[IoctlCmd.SYNCOBJ_TIMELINE_WAIT];

export class SyncobjTable {
  private jobDeps = new Map<Syncobj, { point: number; job: Job }[]>();
  /** Set by the scheduler: where a job goes once its dependencies are met. */
  sched: JobDepsSink | null = null;
  private readonly waiterCb = (w: SyncWaiter): void => this.fireWaiter(w, 0);
  /**
   * Blocking waits whose timeout is still scheduled, by id. The timeout callback carries the id,
   * not the waiter: a wait that completes early (nearly all of them) leaves nothing alive behind it
   * until its timeout time comes (no cancellation: the callback finds no waiter and does nothing).
   */
  private readonly timedWaits = new Map<number, SyncWaiter>();
  private nextWaitId = 1;
  private readonly waiterTimeoutCb = (id: number): void => {
    const w = this.timedWaits.get(id);
    if (w) this.fireWaiter(w, -ETIME);
  };

  constructor(private readonly sim: Sim, private readonly fds: FdTable) {}

  // ───────────── ioctls ─────────────

  create(pf: PanthorFile, a: { flags?: number | undefined; handle?: number | undefined }): number {
    const fl = a.flags ?? 0;
    if (fl & ~U.DRM_SYNCOBJ_CREATE_SIGNALED) return -EINVAL;
    const s = new Syncobj(pf.nextSyncobj++);
    if (fl & U.DRM_SYNCOBJ_CREATE_SIGNALED) s.value = 1;
    pf.syncobjs.set(s.handle, s);
    a.handle = s.handle;
    return 0;
  }

  destroy(pf: PanthorFile, handle: number): number {
    const s = pf.syncobjs.get(handle);
    if (!s) return -EINVAL;
    for (const w of s.waiters) this.settle(w);
    pf.syncobjs.delete(s.handle);
    return 0;
  }

  /** Non-blocking form (timeout already reached): 0 when every point is signalled, else -ETIME. */
  waitNow(pf: PanthorFile, a: { handles?: number[] | undefined; points?: number[] | undefined }): number {
    const hs = a.handles ?? [], pts = a.points ?? [];
    for (const [i, h] of hs.entries()) {
      const s = pf.syncobjs.get(h);
      if (!s) return -EINVAL;
      if (s.value < Math.max(1, pts[i] ?? 0)) return -ETIME;
    }
    return 0;
  }

  /** The file is closed: its syncobjs go, their waiters are dropped. */
  closeFile(pf: PanthorFile): void {
    for (const s of pf.syncobjs.values()) for (const w of s.waiters) this.settle(w);
    pf.syncobjs.clear();
  }

  // ───────────── job dependencies and fences ─────────────

  /** A job waits for `obj` to reach `point`. */
  waitSyncobj(obj: Syncobj, point: number, job: Job): void {
    let l = this.jobDeps.get(obj);
    if (!l) { l = []; this.jobDeps.set(obj, l); }
    l.push({ point, job });
  }

  /** A job's fence signalled a syncobj point (with its error). */
  signalSyncobj(obj: Syncobj, point: number, err: number, ev: number): void {
    if (point > obj.value) obj.value = point;
    obj.error = err;
    const deps = this.jobDeps.get(obj);
    if (deps) {
      const sched = this.sched as JobDepsSink;
      for (let i = 0; i < deps.length; i++) {
        const d = deps[i]!;
        if (obj.value < d.point) continue;
        removeAt(deps, i--);
        if (--d.job.deps === 0) sched.depsMet(d.job, ev);
      }
      if (!deps.length) this.jobDeps.delete(obj);
    }
    const ws = obj.waiters;
    for (let i = 0; i < ws.length; i++) {
      const w = ws[i]!;
      if (w.done) { removeAt(ws, i--); continue; }
      if (!this.waiterReady(w)) continue;
      removeAt(ws, i--);
      this.settle(w);         // its timeout fires later and is ignored (no cancellation)
      this.sim.after(0, this.waiterCb, w);
    }
  }

  // ───────────── blocking waits ─────────────

  private waiterReady(w: SyncWaiter): boolean {
    for (let i = 0; i < w.objs.length; i++) if (w.objs[i]!.value < Math.max(1, w.points[i] ?? 0)) return false;
    return true;
  }

  syncobjWait(pid: number, fd: number, handles: number[], points: number[], timeoutAbs: Ns, cb: (ret: number) => void): void {
    const f = this.fds.file(pid, fd);
    const w: SyncWaiter = { objs: [], points, cb, token: -1, done: false, pid, fd, start: this.sim.now, handles, id: 0 };
    let bad = !f || f.kind !== 'render';
    if (!bad) {
      const pf = (f as { pf: PanthorFile }).pf;
      for (const h of handles) {
        const s = pf.syncobjs.get(h);
        if (!s) { bad = true; break; }
        w.objs.push(s);
      }
    }
    if (bad) { w.done = true; this.sim.after(0, (x: SyncWaiter) => this.finishWait(x, f ? -EINVAL : -EBADF), w); return; }
    if (this.waiterReady(w)) { w.done = true; this.sim.after(0, this.waiterCb, w); return; }
    for (const s of w.objs) s.waiters.push(w);
    w.id = this.nextWaitId++;
    this.timedWaits.set(w.id, w);
    // Apps wait with a fixed timeout: the queue keeps these in a FIFO of their own.
    w.token = this.sim.afterFixed(timeoutAbs - this.sim.now, this.waiterTimeoutCb, w.id);
  }

  private fireWaiter(w: SyncWaiter, ret: number): void {
    if (ret !== 0) {
      if (w.done) return;
      this.settle(w);
      w.token = -1;
    }
    this.finishWait(w, ret);
  }

  private finishWait(w: SyncWaiter, ret: number): void {
    this.sim.bus.emitBody({ case: 'ioctl', value: {
      pid: w.pid, fd: w.fd, cmd: IoctlCmd.SYNCOBJ_TIMELINE_WAIT, request: TIMELINE_WAIT_REQUEST, ret, durationNs: this.sim.now - w.start,
      args: { case: 'syncobjWait', value: { handles: w.handles, points: w.points, timeoutNsec: 0, flags: U.DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL } },
    } });
    w.cb(ret);
  }

  syncobjValue(pid: number, fd: number, handle: number): number {
    const f = this.fds.file(pid, fd);
    if (!f || f.kind !== 'render') return 0;
    return f.pf.syncobjs.get(handle)?.value ?? 0;
  }

  /** A wait is over (signalled, timed out or dropped): its pending timeout will find nothing. */
  private settle(w: SyncWaiter): void {
    w.done = true;
    if (w.id) { this.timedWaits.delete(w.id); w.id = 0; }
  }
}
