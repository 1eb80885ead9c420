/**
 * proto/container: the .csft container codec (framing, lz4 chunks, crc32, index, trailer).
 * Pure bytes in and out: files are the recorder's and the replayer's business.
 */
export * from './format.js';
export { crc32 } from './crc32.js';
export { lz4Bound, lz4Compress, lz4CompressLocal, lz4Decompress, lz4NativeLoaded, requireLz4Addon, Lz4AddonMissing } from './lz4-block.js';
export { lz4CompressJs, lz4DecompressJs, lz4BoundJs } from './lz4-js.js';
export { ContainerWriter, ChunkEncoder, FrameSealer, timeGoesBackwards, encodeContainer, encodeContainerStart, encodeFrame, encodeTrailer, encodePreamble, type ContainerWriterOptions, type Compression } from './writer.js';
export {
  openContainer, readChunkBytes, decodeChunkEvents, decodeChunkRange, forEachChunkEvent, causeFixer,
  mapChunk, decodeMappedEvent, type ChunkMap, type ChunkInfo, type OpenedContainer, type OpenOptions,
} from './reader.js';
export { planAppendNote, rewriteTexts, type AppendPlan } from './append.js';
