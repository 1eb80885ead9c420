/**
 * Devices that share buffers with the GPU in a secure video pipeline: a video decoder, a KMS
 * display, the import rule they follow and the central allocator that picks heaps for them
 * (README.md).
 */
export type { DeviceHost } from './host.js';
export { ImportingDevice, importList, DEVICE_KIND_OF, type Imported } from './importer.js';
export { VideoDecoder, type DecodeDone } from './decoder.js';
export { KmsDisplay, type Clip, type FrameRec } from './display.js';
export { chooseHeap, intersectLists, type HeapChoiceResult } from './allocator.js';
export { createDevices, type PipelineDevices } from './devices.js';
