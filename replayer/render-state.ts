/**
 * The replayed state as tables (device, CSG slots, groups, queues, FW interface, heaps, dma-bufs,
 * VMs, BOs, processes) for the CLI (`csftrace state`) and the TUI, plus a plain-text layout of them.
 */
import { GROUP_PRIORITY_NAMES, formatBytesShort } from '../proto/index.js';
import { protectedNsAt } from './handlers/device.js';
import type { ReplayState } from './state.js';
import { formatNs } from './time-text.js';

export interface StateTable { title: string; header: string[]; rows: string[][] }

const prio = (p: number): string => GROUP_PRIORITY_NAMES[p] ?? String(p);
const at = (i: number): string => (i >= 0 ? `#${i}` : '-');
const hex = (v: number): string => (v ? `0x${v.toString(16)}` : '0');
const yn = (b: boolean): string => (b ? 'yes' : 'no');
const strip = (s: string, prefix: string): string => (s.startsWith(prefix) ? s.slice(prefix.length) : s);


/**
 * The values by key: numeric keys (handles, ids) in numeric order, names in code-unit order (the
 * same on every Node version and locale, and no 8–16 ms of collation data loaded at a cold
 * `state --at`).
 */
function sortedValues<T>(rec: Record<string, T>): T[] {
  return Object.entries(rec).sort(([a], [b]) => (Number(a) - Number(b)) || (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}

/** Device, CSG slots, groups, queues and pending FW requests. */
function deviceTables(s: ReplayState): StateTable[] {
  const tables: StateTable[] = [];
  const d = s.device;
  const group = s.groups;
  const appOf = (g: number): string => {
    const r = group[g];
    return r ? `${r.app || '?'}(${r.pid})` : '';
  };

  const protected_ = protectedNsAt(s);
  tables.push({
    title: 'Device',
    header: ['field', 'value'],
    rows: [
      ['position', s.index >= 0 ? `#${s.index} at ${formatNs(s.t)}` : 'before the first event'],
      ['probe', d.probeStage ? `${d.probed ? 'probed' : 'not probed'} (last stage ${strip(d.probeStage, 'PROBE_')}, result ${d.probeResult}, attempt ${d.probeAttempt}, ${d.probeDefers} defers)` : 'not probed'],
      ['fw state', d.fwState + (d.fwVersion ? ` (FW interface ${d.fwVersion >>> 24}.${(d.fwVersion >>> 16) & 0xff}.${d.fwVersion & 0xffff})` : '')],
      ['csg slots / AS', `${d.csgSlotCount} slots, ${d.asCount} address spaces`],
      ['gpu mode', `${d.gpuMode} since ${at(d.gpuModeSinceIdx)}${d.gpuModeSinceIdx >= 0 ? ` (${formatNs(s.t - d.gpuModeSinceT)} ago)` : ''}`],
      ['protected group', d.protmActiveGroup ? `${d.protmActiveGroup} ${appOf(d.protmActiveGroup)} on CSG ${d.protmCsg}` : 'none'],
      ['protected heap', `${d.protectedHeap || 'none held'}${d.heapName ? ` (configured "${d.heapName}" from ${d.heapNameSource || '?'})` : ''}`],
      ['PROT sections', `${d.protSections.loaded} loaded, ${d.protSections.skipped} skipped${d.protSectionsLoaded ? '' : ' (not loaded)'}`],
      ['PROTECTED_INFO', `features ${hex(d.protectedFeatures)}`],
      ['resets', `${d.resetCount}${d.inReset ? ' (in reset)' : ''}${d.lastReset ? `, last ${strip(d.lastReset.kind, 'RESET_')} ${strip(d.lastReset.cause, 'RESET_CAUSE_')} at ${at(d.lastReset.idx)}${d.lastReset.success ? '' : ' (not completed)'}` : ''}`],
      ['watchdog', `${d.watchdog.pings} pings, ${d.watchdog.skipped} skipped, ${d.watchdog.timeouts} timeouts${d.watchdog.lastOp ? `, last ${strip(d.watchdog.lastOp, 'WD_')} at ${at(d.watchdog.lastIdx)}` : ''}`],
      ['runtime PM', d.pm.state ? `${strip(d.pm.state, 'PM_STATE_')} since ${at(d.pm.sinceIdx)} (${formatNs(s.t - d.pm.sinceT)} ago), sched ${d.pm.hasRef ? 'holds' : 'holds no'} PM reference; ${d.pm.suspends} suspends, ${d.pm.fastResumes} fast / ${d.pm.slowResumes} slow resumes${d.pm.fastFailed ? ` (${d.pm.fastFailed} after a failed fast one)` : ''}, last ${strip(d.pm.lastOp, 'PM_')} at ${at(d.pm.lastIdx)}` : 'always on (no runtime PM event in this trace)'],
      ['scheduler', `tick ${s.sched.tick}, ${s.sched.decisions} decisions${s.sched.lastDecisionIdx >= 0 ? `, last at ${at(s.sched.lastDecisionIdx)}: ${strip(s.sched.lastTrigger, 'TRIGGER_')}, protm ${strip(s.sched.lastProtm, 'PROTM_')}` : ''}`],
      ['protected time', `${formatNs(protected_)} (${s.counters.protmEnters} enters, ${s.counters.protmExits} exits)`],
      ['jobs', `${s.counters.jobsDone} done, ${s.counters.jobsFailed} failed; ${s.counters.ioctlErrors} ioctl errors, ${s.counters.faults} faults`],
      ...(d.lastFault ? [['last fault', `${strip(d.lastFault.kind, 'FAULT_')} group ${d.lastFault.group} exception ${hex(d.lastFault.exceptionType)} at ${at(d.lastFault.idx)}`]] : []),
      ...(d.lastLog ? [['last warning', `${d.lastLog.source}: ${d.lastLog.msg} at ${at(d.lastLog.idx)}`]] : []),
    ],
  });

  tables.push({
    title: 'CSG slots',
    header: ['slot', 'group', 'app', 'csg prio', 'state', 'requested', 'AS', 'protm suspend buf', 'event'],
    rows: s.slots.map((sl) => [
      String(sl.slot), sl.group ? String(sl.group) : '-', sl.group ? appOf(sl.group) : '', sl.group ? String(sl.csgPriority) : '',
      strip(sl.state, 'CSG_STATE_') || '-', strip(sl.reqState, 'CSG_STATE_') || '-', sl.group ? String(sl.asNr) : '',
      sl.group ? hex(sl.protmSuspendBuf) : '', at(sl.idx),
    ]),
  });

  const groups = sortedValues(s.groups);
  tables.push({
    title: 'Groups',
    header: ['group', 'app', 'prio', 'state', 'slot', 'protected', 'vm', 'queues', 'protm pending', 'faults', 'submits', 'gpu time', 'event'],
    rows: groups.map((g) => [
      String(g.handle), `${g.app || '?'}(${g.pid})`, prio(g.priority), strip(g.state, 'PANTHOR_CS_GROUP_') + (g.destroyed ? ' (destroyed)' : ''),
      g.csgSlot >= 0 ? String(g.csgSlot) : '-', g.isProtected ? `yes${g.protmSuspendBufferId ? ` (buf ${g.protmSuspendBufferId})` : ''}` : 'no',
      String(g.vmId), String(g.queues.length), hex(g.protmPendingQueues),
      [g.fatalQueues ? `fatal ${hex(g.fatalQueues)}` : '', g.timedout ? 'timedout' : '', g.innocent ? 'innocent' : '', g.lastFault ? strip(g.lastFault, 'FAULT_') : ''].filter(Boolean).join(' ') || '-',
      String(g.submits), formatNs(g.gpuNs), at(g.idx),
    ]),
  });

  const qrows: string[][] = [];
  for (const g of groups) {
    for (const q of g.queues) {
      qrows.push([
        String(g.handle), String(q.queue), String(q.priority), String(q.insert), String(q.extract),
        strip(strip(q.blocked, 'CS_STATUS_BLOCKED_REASON_'), 'BLOCKED_'), yn(q.protmPending), yn(q.idle), yn(q.fatal),
        q.running ? String(q.running) : '-', `${q.jobsDone}/${q.jobsFailed}`, at(q.idx),
      ]);
    }
  }
  tables.push({
    title: 'Queues',
    header: ['group', 'queue', 'prio', 'insert', 'extract', 'blocked', 'protm pending', 'idle', 'fatal', 'running', 'done/failed', 'event'],
    rows: qrows,
  });

  tables.push({
    title: 'FW interface: pending (req != ack)',
    header: ['interface', 'bit', 'kind', 'since', 'age'],
    rows: s.fw.pending.map((p) => [
      p.iface === 'GLB' ? 'GLB' : p.iface === 'CSG' ? `CSG${p.csg}` : `CS${p.csg}.${p.cs}`, p.name, p.kind, at(p.sinceIdx), formatNs(p.ageNs),
    ]),
  });
  return tables;
}

/** Heaps, dma-bufs, VMs, tiler heaps, address spaces and BOs. */
function memoryTables(s: ReplayState): StateTable[] {
  const tables: StateTable[] = [];
  tables.push({
    title: 'Heaps',
    header: ['heap', 'kind', 'refs', 'live', 'capacity', 'buffers', 'failed', 'fragmentation', 'tee calls', 'state'],
    rows: sortedValues(s.heaps).map((h) => [
      h.name, strip(h.kind, 'HEAP_'), String(h.refcount), formatBytesShort(h.allocated), h.capacity ? formatBytesShort(h.capacity) : 'unbounded',
      String(h.allocations), String(h.failedAllocs), h.capacity ? `${(h.fragmentation * 100).toFixed(1)}%` : '-',
      h.teeCalls ? `${h.teeCalls} (${formatNs(h.teeNs)})` : '0', heapState(s, h.name, h.removed),
    ]),
  });

  tables.push({
    title: 'dma-bufs',
    header: ['buffer', 'heap', 'size', 'purpose', 'owner', 'group', 'refs', 'importers', 'fds', 'protected', 'event'],
    rows: sortedValues(s.dmabufs).map((b) => [
      String(b.id), b.heap, formatBytesShort(b.size), strip(b.purpose, 'PURPOSE_'), b.ownerPid ? `pid ${b.ownerPid}` : 'kernel',
      b.group ? String(b.group) : '-', String(b.refcount), b.importers.join(' ') || '-', String(b.fds), yn(b.protected), at(b.idx),
    ]),
  });

  tables.push({
    title: 'VMs',
    header: ['vm', 'pid', 'state', 'AS', 'mappings', 'event'],
    rows: sortedValues(s.vms).map((v) => [String(v.id), String(v.pid), v.state, v.asNr >= 0 ? String(v.asNr) : '-', String(v.mappings), at(v.idx)]),
  });

  tables.push({
    title: 'Tiler heaps',
    header: ['heap', 'pid', 'vm', 'chunks', 'chunk size', 'in flight', 'OOMs', 'grown', 'denied', 'failed', 'last step', 'event'],
    rows: Object.values(s.gpuMem.tilerHeaps).sort((a, b) => a.pid - b.pid || a.handle - b.handle).map((h) => [
      hex(h.handle), String(h.pid), String(h.vmId), `${h.chunks}/${h.maxChunks}`, formatBytesShort(h.chunkSize),
      `${h.inFlight}/${h.targetInFlight}`, String(h.ooms), String(h.grows), String(h.denied), String(h.failed),
      h.lastOp ? strip(h.lastOp, 'HEAP_') : '-', at(h.idx),
    ]),
  });

  tables.push({
    title: 'Address spaces (VMs on AS slots)',
    header: ['AS', 'vm', 'state', 'faults', 'last step', 'event'],
    rows: Object.values(s.gpuMem.as).sort((a, b) => a.as - b.as).map((a) => [
      String(a.as), a.vmId ? String(a.vmId) : '-', a.state, String(a.faults), a.lastOp, at(a.idx),
    ]),
  });

  tables.push({
    title: 'BOs',
    header: ['handle', 'pid', 'size', 'flags', 'exclusive vm', 'mmapped', 'va maps', 'imported', 'protected', 'label', 'event'],
    rows: Object.values(s.bos).sort((a, b) => a.pid - b.pid || a.handle - b.handle).map((b) => [
      String(b.handle), String(b.pid), formatBytesShort(b.size), hex(b.flags), b.exclusiveVm ? String(b.exclusiveVm) : '-', yn(b.mmapped),
      String(b.vaMapped), b.imported ? `dma-buf ${b.imported}` : '-', yn(b.protected), b.label || '-', at(b.idx),
    ]),
  });
  return tables;
}

/** A secure pipeline's heap choices and devices (only traces that have one). */
function pipelineTables(s: ReplayState): StateTable[] {
  const tables: StateTable[] = [];
  const choices = Object.entries(s.pipeline.choices).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, c]) => c);
  // Only traces with a secure pipeline have these (other traces' state output stays as it was).
  if (choices.length) tables.push({
    title: 'Heap choices',
    header: ['pid', 'pool', 'property', 'allocator', 'import lists', 'intersection', 'chosen', 'GPU heap', 'result', 'event'],
    rows: choices.map((c) => [
      String(c.pid), c.pool, c.protected ? 'protected' : 'normal', c.allocator, c.lists, c.intersection.join(',') || '(empty)',
      c.chosen || '-', c.gpuHeap || '-', c.result === 0 ? 'ok' : `${c.result}: ${c.reason}`, at(c.idx),
    ]),
  });
  const devices = sortedValues(s.pipeline.devices);
  if (devices.length) tables.push({
    title: 'Pipeline devices',
    header: ['device', 'kind', 'imports', 'refused', 'fences', 'last frame', 'vblank', 'on screen', 'flips', 'missed', 'dropped', 'last miss', 'event'],
    rows: devices.map((d) => [
      d.name, d.kind, String(d.imports), d.refused ? `${d.refused} (${d.lastRefusal})` : '0', `${d.fencesSignalled}/${d.fencesEmitted}`,
      d.lastFrame ? String(d.lastFrame) : '-', d.kind === 'DISPLAY' ? String(d.vblank) : '-',
      d.shownFrame ? `frame ${d.shownFrame} (buf ${d.shownBuffer})` : '-', String(d.flips), String(d.misses), String(d.drops),
      d.lastMiss || '-', at(d.idx),
    ]),
  });
  return tables;
}

