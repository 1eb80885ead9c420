/**
 * The app models. Each differs in how it sets up (tiler heap, protected buffers from a dma-heap,
 * a sync buffer between queues) and what one frame's command streams contain:
 *
 *   compositor    RUN_IDVS, FINISH_TILING, WAIT, RUN_FRAGMENT, WAIT, FINISH_FRAGMENT   (UI, 60 Hz)
 *   video-player  WAIT(all), PROT_REGION, RUN_FRAGMENT, WAIT(all)   (PROTECTED group, buffers
 *                 allocated with DMA_HEAP_IOCTL_ALLOC and imported with PRIME_FD_TO_HANDLE)
 *   compute       RUN_COMPUTE × 4, WAIT   (LOW, long jobs, closed loop)
 *   game          geometry then fragment; with 2+ queues the fragment queue SYNC_WAIT64s on the
 *                 geometry queue's SYNC_SET64 (MEDIUM, heavy frames)
 */
import type { AppConfig, CsInstr, UapiKernel } from '../contract.js';
import { DevQueryType } from '../../proto/index.js';
import { ms, us, type Ns, type Sim } from '../sim/index.js';
import { AppModel, BUFFER_VA, SYNC_VA, errnoName, type AppEnv } from './app.js';
import { CsBuilder, SB_ALL_MASK } from './cs-builder.js';
import { DmaHeapNode, mapOp, unmapOp, type DrmDevice } from './libdrm.js';
import { SecurePipeline } from './pipeline.js';
import { DRM_PANTHOR_BO_NO_MMAP, DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC, pageAlign } from './uapi.js';

const TILER_CHUNK_SIZE = 2 * 1024 * 1024;

/** Graphics apps create a tiler heap for their VM, as panvk does per device. */
abstract class GraphicsApp extends AppModel {
  protected tilerHeap = 0;
  /** The heap context's GPU VA, for HEAP_SET. */
  protected tilerCtx = 0;
  protected readonly b = new CsBuilder();

  protected override setupExtra(dev: DrmDevice): true | string {
    if (!this.tilerHeap) {
      const c = this.cfg;
      const r = dev.tilerHeapCreate(this.vm, TILER_CHUNK_SIZE, c.tilerInitialChunks, c.tilerMaxChunks, c.tilerTargetInFlight);
      if (r.ret < 0) return `TILER_HEAP_CREATE: ${errnoName(r.ret)}`;
      this.tilerHeap = r.value;
      this.tilerCtx = r.ctxVa;
    }
    return true;
  }

  /**
   * The render pass's geometry: RUN_IDVS; with `tiler_chunks`, after HEAP_SET, filling that many
   * chunks of the tiler heap (TILER_OOM when the heap has fewer free).
   */
  protected geometry(b: CsBuilder, duration: Ns, frame: number): CsBuilder {
    const c = this.cfg;
    const n = c.tilerChunks > 0 ? Math.min(4096, c.tilerChunks + c.tilerChunksStep * Math.max(0, frame - 1)) : 0;
    return n > 0 ? b.heapSet(this.tilerCtx).runIdvsHeap(duration, n) : b.runIdvs(duration);
  }

  protected override teardownExtra(dev: DrmDevice): void {
    if (this.tilerHeap) dev.tilerHeapDestroy(this.tilerHeap);
    this.tilerHeap = 0;
  }
}

/** A Wayland compositor: composes the UI at the display rate (HIGH or REALTIME). */
export class Compositor extends GraphicsApp {
  protected buildFrame(frame: number): CsInstr[][] {
    const b = this.b;
    b.move48(BUFFER_VA + (frame % 3) * 0x80_0000);  // framebuffer of the triple-buffered swapchain
    this.geometry(b, this.jobTime(0.3), frame).finishTiling().wait(SB_ALL_MASK)
      .runFragment(this.jobTime(0.7)).wait(SB_ALL_MASK).finishFragment();
    return [b.finish()];
  }
}

