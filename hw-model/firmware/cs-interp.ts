/**
 * The CS interpreter of the model's firmware: how a CS executes its queue's kernel ring and the
 * user streams it CALLs — RUN_* take GPU time, SYNC_ADD/SET write sync objects (CSG SYNC_UPDATE),
 * SYNC_WAIT blocks until its condition holds, PROT_REGION needs protected mode (CS
 * PROTM_PENDING), a tiled render pass (HEAP_SET, then RUN_IDVS / RUN_TILING with heapChunks) takes
 * chunks from its tiler heap context and raises CS TILER_OOM when the heap has too few (its chunks
 * come back at FINISH_FRAGMENT). The interface side (firmware/fw.ts: request/ack pages, doorbells, IRQs, CSG
 * states, protected-mode switches) drives it through exec / preempt / wakeWaiters and is told of
 * what the streams do through CsHost.
 *
 *   CSG START/RESUME, doorbell, wake ──► exec(cs) ──► RUN_* (timer) ──► runDone ──► exec …
 *                                        └─► CsHost: SYNC_UPDATE, PROTM_PENDING, CS_FATAL, idle
 */
import { BlockedReason, GpuMode } from '../../proto/index.js';
import { CsOpcode, type CsInstr } from '../contract.js';
import type { Ns, Sim } from '../sim/index.js';
import * as R from '../../proto/index.js';

/** What the FW needs of a VM: address translation for CALL targets and sync objects. */
export interface GpuVm {
  /** The instructions of the stream at `addr` (size bytes), or undefined if unmapped. */
  fetch(addr: number, size: number): CsInstr[] | undefined;
  read64(addr: number): number;
  write64(addr: number, v: number): void;
  /** The tiler heap context at `va` (HEAP_SET's operand), or undefined if there is none. */
  tilerHeapCtx(va: number): TilerHeapCtx | undefined;
}

/**
 * A tiler heap context as the FW uses it (the GPU memory panthor_heap.c's heap context lives in):
 * the chunks linked into the heap, those held by render passes in flight, and the render pass
 * counters the FW copies to the CS output (heap_vt_start / heap_vt_end / heap_frag_end) when it
 * raises TILER_OOM. Chunks come back to the heap when a pass's fragment work ends (FINISH_FRAGMENT).
 */
export class TilerHeapCtx {
  /** Chunks linked into the heap (the initial ones, then one per acknowledged TILER_OOM). */
  chunks: number;
  /** Chunks held by render passes in flight. */
  inUse = 0;
  vtStart = 0;
  vtEnd = 0;
  fragEnd = 0;
  /** Chunks each tiled render pass holds until its fragment work ends, oldest first. */
  readonly held: number[] = [];
  /** CSs waiting for chunks to come back (a NULL chunk with fragment work pending). */
  starved: CsSlot[] = [];
  constructor(readonly va: number, initialChunks: number) { this.chunks = initialChunks; }
  get free(): number { return this.chunks - this.inUse; }
}

/** A queue as the FW sees it: the ring BO and its user I/O pages, shared with the host. */
export interface CsQueue {
  /** Ring content, indexed by (position & mask); a slot holds one 8-byte instruction. */
  readonly ring: (CsInstr | undefined)[];
  readonly mask: number;
  /** CS_INSERT (host-written, in instructions). */
  insert: number;
  /** CS_EXTRACT (FW-written, in instructions). */
  extract: number;
  readonly vm: GpuVm;
  /** The CS state saved/restored across suspend (the group's suspend buffer). */
  readonly st: CsExecState;
  /** Model hook: the kernel ring's CALL into the user stream of job `seqno` executes. */
  onCall(seqno: number): void;
  /** Model hook: GPU time consumed by a RUN_* of the current job. */
  onGpuTime(ns: number): void;
}

