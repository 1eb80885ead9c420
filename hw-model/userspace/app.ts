/**
 * The base of every app model: a process that opens the render node, sets up a VM, a command
 * stream buffer, a group and a timeline syncobj the way a Mesa driver does, then runs closed
 * loop: build a frame's streams, GROUP_SUBMIT them with a syncobj signal, wait for that point,
 * and only then schedule the next frame (at the next vsync for paced apps, at once otherwise).
 *
 *   start ─► setup (retried with backoff while the device / heap / group is not available)
 *         ─► frame: writeStream + GROUP_SUBMIT ─► SYNCOBJ wait ─► next frame ...
 *         ─► on a failed submit or wait: GROUP_GET_STATE; a dead group is destroyed and recreated
 *   stop  ─► GROUP_DESTROY, close, exit
 *
 * Everything the app does goes through the uAPI (libdrm.ts); randomness comes from the app's own
 * PRNG stream `app:<name>`.
 */
import type { AppConfig, CsInstr, GpuConfig, UapiKernel } from '../contract.js';
import { DevQueryType, ERRNO_NAMES, LogLevel, type QueueSubmitInit, EACCES, EPERM, ETIME } from '../../proto/index.js';
import { NS_PER_S, ms, us, type Ns, type Rng, type Sim } from '../sim/index.js';
import { CS_INSTR_BYTES, hasProtRegion } from './cs-builder.js';
import { EGL_SUCCESS, Egl, type EglContext, type EglSurface } from './egl.js';
import { DmaHeapNode, DrmDevice, signalOp } from './libdrm.js';
import type { PipelineDevices } from '../devices/index.js';
import {
  PROTM_USER_BUFFER_SIZE, DRM_PANTHOR_GROUP_CREATE_PROTECTED, DRM_PANTHOR_GROUP_STATE_FATAL_FAULT, DRM_PANTHOR_GROUP_STATE_TIMEDOUT, DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_TIMELINE_SYNCOBJ, DRM_PANTHOR_SYNC_OP_SIGNAL, PANTHOR_GROUP_PRIORITY,
} from './uapi.js';

/** Per-app counters kept by the model (what the app itself saw). */
export interface AppStats {
  name: string;
  kind: string;
  pid: number;
  framesSubmitted: number;
  framesDone: number;
  /** Paced apps: frames that completed after their vsync deadline. */
  framesMissed: number;
  submitErrors: number;
  waitTimeouts: number;
  /** Groups destroyed and recreated after a fatal fault or timeout. */
  recoveries: number;
  setupRetries: number;
  /** Virtual time the first frame completed (-1 = never). */
  firstFrameAt: Ns;
}

/** What an app knows of the system it runs on (the GPU it was built for, the uAPI flavour). */
export interface AppEnv {
  gpu: GpuConfig;
  /**
   * The kernel implements the userspace-dmabuf design: a PROTECTED group comes with a protected
   * dma-buf from user space (GroupCreate.protm_buf_fd) for its suspend buffer and, after a full
   * reset, the FW's protected sections.
   */
  userSuppliedProtmBuffers: boolean;
  /** The driver's protected heap (a browser's protected video surface comes from it). */
  protectedHeapName?: string | undefined;
  /** The scenario's decoders, displays and import lists (secure-pipeline apps). */
  devices?: PipelineDevices | undefined;
  /** The GPU driver's own protected heap (DT property / module parameter; '' = none). */
  gpuHeap: string;
}

/** GPU VA layout of every app (the user VA range starts above the first MiB). */
export const CS_VA = 0x10_0000;
export const CS_BO_SIZE = 64 * 1024;
export const SYNC_VA = 0x20_0000;
export const BUFFER_VA = 0x100_0000;
/** One stream slot in the CS buffer: 32 instructions, 64-byte aligned as GROUP_SUBMIT requires. */
const SLOT_BYTES = 256;
const RING_SIZE = 16 * 1024;
/** The protected pbuffer surface of the mixed-surfaces case (a 720p video frame). */
const MIXED_SURFACE_BYTES = 1280 * 720 * 2;
/** How long a frame wait may take before the app checks its group. */
const WAIT_TIMEOUT: Ns = ms(2000);
const RETRY_FIRST: Ns = ms(20);
const RETRY_MAX: Ns = ms(250);

