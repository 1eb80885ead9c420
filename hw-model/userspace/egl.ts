/**
 * The EGL_EXT_protected_content model (the bar the DRM maintainers set for protected GPU work: "is
 * there also something around that implements egl_ext_protected_context"): what Mesa's EGL does
 * for an app, on top of the uAPI calls the app models already make.
 *
 *   eglCreateContext(EGL_PROTECTED_CONTENT_EXT)  ─► GROUP_CREATE with DRM_PANTHOR_GROUP_CREATE_PROTECTED
 *                                                   (a driver failure: EGL_BAD_ALLOC)
 *   eglCreate*Surface(EGL_PROTECTED_CONTENT_EXT) ─► buffers from the protected heap
 *                                                   (DMA_HEAP_IOCTL_ALLOC + PRIME import), else normal BOs
 *   eglMakeCurrent(draw, read, ctx)              ─► EGL_BAD_ACCESS when a protected surface meets a
 *                                                   context that is not protected, or draw and read
 *                                                   differ in protection (the extension's eglMakeCurrent
 *                                                   errors); the current binding is left unchanged
 *   frames of a current protected context        ─► PROT_REGION command streams (cs-builder.ts)
 *
 * Each call is an EglCall event when the app's EGL calls are traced (`apps[].egl`), as under an
 * EGL call tracer; the ioctls are the same either way.
 */
import { EglOp, type EglCallInit } from '../../proto/index.js';
import type { Sim } from '../sim/index.js';

export const EGL_SUCCESS = 0x3000;
export const EGL_BAD_ACCESS = 0x3002;
export const EGL_BAD_ALLOC = 0x3003;

export interface EglContext { readonly id: number; readonly protectedContent: boolean; readonly group: number }
export interface EglSurface { readonly id: number; readonly protectedContent: boolean; readonly bos: readonly number[] }

export class Egl {
  private nextContext = 1;
  private nextSurface = 1;
  /** The bound context and surfaces (eglGetCurrentContext / eglGetCurrentSurface). */
  current: { ctx: EglContext; draw: EglSurface; read: EglSurface } | null = null;
  /** Errors returned (eglGetError values other than EGL_SUCCESS). */
  errors = 0;

  constructor(private readonly sim: Sim, private readonly pid: number, private readonly traced: boolean) {}

  private emit(v: EglCallInit): void {
    if (v.error !== EGL_SUCCESS) this.errors++;
    if (this.traced) this.sim.bus.emitBody({ case: 'egl', value: { pid: this.pid, ...v } }, this.sim.bus.count - 1);
  }

  /** eglCreateContext, once its GROUP_CREATE returned `ret` (the group handle on success). */
  contextCreated(protectedContent: boolean, ret: number, group: number): EglContext | null {
    const ok = ret >= 0;
    const ctx = ok ? { id: this.nextContext++, protectedContent, group } : null;
    this.emit({ op: EglOp.EGL_CREATE_CONTEXT, context: ctx?.id ?? 0, protectedContent, groupHandle: ok ? group : 0,
      error: ok ? EGL_SUCCESS : EGL_BAD_ALLOC });
    return ctx;
  }

  /** eglCreateWindowSurface / eglCreatePbufferSurface over `bos` (empty when the allocation failed: `ok` false). */
  surfaceCreated(protectedContent: boolean, bos: readonly number[], ok: boolean, forContext = 0): EglSurface | null {
    const s = ok ? { id: this.nextSurface++, protectedContent, bos } : null;
    this.emit({ op: EglOp.EGL_CREATE_SURFACE, context: forContext, draw: s?.id ?? 0, protectedContent, buffers: bos.length,
      error: ok ? EGL_SUCCESS : EGL_BAD_ALLOC });
    return s;
  }

  /**
   * eglMakeCurrent(dpy, draw, read, ctx). EGL_EXT_protected_content: a protected surface cannot be
   * bound to a context that is not protected, and draw and read must agree (protected content
   * must not be copied into or out of normal memory): EGL_BAD_ACCESS, binding unchanged.
   */
  makeCurrent(ctx: EglContext, draw: EglSurface, read: EglSurface): number {
    const mixed = draw.protectedContent !== read.protectedContent;
    const leak = !ctx.protectedContent && (draw.protectedContent || read.protectedContent);
    const error = mixed || leak ? EGL_BAD_ACCESS : EGL_SUCCESS;
    if (error === EGL_SUCCESS) this.current = { ctx, draw, read };
    this.emit({ op: EglOp.EGL_MAKE_CURRENT, context: ctx.id, draw: draw.id, read: read.id,
      protectedContent: ctx.protectedContent, groupHandle: ctx.group, error });
    return error;
  }

  /** eglDestroyContext (app exit, or a context lost with its group). */
  contextDestroyed(ctx: EglContext): void {
    if (this.current?.ctx === ctx) this.current = null;
    this.emit({ op: EglOp.EGL_DESTROY_CONTEXT, context: ctx.id, protectedContent: ctx.protectedContent, groupHandle: ctx.group, error: EGL_SUCCESS });
  }

  surfaceDestroyed(s: EglSurface): void {
    this.emit({ op: EglOp.EGL_DESTROY_SURFACE, draw: s.id, protectedContent: s.protectedContent, buffers: s.bos.length, error: EGL_SUCCESS });
  }
}
