/**
 * The slices of the replayed state (state.ts ReplayState): the records each handler keeps and, at
 * the end, the slices each handler owns (its `Handler<Own, Reads>` type names them). Types only,
 * importing nothing: a handler reads another handler's slice through its type here, without
 * importing that handler (no import cycle, type-only included).
 *
 * Enum values are kept as the reference's names (`MODE_PROTECTED`, `PANTHOR_CS_GROUP_ACTIVE`) so
 * the JSON form reads without a decoder. Every record carries `idx` (the index of the last raw
 * event that changed it) and, where it has a beginning, `createdIdx`, so a UI can jump from any
 * field to the event it came from.
 */

/** A pending FW interface request or event: `(req ^ ack) & bit` set. */
export interface FwPending {
  iface: 'GLB' | 'CSG' | 'CS';
  csg: number;               // -1 for GLB
  cs: number;                // -1 unless CS
  name: string;              // GLB_PROTM_ENTER, CSG_STATE_START, CS_PROTM_PENDING, ...
  kind: 'request' | 'event'; // host→FW request awaiting ack / FW→host event awaiting acknowledgement
  sinceIdx: number;
  sinceT: number;
  ageNs: number;             // filled by stateAt (state time − sinceT)
}

export interface DeviceState {
  probeStage: string;        // last ProbeStage name ('' before any probe event)
  probeResult: number;
  probeAttempt: number;
  probeDefers: number;
  probed: boolean;           // PROBE_DONE seen and not removed
  fwState: 'off' | 'booting' | 'running' | 'reset' | 'failed';
  fwVersion: number;
  csgSlotCount: number;
  asCount: number;
  heapName: string;          // protected heap name configured (from probe)
  heapNameSource: string;
  protectedHeap: string;     // name of the protected heap the device holds a reference to ('' = none)
  protectedHeapRefs: number; // dma_heap_find references the driver holds on it
  protSections: { loaded: number; skipped: number };
  protSectionsLoaded: boolean; // after the last reset
  protectedFeatures: number; // last DEV_QUERY PROTECTED_INFO answer
  gpuMode: string;           // GpuMode name
  gpuModeSinceIdx: number;
  gpuModeSinceT: number;
  gpuStatus: number;
  protmActiveGroup: number;  // sched.protm.active_group (0 = none)
  protmCsg: number;
  inReset: boolean;
  resetCount: number;
  lastReset: { kind: string; cause: string; idx: number; success: boolean } | null;
  watchdog: { pings: number; skipped: number; timeouts: number; lastOp: string; lastIdx: number };
  /** Runtime PM (Pm events): ptdev->pm.state ('' before the first Pm event), sched->pm.has_ref, counts. */
  pm: PmDeviceState;
  mmu: { commands: number; lastCmd: string; lastIdx: number };
  lastFault: { kind: string; group: number; exceptionType: number; idx: number } | null;
  lastLog: { level: string; msg: string; source: string; idx: number } | null;
  idx: number;
}

export interface FwWord { req: number; ack: number; idx: number }

export interface FwState {
  glb: FwWord;
  csg: Record<string, FwWord>;     // by CSG slot
  cs: Record<string, FwWord>;      // by "csg.cs"
  pending: FwPending[];
  doorbells: number;
  lastDoorbell: { id: number; idx: number } | null;
  irqs: number;
}

export interface SlotState {
  slot: number;
  group: number;             // 0 = empty
  csgPriority: number;       // CSG_EP_REQ PRIORITY
  reqState: string;          // last requested CSG state
  state: string;             // last acknowledged CSG state
  asNr: number;
  protmSuspendBuf: number;
  idx: number;
}

export interface QueueRec {
  queue: number;
  priority: number;
  ringbufSize: number;
  insert: number;
  extract: number;
  blocked: string;           // BlockedReason name
  protmPending: boolean;
  idle: boolean;
  fatal: boolean;
  lastSeqno: number;
  running: number;           // seqno of the job started and not yet finished (0 = none)
  jobsDone: number;
  jobsFailed: number;
  idx: number;
}

export interface GroupRec {
  handle: number;
  pid: number;
  app: string;
  fd: number;
  priority: number;          // PANTHOR_GROUP_PRIORITY_LOW 0 .. REALTIME 3
  state: string;             // GroupStateKind name
  csgSlot: number;           // -1 when off-slot
  isProtected: boolean;
  vmId: number;
  queues: QueueRec[];
  protmPendingQueues: number;
  protmSuspendBuf: number;
  protmSuspendBufferId: number;
  timedout: boolean;
  fatalQueues: number;
  innocent: boolean;
  destroyed: boolean;        // GROUP_DESTROY issued, handle not yet released
  submits: number;
  gpuNs: number;
  lastFault: string;
  createdIdx: number;
  idx: number;
}