export abstract class AppModel {
  readonly stats: AppStats;
  protected readonly rng: Rng;
  protected dev: DrmDevice | null = null;
  protected vm = 0;
  protected csBo = 0;
  protected group = 0;
  protected syncobj = 0;
  protected priority: number;
  protected shaderPresent: number;
  /** The app's EGL (egl.ts): its context is the group, its window surface the app's buffers. */
  protected readonly egl: Egl;
  private eglCtx: EglContext | null = null;
  private eglSurface: EglSurface | null = null;
  private mixedDone = false;
  /** Timeline point of the last submitted frame on the current syncobj. */
  private point = 0;
  private frame = 0;
  private frameStart: Ns = 0;
  private vsyncBase: Ns = -1;
  private timer = -1;
  private retryDelay: Ns = RETRY_FIRST;
  private lastSetupError = '';
  private started = false;
  private stopped = false;
  /** A submitted frame's syncobj point is awaited (externally paced apps submit one at a time). */
  private inFlight = false;
  private readonly slots: number;
  private readonly waitCb: (ret: number) => void;
  private submittedFrame = 0;
  private protmFd = 0;

  constructor(protected readonly sim: Sim, protected readonly k: UapiKernel, readonly cfg: AppConfig,
              readonly pid: number, protected readonly env: AppEnv) {
    this.rng = sim.rng(`app:${cfg.name}`);
    this.egl = new Egl(sim, pid, cfg.egl === true);
    this.priority = PANTHOR_GROUP_PRIORITY[cfg.priority];
    this.shaderPresent = env.gpu.shaderPresent;
    this.slots = Math.floor(CS_BO_SIZE / (SLOT_BYTES * cfg.queues));
    this.waitCb = (ret) => this.onFrameDone(ret);
    this.stats = {
      name: cfg.name, kind: cfg.kind, pid, framesSubmitted: 0, framesDone: 0, framesMissed: 0, submitErrors: 0,
      waitTimeouts: 0, recoveries: 0, setupRetries: 0, firstFrameAt: -1,
    };
  }

  /** Frame period in ns (0 = closed loop as fast as possible). */
  get period(): Ns { return this.cfg.fps > 0 ? Math.round(NS_PER_S / this.cfg.fps) : 0; }

  /** The process appears and starts setting up. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.k.spawn(this.pid, this.cfg.name, this.cfg.kind, this.cfg.privileged);
    this.trySetup();
  }

  /** The process tears down its GPU objects and exits. */
  stop(): void {
    if (!this.started || this.stopped) return;
    this.stopped = true;
    if (this.timer >= 0) { this.sim.cancel(this.timer); this.timer = -1; }
    const dev = this.dev;
    if (dev) {
      if (this.group) dev.groupDestroy(this.group);
      if (this.eglCtx) this.egl.contextDestroyed(this.eglCtx);
      if (this.syncobj) dev.syncobjDestroy(this.syncobj);
      if (this.protmFd > 0) this.k.close(this.pid, this.protmFd);
      this.protmFd = 0;
      this.teardownExtra(dev);
      if (this.eglSurface) this.egl.surfaceDestroyed(this.eglSurface);
      dev.close();
    }
    this.group = 0; this.syncobj = 0; this.dev = null;
    this.k.exit(this.pid);
  }

  // ───────────────────────────── per-kind hooks ─────────────────────────────

