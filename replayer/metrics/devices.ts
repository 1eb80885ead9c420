/**
 * Per-device metrics of a secure video pipeline (hw-model/devices/): what the display showed and
 * missed, with the reason of every missed vblank, and what the decoder decoded. Fed the DeviceImport,
 * Fence and Scanout events by the ConsequenceCollector; definitions in README.md beside this file.
 */
import { DeviceKind, FenceOp, ImportOp, MissReason, ScanoutOp, type Event } from '../../proto/index.js';

export interface DeviceMetrics {
  /** Frames flipped onto the screen (SCANOUT_FLIP). */
  framesShown: number;
  /** Flips after their frame's due vblank (late_ns > 0). */
  lateFlips: number;
  /** Vblanks whose due frame was not on screen (SCANOUT_MISS), then the same by reason. */
  missedVblanks: number;
  missDecoderLate: number;
  missGpuProtmDenied: number;
  missGpuLate: number;
  missScanoutLate: number;
  missNoPipeline: number;
  /** Frames that never reached the screen (SCANOUT_DROP). */
  framesDropped: number;
  /** Decoder: frames decoded (FENCE_SIGNAL) and the longest decode (FENCE_EMIT → FENCE_SIGNAL). */
  framesDecoded: number;
  decodeMaxNs: number;
  /** dma-bufs attached, and refused by the device's import rule. */
  imports: number;
  importsRefused: number;
}

type Unit = 'ns' | 'count';

/** Every device metric with its label and unit, in report order. */
export const DEVICE_METRIC_DEFS: readonly { key: keyof DeviceMetrics; label: string; unit: Unit }[] = [
  { key: 'framesShown', label: 'frames shown', unit: 'count' },
  { key: 'lateFlips', label: 'frames shown late', unit: 'count' },
  { key: 'missedVblanks', label: 'missed vblanks', unit: 'count' },
  { key: 'missDecoderLate', label: '  decoder late', unit: 'count' },
  { key: 'missGpuProtmDenied', label: '  GPU denied protected time', unit: 'count' },
  { key: 'missGpuLate', label: '  GPU late', unit: 'count' },
  { key: 'missScanoutLate', label: '  scanout missed the latch', unit: 'count' },
  { key: 'missNoPipeline', label: '  no pipeline', unit: 'count' },
  { key: 'framesDropped', label: 'frames dropped', unit: 'count' },
  { key: 'framesDecoded', label: 'frames decoded', unit: 'count' },
  { key: 'decodeMaxNs', label: 'longest decode', unit: 'ns' },
  { key: 'imports', label: 'buffers imported', unit: 'count' },
  { key: 'importsRefused', label: 'imports refused', unit: 'count' },
];

export const DEVICE_METRIC_NAMES: readonly (keyof DeviceMetrics)[] = DEVICE_METRIC_DEFS.map((d) => d.key);

const MISS_KEY: Readonly<Partial<Record<MissReason, keyof DeviceMetrics>>> = {
  [MissReason.MISS_DECODER_LATE]: 'missDecoderLate',
  [MissReason.MISS_GPU_PROTM_DENIED]: 'missGpuProtmDenied',
  [MissReason.MISS_GPU_LATE]: 'missGpuLate',
  [MissReason.MISS_SCANOUT_LATE]: 'missScanoutLate',
  [MissReason.MISS_NO_PIPELINE]: 'missNoPipeline',
};

function empty(): DeviceMetrics {
  return {
    framesShown: 0, lateFlips: 0, missedVblanks: 0, missDecoderLate: 0, missGpuProtmDenied: 0, missGpuLate: 0,
    missScanoutLate: 0, missNoPipeline: 0, framesDropped: 0, framesDecoded: 0, decodeMaxNs: 0, imports: 0, importsRefused: 0,
  };
}

export class DeviceCollector {
  private readonly acc = new Map<string, DeviceMetrics>();
  /** "device:seqno" → FENCE_EMIT time of the decoder's fences not yet signalled. */
  private readonly emitted = new Map<string, number>();

  private dev(name: string): DeviceMetrics {
    let m = this.acc.get(name);
    if (!m) { m = empty(); this.acc.set(name, m); }
    return m;
  }

  onEvent(ev: Pick<Event, 't' | 'body'>): void {
    const b = ev.body;
    switch (b.case) {
      case 'scanout': {
        const v = b.value;
        const m = this.dev(v.device);
        if (v.op === ScanoutOp.SCANOUT_FLIP) { m.framesShown++; if (v.lateNs > 0) m.lateFlips++; }
        else if (v.op === ScanoutOp.SCANOUT_MISS) {
          m.missedVblanks++;
          const k = MISS_KEY[v.reason as MissReason];
          if (k) m[k]++;
        } else if (v.op === ScanoutOp.SCANOUT_DROP) m.framesDropped++;
        break;
      }
      case 'fence': {
        const v = b.value;
        if (v.kind !== DeviceKind.DEVICE_DECODER || v.op === FenceOp.FENCE_WAIT) break;
        const key = `${v.device}:${v.seqno}`;
        if (v.op === FenceOp.FENCE_EMIT) { this.dev(v.device); this.emitted.set(key, ev.t); break; }
        const m = this.dev(v.device);
        m.framesDecoded++;
        const t0 = this.emitted.get(key);
        if (t0 !== undefined) { m.decodeMaxNs = Math.max(m.decodeMaxNs, ev.t - t0); this.emitted.delete(key); }
        break;
      }
      case 'devImport': {
        const v = b.value;
        const m = this.dev(v.device);
        if (v.op === ImportOp.IMPORT_ATTACH) m.imports++;
        else if (v.op === ImportOp.IMPORT_REFUSED) m.importsRefused++;
        break;
      }
      default: break;
    }
  }

  /** The metrics per device name, sorted by name. */
  finish(): Map<string, DeviceMetrics> {
    return new Map([...this.acc.keys()].sort().map((k) => [k, { ...this.acc.get(k)! }]));
  }
}
