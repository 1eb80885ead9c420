/**
 * A deliberately small stand-in for the panthor model, for testing user space in isolation:
 * it hands out fds and handles, runs each submitted job for the sum of its RUN_* durations (one
 * job at a time per group), signals timeline syncobjs, and traces Process / Ioctl / Job /
 * ModeSwitch events. No scheduler, no firmware. Knobs let tests make the render node or a heap
 * appear late, refuse privileges, or kill a group.
 */
import {
  DMA_HEAP_DIR, DRI_RENDER_NODE, IOCTL_CMD_OF, CsOpcode, type AppKind, type CsInstr, type FaultConfig, type IoctlArgs,
  type ScenarioConfig, type UapiKernel,
} from '../contract.js';
import { GpuMode, JobPhase, ModeSwitchCause, ProcessOp } from '../../proto/index.js';
import type { Ns, Sim } from '../sim/index.js';

const CMD = IOCTL_CMD_OF;

interface FakeGroup { pid: number; handle: number; priority: number; prot: boolean; busyUntil: Ns; fatal: boolean; seqno: number }
interface Waiter { handles: number[]; points: number[]; cb: (ret: number) => void; timer: number; pid: number }
interface Proc { comm: string; privileged: boolean; nextFd: number; nextHandle: number; maps: { va: number; size: number; bo: number }[]; streams: Map<string, CsInstr[]> }

export interface FakeKernelOptions {
  /** open(render node) fails with -ENOENT before this time (a deferred probe). */
  renderNodeAt?: Ns;
}

export class FakeKernel implements UapiKernel {
  readonly groups: FakeGroup[] = [];
  readonly injected: FaultConfig[] = [];
  started = false;
  shutDown = false;
  private procs = new Map<number, Proc>();
  private syncobjs = new Map<string, number>();
  private waiters: Waiter[] = [];
  private nextGroup = 1;

  constructor(private readonly sim: Sim, private readonly cfg: ScenarioConfig, private readonly opts: FakeKernelOptions = {}) {}

  start(): void { this.started = true; }
  shutdown(): void { this.shutDown = true; }

  inject(f: FaultConfig): void {
    this.injected.push(f);
    if (f.kind === 'cs-fatal' || f.kind === 'cs-unrecoverable') {
      for (const [pid, p] of this.procs) {
        if (p.comm !== f.app) continue;
        for (const g of this.groups) if (g.pid === pid) g.fatal = true;
      }
      this.sim.bus.emit({ t: 0, cause: 0, body: { case: 'fault', value: { injected: true } } });
    }
  }

  spawn(pid: number, comm: string, kind: AppKind | 'system', privileged: boolean): void {
    this.procs.set(pid, { comm, privileged, nextFd: 3, nextHandle: 1, maps: [], streams: new Map() });
    this.emitProc({ op: ProcessOp.PROC_START, pid, comm, appKind: kind, privileged });
  }

  exit(pid: number): void {
    this.procs.delete(pid);
    this.emitProc({ op: ProcessOp.PROC_EXIT, pid });
  }

  open(pid: number, path: string): number {
    const p = this.procs.get(pid);
    let fd = -2;
    if (p) {
      if (path === DRI_RENDER_NODE && this.sim.now >= (this.opts.renderNodeAt ?? 0)) fd = p.nextFd++;
      else if (path.startsWith(DMA_HEAP_DIR)) {
        const h = this.cfg.heaps.find((x) => DMA_HEAP_DIR + x.name === path);
        if (h && h.appearAt <= this.sim.now) fd = p.nextFd++;
      }
    }
    this.emitProc({ op: ProcessOp.PROC_OPEN, pid, path, fd });
    return fd;
  }

  close(pid: number, fd: number): number {
    this.emitProc({ op: ProcessOp.PROC_CLOSE, pid, fd });
    return 0;
  }

  ioctl(pid: number, fd: number, args: IoctlArgs): number {
    const ret = this.dispatch(pid, args);
    this.sim.bus.emit({ t: 0, cause: 0, body: { case: 'ioctl', value: { pid, fd, cmd: args.case ? CMD[args.case] : 0, ret, args } } });
    if (args.case === 'groupSubmit' && ret === 0) this.runJobs(pid, args.value.groupHandle ?? 0, args.value.queueSubmits ?? []);
    return ret;
  }

  writeStream(pid: number, _fd: number, boHandle: number, offset: number, instrs: CsInstr[]): number {
    const p = this.procs.get(pid);
    if (!p) return -9;
    p.streams.set(`${boHandle}:${offset}`, instrs);
    return 0;
  }

  syncobjWait(pid: number, _fd: number, handles: number[], points: number[], timeoutAbs: Ns, cb: (ret: number) => void): void {
    const w: Waiter = { handles, points, cb, timer: -1, pid };
    if (this.reached(w)) { this.sim.after(0, () => cb(0)); return; }
    w.timer = this.sim.at(timeoutAbs, () => {
      this.waiters = this.waiters.filter((x) => x !== w);
      cb(-62);
    });
    this.waiters.push(w);
  }

  syncobjValue(pid: number, _fd: number, handle: number): number { return this.syncobjs.get(`${pid}:${handle}`) ?? 0; }