  /** Extra setup after the VM and CS buffer exist (heaps, buffers, tiler heap). true = done. */
  protected setupExtra(_dev: DrmDevice): true | string { return true; }
  /** Extra teardown before the device is closed. */
  protected teardownExtra(_dev: DrmDevice): void { /* nothing by default */ }
  /** DEV_QUERY extras (the video player asks for PROTECTED_INFO). */
  protected queryExtra(_dev: DrmDevice): void { /* nothing by default */ }
  /** The buffers behind the app's window surface (the video player's protected frames). */
  protected surfaceBuffers(): readonly number[] { return []; }
  /**
   * userspace-dmabuf: the heap a PROTECTED group's protected dma-buf (GroupCreate.protm_buf_fd: its
   * suspend buffer and the FW's protected sections) is allocated from; null = none, or what is missing.
   */
  protected protmHeap(): DmaHeapNode | string | null { return null; }
  /** Work before a frame's submit (e.g. rebinding transient memory); false = skip this frame. */
  protected beforeSubmit(_dev: DrmDevice, _frame: number): boolean { return true; }
  /** The streams of frame `frame`, one per queue (index = queue_index). */
  protected abstract buildFrame(frame: number): CsInstr[][];
  /**
   * Apps whose frames come from elsewhere (the secure pipeline's decoder): no vsync loop; a frame
   * starts with kick() when nextFrameNumber() has one, and the next one once it is done.
   */
  protected externallyPaced(): boolean { return false; }
  /** Setup steps before the render node is opened (devices other than the GPU). true = done. */
  protected setupBeforeGpu(): true | string { return true; }
  /** The number of the next frame (0 = none ready: an externally paced app goes idle). */
  protected nextFrameNumber(): number { return ++this.frame; }
  /** The frame's deadline (QueueSubmit.deadline_ns; 0 = none). */
  protected frameDeadline(_frame: number): Ns { return this.period > 0 ? this.frameStart + this.period : 0; }
  /** After a successful GROUP_SUBMIT of `frame`, signalling `point` on the app's syncobj. */
  protected submitted(_frame: number, _point: number): void { /* nothing by default */ }
  /** The frame's syncobj point signalled. */
  protected frameCompleted(_frame: number): void { /* nothing by default */ }
  /** GROUP_SUBMIT of the frame failed (it was not queued). */
  protected submitFailed(_frame: number): void { /* nothing by default */ }
  /** The frame was in flight on a group that died (fatal fault, timeout): it will never signal. */
  protected frameLost(_frame: number): void { /* nothing by default */ }
  /** The group in use (0 = none yet). */
  protected get groupHandle(): number { return this.group; }
  /** The last setup failure ('' once set up). */
  protected get setupError(): string { return this.lastSetupError; }
  /** Starts a frame now if an externally paced app is set up and idle. */
  protected kick(): void {
    if (this.stopped || this.inFlight || this.timer >= 0 || !this.dev || !this.group || !this.syncobj) return;
    this.runFrame();
  }

  /** CPU time between a paced app's vsync and its submit (recording the frame's commands). */
  protected cpuTime(): Ns { return this.rng.int(us(200), us(1500)); }

  /** A duration drawn around the configured job duration with the configured jitter. */
  protected jobTime(fraction = 1): Ns {
    return Math.max(us(1), this.rng.jitter(this.cfg.jobDuration * fraction, this.cfg.jitter));
  }

  protected log(level: LogLevel, msg: string): void {
    this.sim.bus.emit({ t: 0, cause: 0, body: { case: 'log', value: { level, msg, source: `app:${this.cfg.name}` } } });
  }

  /** Timer entry points (plain functions + arg: no closure per scheduled event). */
  static retrySetup(app: AppModel): void { app.trySetup(); }
  static nextFrame(app: AppModel): void { app.runFrame(); }

  // ───────────────────────────── setup ─────────────────────────────

  private trySetup(): void {
    this.timer = -1;
    if (this.stopped) return;
    const r = this.setup();
    if (r === true) {
      this.retryDelay = RETRY_FIRST;
      this.lastSetupError = '';
      if (this.vsyncBase < 0) this.vsyncBase = this.sim.now;
      if (this.externallyPaced()) this.kick(); else this.runFrame();
      return;
    }
    this.stats.setupRetries++;
    if (r !== this.lastSetupError) {
      this.log(LogLevel.LOG_WARN, `${r}; retrying`);
      this.lastSetupError = r;
    }
    this.timer = this.sim.after(this.retryDelay, retrySetup, this);
    this.retryDelay = Math.min(this.retryDelay * 2, RETRY_MAX);
  }

