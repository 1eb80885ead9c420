/**
 * A Mesa-like command-stream builder (after panfrost's cs_builder.h): helpers that append CS
 * instructions with the real opcodes. The model keeps decoded operands (contract.ts `CsInstr`);
 * every instruction is one 64-bit word, so a stream of n instructions is n * 8 bytes.
 *
 * Protected work is bracketed the way Mesa does it (reference §4.1): wait for every scoreboard,
 * PROT_REGION whose size covers the protected instructions, the work, and a wait inside the region.
 */
import { CsOpcode, type CsInstr } from '../contract.js';
import type { Ns } from '../sim/index.js';

/** Bytes per CS instruction. */
export const CS_INSTR_BYTES = 8;
/** Every scoreboard slot (the model's GPUs have 8). */
export const SB_ALL_MASK = 0xff;
/** PROT_REGION's Size field: 16 bits holding bytes / 8. */
const PROT_REGION_MAX_BYTES = 0xffff * CS_INSTR_BYTES;

/** Distinct operands kept per opcode in a builder's table of shared instructions. */
const SHARED_PER_OP = 64;

export class CsBuilder {
  /** The stream being built: `buf[0..n)` (the buffer is reused; finish() hands out a copy). */
  private buf: CsInstr[] = [];
  private n = 0;
  /**
   * Instructions without a per-use operand (WAIT on a mask, MOVE48 of a framebuffer address,
   * FINISH_*, ...) are shared between the streams of this builder, one object per opcode and
   * operand: a stream stays in its BO for hundreds of frames, so this keeps the retained streams
   * small. Emitted instructions are never written afterwards (protRegion() patches its own
   * PROT_REGION, which is never shared), so sharing them is not observable.
   */
  private readonly shared: (Map<number, CsInstr> | undefined)[] = [];

  /** Number of instructions emitted so far. */
  get length(): number { return this.n; }
  /** Stream size in bytes (GROUP_SUBMIT stream_size). */
  get sizeBytes(): number { return this.n * CS_INSTR_BYTES; }

  nop(): this { return this.emitShared(CsOpcode.NOP, 0, 0, 0, 0); }
  /** MOVE48: load a 48-bit value (an address) into a register pair. */
  move48(value: number): this { return this.emitShared(CsOpcode.MOVE48, value, value, 0, 0); }
  move32(value: number): this { return this.emitShared(CsOpcode.MOVE32, value, 0, value, 0); }
  /** WAIT on the scoreboard slots of `sbMask`. */
  wait(sbMask = SB_ALL_MASK): this { return this.emitShared(CsOpcode.WAIT, sbMask, 0, 0, sbMask); }

  runCompute(duration: Ns): this { return this.emit(CsOpcode.RUN_COMPUTE, duration); }
  runTiling(duration: Ns): this { return this.emit(CsOpcode.RUN_TILING, duration); }
  runIdvs(duration: Ns): this { return this.emit(CsOpcode.RUN_IDVS, duration); }
  /** RUN_IDVS whose geometry fills `chunks` chunks of the tiler heap set by HEAP_SET. */
  runIdvsHeap(duration: Ns, chunks: number): this {
    this.emit(CsOpcode.RUN_IDVS, duration);
    this.buf[this.n - 1]!.heapChunks = chunks;   // the RUN_IDVS just emitted
    return this;
  }
  /** HEAP_SET: the tiler heap context the following tiling uses. */
  heapSet(ctxVa: number): this { return this.emitShared(CsOpcode.HEAP_SET, ctxVa, ctxVa, 0, 0); }
  runFragment(duration: Ns): this { return this.emit(CsOpcode.RUN_FRAGMENT, duration); }
  finishTiling(): this { return this.emitShared(CsOpcode.FINISH_TILING, 0, 0, 0, 0); }
  finishFragment(): this { return this.emitShared(CsOpcode.FINISH_FRAGMENT, 0, 0, 0, 0); }
  flushCaches(): this { return this.emitShared(CsOpcode.FLUSH_CACHE2, 0, 0, 0, 0); }
  errorBarrier(): this { return this.emitShared(CsOpcode.ERROR_BARRIER, 0, 0, 0, 0); }

  syncAdd64(addr: number, value: number): this { return this.emit(CsOpcode.SYNC_ADD64, 0, addr, value); }
  syncSet64(addr: number, value: number): this { return this.emit(CsOpcode.SYNC_SET64, 0, addr, value); }
  /** SYNC_WAIT64: wait until `*addr cond value` holds ('gt': *addr > value, 'le': *addr <= value). */
  syncWait64(addr: number, cond: 'le' | 'gt', value: number): this {
    return this.emit(CsOpcode.SYNC_WAIT64, 0, addr, value, 0, cond);
  }
  call(addr: number, callSize: number): this { return this.emit(CsOpcode.CALL, 0, addr, 0, 0, undefined, callSize); }

  /**
   * Protected work: WAIT(all), PROT_REGION(size), body, WAIT(all), where size covers the body and
   * the closing wait (Mesa: PROT_REGION(2×8 bytes), RUN_FRAGMENT, WAIT).
   */
  protRegion(body: (b: this) => void): this {
    this.wait(SB_ALL_MASK);
    this.emit(CsOpcode.PROT_REGION);
    const region = this.buf[this.n - 1]!;   // the PROT_REGION just emitted
    const first = this.n;
    body(this);
    this.wait(SB_ALL_MASK);
    const bytes = (this.n - first) * CS_INSTR_BYTES;
    if (bytes > PROT_REGION_MAX_BYTES) throw new RangeError(`PROT_REGION covers ${bytes} bytes (at most ${PROT_REGION_MAX_BYTES})`);
    region.size = bytes;
    return this;
  }

  /** The stream; the builder starts over empty. */
  finish(): CsInstr[] {
    const out = this.buf.slice(0, this.n);
    this.n = 0;
    return out;
  }

  /**
   * Every instruction gets every operand field (unused ones 0), so all instructions share one
   * object shape and the interpreter's property reads stay monomorphic.
   */
  private emit(op: CsOpcode, duration = 0, addr = 0, value = 0, sbMask = 0, cond: 'le' | 'gt' | undefined = undefined,
               callSize = 0): this {
    this.buf[this.n++] = { op, duration, size: 0, sbMask, addr, value, callSize, cond, heapChunks: 0 };
    return this;
  }

  /** An instruction whose only operand is `key`, from the shared table (see `shared`). */
  private emitShared(op: CsOpcode, key: number, addr: number, value: number, sbMask: number): this {
    let m = this.shared[op];
    if (!m) { m = new Map(); this.shared[op] = m; }
    let instr = m.get(key);
    if (!instr) {
      instr = { op, duration: 0, size: 0, sbMask, addr, value, callSize: 0, cond: undefined, heapChunks: 0 };
      if (m.size < SHARED_PER_OP) m.set(key, instr);
    }
    this.buf[this.n++] = instr;
    return this;
  }
}

/** True when the stream contains protected work. */
export function hasProtRegion(instrs: readonly CsInstr[]): boolean {
  for (const x of instrs) if (x.op === CsOpcode.PROT_REGION) return true;
  return false;
}
