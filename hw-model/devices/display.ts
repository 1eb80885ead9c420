/**
 * A KMS display controller: one CRTC with one primary plane at `refresh` Hz. A nonblocking atomic
 * commit carries the new framebuffer and an IN_FENCE_FD (drm_atomic_commit →
 * drm_atomic_helper_wait_for_fences in drivers/gpu/drm/drm_atomic_helper.c); at each vblank
 * (drm_crtc_handle_vblank, drivers/gpu/drm/drm_vblank.c) the newest committed frame that is due
 * (a commit targets its frame's vblank, as a presentation-timed commit does) and whose fence
 * signalled at least `commit_latency` before the vblank is latched and the flip completes
 * (drm_crtc_send_vblank_event). Older committed frames it supersedes never reach the screen
 * (SCANOUT_DROP). Scanout buffers are imported through the import rule of importer.ts.
 *
 * The presentation plan (a clip: start, fps, latency in frames) says which frame is due at each
 * vblank: frame n at the first vblank at or after start + (n - 1 + latency) / fps. A vblank whose
 * due frame is not on screen is a SCANOUT_MISS, attributed to the step that held the frame back
 * (the frame ledger below): the decoder had not signalled it, the GPU's composition waited for
 * protected mode or was late, the GPU fence signalled too close to the vblank to latch, or the
 * pipeline was never set up. The attribution is the model's analysis, not something a KMS driver
 * knows; it is recorded so that a trace says why each frame was late.
 */
import { FenceOp, MissReason, ScanoutOp } from '../../proto/index.js';
import type { DeviceConfig } from '../contract.js';
import { NS_PER_S, type Ns, type Sim } from '../sim/index.js';
import type { DeviceHost } from './host.js';
import { ImportingDevice } from './importer.js';

/** What the pipeline tells the display of its clip. */
export interface Clip {
  start: Ns;
  fps: number;
  latencyFrames: number;
  /** The GPU group compositing the frames (0 = none yet). */
  group(): number;
  /** Why the pipeline is not set up ('' = it is). */
  setupError(): string;
}

/** One frame's way through the pipeline, as far as it got. Event indices are -1 until they happen. */
export interface FrameRec {
  frame: number;
  decodeEmitEv: number;
  decodeSignalEv: number;
  decodedAt: Ns;
  gpuEmitEv: number;
  gpuSignalEv: number;
  gpuSignalledAt: Ns;
  /** The GPU's composition was seen waiting for protected mode at a vblank. */
  protmDenied: boolean;
  commitEv: number;
  bufferId: number;
  /** Why it was not on screen when due (first miss), MISS_NONE if it never missed. */
  missReason: MissReason;
}

export class KmsDisplay extends ImportingDevice {
  readonly period: Ns;
  private vblank = 0;
  private clip: Clip | null = null;
  private readonly frames = new Map<number, FrameRec>();
  /** Frame on screen (0 = none) and its buffer. */
  private shown = 0;
  private shownBuf = 0;
  /** Called with the buffer id a flip stops scanning out (the pipeline may reuse it). */
  onRelease: (bufferId: number) => void = () => { /* none */ };

  constructor(sim: Sim, host: DeviceHost, cfg: DeviceConfig) {
    super(sim, host, cfg);
    this.period = Math.round(NS_PER_S / cfg.refresh);
  }

  /** The CRTC is enabled: vblanks from one period after now. */
  start(): void { this.sim.after(this.period, vblankTick, this); }

  /** The pipeline's clip (null: the pipeline stopped; vblanks are no longer judged). */
  setClip(clip: Clip | null): void { this.clip = clip; if (!clip) this.frames.clear(); }

  /** When the clip started (0 without one). */
  clipStart(): Ns { return this.clip?.start ?? 0; }

  /** When frame n is due: the first vblank at or after its presentation time. */
  dueAt(frame: number): Ns {
    const c = this.clip;
    if (!c) return 0;
    const t = c.start + Math.round(((frame - 1 + c.latencyFrames) * NS_PER_S) / c.fps);
    return Math.ceil(t / this.period) * this.period;
  }

  /** The frame's record (made on first use). */
  track(frame: number): FrameRec {
    let r = this.frames.get(frame);
    if (!r) {
      r = {
        frame, decodeEmitEv: -1, decodeSignalEv: -1, decodedAt: -1, gpuEmitEv: -1, gpuSignalEv: -1, gpuSignalledAt: -1,
        protmDenied: false, commitEv: -1, bufferId: 0, missReason: MissReason.MISS_NONE,
      };
      this.frames.set(frame, r);
    }
    return r;
  }

  /** Nonblocking atomic commit of `frame` in `bufferId`, IN_FENCE_FD = the GPU's fence of the frame. */
  commit(frame: number, bufferId: number, pid: number): void {
    const r = this.track(frame);
    r.bufferId = bufferId;
    r.commitEv = this.sim.bus.emitBody({ case: 'scanout', value: {
      op: ScanoutOp.SCANOUT_COMMIT, device: this.cfg.name, frame, vblank: this.vblank, bufferId, reason: 0, lateNs: 0, detail: `pid ${pid}`,
    } }, r.gpuEmitEv);
    this.sim.bus.emitBody({ case: 'fence', value: {
      op: FenceOp.FENCE_WAIT, device: 'gpu', kind: 0, frame, bufferId, waiter: this.cfg.name, seqno: 0,
    } }, r.commitEv);
  }