/** What the interpreter needs of the interface side (implemented by Firmware). */
export interface CsHost {
  readonly mode: GpuMode;
  readonly mcuStatus: number;
  /** Whether CSG `csg` is running (started or resumed, not suspended). */
  csgRunning(csg: number): boolean;
  /** A granted CS reached normal work again: its protected work is done (the FW may exit). */
  protWorkDone(cs: CsSlot, cause: number): void;
  /** The CS needs protected mode: CS PROTM_PENDING. */
  raiseProtmPending(cs: CsSlot, cause: number): void;
  /** The CS is in normal mode inside an interrupted PROT_REGION (assumption resume_in_protected_region). */
  protmNeededAgain(cs: CsSlot, cause: number): void;
  /** CS_FATAL with an exception type. */
  raiseCsFatal(cs: CsSlot, exceptionType: number, cause: number): void;
  /** CS_FAULT with an exception type: the CS stops until the host acknowledges it. */
  raiseCsFault(cs: CsSlot, exceptionType: number, cause: number): void;
  /** The progress timeout in ns (GLB progress_timer; Infinity when none). */
  readonly progressTimeout: number;
  /** A RUN_* longer than the progress timeout started on `cs`. */
  armProgressTimer(cs: CsSlot): void;
  /** The render pass needs a chunk the heap does not have: CS TILER_OOM (the CS waits for its ack). */
  raiseTilerOom(cs: CsSlot, ctx: TilerHeapCtx): void;
  /** What the FW does with a NULL chunk (assumption tiler_oom_null_chunk). */
  readonly nullChunk: 'wait-fragments-then-fatal' | 'wait';
  /** A sync object was written: CSG SYNC_UPDATE. */
  raiseSyncUpdate(cs: CsSlot): void;
  /** The CS ran out of work or blocked on a SYNC_WAIT. */
  csIdle(cs: CsSlot): void;
  /** CSG `csg` has work again (a waiter woke up). */
  markBusy(csg: number): void;
}

const HUNG = -2;
const MAX_CALL_DEPTH = 8;

/**
 * The interpreter state of one queue's CS: what the FW saves to the group's suspend buffer on
 * CSG SUSPEND and restores on RESUME, so it lives with the queue (not with the slot).
 */
export class CsExecState {
  /** Call stack of user streams (the kernel ring is the bottom level, not on the stack). */
  frames: CsInstr[][] = [];
  pcs: number[] = [];
  /** GPU time left of a RUN_* preempted by a suspend or a protected-mode switch. */
  runRemaining = 0;
  hung = false;
  blocked: number = BlockedReason.CS_STATUS_BLOCKED_REASON_UNBLOCKED;
  statusWait = 0;
  /** Instructions of the current PROT_REGION still to execute. */
  protRemaining = 0;
  /** Blocked at PROT_REGION (or in an interrupted region) waiting for protected mode. */
  protPending = false;
  waitAddr = 0;
  waitValue = 0;
  waitGt = true;
  fatal = false;
  fatalType = 0;
  /** Injected faults: exception type raised at the next RUN_*, a hang of the next RUN_*. */
  injectFatal = 0;
  injectHang = false;
  /** Injected CS_FAULT: exception type raised at the next RUN_*. */
  injectFault = 0;
  /** CS_FAULT raised and not yet acknowledged by the host: the CS waits; the faulting RUN_* is skipped. */
  faultHalted = false;
  faultType = 0;
  /** HEAP_SET: the tiler heap context VA (0 = none). */
  heapCtx = 0;
  /** A tiled render pass is open (RUN_IDVS/RUN_TILING seen, FINISH_TILING not yet). */
  passOpen = false;
  /** Chunks the open pass needs and those it holds. */
  passNeed = 0;
  passHeld = 0;
  /** Waiting for the host's answer to TILER_OOM (or for chunks to come back after a NULL one). */
  oomWait = false;

  /** CSG START: a fresh CS (nothing saved). */
  clear(): void {
    this.frames = []; this.pcs = []; this.runRemaining = 0; this.hung = false;
    this.blocked = BlockedReason.CS_STATUS_BLOCKED_REASON_UNBLOCKED; this.statusWait = 0;
    this.protRemaining = 0; this.protPending = false; this.fatal = false; this.fatalType = 0;
    this.faultHalted = false; this.faultType = 0;
    this.heapCtx = 0; this.passOpen = false; this.passNeed = 0; this.passHeld = 0; this.oomWait = false;
  }
}

/** One CS slot of a CSG: its request/ack words and the RUN in flight. */
export class CsSlot {
  req = 0;
  ack = 0;
  queue: CsQueue | null = null;
  priority = 0;
  runToken = -1;
  runEnd = 0;
  runStart = 0;
  /** Its PROTM_PENDING ack was sampled at GLB_PROTM_ENTER: runs in protected mode. */
  protGranted = false;
  lastReqEv = -1;
  /** CS input heap_start / heap_end: the chunk the host links on a TILER_OOM ack (0 = NULL). */
  heapStart = 0;
  heapEnd = 0;
  /** CS output heap_address, heap_vt_start, heap_vt_end, heap_frag_end, written at TILER_OOM. */
  heapAddress = 0;
  heapVtStart = 0;
  heapVtEnd = 0;
  heapFragEnd = 0;
  constructor(readonly csg: number, readonly index: number) {}

