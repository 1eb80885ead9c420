/**
 * A V4L2 stateless video decoder (a hantro / rkvdec-like mem2mem device): one decode engine that
 * takes a frame's bitstream and a capture buffer (VIDIOC_QBUF on both queues, v4l2_m2m_qbuf),
 * decodes for `decode_time` (± jitter) and hands the capture buffer back (v4l2_m2m_buf_done →
 * VIDIOC_DQBUF). Frames are decoded one at a time in the order they were queued. The completion is
 * traced as a dma_fence of the decoder's timeline: FENCE_EMIT when the job is queued, FENCE_SIGNAL
 * when the frame is decoded (dma_fence_init / dma_fence_signal, drivers/dma-buf/dma-fence.c).
 * Capture buffers are imported through the import rule of importer.ts.
 */
import { FenceOp } from '../../proto/index.js';
import type { DeviceConfig } from '../contract.js';
import type { DmaBuf } from '../dma-heap/index.js';
import type { Ns, Rng, Sim } from '../sim/index.js';
import type { DeviceHost } from './host.js';
import { ImportingDevice } from './importer.js';

export interface DecodeDone { frame: number; buf: DmaBuf; signalEv: number }

interface DecodeJob { frame: number; seqno: number; buf: DmaBuf; emitEv: number; cb: (d: DecodeDone) => void; dec: VideoDecoder }

export class VideoDecoder extends ImportingDevice {
  private readonly rng: Rng;
  private busyUntil: Ns = 0;
  private seqno = 0;
  /** Frame → index of its FENCE_EMIT (for cause links of a frame that is late). */
  readonly emitted = new Map<number, number>();

  constructor(sim: Sim, host: DeviceHost, cfg: DeviceConfig) {
    super(sim, host, cfg);
    this.rng = sim.rng(`device:${cfg.name}`);
  }

  /** Queues frame `frame` for decoding into `buf`; `cb` runs when it is decoded. */
  decode(frame: number, buf: DmaBuf, cb: (d: DecodeDone) => void, cause = -1): void {
    const start = Math.max(this.sim.now, this.busyUntil);
    this.busyUntil = start + Math.max(1000, this.rng.jitter(this.cfg.decodeTime, this.cfg.jitter));
    const seqno = ++this.seqno;
    const emitEv = this.sim.bus.emitBody({ case: 'fence', value: {
      op: FenceOp.FENCE_EMIT, device: this.cfg.name, kind: this.kind, frame, bufferId: buf.id, waiter: '', seqno,
    } }, cause);
    this.emitted.set(frame, emitEv);
    this.sim.at(this.busyUntil, decoded, { frame, seqno, buf, emitEv, cb, dec: this } satisfies DecodeJob);
  }

  /** The frame's fence, if its decode was queued (FENCE_EMIT index), else -1. */
  emitOf(frame: number): number { return this.emitted.get(frame) ?? -1; }

  static finish(j: DecodeJob): void {
    const d = j.dec;
    d.emitted.delete(j.frame - 64);
    const signalEv = d.sim.bus.emitBody({ case: 'fence', value: {
      op: FenceOp.FENCE_SIGNAL, device: d.cfg.name, kind: d.kind, frame: j.frame, bufferId: j.buf.id, waiter: '', seqno: j.seqno,
    } }, j.emitEv);
    j.cb({ frame: j.frame, buf: j.buf, signalEv });
  }
}

function decoded(j: DecodeJob): void { VideoDecoder.finish(j); }
