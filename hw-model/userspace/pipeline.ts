/**
 * The secure video pipeline's user space (a GStreamer-like player with its own compositor): a
 * live stream's frames arrive at the video rate; each is decoded by the decoder device into a
 * protected capture buffer, composited by the GPU (a PROTECTED group, one PROT_REGION job per
 * frame) into a protected scanout buffer, and committed to the KMS display with the GPU's fence
 * as IN_FENCE_FD. Buffers come from the heaps the central allocator picks (devices/allocator.ts):
 * "decoded" shared by the decoder and the GPU, "scanout" by the GPU and the display.
 *
 *   arrival n ─► VIDIOC_QBUF (free capture buffer) ─► decoder fence ─► GROUP_SUBMIT (waits on it)
 *             ─► atomic commit (IN_FENCE_FD = GPU fence) ─► vblank: flip, or a miss with its reason
 *
 * A frame whose due vblank has passed before it could be decoded or composited is dropped
 * (SCANOUT_DROP), as players drop late frames.
 */
import type { AppConfig, CsInstr, PipelineConfig, UapiKernel } from '../contract.js';
import { DevQueryType, FenceOp } from '../../proto/index.js';
import { NS_PER_S, type Ns, type Sim } from '../sim/index.js';
import type { DmaBuf } from '../dma-heap/index.js';
import { chooseHeap, type KmsDisplay, type PipelineDevices, type VideoDecoder } from '../devices/index.js';
import { AppModel, BUFFER_VA, errnoName, type AppEnv } from './app.js';
import { CsBuilder } from './cs-builder.js';
import { DmaHeapNode, type DrmDevice } from './libdrm.js';
import { DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC, pageAlign } from './uapi.js';

/** 1080p NV12 decoded frame; 1080p XRGB8888 scanout buffer. */
const DECODED_BYTES = pageAlign(1920 * 1080 * 3 / 2);
const SCANOUT_BYTES = pageAlign(1920 * 1080 * 4);

interface PoolBuf {
  fd: number;             // the dma-buf fd until the GPU has imported it (then 0)
  buf: DmaBuf | null;     // the device's attachment (V4L2 buffer / KMS framebuffer)
  handle: number;         // GEM handle on the render node (0 = not imported yet)
  va: number;
  frame: number;          // frame held (0 = free)
}

interface Pool { name: 'decoded' | 'scanout'; heap: string; node: DmaHeapNode | null; bufs: PoolBuf[]; failed: string }

export class SecurePipeline extends AppModel {
  private readonly pc: PipelineConfig;
  private readonly devs: PipelineDevices;
  private readonly decoder: VideoDecoder;
  private readonly display: KmsDisplay;
  private readonly pools: { decoded: Pool; scanout: Pool };
  private readonly nodes = new Map<string, DmaHeapNode>();
  private devicesReady = false;
  private queriedProtected = false;
  /** Frames arrived and not yet queued to the decoder; frames decoded and not yet composited. */
  private readonly pending: number[] = [];
  private readonly ready: number[] = [];
  private arrivals = 0;
  private readonly b = new CsBuilder();

  constructor(sim: Sim, k: UapiKernel, cfg: AppConfig, pid: number, env: AppEnv) {
    super(sim, k, cfg, pid, env);
    const devs = env.devices;
    const pc = cfg.pipeline;
    const decoder = pc && devs?.decoder(pc.decoder);
    const display = pc && devs?.display(pc.display);
    if (!pc || !devs || !decoder || !display) throw new Error(`${cfg.name}: a secure-pipeline needs a decoder and a display (scenario devices)`);
    this.pc = pc; this.devs = devs; this.decoder = decoder; this.display = display;
    const pool = (name: 'decoded' | 'scanout'): Pool => ({ name, heap: '', node: null, bufs: [], failed: '' });
    this.pools = { decoded: pool('decoded'), scanout: pool('scanout') };
    display.onRelease = (id) => this.releaseScanout(id);
  }

  override start(): void {
    super.start();
    this.display.setClip({
      start: this.sim.now, fps: this.cfg.fps, latencyFrames: this.pc.latencyFrames,
      group: () => this.groupHandle,
      setupError: () => (this.devicesReady && this.groupHandle ? '' : this.setupError || 'setting up'),
    });
    this.sim.after(0, arrive, this);
  }

  override stop(): void {
    this.display.setClip(null);
    super.stop();
  }

  protected override externallyPaced(): boolean { return true; }

  // ───────────────────────────── setup ─────────────────────────────

  /** Heap choice, allocation and the decoder's and display's imports: no GPU needed. */
  protected override setupBeforeGpu(): true | string {
    if (this.devicesReady) return true;
    const gpu = this.devs.gpu();
    if (!gpu) return 'no gpu entry in devices';
    const dec = this.decoder.cfg, disp = this.display.cfg;
    const r = this.fillPool(this.pools.decoded, [dec, gpu], this.decoder)
      ?? this.fillPool(this.pools.scanout, [gpu, disp], this.display);
    if (r !== undefined) return r;
    this.devicesReady = true;
    return true;
  }