/** 1080p NV12 frame. */
const VIDEO_FRAME_BYTES = pageAlign(1920 * 1080 * 3 / 2);

/**
 * A protected video player: protected buffers from the protected heap (DMA_HEAP_IOCTL_ALLOC on
 * /dev/dma_heap/<heap>, PRIME import into the render node, VM_BIND), a PROTECTED group, and one
 * PROT_REGION frame (colour conversion into a protected buffer) per video frame.
 */
export class VideoPlayer extends AppModel {
  private heap: DmaHeapNode | null = null;
  private buffers: number[] = [];
  private queriedProtected = false;
  private readonly b = new CsBuilder();

  protected override queryExtra(dev: DrmDevice): void {
    if (this.cfg.protected && !this.queriedProtected) {
      dev.devQuery(DevQueryType.DRM_PANTHOR_DEV_QUERY_PROTECTED_INFO, 4);
      this.queriedProtected = true;
    }
  }

  protected override setupExtra(dev: DrmDevice): true | string {
    if (this.buffers.length >= this.cfg.buffers) return true;
    if (!this.heap) {
      const h = DmaHeapNode.open(this.k, this.pid, this.cfg.heap);
      if (typeof h === 'number') return `open /dev/dma_heap/${this.cfg.heap}: ${errnoName(h)}`;
      this.heap = h;
    }
    while (this.buffers.length < this.cfg.buffers) {
      const a = this.heap.alloc(VIDEO_FRAME_BYTES);
      if (a.ret < 0) return `DMA_HEAP_IOCTL_ALLOC ${this.cfg.heap}: ${errnoName(a.ret)}`;
      const imp = dev.primeFdToHandle(a.value);
      // The GEM object holds its own reference to the dma-buf: the fd is no longer needed.
      this.k.close(this.pid, a.value);
      if (imp.ret < 0) return `PRIME_FD_TO_HANDLE: ${errnoName(imp.ret)}`;
      const va = BUFFER_VA + this.buffers.length * VIDEO_FRAME_BYTES;
      const m = dev.vmMap(this.vm, imp.value, va, VIDEO_FRAME_BYTES, DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC);
      if (m < 0) return `VM_BIND (${this.cfg.protected ? 'protected ' : ''}buffer): ${errnoName(m)}`;
      this.buffers.push(imp.value);
    }
    return true;
  }

  /** userspace-dmabuf: the protected dma-buf for the group comes from the player's heap. */
  protected override protmHeap(): DmaHeapNode | string { return this.heap ?? `open /dev/dma_heap/${this.cfg.heap}: not open`; }

  protected override surfaceBuffers(): readonly number[] { return this.buffers; }

  protected override teardownExtra(): void {
    this.heap?.close();
    this.heap = null;
  }

  /** Frames follow the media clock; the decoder hands each one over 0.5 to 4 ms after its slot. */
  protected override cpuTime(): Ns { return this.rng.int(us(500), ms(4)); }

  protected buildFrame(frame: number): CsInstr[][] {
    const b = this.b;
    const n = Math.max(1, this.cfg.buffers);
    b.move48(BUFFER_VA + (frame % n) * VIDEO_FRAME_BYTES);
    if (this.cfg.protected) b.protRegion((p) => { p.runFragment(this.jobTime()); });
    else b.wait(SB_ALL_MASK).runFragment(this.jobTime()).wait(SB_ALL_MASK);
    return [b.finish()];
  }
}

/** Scratch memory of a compute batch (activations, a tensor arena). */
const SCRATCH_BYTES = 1024 * 1024;
const SCRATCH_VA = 0x800_0000;

/**
 * Background compute (LOW): long batches of dispatches, back to back. Each batch rebinds its
 * scratch arena at the other of two VAs (VM_BIND UNMAP + MAP), as an ML runtime recycling
 * transient allocations does: MMU work on the VM while other groups may be protected.
 */
export class Compute extends AppModel {
  private readonly b = new CsBuilder();
  private scratch = 0;
  private scratchVa = 0;

