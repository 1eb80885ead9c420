/**
 * userspace/: what runs above the uAPI. A Mesa-like CS builder, a thin libdrm-like layer, and the
 * app models (compositor, protected video player, background compute, game) that world.ts starts
 * and stops at scenario times. A small fake kernel lets tests exercise user space alone.
 */
export { CsBuilder, CS_INSTR_BYTES, SB_ALL_MASK, hasProtRegion } from './cs-builder.js';
export { DrmDevice, DmaHeapNode, mapOp, signalOp, unmapOp, type Out } from './libdrm.js';
export { AppModel, errnoName, popcount, type AppEnv, type AppStats } from './app.js';
export { Compositor, VideoPlayer, Compute, Game, createApp } from './apps.js';
export { Egl, EGL_SUCCESS, EGL_BAD_ACCESS, EGL_BAD_ALLOC, type EglContext, type EglSurface } from './egl.js';
export { SecurePipeline } from './pipeline.js';
export * from './uapi.js';