/** Processes and their open files. */
function processTables(s: ReplayState): StateTable[] {
  const tables: StateTable[] = [];
  tables.push({
    title: 'Processes',
    header: ['pid', 'comm', 'kind', 'privileged', 'fds', 'ioctls', 'errors', 'event'],
    rows: sortedValues(s.processes).map((p) => [
      String(p.pid), p.comm || '?', p.kind || '-', yn(p.privileged),
      Object.entries(p.fds).map(([fd, f]) => `${fd}:${f.path}`).join(' ') || '-', String(p.ioctls), String(p.ioctlErrors), at(p.idx),
    ]),
  });
  return tables;
}

/** The state as tables, in a fixed order; empty tables keep their header (rows = []). */
export function renderState(s: ReplayState): StateTable[] {
  return [...deviceTables(s), ...memoryTables(s), ...pipelineTables(s), ...processTables(s), ...platformTables(s)];
}

/** A heap's row state: present, removed (module gone, references held) or freed (last kref dropped). */
function heapState(s: ReplayState, name: string, removed: boolean): string {
  const freed = Object.prototype.hasOwnProperty.call(s.platform.heapsReleased, name) ? s.platform.heapsReleased[name]! : -1;
  if (freed >= 0) return `freed at ${at(freed)}`;
  return removed ? 'removed' : 'present';
}