  /** One pass of the setup steps; each step is kept once done. Returns true or what failed. */
  private setup(): true | string {
    const pre = this.setupBeforeGpu();
    if (pre !== true) return pre;
    if (!this.dev) {
      const d = DrmDevice.open(this.k, this.pid);
      if (typeof d === 'number') return `open /dev/dri/renderD128: ${errnoName(d)}`;
      this.dev = d;
      this.queryDevice(d);
    }
    const dev = this.dev;
    if (!this.vm) {
      const r = dev.vmCreate();
      if (r.ret < 0) return `VM_CREATE: ${errnoName(r.ret)}`;
      this.vm = r.value;
    }
    if (!this.csBo) {
      const r = dev.boCreate(CS_BO_SIZE, 0, this.vm);
      if (r.ret < 0) return `BO_CREATE: ${errnoName(r.ret)}`;
      const m = dev.vmMap(this.vm, r.value, CS_VA, CS_BO_SIZE);
      if (m < 0) return `VM_BIND: ${errnoName(m)}`;
      this.csBo = r.value;
    }
    const extra = this.setupExtra(dev);
    if (extra !== true) return extra;
    // A window surface over the app's buffers: protected when they come from the protected heap.
    if (!this.eglSurface) this.eglSurface = this.egl.surfaceCreated(this.cfg.protected, this.surfaceBuffers(), true);
    if (!this.group) {
      const r = this.createGroup(dev);
      if (r !== true) return r;
    }
    if (!this.syncobj) {
      const r = dev.syncobjCreate();
      if (r.ret < 0) return `SYNCOBJ_CREATE: ${errnoName(r.ret)}`;
      this.syncobj = r.value;
      this.point = 0;
    }
    if (this.cfg.eglMixedSurfaces && !this.mixedDone) this.mixedSurfaces(dev);
    return true;
  }

  /**
   * A browser showing protected video inside its normal UI: a protected pbuffer surface from the
   * protected heap, made current with the window surface in its normal context: EGL_BAD_ACCESS
   * (EGL_EXT_protected_content), so the app goes on rendering without the video.
   */
  private mixedSurfaces(dev: DrmDevice): void {
    this.mixedDone = true;
    const ctx = this.eglCtx, win = this.eglSurface;
    if (!ctx || !win) return;
    const heapName = this.env.protectedHeapName ?? 'protected';
    const bos: number[] = [];
    const node = DmaHeapNode.open(this.k, this.pid, heapName);
    if (typeof node !== 'number') {
      const a = node.alloc(MIXED_SURFACE_BYTES);
      if (a.ret >= 0) {
        const imp = dev.primeFdToHandle(a.value);
        this.k.close(this.pid, a.value);
        if (imp.ret >= 0) bos.push(imp.value);
      }
      node.close();
    }
    const video = this.egl.surfaceCreated(true, bos, bos.length > 0, ctx.id);
    if (!video) { this.log(LogLevel.LOG_WARN, `protected surface from ${heapName}: EGL_BAD_ALLOC; no video`); return; }
    if (this.egl.makeCurrent(ctx, video, win) !== EGL_SUCCESS) {
      this.log(LogLevel.LOG_WARN, 'eglMakeCurrent(protected surface, normal context): EGL_BAD_ACCESS; rendering without the video');
    }
  }

  private queryDevice(dev: DrmDevice): void {
    const gi = dev.devQuery(DevQueryType.DRM_PANTHOR_DEV_QUERY_GPU_INFO, 136);
    const sp = gi.value.gpuInfo?.shaderPresent;
    if (gi.ret === 0 && sp) this.shaderPresent = sp;
    dev.devQuery(DevQueryType.DRM_PANTHOR_DEV_QUERY_CSIF_INFO, 24);
    dev.devQuery(DevQueryType.DRM_PANTHOR_DEV_QUERY_GROUP_PRIORITIES_INFO, 4);
    this.queryExtra(dev);
  }

