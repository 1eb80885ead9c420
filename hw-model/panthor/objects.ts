/**
 * The driver's objects: panthor_file (per open of the render node), VMs, GEM BOs, syncobjs,
 * groups, queues and jobs. Plain data with small helpers; the behaviour is in the files named after the driver's.
 */
import { GroupStateKind, JobPhase, SlotAction } from '../../proto/index.js';
import { CsOpcode, type CsInstr } from '../contract.js';
import type { DmaBuf } from '../dma-heap/index.js';
import { CsExecState, TilerHeapCtx, type CsQueue, type GpuVm } from '../firmware/index.js';
import type { Ns } from '../sim/index.js';

/**
 * A kernel-ring instruction with every operand field present, in the order CsBuilder gives them:
 * every instruction the FW interpreter reads then has one object shape.
 */
export function ringInstr(op: CsOpcode, addr = 0, value = 0, callSize = 0, sbMask = 0): CsInstr {
  return { op, duration: 0, size: 0, sbMask, addr, value, callSize, cond: undefined, heapChunks: 0 };
}

/** Removes a[i] keeping the order (splice without the array of removed elements). */
export function removeAt<T>(a: T[], i: number): void {
  for (let k = i + 1; k < a.length; k++) a[k - 1] = a[k]!;
  a.pop();
}

export interface Mapping { va: number; size: number; bo: Bo; boOffset: number; flags: number }

/** Memory words a VM keeps in its linear table before using a Map. */
const MEM_LINEAR = 16;

/** A GPU VM (panthor_vm): mappings and the model's view of GPU memory words (sync objects). */
export class Vm implements GpuVm {
  readonly mappings: Mapping[] = [];
  /**
   * 64-bit words written by the GPU or the kernel (sync objects), by VA. A VM has a handful (one
   * per queue, a few for user sync objects): the first MEM_LINEAR live in two parallel arrays
   * searched linearly (no boxed keys and values, unlike a Map), any further ones in a Map.
   */
  private readonly memAddr: number[] = [];
  private readonly memVal: number[] = [];
  private memMore: Map<number, number> | null = null;
  /** Address space the VM is bound to (-1 = none); AS 0 is the MCU's. */
  asNr = -1;
  /** LRU stamp for AS eviction. */
  asLru = 0;
  unusable = false;
  /** panthor_vm.unhandled_fault: an MMU fault hit the VM's AS; cleared when the VM is made active again. */
  unhandledFault = false;
  destroyed = false;
  /** Its tiler heaps (the heap pool), by heap id. */
  readonly heaps: TilerHeap[] = [];
  /** The VM has a tiler heap pool (created by its first TILER_HEAP_CREATE). */
  heapPool = false;
  /** Groups using the VM that are resident on a CSG slot. */
  residentGroups = 0;
  /** Kernel-reserved VA for queue sync objects of groups on this VM. */
  nextKernelVa = 0xffff_0000_0000;

  constructor(readonly id: number, readonly file: PanthorFile, readonly userVaRange: number) {}

  fetch(addr: number, size: number): CsInstr[] | undefined {
    const m = this.lookup(addr);
    if (!m) return undefined;
    const s = m.bo.streams.get(addr - m.va + m.boOffset);
    if (!s) return undefined;
    const n = size >>> 3;
    return s.length <= n ? s : s.slice(0, n);
  }

  tilerHeapCtx(va: number): TilerHeapCtx | undefined {
    for (const h of this.heaps) if (h.ctx.va === va) return h.ctx;
    return undefined;
  }

  lookup(addr: number): Mapping | undefined {
    const ms = this.mappings;
    for (let i = 0; i < ms.length; i++) {
      const m = ms[i]!;
      if (addr >= m.va && addr < m.va + m.size) return m;
    }
    return undefined;
  }

  read64(addr: number): number {
    const a = this.memAddr;
    for (let i = 0; i < a.length; i++) if (a[i] === addr) return this.memVal[i]!;
    return this.memMore?.get(addr) ?? 0;
  }

  write64(addr: number, v: number): void {
    const a = this.memAddr;
    for (let i = 0; i < a.length; i++) if (a[i] === addr) { this.memVal[i] = v; return; }
    // NaN never equals itself: such an address goes to the Map (SameValueZero), like any past the table.
    if (a.length < MEM_LINEAR && addr === addr) { a.push(addr); this.memVal.push(v); return; }
    (this.memMore ??= new Map()).set(addr, v);
  }
}

/**
 * The command streams written into a BO, by byte offset: instruction-aligned offsets (all that
 * Mesa-like user space writes) index an array by offset / 8, which is much cheaper than a Map
 * for this per-frame write and per-job read; any other offset goes to a Map.
 */
export class BoStreams {
  private readonly aligned: (CsInstr[] | undefined)[] = [];
  private other: Map<number, CsInstr[]> | null = null;

