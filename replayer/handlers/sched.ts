/**
 * Scheduler handler: groups (owner, priority, state, protected flag, queues, pending protected
 * queues, fatal/timedout), queues (ring insert/extract, blocked reason, jobs) and the last
 * scheduling decision. Sources: GROUP_CREATE/DESTROY/SUBMIT ioctls, GroupState, QueueState, Job,
 * SchedDecision, Fault.
 */
import {
  BlockedReasonNames, FaultKindNames, GroupStateKind, GroupStateKindNames, IoctlCmd, JobPhase,
  ProtmVerdictNames, SchedRuleNames, TickTriggerNames, BlockedReason, DRM_PANTHOR_GROUP_CREATE_PROTECTED,
} from '../../proto/index.js';
import { enumName, type Handler } from './handler.js';
import type { GroupRec, ProcessSlices, QueueRec, SchedSlices } from './slices.js';

/** A group's app name is its process's. */
type Reads = Pick<ProcessSlices, 'processes'>;

function newQueue(q: number): QueueRec {
  return {
    queue: q, priority: 0, ringbufSize: 0, insert: 0, extract: 0,
    blocked: enumName(BlockedReasonNames, BlockedReason.CS_STATUS_BLOCKED_REASON_UNBLOCKED), protmPending: false,
    idle: true, fatal: false, lastSeqno: 0, running: 0, jobsDone: 0, jobsFailed: 0, idx: -1,
  };
}

function ensureGroup(s: SchedSlices, handle: number, i: number): GroupRec {
  let g = s.groups[handle];
  if (!g) {
    g = {
      handle, pid: 0, app: '', fd: 0, priority: 0, state: enumName(GroupStateKindNames, GroupStateKind.PANTHOR_CS_GROUP_CREATED),
      csgSlot: -1, isProtected: false, vmId: 0, queues: [], protmPendingQueues: 0, protmSuspendBuf: 0,
      protmSuspendBufferId: 0, timedout: false, fatalQueues: 0, innocent: false, destroyed: false, submits: 0,
      gpuNs: 0, lastFault: '', createdIdx: i, idx: i,
    };
    s.groups[handle] = g;
  }
  return g;
}

function ensureQueue(g: GroupRec, q: number): QueueRec | undefined {
  if (q < 0 || q > 64) return undefined;
  while (g.queues.length <= q) g.queues.push(newQueue(g.queues.length));
  return g.queues[q];
}

function appOf(s: ProcessSlices, pid: number): string {
  return s.processes[pid]?.comm ?? '';
}

export const schedHandler: Handler<SchedSlices, Reads> = {
  name: 'sched',
  families: ['ioctl', 'groupState', 'queueState', 'job', 'decision', 'fault'],
  owns: ['groups', 'sched'],
  reads: ['processes'],
  init: () => ({
    groups: {},
    sched: {
      tick: 0, decisions: 0, lastDecisionIdx: -1, lastTrigger: '', lastProtm: '', lastProtmRule: '',
      lastProtmGroup: 0, timeslice: false, nextTickNs: 0,
    },
  }),
  handleEvent(s, ev, i) {
    const b = ev.body;
    switch (b.case) {
      case 'ioctl': {
        const io = b.value;
        if (io.ret !== 0) break;
        const a = io.args;
        if (a.case === 'groupCreate' && io.cmd === IoctlCmd.GROUP_CREATE) {
          const c = a.value;
          const g = ensureGroup(s, c.groupHandle, i);
          g.pid = io.pid; g.fd = io.fd; g.app = appOf(s, io.pid); g.priority = c.priority;
          g.isProtected = (c.flags & DRM_PANTHOR_GROUP_CREATE_PROTECTED) !== 0; g.vmId = c.vmId; g.idx = i;
          c.queues.forEach((qc, k) => {
            const q = ensureQueue(g, k);
            if (q) { q.priority = qc.priority; q.ringbufSize = qc.ringbufSize; q.idx = i; }
          });
        } else if (a.case === 'groupDestroy') {
          const g = s.groups[a.value.groupHandle];
          if (g) { g.destroyed = true; g.idx = i; }
        } else if (a.case === 'groupSubmit') {
          const g = s.groups[a.value.groupHandle];
          if (g) { g.submits++; g.idx = i; }
        }
        break;
      }
      case 'groupState': {
        const e = b.value;
        if (e.to === GroupStateKind.GROUP_DESTROYED) { delete s.groups[e.group]; break; }
        const g = ensureGroup(s, e.group, i);
        g.state = enumName(GroupStateKindNames, e.to);
        g.csgSlot = e.csgSlot;
        if (e.pid) { g.pid = e.pid; if (!g.app) g.app = appOf(s, e.pid); }
        g.priority = e.priority;
        g.isProtected = e.isProtected;
        g.timedout = e.timedout;
        g.fatalQueues = e.fatalQueues;
        g.innocent = e.innocent;
        if (e.vmId) g.vmId = e.vmId;
        if (e.queueCount) ensureQueue(g, e.queueCount - 1);
        g.protmPendingQueues = e.protmPendingQueues;
        g.protmSuspendBuf = e.protmSuspendBuf;
        g.protmSuspendBufferId = e.protmSuspendBufferId;
        g.idx = i;
        break;
      }
      case 'queueState': {
        const e = b.value;
        const g = ensureGroup(s, e.group, i);
        const q = ensureQueue(g, e.queue);
        if (!q) break;
        q.insert = e.insert; q.extract = e.extract; q.blocked = enumName(BlockedReasonNames, e.blocked);
        q.protmPending = e.protmPending; q.idle = e.idle; q.fatal = e.fatal; q.idx = i;
        break;
      }
      case 'job': {
        const e = b.value;
        const g = s.groups[e.group];
        if (!g) break;
        const q = ensureQueue(g, e.queue);
        if (!q) break;
        q.idx = i;
        switch (e.phase) {
          case JobPhase.JOB_QUEUED: if (e.seqno > q.lastSeqno) q.lastSeqno = e.seqno; break;
          case JobPhase.JOB_STARTED: case JobPhase.JOB_RESUMED: q.running = e.seqno; break;
          case JobPhase.JOB_PREEMPTED: if (q.running === e.seqno) q.running = 0; break;
          case JobPhase.JOB_DONE:
            q.jobsDone++; g.gpuNs += e.gpuNs; s.counters.jobsDone++;
            if (q.running === e.seqno) q.running = 0;
            break;
          default: // FAILED, TIMEDOUT, CANCELED
            q.jobsFailed++; s.counters.jobsFailed++;
            if (q.running === e.seqno) q.running = 0;
            break;
        }
        break;
      }
      case 'decision': {
        const d = b.value;
        const sc = s.sched;
        sc.tick = d.tick; sc.decisions++; sc.lastDecisionIdx = i;
        sc.lastTrigger = enumName(TickTriggerNames, d.trigger);
        sc.lastProtm = enumName(ProtmVerdictNames, d.protm);
        sc.lastProtmRule = enumName(SchedRuleNames, d.protmRule);
        sc.lastProtmGroup = d.protmGroup;
        sc.timeslice = d.timeslice;
        sc.nextTickNs = d.nextTickNs;
        break;
      }
      case 'fault': {
        const g = s.groups[b.value.group];
        if (g && b.value.group) { g.lastFault = enumName(FaultKindNames, b.value.kind); g.idx = i; }
        break;
      }
      default: break;
    }
  },
};
