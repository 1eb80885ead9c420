/** dma-heap/: the dma-buf heap subsystem (registry, heaps, dma-bufs). */
export * from './page.js';
export * from './heaps.js';
export * from './registry.js';
