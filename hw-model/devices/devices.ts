/**
 * The devices of a scenario (`devices:`), built beside the kernel: decoders and displays by
 * name; each display's CRTC is enabled when the run starts.
 */
import type { DeviceConfig } from '../contract.js';
import type { Sim } from '../sim/index.js';
import { VideoDecoder } from './decoder.js';
import { KmsDisplay } from './display.js';
import type { DeviceHost } from './host.js';

export interface PipelineDevices {
  readonly configs: readonly DeviceConfig[];
  readonly host: DeviceHost;
  decoder(name: string): VideoDecoder | undefined;
  display(name: string): KmsDisplay | undefined;
  /** The GPU's entry (its import lists). */
  gpu(): DeviceConfig | undefined;
}

export function createDevices(sim: Sim, host: DeviceHost, configs: readonly DeviceConfig[]): PipelineDevices {
  const decoders = new Map<string, VideoDecoder>();
  const displays = new Map<string, KmsDisplay>();
  for (const c of configs) {
    if (c.kind === 'decoder') decoders.set(c.name, new VideoDecoder(sim, host, c));
    else if (c.kind === 'display') {
      const d = new KmsDisplay(sim, host, c);
      displays.set(c.name, d);
      d.start();
    }
  }
  return {
    configs, host,
    decoder: (n) => decoders.get(n),
    display: (n) => displays.get(n),
    gpu: () => configs.find((c) => c.kind === 'gpu'),
  };
}