  /** The player gave up on a frame before it reached the display (its due time passed). */
  drop(frame: number, cause: number): void {
    const r = this.frames.get(frame);
    const reason = r?.missReason || this.attribute(frame, this.sim.now).reason;
    this.frames.delete(frame);
    this.sim.bus.emitBody({ case: 'scanout', value: {
      op: ScanoutOp.SCANOUT_DROP, device: this.cfg.name, frame, vblank: this.vblank, bufferId: r?.bufferId ?? 0, reason, lateNs: 0, detail: '',
    } }, cause);
  }

  static tick(d: KmsDisplay): void { d.onVblank(); }

  private onVblank(): void {
    this.sim.after(this.period, vblankTick, this);
    const v = ++this.vblank;
    const now = this.sim.now;
    const c = this.clip;
    if (!c) return;
    const group = c.group();
    const waiting = group !== 0 && this.host.protmWaiting(group);
    const latch = now - this.cfg.commitLatency;
    let best: FrameRec | undefined;
    for (const r of this.frames.values()) {
      if (r.gpuEmitEv >= 0 && r.gpuSignalledAt < 0 && waiting) r.protmDenied = true;
      if (r.frame > this.shown && r.commitEv >= 0 && r.gpuSignalledAt >= 0 && r.gpuSignalledAt <= latch && this.dueAt(r.frame) <= now
        && (!best || r.frame > best.frame)) best = r;
    }
    if (best) {
      for (const r of [...this.frames.values()]) {
        if (r.frame >= best.frame || r.commitEv < 0) continue;
        this.frames.delete(r.frame);
        this.sim.bus.emitBody({ case: 'scanout', value: {
          op: ScanoutOp.SCANOUT_DROP, device: this.cfg.name, frame: r.frame, vblank: v, bufferId: r.bufferId, reason: r.missReason, lateNs: 0,
          detail: `superseded by frame ${best.frame}`,
        } }, r.gpuSignalEv);
        this.onRelease(r.bufferId);
      }
      const due = this.dueAt(best.frame);
      this.sim.bus.emitBody({ case: 'scanout', value: {
        op: ScanoutOp.SCANOUT_FLIP, device: this.cfg.name, frame: best.frame, vblank: v, bufferId: best.bufferId, reason: 0,
        lateNs: now > due ? now - due : 0, detail: '',
      } }, best.gpuSignalEv);
      if (this.shownBuf) this.onRelease(this.shownBuf);
      this.shown = best.frame;
      this.shownBuf = best.bufferId;
      this.frames.delete(best.frame);
    }
    const dueFrame = this.dueFrame(now);
    if (dueFrame > this.shown) {
      const a = this.attribute(dueFrame, now);
      const r = this.frames.get(dueFrame);
      if (r && r.missReason === MissReason.MISS_NONE) r.missReason = a.reason;
      this.sim.bus.emitBody({ case: 'scanout', value: {
        op: ScanoutOp.SCANOUT_MISS, device: this.cfg.name, frame: dueFrame, vblank: v, bufferId: this.shownBuf, reason: a.reason, lateNs: 0,
        detail: a.detail,
      } }, a.cause);
    }
  }

  /** The newest frame due at or before `t` (0 = none yet). */
  private dueFrame(t: Ns): number {
    const c = this.clip;
    if (!c || t < this.dueAt(1)) return 0;
    // dueAt is monotonic in n: estimate, then step to the exact frame.
    let n = Math.max(1, Math.floor(((t - c.start) * c.fps) / NS_PER_S) - c.latencyFrames + 1);
    while (n > 1 && this.dueAt(n) > t) n--;
    while (this.dueAt(n + 1) <= t) n++;
    return n;
  }

  /** Why frame `frame` is not on screen at `t`, and the event that stands for the blocking step. */
  private attribute(frame: number, t: Ns): { reason: MissReason; detail: string; cause: number } {
    const c = this.clip;
    const err = c?.setupError() ?? '';
    if (err) return { reason: MissReason.MISS_NO_PIPELINE, detail: err, cause: -1 };
    const r = this.frames.get(frame);
    const group = c?.group() ?? 0;
    if (!r || r.decodeEmitEv < 0) {
      // Never queued to the decoder: no free capture buffer. The GPU holds them when it is behind.
      for (const x of this.frames.values()) {
        if (x.gpuEmitEv >= 0 && x.gpuSignalledAt < 0) return this.gpuLate(x, group);
      }
      return { reason: MissReason.MISS_DECODER_LATE, detail: 'not queued to the decoder (no free capture buffer)', cause: -1 };
    }
    if (r.decodedAt < 0 || r.decodedAt > t) return { reason: MissReason.MISS_DECODER_LATE, detail: 'decode not finished', cause: r.decodeEmitEv };
    if (r.gpuSignalledAt < 0) return this.gpuLate(r, group);
    return { reason: MissReason.MISS_SCANOUT_LATE, detail: 'GPU fence signalled after the commit latch', cause: r.gpuSignalEv };
  }

  private gpuLate(r: FrameRec, group: number): { reason: MissReason; detail: string; cause: number } {
    if (r.protmDenied || (group !== 0 && this.host.protmWaiting(group))) {
      r.protmDenied = true;
      return { reason: MissReason.MISS_GPU_PROTM_DENIED, detail: `frame ${r.frame}: composition waits for protected mode`, cause: r.gpuEmitEv >= 0 ? r.gpuEmitEv : r.decodeSignalEv };
    }
    return { reason: MissReason.MISS_GPU_LATE, detail: r.gpuEmitEv >= 0 ? `frame ${r.frame}: composition not finished` : `frame ${r.frame}: not submitted to the GPU yet`, cause: r.gpuEmitEv >= 0 ? r.gpuEmitEv : r.decodeSignalEv };
  }
}

function vblankTick(d: KmsDisplay): void { KmsDisplay.tick(d); }