  private fillPool(p: Pool, devices: Parameters<typeof chooseHeap>[1]['devices'], dev: VideoDecoder | KmsDisplay): string | undefined {
    if (p.failed) return p.failed;
    const prot = this.cfg.protected;
    if (!p.heap) {
      const c = chooseHeap(this.sim, {
        pid: this.pid, pool: p.name, prot, devices, allocator: this.pc.allocator, gpuHeap: this.env.gpuHeap,
        registered: (h) => this.openHeap(h) !== null,
      });
      if (c.ret < 0) {
        const msg = `heap choice (${p.name}): ${c.reason} (${errnoName(c.ret)})`;
        if (c.ret !== -2) p.failed = msg;   // an empty intersection stays empty; a missing heap may register later
        return msg;
      }
      p.heap = c.heap;
      p.node = this.openHeap(c.heap);
    }
    const node = p.node;
    if (!node) return `open /dev/dma_heap/${p.heap}: not open`;
    const size = p.name === 'decoded' ? DECODED_BYTES : SCANOUT_BYTES;
    const base = BUFFER_VA + (p.name === 'decoded' ? 0 : 0x400_0000);
    while (p.bufs.length < Math.max(2, this.cfg.buffers)) {
      const a = node.alloc(size);
      if (a.ret < 0) return `DMA_HEAP_IOCTL_ALLOC ${p.heap} (${p.name}): ${errnoName(a.ret)}`;
      const imp = dev.importFd(this.pid, a.value, p.name);
      if (imp.ret < 0 || !imp.buf) {
        this.k.close(this.pid, a.value);
        p.failed = `${dev.name} refused a ${prot ? 'protected ' : ''}buffer from ${p.heap} (${errnoName(imp.ret)}): it imports ${prot ? 'protected' : 'ordinary'} buffers from [${(prot ? dev.cfg.protectedHeaps : dev.cfg.heaps).join(', ')}]`;
        return p.failed;
      }
      p.bufs.push({ fd: a.value, buf: imp.buf, handle: 0, va: base + p.bufs.length * size, frame: 0 });
    }
    return undefined;
  }

  private openHeap(name: string): DmaHeapNode | null {
    const have = this.nodes.get(name);
    if (have) return have;
    const h = DmaHeapNode.open(this.k, this.pid, name);
    if (typeof h === 'number') return null;
    this.nodes.set(name, h);
    return h;
  }

  protected override queryExtra(dev: DrmDevice): void {
    if (this.cfg.protected && !this.queriedProtected) {
      dev.devQuery(DevQueryType.DRM_PANTHOR_DEV_QUERY_PROTECTED_INFO, 4);
      this.queriedProtected = true;
    }
  }

  /** The GPU imports both pools (PRIME_FD_TO_HANDLE + VM_BIND); the fds are closed afterwards. */
  protected override setupExtra(dev: DrmDevice): true | string {
    for (const p of [this.pools.decoded, this.pools.scanout]) {
      for (const x of p.bufs) {
        if (x.handle) continue;
        const imp = dev.primeFdToHandle(x.fd);
        if (imp.ret < 0) return `PRIME_FD_TO_HANDLE (${p.name}): ${errnoName(imp.ret)}`;
        const size = p.name === 'decoded' ? DECODED_BYTES : SCANOUT_BYTES;
        const m = dev.vmMap(this.vm, imp.value, x.va, size, DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC);
        if (m < 0) return `VM_BIND (${p.name}): ${errnoName(m)}`;
        x.handle = imp.value;
        this.k.close(this.pid, x.fd);
        x.fd = 0;
      }
    }
    return true;
  }

  /** userspace-dmabuf: the group's protected dma-buf comes from the scanout pool's heap. */
  protected override protmHeap(): DmaHeapNode | string { return this.pools.scanout.node ?? 'no protected heap open for the protm buffer'; }

  protected override teardownExtra(): void {
    for (const [p, dev] of [[this.pools.decoded, this.decoder], [this.pools.scanout, this.display]] as const) {
      for (const x of p.bufs) {
        if (x.fd) this.k.close(this.pid, x.fd);
        if (x.buf) dev.detach(this.pid, x.buf, p.name);
      }
      p.bufs.length = 0;
    }
    for (const n of this.nodes.values()) n.close();
    this.nodes.clear();
  }

  // ───────────────────────────── frames ─────────────────────────────

  static arrival(app: SecurePipeline): void { app.onArrival(); }

  private onArrival(): void {
    const n = ++this.arrivals;
    this.sim.at(this.display.clipStart() + Math.round((n * NS_PER_S) / this.cfg.fps), arrive, this);
    if (!this.devicesReady) return;       // no buffers to decode into: the display reports why
    this.pending.push(n);
    this.feedDecoder();
  }