  private createGroup(dev: DrmDevice): true | string {
    const queues = [];
    for (let q = 0; q < this.cfg.queues; q++) queues.push({ priority: 1, ringbufSize: RING_SIZE });
    const protmBufFd = this.protmBufferFd();
    if (typeof protmBufFd === 'string') return protmBufFd;
    const req = {
      queues, priority: this.priority, flags: this.cfg.protectedGroup ? DRM_PANTHOR_GROUP_CREATE_PROTECTED : 0,
      vmId: this.vm, coreMask: this.shaderPresent, tilerMask: 1, maxCores: popcount(this.shaderPresent), protmBufFd,
    };
    let r = dev.groupCreate(req);
    if ((r.ret === -EACCES || r.ret === -EPERM) && this.priority > PANTHOR_GROUP_PRIORITY.medium) {
      // group_priority_permit() refuses HIGH/REALTIME without CAP_SYS_NICE or DRM master (-EACCES).
      // Like a Vulkan app refused a global priority: fall back to the default priority.
      this.log(LogLevel.LOG_WARN, `GROUP_CREATE priority ${this.cfg.priority}: ${r.ret === -EACCES ? 'EACCES' : 'EPERM'}; falling back to medium`);
      this.priority = PANTHOR_GROUP_PRIORITY.medium;
      r = dev.groupCreate({ ...req, queues: queues.map((q) => ({ ...q })), priority: this.priority });
    }
    // The kernel holds its own reference once the group exists; keep the fd for a retry otherwise.
    if (r.ret === 0 && this.protmFd > 0) { this.k.close(this.pid, this.protmFd); this.protmFd = 0; }
    const ctx = this.egl.contextCreated(this.cfg.protectedGroup, r.ret, r.ret < 0 ? 0 : r.value);
    if (r.ret < 0 || !ctx) return `GROUP_CREATE${this.cfg.protectedGroup ? ' (PROTECTED)' : ''}: ${errnoName(r.ret)}`;
    this.group = r.value;
    this.eglCtx = ctx;
    if (this.eglSurface) this.egl.makeCurrent(ctx, this.eglSurface, this.eglSurface);
    return true;
  }

  /** GroupCreate.protm_buf_fd for a PROTECTED group (0 = none), or what failed. */
  private protmBufferFd(): number | string {
    if (!this.cfg.protected || !this.env.userSuppliedProtmBuffers) return 0;
    if (this.protmFd > 0) return this.protmFd;
    const node = this.protmHeap();
    if (node === null) return 0;
    if (typeof node === 'string') return node;
    const a = node.alloc(PROTM_USER_BUFFER_SIZE);
    if (a.ret < 0) return `DMA_HEAP_IOCTL_ALLOC ${node.name} (protm buffer): ${errnoName(a.ret)}`;
    this.protmFd = a.value;
    return this.protmFd;
  }

  // ───────────────────────────── frames ─────────────────────────────

  private runFrame(): void {
    this.timer = -1;
    if (this.stopped || !this.dev) return;
    const dev = this.dev;
    const frame = this.nextFrameNumber();
    if (frame === 0) return;
    this.frameStart = this.sim.now;
    if (!this.beforeSubmit(dev, frame)) {
      if (!this.externallyPaced()) this.timer = this.sim.after(this.period || ms(1), nextFrame, this);
      return;
    }
    const streams = this.buildFrame(frame);
    const point = this.point + 1;
    const submits: QueueSubmitInit[] = [];
    const base = (frame % this.slots) * this.cfg.queues * SLOT_BYTES;
    for (const [q, s] of streams.entries()) {
      const offset = base + q * SLOT_BYTES;
      if (s.length * CS_INSTR_BYTES > SLOT_BYTES) throw new RangeError(`${this.cfg.name}: stream of ${s.length} instructions exceeds a slot`);
      dev.writeStream(this.csBo, offset, s);
      submits.push({
        queueIndex: q, streamSize: s.length * CS_INSTR_BYTES, streamAddr: CS_VA + offset, latestFlush: 0,
        syncs: q === streams.length - 1
          ? [signalOp(this.syncobj, point, DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_TIMELINE_SYNCOBJ | DRM_PANTHOR_SYNC_OP_SIGNAL)]
          : [],
        protRegion: hasProtRegion(s), frame, deadlineNs: this.frameDeadline(frame),
      });
    }
    const ret = dev.groupSubmit(this.group, submits);
    if (ret < 0) {
      this.stats.submitErrors++;
      this.submitFailed(frame);
      this.checkGroup(`GROUP_SUBMIT: ${errnoName(ret)}`);
      return;
    }
    this.point = point;
    this.stats.framesSubmitted++;
    this.inFlight = true;
    this.submittedFrame = frame;
    this.submitted(frame, point);
    dev.syncobjWait([this.syncobj], [point], this.sim.now + WAIT_TIMEOUT, this.waitCb);
  }

