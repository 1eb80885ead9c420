/**
 * Device handler: probe (heap lookup, FW sections, boot), FW state, GPU mode and the protected
 * group, resets, the PING watchdog, MMU commands, faults and the last log line.
 */
import {
  AsCommandNames, FaultKindNames, GpuMode, GpuModeNames, HeapOp, HeapPurpose, IoctlCmd, LogLevel,
  LogLevelNames, ProbeStage, ProbeStageNames, ResetCauseNames, ResetKindNames, ResetPhase, WatchdogOp,
  WatchdogOpNames, DevQueryType, CSF_FW_BINARY_IFACE_ENTRY_PROT,
} from '../../proto/index.js';
import { enumName, type Handler, type View } from './handler.js';
import { initialPmState } from './pm.js';
import type { DeviceSlices } from './slices.js';

export const deviceHandler: Handler<DeviceSlices> = {
  name: 'device',
  families: ['probe', 'reset', 'modeSwitch', 'watchdog', 'mmu', 'fault', 'log', 'heap', 'ioctl'],
  owns: ['device'],
  reads: [],
  init() {
    return { device: {
      probeStage: '', probeResult: 0, probeAttempt: 0, probeDefers: 0, probed: false, fwState: 'off',
      fwVersion: 0, csgSlotCount: 0, asCount: 0, heapName: '', heapNameSource: '', protectedHeap: '', protectedHeapRefs: 0,
      protSections: { loaded: 0, skipped: 0 }, protSectionsLoaded: false, protectedFeatures: 0,
      gpuMode: enumName(GpuModeNames, GpuMode.MODE_OFF), gpuModeSinceIdx: -1, gpuModeSinceT: 0, gpuStatus: 0,
      protmActiveGroup: 0, protmCsg: -1, inReset: false, resetCount: 0, lastReset: null,
      watchdog: { pings: 0, skipped: 0, timeouts: 0, lastOp: '', lastIdx: -1 }, pm: initialPmState(),
      mmu: { commands: 0, lastCmd: '', lastIdx: -1 }, lastFault: null, lastLog: null, idx: -1,
    } };
  },
  handleEvent(s, ev, i) {
    const d = s.device;
    const b = ev.body;
    switch (b.case) {
      case 'probe': {
        const p = b.value;
        if (p.device) return; // another GPU: the platform handler keeps its probe
        d.probeStage = enumName(ProbeStageNames, p.stage);
        d.probeResult = p.result;
        if (p.attempt) d.probeAttempt = p.attempt;
        if (p.csgSlotCount) d.csgSlotCount = p.csgSlotCount;
        if (p.asCount) d.asCount = p.asCount;
        if (p.fwVersion) d.fwVersion = p.fwVersion;
        switch (p.stage) {
          case ProbeStage.PROBE_START: d.protSections = { loaded: 0, skipped: 0 }; break;
          case ProbeStage.PROBE_HEAP_LOOKUP:
            d.heapName = p.heapName;
            d.heapNameSource = p.heapNameSource;
            break;
          case ProbeStage.PROBE_DEFER: d.probeDefers++; d.probed = false; d.fwState = 'off'; break;
          case ProbeStage.PROBE_FW_SECTION:
            if (p.sectionFlags & CSF_FW_BINARY_IFACE_ENTRY_PROT) {
              if (p.skipped) d.protSections.skipped++;
              else { d.protSections.loaded++; d.protSectionsLoaded = true; }
            }
            break;
          case ProbeStage.PROBE_BOOT: d.fwState = 'booting'; break;
          case ProbeStage.PROBE_DONE:
            d.probed = true; d.fwState = 'running';
            if (d.gpuMode === GpuModeNames[GpuMode.MODE_OFF]) setMode(s, GpuMode.MODE_NORMAL, i, ev.t);
            break;
          case ProbeStage.PROBE_FAILED: d.probed = false; d.fwState = 'failed'; break;
          case ProbeStage.PROBE_REMOVE: d.probed = false; d.fwState = 'off'; setMode(s, GpuMode.MODE_OFF, i, ev.t); break;
          default: break;
        }
        break;
      }
      case 'reset': {
        const r = b.value;
        if (r.phase === ResetPhase.RESET_BEGIN) {
          d.inReset = true;
          d.fwState = 'reset';
          d.resetCount = r.resetCount || d.resetCount + 1;
          d.lastReset = { kind: enumName(ResetKindNames, r.kind), cause: enumName(ResetCauseNames, r.cause), idx: i, success: false };
        } else {
          d.inReset = false;
          d.fwState = r.success ? 'running' : 'failed';
          if (r.resetCount) d.resetCount = r.resetCount;
          d.protSectionsLoaded = r.protectedSectionsLoaded;
          if (d.lastReset) d.lastReset.success = r.success;
          else d.lastReset = { kind: enumName(ResetKindNames, r.kind), cause: enumName(ResetCauseNames, r.cause), idx: i, success: r.success };
        }
        break;
      }
      case 'modeSwitch': {
        const m = b.value;
        setMode(s, m.to, i, ev.t);
        d.gpuStatus = m.gpuStatus;
        if (m.to === GpuMode.MODE_ENTERING || m.to === GpuMode.MODE_PROTECTED) {
          if (m.group) d.protmActiveGroup = m.group;
          d.protmCsg = m.group ? m.csg : d.protmCsg;
        } else if (m.to !== GpuMode.MODE_EXITING) {
          d.protmActiveGroup = 0;
          d.protmCsg = -1;
        }
        s.counters.modeSwitches++;
        if (m.to === GpuMode.MODE_PROTECTED && m.from !== GpuMode.MODE_PROTECTED) s.counters.protmEnters++;
        if (m.from === GpuMode.MODE_PROTECTED && m.to !== GpuMode.MODE_PROTECTED) s.counters.protmExits++;
        break;
      }
      case 'watchdog': {
        const w = b.value;
        const wd = d.watchdog;
        wd.lastOp = enumName(WatchdogOpNames, w.op);
        wd.lastIdx = i;
        if (w.op === WatchdogOp.WD_PING_SENT) wd.pings++;
        else if (w.op === WatchdogOp.WD_PING_SKIPPED) wd.skipped++;
        else if (w.op === WatchdogOp.WD_PING_TIMEOUT) wd.timeouts++;
        break;
      }
      case 'mmu':
        d.mmu.commands++;
        d.mmu.lastCmd = enumName(AsCommandNames, b.value.cmd);
        d.mmu.lastIdx = i;
        break;
      case 'fault':
        d.lastFault = { kind: enumName(FaultKindNames, b.value.kind), group: b.value.group, exceptionType: b.value.exceptionType, idx: i };
        s.counters.faults++;
        break;
      case 'log':
        if (b.value.level >= LogLevel.LOG_WARN) {
          d.lastLog = { level: enumName(LogLevelNames, b.value.level), msg: b.value.msg, source: b.value.source, idx: i };
        }
        break;
      case 'heap': {
        const h = b.value;
        // The driver's references on the protected heap: dma_heap_find is in-kernel only (at probe,
        // or lazily at the first protected group: callerPid is then the ioctl's caller), put drops one.
        if (h.result !== 0 || h.device) break;
        const ours = h.heapName === d.heapName || (d.heapName === '' && h.purpose === HeapPurpose.PURPOSE_PROBE);
        if (h.op === HeapOp.DMA_HEAP_FIND && ours) {
          d.protectedHeap = h.heapName;
          d.protectedHeapRefs++;
        } else if (h.op === HeapOp.DMA_HEAP_PUT && h.heapName === d.protectedHeap) {
          d.protectedHeapRefs = Math.max(0, d.protectedHeapRefs - 1);
          if (d.protectedHeapRefs === 0) d.protectedHeap = '';
        } else if (h.op === HeapOp.DMA_HEAP_REMOVE && h.heapName === d.protectedHeap) {
          // The heap leaves the registry, but the device's dma_heap_find references keep it alive
          // (dma_heap_put releases them): only a device without references loses it here.
          if (d.protectedHeapRefs === 0) d.protectedHeap = '';
        } else break;
        break;
      }
      case 'ioctl': {
        const io = b.value;
        if (io.cmd === IoctlCmd.DEV_QUERY && io.ret === 0 && io.args.case === 'devQuery'
          && io.args.value.type === DevQueryType.DRM_PANTHOR_DEV_QUERY_PROTECTED_INFO && io.args.value.pointer !== 0) {
          d.protectedFeatures = io.args.value.protectedFeatures;
        }
        return; // not a device change otherwise
      }
      default: return;
    }
    d.idx = i;
  },
};

function setMode(s: View<DeviceSlices>, mode: number, i: number, t: number): void {
  const d = s.device;
  const name = enumName(GpuModeNames, mode);
  if (name === d.gpuMode) return;
  if (d.gpuMode === GpuModeNames[GpuMode.MODE_PROTECTED]) s.counters.protectedNs += t - d.gpuModeSinceT;
  d.gpuMode = name;
  d.gpuModeSinceIdx = i;
  d.gpuModeSinceT = t;
}

/** Time spent in protected mode up to `t` (counts the open interval). */
export function protectedNsAt(s: View<DeviceSlices>): number {
  const d = s.device;
  return s.counters.protectedNs + (d.gpuMode === GpuModeNames[GpuMode.MODE_PROTECTED] ? s.t - d.gpuModeSinceT : 0);
}