  private dispatch(pid: number, args: IoctlArgs): number {
    const p = this.procs.get(pid);
    if (!p) return -9;
    switch (args.case) {
      case 'vmCreate': args.value.id = p.nextHandle++; return 0;
      case 'boCreate': args.value.handle = p.nextHandle++; return 0;
      case 'tilerHeapCreate': args.value.handle = p.nextHandle++; return 0;
      case 'syncobjCreate': args.value.handle = p.nextHandle++; this.syncobjs.set(`${pid}:${args.value.handle}`, 0); return 0;
      case 'primeFdToHandle': args.value.handle = p.nextHandle++; return 0;
      case 'dmaHeapAlloc': if (!args.value.len || args.value.fd) return -22; args.value.fd = p.nextFd++; return 0;
      case 'vmBind':
        for (const op of args.value.ops ?? []) p.maps.push({ va: op.va ?? 0, size: op.size ?? 0, bo: op.boHandle ?? 0 });
        return 0;
      case 'groupCreate': {
        const v = args.value;
        if ((v.priority ?? 0) >= 2 && !p.privileged) return -13; // -EACCES, as group_priority_permit()
        const prot = ((v.flags ?? 0) & 1) !== 0;
        if (prot && !this.cfg.heaps.some((h) => h.name === this.cfg.driver.protectedHeapName && h.appearAt <= this.sim.now)) return -22;
        const handle = this.nextGroup++;
        this.groups.push({ pid, handle, priority: v.priority ?? 0, prot, busyUntil: 0, fatal: false, seqno: 0 });
        v.groupHandle = handle;
        return 0;
      }
      case 'groupSubmit': {
        const g = this.groups.find((x) => x.handle === args.value.groupHandle && x.pid === pid);
        return !g || g.fatal ? -22 : 0;
      }
      case 'groupGetState': {
        const g = this.groups.find((x) => x.handle === args.value.groupHandle && x.pid === pid);
        if (!g) return -22;
        args.value.state = g.fatal ? 2 : 0;
        return 0;
      }
      case 'groupDestroy': {
        const i = this.groups.findIndex((x) => x.handle === args.value.groupHandle && x.pid === pid);
        if (i < 0) return -22;
        this.groups.splice(i, 1);
        return 0;
      }
      default: return 0;
    }
  }

  private runJobs(pid: number, handle: number, submits: NonNullable<Extract<IoctlArgs, { case: 'groupSubmit' }>['value']['queueSubmits']>): void {
    const g = this.groups.find((x) => x.handle === handle && x.pid === pid);
    const p = this.procs.get(pid);
    if (!g || !p) return;
    for (const s of submits) {
      const addr = s.streamAddr ?? 0;
      const m = p.maps.find((x) => addr >= x.va && addr < x.va + x.size);
      const instrs = m ? p.streams.get(`${m.bo}:${addr - m.va}`) ?? [] : [];
      let dur = 0, prot = false;
      for (const i of instrs) {
        if (i.duration) dur += i.duration;
        if (i.op === CsOpcode.PROT_REGION) prot = true;
      }
      const seqno = ++g.seqno;
      s.jobSeqno = seqno;
      const queue = s.queueIndex ?? 0;
      this.emitJob({ group: handle, queue, seqno, phase: JobPhase.JOB_QUEUED, pid, frame: s.frame ?? 0, protRegion: prot });
      const start = Math.max(this.sim.now, g.busyUntil);
      g.busyUntil = start + dur;
      const signals = (s.syncs ?? []).filter((o) => ((o.flags ?? 0) >>> 31) === 1);
      this.sim.at(start, () => {
        if (prot) this.emitMode(GpuMode.MODE_NORMAL, GpuMode.MODE_PROTECTED, handle);
        this.emitJob({ group: handle, queue, seqno, phase: JobPhase.JOB_STARTED, pid });
      });
      this.sim.at(start + dur, () => {
        this.emitJob({ group: handle, queue, seqno, phase: JobPhase.JOB_DONE, pid, gpuNs: dur });
        if (prot) this.emitMode(GpuMode.MODE_PROTECTED, GpuMode.MODE_NORMAL, handle);
        for (const o of signals) this.signal(pid, o.handle ?? 0, o.timelineValue ?? 1);
      });
    }
  }

  private signal(pid: number, handle: number, point: number): void {
    const key = `${pid}:${handle}`;
    if (!this.syncobjs.has(key)) return;
    this.syncobjs.set(key, Math.max(this.syncobjs.get(key) ?? 0, point));
    const ready = this.waiters.filter((w) => this.reached(w));
    if (!ready.length) return;
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) { this.sim.cancel(w.timer); w.cb(0); }
  }

  private reached(w: Waiter): boolean {
    return w.handles.every((h, i) => { const p = w.points[i]; return p !== undefined && (this.syncobjs.get(`${w.pid}:${h}`) ?? 0) >= p; });
  }

  private emitProc(value: { op: number; pid: number; comm?: string; path?: string; fd?: number; appKind?: string; privileged?: boolean }): void {
    this.sim.bus.emit({ t: 0, cause: 0, body: { case: 'process', value: value as never } });
  }

  private emitJob(value: { group: number; queue: number; seqno: number; phase: number; pid: number; frame?: number; protRegion?: boolean; gpuNs?: number }): void {
    this.sim.bus.emit({ t: 0, cause: 0, body: { case: 'job', value: value as never } });
  }

  private emitMode(from: number, to: number, group: number): void {
    this.sim.bus.emit({
      t: 0, cause: 0,
      body: { case: 'modeSwitch', value: { from: from as never, to: to as never, group, cause: to === GpuMode.MODE_PROTECTED ? ModeSwitchCause.CAUSE_SCHED_ENTER : ModeSwitchCause.CAUSE_FW_EXIT } },
    });
  }
}