export interface VmRec {
  id: number;
  pid: number;
  state: string;             // USABLE / UNUSABLE
  asNr: number;              // -1 when not bound to an address space
  mappings: number;
  createdIdx: number;
  idx: number;
}

export interface BoRec {
  handle: number;
  pid: number;
  size: number;
  flags: number;
  exclusiveVm: number;
  mmapped: boolean;          // BO_MMAP_OFFSET succeeded
  vaMapped: number;          // VM_BIND MAP ops minus UNMAP ops
  imported: number;          // dma-buf id when imported through PRIME (0 = native)
  protected: boolean;        // backed by a protected heap
  label: string;
  createdIdx: number;
  idx: number;
}

export interface HeapRec {
  id: number;
  name: string;
  kind: string;              // HeapKind name
  capacity: number;          // 0 = unbounded
  refcount: number;          // dma_heap_find references
  allocated: number;         // live bytes
  allocations: number;       // live buffers
  failedAllocs: number;
  teeCalls: number;
  teeNs: number;
  removed: boolean;
  fragmentation: number;     // 1 − largest free extent / free bytes (carve-outs; filled by stateAt)
  largestFree: number;       // filled by stateAt
  createdIdx: number;
  idx: number;
}

export interface DmaBufRec {
  id: number;
  heap: string;
  size: number;
  purpose: string;           // HeapPurpose name
  ownerPid: number;          // 0 = kernel
  group: number;             // owning group (PROTM_SUSPEND_BUF)
  refcount: number;
  importers: string[];       // "panthor" (kernel import), "pid 12" (PRIME import by a process)
  fds: number;               // fds installed (DMA_BUF_EXPORT)
  physOffset: number;
  protected: boolean;
  createdIdx: number;
  idx: number;
}

export interface FdRec { path: string; buffer: number }

export interface ProcessRec {
  pid: number;
  comm: string;
  kind: string;
  privileged: boolean;
  fds: Record<string, FdRec>;
  ioctls: number;
  ioctlErrors: number;
  createdIdx: number;
  idx: number;
}

export interface SchedState {
  tick: number;
  decisions: number;
  lastDecisionIdx: number;
  lastTrigger: string;
  lastProtm: string;
  lastProtmRule: string;
  lastProtmGroup: number;
  timeslice: boolean;
  nextTickNs: number;
}

export interface Counters {
  events: number;
  families: number[];        // per familyNumber()
  modeSwitches: number;
  protmEnters: number;
  protmExits: number;
  jobsDone: number;
  jobsFailed: number;
  ioctlErrors: number;
  faults: number;
  protectedNs: number;       // time spent in MODE_PROTECTED up to the last event
}

/** A tiler heap (TILER_HEAP_CREATE) and its OOM history. */
export interface TilerHeapRec {
  handle: number;
  pid: number;
  vmId: number;
  chunks: number;            // heap->chunk_count
  maxChunks: number;
  targetInFlight: number;
  chunkSize: number;
  ooms: number;              // TILER_OOM events
  grows: number;             // chunks added by panthor_heap_grow
  denied: number;            // -ENOMEM answers (NULL chunk)
  failed: number;            // other errors (queue made fatal)
  inFlight: number;          // render passes in flight at the last OOM step
  lastOp: string;            // TilerHeapOp name of the last step
  createdIdx: number;
  idx: number;
}

/** An address space slot: the VM bound to it and how (active, on the LRU list, faulty). */
export interface AsSlotRec {
  as: number;
  vmId: number;              // 0 = free
  state: string;             // active | lru | faulty | free
  faults: number;
  lastOp: string;            // VmOp name
  idx: number;
}

export interface GpuMemState {
  tilerHeaps: Record<string, TilerHeapRec>;   // key "pid:handle"
  as: Record<string, AsSlotRec>;              // key AS number
  vmOpsInFlight: number;                      // VM operations between VM_OP_BEGIN and VM_OP_END
  lastVmOp: { vmId: number; pid: number; op: string; gpuProtected: boolean; idx: number } | null;
}

/** One panthor device's probe, as its Probe events tell it (device 0 included). */
export interface GpuProbeRec {
  device: number;
  /** probing | deferred | probed | probed, no protected support | failed | removed */
  outcome: string;
  stage: string;             // last ProbeStage name
  result: number;            // its result (0 or -errno)
  heapName: string;          // the name read (PROBE_HEAP_NAME / LOOKUP)
  nameSource: string;        // dt | module-param
  nameSet: boolean;          // a name was given
  protectedHeap: string;     // the heap its dma_heap_find returned ("" = none)
  attempts: number;
  defers: number;
  idx: number;
}