  reset(): void {
    this.req = 0; this.ack = 0; this.queue = null; this.runToken = -1; this.protGranted = false;
    this.heapStart = 0; this.heapEnd = 0;
  }
}


/** Executes the CSs of the model's firmware (one instance per Firmware). */
export class CsInterpreter {
  /** CSs blocked on a SYNC_WAIT, re-evaluated whenever a sync object changes. */
  private syncWaiters: CsSlot[] = [];
  private readonly runDoneCb = (cs: CsSlot): void => this.runDone(cs);
  private readonly execCb = (cs: CsSlot): void => this.exec(cs);

  constructor(private readonly sim: Sim, private readonly host: CsHost) {}

  /** GPU reset: no CS waits any more. */
  reset(): void { this.syncWaiters = []; }

  /** CSG `csg` was suspended or terminated: its CSs no longer wait. */
  dropWaiters(csg: number): void { this.syncWaiters = this.syncWaiters.filter((w) => w.csg !== csg); }

  /** Stops a CS's in-flight RUN, keeping the remaining time for when it resumes. */
  preempt(cs: CsSlot): void {
    if (cs.runToken >= 0) {
      this.sim.cancel(cs.runToken);
      const q = cs.queue as CsQueue;
      const done = this.sim.now - cs.runStart;
      if (done > 0) q.onGpuTime(done);
      q.st.runRemaining = Math.max(1, cs.runEnd - this.sim.now);
    }
    cs.runToken = -1;
  }

  private canRun(cs: CsSlot): boolean {
    const h = this.host;
    if (h.mcuStatus !== R.MCU_STATUS_ENABLED || !cs.queue || cs.queue.st.fatal) return false;
    if (!h.csgRunning(cs.csg)) return false;
    const m = h.mode;
    if (m === GpuMode.MODE_NORMAL) return true;
    if (m === GpuMode.MODE_PROTECTED) return cs.protGranted;
    return false;
  }

  private startRun(cs: CsSlot, dur: Ns): void {
    cs.runStart = this.sim.now;
    cs.runEnd = this.sim.now + dur;
    cs.runToken = this.sim.after(dur, this.runDoneCb, cs);
    if (dur > this.host.progressTimeout) this.host.armProgressTimer(cs);
  }

  private runDone(cs: CsSlot): void {
    cs.runToken = -1;
    const q = cs.queue as CsQueue;
    q.st.runRemaining = 0;
    q.onGpuTime(this.sim.now - cs.runStart);
    advance(q);
    this.exec(cs);
  }