  protected override setupExtra(dev: DrmDevice): true | string {
    if (this.scratch) return true;
    const bo = dev.boCreate(SCRATCH_BYTES, DRM_PANTHOR_BO_NO_MMAP, this.vm);
    if (bo.ret < 0) return `BO_CREATE (scratch): ${errnoName(bo.ret)}`;
    this.scratch = bo.value;
    return true;
  }

  protected override beforeSubmit(dev: DrmDevice): boolean {
    const next = this.scratchVa === SCRATCH_VA ? SCRATCH_VA + SCRATCH_BYTES : SCRATCH_VA;
    const ops = this.scratchVa ? [unmapOp(this.scratchVa, SCRATCH_BYTES)] : [];
    ops.push(mapOp(this.scratch, next, SCRATCH_BYTES, DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC));
    if (dev.vmBind(this.vm, ops) < 0) return false;
    this.scratchVa = next;
    return true;
  }

  protected buildFrame(): CsInstr[][] {
    const b = this.b;
    b.move48(this.scratchVa);
    for (let i = 0; i < 4; i++) b.runCompute(this.jobTime(0.25));
    b.wait(SB_ALL_MASK);
    return [b.finish()];
  }
}

/** A game (MEDIUM): heavy frames; with several queues, geometry and fragment run on separate queues. */
export class Game extends GraphicsApp {
  private syncBo = 0;

  protected override setupExtra(dev: DrmDevice): true | string {
    const r = super.setupExtra(dev);
    if (r !== true) return r;
    if (this.cfg.queues > 1 && !this.syncBo) {
      const bo = dev.boCreate(4096, 0, this.vm);
      if (bo.ret < 0) return `BO_CREATE (sync): ${errnoName(bo.ret)}`;
      const m = dev.vmMap(this.vm, bo.value, SYNC_VA, 4096, DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC);
      if (m < 0) return `VM_BIND (sync): ${errnoName(m)}`;
      this.syncBo = bo.value;
    }
    return true;
  }

  protected buildFrame(frame: number): CsInstr[][] {
    const b = this.b;
    const fb = BUFFER_VA + (frame % 3) * 0x80_0000;
    if (this.cfg.queues === 1) {
      this.geometry(b.move48(fb), this.jobTime(0.4), frame).finishTiling().wait(SB_ALL_MASK)
        .runFragment(this.jobTime(0.6)).wait(SB_ALL_MASK).finishFragment();
      return [b.finish()];
    }
    // Queue 0: geometry, then publish the frame number; queue 1: wait for it, then fragment.
    // SYNC_SET64 of the (increasing) frame number stays consistent when a submit fails.
    const streams: CsInstr[][] = [];
    this.geometry(b, this.jobTime(0.4), frame).finishTiling().wait(SB_ALL_MASK).syncSet64(SYNC_VA, frame);
    streams.push(b.finish());
    if (this.cfg.tilerChunks > 0) b.heapSet(this.tilerCtx);
    b.syncWait64(SYNC_VA, 'gt', frame - 1).move48(fb)
      .runFragment(this.jobTime(0.6)).wait(SB_ALL_MASK).finishFragment();
    streams.push(b.finish());
    // Extra queues (if any) get a small compute pass, as async compute would.
    for (let q = 2; q < this.cfg.queues; q++) streams.push(b.runCompute(this.jobTime(0.05)).wait(SB_ALL_MASK).finish());
    return streams;
  }
}

/** The app model for a scenario app. */
export function createApp(sim: Sim, k: UapiKernel, cfg: AppConfig, pid: number, env: AppEnv): AppModel {
  switch (cfg.kind) {
    case 'compositor': return new Compositor(sim, k, cfg, pid, env);
    case 'video-player': return new VideoPlayer(sim, k, cfg, pid, env);
    case 'compute': return new Compute(sim, k, cfg, pid, env);
    case 'game': return new Game(sim, k, cfg, pid, env);
    case 'secure-pipeline': return new SecurePipeline(sim, k, cfg, pid, env);
  }
}