  private onFrameDone(ret: number): void {
    if (this.stopped || !this.dev) return;
    if (ret === -ETIME) {
      this.stats.waitTimeouts++;
      if (this.checkGroup('frame wait timed out')) {
        // The group is healthy, just slow (e.g. starved): keep waiting for the same point.
        this.dev.syncobjWait([this.syncobj], [this.point], this.sim.now + WAIT_TIMEOUT, this.waitCb);
      }
      return;
    }
    if (ret < 0) {
      this.stats.submitErrors++;
      this.checkGroup(`SYNCOBJ_WAIT: ${errnoName(ret)}`);
      return;
    }
    const now = this.sim.now;
    this.stats.framesDone++;
    if (this.stats.firstFrameAt < 0) this.stats.firstFrameAt = now;
    this.inFlight = false;
    if (this.externallyPaced()) {
      this.frameCompleted(this.submittedFrame);
      this.kick();
      return;
    }
    const period = this.period;
    if (period > 0) {
      if (now > this.frameStart + period) this.stats.framesMissed++;
      // Next vsync after now (frames that missed theirs wait for the following one), plus the
      // CPU time to record the frame: submits do not land exactly on the vsync.
      const k = Math.floor((now - this.vsyncBase) / period) + 1;
      this.timer = this.sim.at(this.vsyncBase + k * period + this.cpuTime(), nextFrame, this);
    } else {
      // Closed loop: a little CPU time to record the next batch.
      this.timer = this.sim.after(this.rng.int(us(50), us(200)), nextFrame, this);
    }
  }

  /**
   * After a failure: GROUP_GET_STATE. A group with a fatal fault or a timeout is destroyed and
   * recreated (with a fresh syncobj), as a robust client recovers from a lost context, however
   * often it happens; returns true when the group is healthy.
   */
  private checkGroup(what: string): boolean {
    const dev = this.dev;
    if (!dev) return false;
    const st = dev.groupGetState(this.group);
    const dead = st.ret < 0 || (st.value.state & (DRM_PANTHOR_GROUP_STATE_FATAL_FAULT | DRM_PANTHOR_GROUP_STATE_TIMEDOUT)) !== 0;
    if (!dead) {
      if (what !== 'frame wait timed out') this.timer = this.sim.after(this.period || ms(1), nextFrame, this);
      return true;
    }
    this.stats.recoveries++;
    if (this.inFlight) { this.inFlight = false; this.frameLost(this.submittedFrame); }
    this.log(LogLevel.LOG_WARN, `${what}; group state 0x${st.value.state.toString(16)}: recreating the group`);
    dev.groupDestroy(this.group);
    if (this.eglCtx) { this.egl.contextDestroyed(this.eglCtx); this.eglCtx = null; }
    dev.syncobjDestroy(this.syncobj);
    this.group = 0;
    this.syncobj = 0;
    this.timer = this.sim.after(this.period || ms(1), retrySetup, this);
    return false;
  }
}

function retrySetup(app: AppModel): void { AppModel.retrySetup(app); }
function nextFrame(app: AppModel): void { AppModel.nextFrame(app); }

export function popcount(x: number): number {
  let n = 0;
  for (let v = x; v; v = Math.floor(v / 2)) n += v & 1;
  return n;
}


/** "ENOENT" for -2 (or 2); "errno 99" for unknown values. */
export function errnoName(ret: number): string {
  const e = Math.abs(ret);
  return ERRNO_NAMES[e] ?? `errno ${e}`;
}