  /** Executes the CS until it blocks, starts a RUN_*, or runs out of work. */
  exec(cs: CsSlot): void {
    if (cs.runToken !== -1) return;
    // Whether the CS may run, is hung or has a preempted RUN to finish does not change while it
    // steps through instructions (every step that changes one of them returns), so it is
    // checked once, not per instruction.
    if (!this.canRun(cs)) return;
    const q = cs.queue as CsQueue, st = q.st;
    if (st.hung) { cs.runToken = HUNG; return; }
    if (st.faultHalted) {
      // Resumes once the host acknowledged CS_FAULT (and rang the CS doorbell); the faulting
      // RUN_* is not executed again.
      if ((cs.req ^ cs.ack) & R.CS_FAULT) return;
      st.faultHalted = false;
      advance(q);
    }
    if (st.runRemaining > 0) { this.startRun(cs, st.runRemaining); st.runRemaining = 0; return; }
    if (st.oomWait && !this.oomAnswered(cs)) return;
    for (let guard = 0; guard < 1_000_000; guard++) {
      let instr: CsInstr | undefined;
      const d = st.frames.length;
      if (d > 0) {
        const fr = st.frames[d - 1]!, pc = st.pcs[d - 1]!;
        if (pc >= fr.length) { st.frames.pop(); st.pcs.pop(); continue; }
        instr = fr[pc]!;
      } else {
        if (q.extract >= q.insert) { this.host.csIdle(cs); return; }
        instr = q.ring[q.extract & q.mask];
        if (!instr) { q.extract++; continue; }
      }
      const op = instr.op;
      if (this.host.mode === GpuMode.MODE_PROTECTED) {
        // Protected work is done once a granted CS reaches normal work again: the FW exits.
        if (st.protRemaining === 0 && isRun(op)) {
          this.host.protWorkDone(cs, -1);
          return;
        }
      } else if (st.protRemaining > 0) {
        // Normal mode inside an interrupted PROT_REGION: protected mode is needed again.
        if (!st.protPending) this.host.protmNeededAgain(cs, -1);
        return;
      }
      switch (op) {
        case CsOpcode.RUN_COMPUTE: case CsOpcode.RUN_TILING: case CsOpcode.RUN_IDVS:
        case CsOpcode.RUN_FRAGMENT: case CsOpcode.RUN_FULLSCREEN: {
          if (instr.heapChunks && st.heapCtx && !this.tilerChunks(cs, instr.heapChunks)) return;
          if (st.injectFatal) { const t = st.injectFatal; st.injectFatal = 0; this.host.raiseCsFatal(cs, t, -1); return; }
          if (st.injectHang) { st.injectHang = false; st.hung = true; cs.runToken = HUNG; return; }
          if (st.injectFault) { const t = st.injectFault; st.injectFault = 0; this.host.raiseCsFault(cs, t, -1); return; }
          this.startRun(cs, instr.duration ?? 0);
          return;
        }
        case CsOpcode.CALL: {
          advance(q);
          if (d >= MAX_CALL_DEPTH) { this.host.raiseCsFatal(cs, R.DRM_PANTHOR_EXCEPTION_CS_CALL_STACK_OVERFLOW, -1); return; }
          const size = instr.callSize ?? 0;
          if (size === 0) continue;
          const stream = q.vm.fetch(instr.addr ?? 0, size);
          if (!stream) { this.host.raiseCsFatal(cs, R.DRM_PANTHOR_EXCEPTION_INSTR_INVALID_PC, -1); return; }
          if (d === 0) q.onCall(instr.value ?? 0);
          st.frames.push(stream); st.pcs.push(0);
          continue;
        }
        case CsOpcode.SYNC_ADD32: case CsOpcode.SYNC_ADD64: {
          const a = instr.addr ?? 0;
          q.vm.write64(a, q.vm.read64(a) + (instr.value ?? 0));
          advance(q);
          this.syncUpdate(cs);
          continue;
        }
        case CsOpcode.SYNC_SET32: case CsOpcode.SYNC_SET64: {
          q.vm.write64(instr.addr ?? 0, instr.value ?? 0);
          advance(q);
          this.syncUpdate(cs);
          continue;
        }
        case CsOpcode.SYNC_WAIT32: case CsOpcode.SYNC_WAIT64: {
          const v = q.vm.read64(instr.addr ?? 0), ref = instr.value ?? 0;
          const gt = instr.cond !== 'le';
          if (gt ? v > ref : v <= ref) { advance(q); continue; }
          st.blocked = BlockedReason.CS_STATUS_BLOCKED_REASON_SYNC_WAIT;
          st.statusWait = (R.CS_STATUS_WAIT_SYNC | (op === CsOpcode.SYNC_WAIT64 ? R.CS_STATUS_WAIT_SYNC_64B : 0) |
            (gt ? R.CS_STATUS_WAIT_SYNC_COND_GT : 0)) >>> 0;
          st.waitAddr = instr.addr ?? 0; st.waitValue = ref; st.waitGt = gt;
          this.syncWaiters.push(cs);
          this.host.csIdle(cs);
          return;
        }
        case CsOpcode.PROT_REGION: {
          if (this.host.mode === GpuMode.MODE_PROTECTED && cs.protGranted) {
            advance(q);
            st.protRemaining = Math.max(0, Math.floor((instr.size ?? 0) / R.CS_INSTR_SIZE));
            continue;
          }
          // Raised once; the CS then waits for GLB_PROTM_ENTER (its ack alone does not re-raise it).
          if (!st.protPending) this.host.raiseProtmPending(cs, -1);
          return;
        }
        case CsOpcode.HEAP_SET:
          st.heapCtx = instr.addr ?? 0;
          advance(q);
          continue;
        case CsOpcode.FINISH_TILING: {
          const h = st.passOpen ? q.vm.tilerHeapCtx(st.heapCtx) : undefined;
          if (h) { h.vtEnd++; h.held.push(st.passHeld); }
          st.passOpen = false; st.passHeld = 0; st.passNeed = 0;
          advance(q);
          continue;
        }
        case CsOpcode.FINISH_FRAGMENT: {
          const h = st.heapCtx ? q.vm.tilerHeapCtx(st.heapCtx) : undefined;
          if (h && h.held.length) this.fragmentDone(h);
          advance(q);
          continue;
        }
        default:
          // NOP, MOVE32/48, WAIT (RUN_* complete in order here), FLUSH_CACHE2, STORE_STATE,
          // FINISH_*, JUMP, ERROR_BARRIER: no model effect beyond advancing.
          advance(q);
          continue;
      }
    }
  }