/** Every GPU's probe outcome (a second GPU only probes) and the apps' EGL contexts. */
function platformTables(s: ReplayState): StateTable[] {
  const p = s.platform;
  const out: StateTable[] = [{
    title: 'GPU probes',
    header: ['gpu', 'outcome', 'heap name', 'from', 'protected heap', 'attempts', 'defers', 'last stage', 'result', 'event'],
    rows: sortedValues(p.gpus).map((g) => [
      String(g.device), g.outcome, g.nameSet ? `"${g.heapName}"` : '(not given)', g.nameSource || '-', g.protectedHeap || 'none',
      String(g.attempts), String(g.defers), strip(g.stage, 'PROBE_'), String(g.result), at(g.idx),
    ]),
  }];
  out.push({
    // A fixed title: the TUI files tables into tabs by their titles (tui/session.ts stateTabOf).
    title: 'EGL contexts',
    header: ['pid', 'context', 'protected', 'group', 'draw', 'surfaces', 'protected surfaces', 'errors', 'last error', 'event'],
    rows: Object.values(p.egl).sort((a, b) => a.pid - b.pid || a.context - b.context).map((c) => [
      String(c.pid), c.context ? String(c.context) : '-', yn(c.protected), c.group ? String(c.group) : '-', c.draw ? String(c.draw) : '-',
      String(c.surfaces), String(c.protectedSurfaces), String(c.errors), c.lastError || '-', at(c.idx),
    ]),
  });
  return out;
}

/** Lays tables out as aligned plain text (two spaces between columns). */
export function formatTables(tables: readonly StateTable[]): string {
  const out: string[] = [];
  for (const t of tables) {
    out.push(`${t.title}${t.rows.length ? '' : ' (none)'}`);
    if (!t.rows.length) { out.push(''); continue; }
    // a loop, not Math.max(...column): a long table (thousands of pending requests) made that a spread of every row
    const widths = t.header.map((h) => h.length);
    for (const r of t.rows) for (let c = 0; c < widths.length; c++) widths[c] = Math.max(widths[c]!, (r[c] ?? '').length);
    const line = (cells: string[]): string => cells.map((v, c) => (c === cells.length - 1 ? v : v.padEnd(widths[c] ?? 0))).join('  ').trimEnd();
    out.push(`  ${line(t.header)}`);
    for (const r of t.rows) out.push(`  ${line(r)}`);
    out.push('');
  }
  return out.join('\n');
}