/** An app's EGL (EGL_EXT_protected_content model): its current context and its surfaces. */
export interface EglContextRec {
  pid: number;
  context: number;           // its context (0 = none: not created yet, destroyed or lost)
  protected: boolean;
  group: number;             // the panthor group behind it (0 = none yet)
  draw: number;              // current draw surface (0 = none)
  surfaces: number;          // surfaces created by the process
  protectedSurfaces: number;
  errors: number;            // EGL errors of this context's calls
  lastError: string;         // "" or the EGL error name
  idx: number;
}

export interface PlatformState {
  gpus: Record<string, GpuProbeRec>;              // key device index
  /** Heaps whose struct dma_heap was freed (DMA_HEAP_RELEASE): name → event index. */
  heapsReleased: Record<string, number>;
  /** Heap removals refused with -EBUSY (heap_lifetime: pinned). */
  heapRemovalsRefused: number;
  egl: Record<string, EglContextRec>;             // key pid
  eglErrors: number;
  lastEglError: { pid: number; op: string; error: string; idx: number } | null;
}

/** A device of a secure pipeline: decoder, display, or the GPU as a fence producer. */
export interface PipelineDeviceRec {
  name: string;
  kind: string;              // DECODER | DISPLAY | GPU
  imports: number;           // dma-bufs attached now
  refused: number;           // imports its rule refused
  lastRefusal: string;
  fencesEmitted: number;
  fencesSignalled: number;
  lastFrame: number;         // last frame whose fence it signalled
  vblank: number;            // display: last vblank count seen
  shownFrame: number;        // display: frame on screen (0 = none yet)
  shownBuffer: number;
  flips: number;
  misses: number;            // missed vblanks
  drops: number;
  lastMiss: string;          // "frame 12 GPU_PROTM_DENIED at #345"
  createdIdx: number;
  idx: number;
}

/** The central allocator's last choice for one pool of one process. */
export interface HeapChoiceRec {
  pid: number;
  pool: string;
  protected: boolean;
  allocator: string;         // INTERSECT | GPU_HEAP
  lists: string;             // "vdec[a,b] gpu[b]"
  intersection: string[];
  chosen: string;
  gpuHeap: string;
  result: number;
  reason: string;
  idx: number;
}

export interface PipelineState {
  devices: Record<string, PipelineDeviceRec>;
  choices: Record<string, HeapChoiceRec>;     // key "pid:pool"
}

/** The device's runtime PM as the Pm events tell it (panthor_device_suspend / _resume). */
export interface PmDeviceState {
  /** PM_STATE_* name of ptdev->pm.state; '' until the trace has a Pm event (older traces). */
  state: string;
  /** sched->pm.has_ref: the scheduler holds a runtime PM reference (a scheduled group is busy). */
  hasRef: boolean;
  suspends: number;
  fastResumes: number;
  slowResumes: number;
  /** Resumes whose fast restart failed and fell back to a slow one. */
  fastFailed: number;
  lastOp: string;
  lastIdx: number;
  /** Event of the last change of state (-1: none). */
  sinceIdx: number;
  sinceT: number;
}

/** The reducer's own slices, readable by every handler: the position and the counters. */
export interface BaseState {
  index: number;             // last applied event (-1 = before the first)
  t: number;                 // its time (ns)
  counters: Counters;
}

// What each handler owns (handlers/<name>.ts): ReplayState is the base and all of these.

export interface ProcessSlices { processes: Record<string, ProcessRec> }

export interface DeviceSlices { device: DeviceState }

export interface FwSlices { fw: FwState }

export interface SlotsSlices { slots: SlotState[] }

export interface SchedSlices {
  groups: Record<string, GroupRec>;
  sched: SchedState;
}

export interface MemorySlices {
  vms: Record<string, VmRec>;      // key "pid:id"
  bos: Record<string, BoRec>;      // key "pid:handle"
  heaps: Record<string, HeapRec>;  // key heap name
  dmabufs: Record<string, DmaBufRec>;
}

export interface GpuMemSlices { gpuMem: GpuMemState }

export interface PlatformSlices {
  /** The system beyond the first GPU's driver: every GPU's probe outcome, heap lifetimes, EGL. */
  platform: PlatformState;
}

export interface PipelineSlices {
  /** The secure video pipeline's devices and heap choices (handlers/pipeline.ts). */
  pipeline: PipelineState;
}