  /**
   * A tiled render pass fills `need` chunks of the heap: it takes what the heap has free; short of
   * chunks it raises TILER_OOM and waits (false). The pass keeps its chunks until its fragment work ends.
   */
  private tilerChunks(cs: CsSlot, need: number): boolean {
    const q = cs.queue as CsQueue, st = q.st;
    const h = q.vm.tilerHeapCtx(st.heapCtx);
    if (!h) return true;
    if (!st.passOpen) { st.passOpen = true; st.passNeed = need; st.passHeld = 0; h.vtStart++; }
    const take = Math.min(h.free, st.passNeed - st.passHeld);
    if (take > 0) { h.inUse += take; st.passHeld += take; }
    if (st.passHeld >= st.passNeed) return true;
    st.oomWait = true;
    st.blocked = BlockedReason.CS_STATUS_BLOCKED_REASON_RESOURCE;
    this.host.raiseTilerOom(cs, h);
    return false;
  }

  /**
   * The CS waits on TILER_OOM: answered once the host acknowledged it (req = ack). A chunk (heap_start
   * != 0) is linked into the heap; a NULL one leaves the pass waiting for fragment work to give
   * chunks back, or (nothing to wait for, assumption tiler_oom_null_chunk) faults the CS with OOM.
   */
  private oomAnswered(cs: CsSlot): boolean {
    if ((cs.req ^ cs.ack) & R.CS_TILER_OOM) return false;
    const q = cs.queue as CsQueue, st = q.st;
    const h = q.vm.tilerHeapCtx(st.heapCtx);
    if (cs.heapStart) {
      if (h) h.chunks++;
      cs.heapStart = 0; cs.heapEnd = 0;
    } else if (h && h.free <= 0) {
      if (h.held.length === 0 && this.host.nullChunk !== 'wait') {
        // The pass is abandoned: its chunks go back, it no longer counts as in flight.
        h.inUse -= st.passHeld; h.vtStart--;
        st.passOpen = false; st.passHeld = 0; st.passNeed = 0;
        st.oomWait = false;
        this.host.raiseCsFatal(cs, R.DRM_PANTHOR_EXCEPTION_OOM, -1);
        return false;
      }
      if (!h.starved.includes(cs)) h.starved.push(cs);
      return false;
    }
    st.oomWait = false;
    st.blocked = BlockedReason.CS_STATUS_BLOCKED_REASON_UNBLOCKED;
    return true;
  }

  /** The oldest tiled pass's fragment work ended: its chunks go back to the heap, starved CSs retry. */
  private fragmentDone(h: TilerHeapCtx): void {
    h.inUse -= h.held.shift() as number;
    h.fragEnd++;
    if (!h.starved.length) return;
    const ws = h.starved;
    h.starved = [];
    for (const w of ws) this.sim.after(0, this.execCb, w);
  }

  /** A sync object changed: CSG SYNC_UPDATE, and the CSs whose SYNC_WAIT now passes wake up. */
  private syncUpdate(cs: CsSlot): void {
    this.host.raiseSyncUpdate(cs);
    this.wakeWaiters();
  }

  /** Re-evaluates every CS blocked on SYNC_WAIT. */
  wakeWaiters(): void {
    const ws = this.syncWaiters;
    if (ws.length === 0) return;
    let keep: CsSlot[] | undefined;
    for (let i = 0; i < ws.length; i++) {
      const w = ws[i]!, q = w.queue;
      if (q && waitSatisfied(q)) {
        q.st.blocked = BlockedReason.CS_STATUS_BLOCKED_REASON_UNBLOCKED; q.st.statusWait = 0;
        this.host.markBusy(w.csg);
        this.sim.after(0, this.execCb, w);
        if (!keep) keep = ws.slice(0, i);
      } else if (keep) keep.push(w);
    }
    if (keep) this.syncWaiters = keep;
  }
}

function advance(q: CsQueue): void {
  const st = q.st, d = st.frames.length;
  if (d > 0) st.pcs[d - 1]!++;
  else q.extract++;
  if (st.protRemaining > 0) st.protRemaining--;
}

function isRun(op: number): boolean {
  return op === CsOpcode.RUN_COMPUTE || op === CsOpcode.RUN_TILING || op === CsOpcode.RUN_IDVS ||
    op === CsOpcode.RUN_FRAGMENT || op === CsOpcode.RUN_FULLSCREEN;
}

/** The condition of the SYNC_WAIT the queue is blocked on now holds. */
export function waitSatisfied(q: CsQueue): boolean {
  const st = q.st, v = q.vm.read64(st.waitAddr);
  return st.waitGt ? v > st.waitValue : v <= st.waitValue;
}