  set(offset: number, instrs: CsInstr[]): void {
    // i * 8 === offset exactly when offset is a multiple of 8 in [0, 2^32) (integers only).
    const i = offset >>> 3;
    if (i * 8 === offset) this.aligned[i] = instrs;
    else (this.other ??= new Map()).set(offset, instrs);
  }

  get(offset: number): CsInstr[] | undefined {
    const i = offset >>> 3;
    if (i * 8 === offset) return this.aligned[i];
    return this.other?.get(offset);
  }
}

/** A GEM object (panthor_gem_object). */
export class Bo {
  /** User command streams copied in through writeStream, by byte offset. */
  readonly streams = new BoStreams();
  label = '';
  constructor(
    readonly handle: number,
    readonly size: number,
    readonly flags: number,
    readonly exclusiveVm: Vm | null,
    /** Imported dma-buf (PRIME) or the protected-heap buffer backing a protected BO. */
    readonly dmabuf: DmaBuf | null,
    readonly imported: boolean,
  ) {}
  get isProtected(): boolean { return this.dmabuf !== null && this.dmabuf.isProtected; }
}

/** A DRM syncobj: binary (value 0/1) or timeline (value = last signalled point). */
export class Syncobj {
  value = 0;
  /** Fence error of the last signalled fence (0 ok, -EINVAL, -ETIMEDOUT, -ECANCELED). */
  error = 0;
  readonly waiters: SyncWaiter[] = [];
  constructor(readonly handle: number) {}
}

export interface SyncWaiter {
  objs: Syncobj[];
  points: number[];
  cb: (ret: number) => void;
  token: number;
  done: boolean;
  pid: number;
  fd: number;
  start: Ns;
  handles: number[];
  /** Key of the pending timeout in the kernel's table of timed waits (0 = none). */
  id: number;
}

/** A tiler heap (struct panthor_heap): its chunk limits, and the heap context the FW uses. */
export class TilerHeap {
  /** heap->chunk_count: chunks allocated (the initial ones, then one per successful panthor_heap_grow). */
  chunkCount: number;
  readonly ctx: TilerHeapCtx;
  /** GPU VA of the next chunk the heap maps (chunk VAs of the model: one MAX_CHUNK_SIZE region per heap). */
  nextChunkVa: number;
  constructor(readonly vm: Vm, readonly id: number, readonly handle: number, readonly chunkSize: number,
              initial: number, readonly maxChunks: number, readonly targetInFlight: number, ctxVa: number, firstChunkVa: number) {
    this.chunkCount = initial;
    this.ctx = new TilerHeapCtx(ctxVa, initial);
    this.nextChunkVa = firstChunkVa + initial * chunkSize;
  }
}

/** One open of the render node (struct panthor_file). */
export class PanthorFile {
  readonly vms = new Map<number, Vm>();
  readonly bos = new Map<number, Bo>();
  readonly groups = new Map<number, Group>();
  readonly syncobjs = new Map<number, Syncobj>();
  /** Tiler heaps by handle ((vm_id << 16) | heap id). */
  readonly tilerHeaps = new Map<number, TilerHeap>();
  /** dma-buf id → BO handle of its import in this file (PRIME returns the same handle). */
  readonly imports = new Map<number, number>();
  nextBo = 1;
  nextSyncobj = 1;
  /** SET_USER_MMIO_OFFSET (panthor_file.user_mmio.offset; 64-bit user space by default). */
  userMmioOffset = 2 ** 56;
  constructor(readonly pid: number, readonly fd: number, readonly privileged: boolean) {}
}

export interface SyncSignal { obj: Syncobj; point: number }

export class Job {
  phase: JobPhase = JobPhase.JOB_QUEUED;
  gpuNs = 0;
  startedAt = 0;
  /** Unmet dependencies (WAIT sync ops). */
  deps = 0;
  pushed = false;
  /** Position on the ring: the value the queue's sync object reaches when the job is done. */
  ringSeq = 0;
  /** job->ringbuf.start / .end: the job's instructions on the ring (in instructions). */
  ringStart = 0;
  ringEnd = 0;
  /** dma_fence_set_error of the done fence (CS_FAULT: -EINVAL): the error the job completes with. */
  fenceErr = 0;
  constructor(
    readonly queue: Queue,
    readonly seqno: number,
    readonly streamAddr: number,
    readonly streamSize: number,
    readonly signals: SyncSignal[],
    readonly protRegion: boolean,
    readonly frame: number,
    readonly submitEv: number,
    /** The app's deadline for the frame (QueueSubmit.deadline_ns; 0 = none). */
    readonly deadlineNs = 0,
  ) {}
}