  /** Queues pending frames to the decoder while capture buffers are free; late ones are dropped. */
  private feedDecoder(): void {
    const now = this.sim.now;
    while (this.pending.length) {
      const f = this.pending[0]!;
      if (this.display.dueAt(f) <= now) { this.pending.shift(); this.display.drop(f, -1); continue; }
      const x = this.pools.decoded.bufs.find((b) => b.frame === 0);
      if (!x || !x.buf) return;
      this.pending.shift();
      x.frame = f;
      const rec = this.display.track(f);
      this.decoder.decode(f, x.buf, (d) => this.onDecoded(d.frame, d.signalEv));
      rec.decodeEmitEv = this.decoder.emitOf(f);
    }
  }

  private onDecoded(frame: number, signalEv: number): void {
    const rec = this.display.track(frame);
    rec.decodedAt = this.sim.now;
    rec.decodeSignalEv = signalEv;
    this.ready.push(frame);
    this.kick();
  }

  protected override nextFrameNumber(): number {
    const now = this.sim.now;
    // Overdue before it could be composited: dropped, as a player's sink drops late frames.
    while (this.ready.length && this.display.dueAt(this.ready[0]!) <= now) {
      const f = this.ready.shift()!;
      this.freeDecoded(f);
      this.display.drop(f, this.display.track(f).decodeSignalEv);
    }
    if (!this.ready.length) return 0;
    const s = this.pools.scanout.bufs.find((b) => b.frame === 0);
    if (!s) return 0;                     // every scanout buffer is committed or on screen
    const f = this.ready.shift()!;
    s.frame = f;
    return f;
  }

  protected override frameDeadline(frame: number): Ns { return this.display.dueAt(frame); }

  protected buildFrame(frame: number): CsInstr[][] {
    const b = this.b;
    const dst = this.pools.scanout.bufs.find((x) => x.frame === frame);
    b.move48(dst ? dst.va : BUFFER_VA);
    // Composite the decoded frame (and the UI planes) into the scanout buffer.
    if (this.cfg.protected) b.protRegion((p) => { p.runFragment(this.jobTime()); });
    else b.runFragment(this.jobTime());
    return [b.finish()];
  }

  protected override submitted(frame: number, point: number): void {
    const rec = this.display.track(frame);
    const dst = this.pools.scanout.bufs.find((x) => x.frame === frame);
    const bufId = dst?.buf?.id ?? 0;
    this.sim.bus.emitBody({ case: 'fence', value: {
      op: FenceOp.FENCE_WAIT, device: this.decoder.name, kind: this.decoder.kind, frame, bufferId: this.decodedOf(frame)?.buf?.id ?? 0,
      waiter: 'gpu', seqno: 0,
    } }, rec.decodeSignalEv);
    rec.gpuEmitEv = this.sim.bus.emitBody({ case: 'fence', value: {
      op: FenceOp.FENCE_EMIT, device: 'gpu', kind: 0, frame, bufferId: bufId, waiter: '', seqno: point,
    } });
    this.display.commit(frame, bufId, this.pid);
  }

  protected override frameCompleted(frame: number): void {
    const rec = this.display.track(frame);
    rec.gpuSignalledAt = this.sim.now;
    const dst = this.pools.scanout.bufs.find((x) => x.frame === frame);
    rec.gpuSignalEv = this.sim.bus.emitBody({ case: 'fence', value: {
      op: FenceOp.FENCE_SIGNAL, device: 'gpu', kind: 0, frame, bufferId: dst?.buf?.id ?? 0, waiter: '', seqno: 0,
    } }, rec.gpuEmitEv);
    this.freeDecoded(frame);
  }

  /** Not queued: the frame goes back to the head of the queue, its scanout buffer is free again. */
  protected override submitFailed(frame: number): void {
    this.freeScanoutOf(frame);
    this.ready.unshift(frame);
  }

  /** Lost with its group: dropped, and every buffer it held is free again. */
  protected override frameLost(frame: number): void {
    this.freeScanoutOf(frame);
    this.display.drop(frame, this.display.track(frame).gpuEmitEv);
    this.freeDecoded(frame);
  }

  private freeScanoutOf(frame: number): void {
    const s = this.pools.scanout.bufs.find((x) => x.frame === frame);
    if (s) s.frame = 0;
  }

  private decodedOf(frame: number): PoolBuf | undefined { return this.pools.decoded.bufs.find((x) => x.frame === frame); }

  private freeDecoded(frame: number): void {
    const x = this.decodedOf(frame);
    if (x) x.frame = 0;
    this.feedDecoder();
  }

  private releaseScanout(bufferId: number): void {
    const x = this.pools.scanout.bufs.find((b) => b.buf?.id === bufferId);
    if (x) x.frame = 0;
    this.kick();
  }
}

function arrive(app: SecurePipeline): void { SecurePipeline.arrival(app); }