/** A queue (panthor_queue) with its ring buffer, shared with the FW as a CsQueue. */
export class Queue implements CsQueue {
  /**
   * The ring's instructions, at (position & mask): a power-of-two window over the ring that grows
   * (reserve) up to its size as jobs fill it. A whole ring of empty slots for every queue made the
   * simulation's young-generation collections copy megabytes of them (drm-video-over-ui creates a
   * group every few seconds).
   */
  ring: (CsInstr | undefined)[];
  mask: number;
  /** The ring's size in instructions (its credits: ringbuf_size / 8). */
  readonly slots: number;
  insert = 0;
  extract = 0;
  readonly st = new CsExecState();
  /** Last job seqno given out; jobs pushed to the ring (the queue's kernel sync object counts them). */
  seqno = 0;
  ringSeq = 0;
  doneSeqno = 0;
  /** Jobs on the ring, oldest first. */
  readonly inflight: Job[] = [];
  /** Jobs waiting for dependencies or ring credits. */
  readonly waiting: Job[] = [];
  current: Job | null = null;
  timeoutToken = -1;
  /** When the pending timeout callback runs. */
  timeoutAt = 0;
  timeoutActive = false;
  deadline = 0;
  /** queue->timeout.remaining: time left of a timeout suspended with its group (-1: not suspended). */
  timeoutRemaining = -1;
  readonly syncVa: number;
  /** Shared instruction of the kernel ring: SYNC_ADD64 of this queue's sync object. */
  readonly syncAdd: CsInstr;

  constructor(readonly group: Group, readonly index: number, readonly priority: number,
              readonly ringbufSize: number, readonly vm: Vm, private readonly hooks: QueueHooks) {
    const n = ringbufSize >>> 3;
    this.slots = n;
    const cap = Math.min(n, INITIAL_RING_WINDOW);
    this.ring = new Array<CsInstr | undefined>(cap);
    this.mask = cap - 1;
    this.syncVa = vm.nextKernelVa;
    vm.nextKernelVa += 64;
    this.syncAdd = ringInstr(CsOpcode.SYNC_ADD64, this.syncVa, 1);
  }

  /** Credits left on the ring (drm_sched credit_limit = ringbuf_size / 8). */
  get freeCredits(): number { return this.slots - (this.insert - this.extract); }

  /**
   * Makes the window hold the instructions from extract up to `more` past insert (at most the
   * ring's size: the caller has checked the credits). The live instructions keep their positions;
   * a slot of the window then only ever holds an instruction already executed or a live one.
   */
  reserve(more: number): void {
    const need = this.insert + more - this.extract;
    if (need <= this.ring.length) return;
    let cap = Math.max(1, this.ring.length);
    while (cap < need) cap *= 2;
    const ring = new Array<CsInstr | undefined>(cap), m = cap - 1;
    for (let p = this.extract; p < this.insert; p++) ring[p & m] = this.ring[p & this.mask];
    this.ring = ring;
    this.mask = m;
  }

  onCall(seqno: number): void { this.hooks.jobStarted(this, seqno); }
  onGpuTime(ns: number): void {
    const j = this.current;
    if (j) j.gpuNs += ns;
    this.group.gpuNs += ns;
  }
}

export interface QueueHooks { jobStarted(q: Queue, seqno: number): void }

/** Instructions of a queue's ring window at first (four jobs of the kernel's JOB_INSTRS). */
const INITIAL_RING_WINDOW = 64;

export class Group {
  state: GroupStateKind = GroupStateKind.PANTHOR_CS_GROUP_CREATED;
  queues: Queue[] = [];
  csgId = -1;
  csgPriority = 0;
  destroyed = false;
  timedout = false;
  innocent = false;
  fatalQueues = 0;
  protmPendingQueues = 0;
  /** group->tiler_oom: queues with a TILER_OOM event the OOM work has not taken yet. */
  tilerOom = 0;
  /** Queues whose TILER_OOM the OOM work is processing (its answer not written yet). */
  tilerOomBusy = 0;
  /** Protected suspend buffer from the heap (or user supplied) and its GPU VA. */
  protmSuspendBuf: DmaBuf | null = null;
  protmSuspendVa = 0;
  suspendVa = 0;
  /** Which run queue the group is on: 'runnable' | 'idle' | '' (resident or dead). */
  list: '' | 'runnable' | 'idle' = '';
  gpuNs = 0;
  // Per-tick scratch (tick number it was selected in, idleness, planned slot/priority/action).
  tSel = 0;
  tIdle = true;
  tPrio = 0;
  tSlot = -1;
  tAction: SlotAction = SlotAction.SLOT_EMPTY;
  constructor(readonly id: number, readonly file: PanthorFile, readonly pid: number, readonly priority: number,
              readonly isProtected: boolean, readonly vm: Vm) {}

  /** Some queue waits for protected mode (group->protm_pending_queues != 0). */
  get protmPending(): boolean { return this.protmPendingQueues !== 0; }

  /** group_can_run(): not terminated/unknown, not destroyed, no fatal queues, not timed out. */
  get canRun(): boolean {
    return this.state !== GroupStateKind.PANTHOR_CS_GROUP_TERMINATED &&
      this.state !== GroupStateKind.PANTHOR_CS_GROUP_UNKNOWN_STATE &&
      !this.destroyed && this.fatalQueues === 0 && !this.timedout;
  }
}
