/**
 * Group identities: a name for each group handle that survives across traces of the same workload.
 *
 * Handles are allocation numbers (reused after GROUP_DESTROY, shifted by any change in creation
 * order), so two traces are compared through identities instead: the app that created the group
 * (Process PROC_START comm of the caller pid, with an instance number when the same comm starts
 * twice) and the group's creation order inside that process: `video-player:0`, `compositor:1`,
 * `game[1]:0`. Fed one event at a time; keeps the history so that a handle can be named at any index.
 */
import { GroupStateKind, IoctlCmd, ProcessOp, type Event } from '../../proto/index.js';

/** Interner shared by the two sides of a diff, so that equal labels get equal small integers. */
export class LabelInterner {
  private readonly ids = new Map<string, number>();
  private readonly labels: string[] = [''];
  /** 0 is reserved for "no group" (handle 0). */
  id(label: string): number {
    let id = this.ids.get(label);
    if (id === undefined) {
      id = this.labels.length;
      this.labels.push(label);
      this.ids.set(label, id);
    }
    return id;
  }
  label(id: number): string { return this.labels[id] ?? `?${id}`; }
}

interface HandleHistory { from: number[]; labels: string[] }

export class GroupIdentities {
  private readonly appOfPid = new Map<number, string>();
  private readonly commStarts = new Map<string, number>();
  private readonly groupsOfPid = new Map<number, number>();
  private readonly live = new Map<number, { label: string; id: number }>();
  /** Interned id per live handle below 4096 (0 = not live): the hot path of decision keys. */
  private readonly liveIds = new Int32Array(4096);
  private readonly history = new Map<number, HandleHistory>();
  /** Every label ever assigned, in creation order. */
  readonly created: string[] = [];

  constructor(readonly interner: LabelInterner) {}

  /** Updates the identities with event `index`. Call for every event, in order. */
  onEvent(ev: Event, index: number): void {
    const body = ev.body;
    if (body.case === 'process') {
      const p = body.value;
      if (p.op === ProcessOp.PROC_START) {
        const comm = p.comm || `pid${p.pid}`;
        const n = this.commStarts.get(comm) ?? 0;
        this.commStarts.set(comm, n + 1);
        this.appOfPid.set(p.pid, n === 0 ? comm : `${comm}[${n}]`);
        this.groupsOfPid.set(p.pid, 0);
      }
    } else if (body.case === 'ioctl') {
      const io = body.value;
      if (io.cmd === IoctlCmd.GROUP_CREATE && io.ret === 0 && io.args.case === 'groupCreate') {
        this.assign(io.args.value.groupHandle, io.pid, index);
      }
    } else if (body.case === 'groupState') {
      const g = body.value;
      if (g.to === GroupStateKind.GROUP_DESTROYED) {
        this.live.delete(g.group);
        if (g.group < 4096) this.liveIds[g.group] = 0;
      } else if (g.group !== 0 && g.pid !== 0 && !this.live.has(g.group)) {
        // A group seen before its GROUP_CREATE ioctl (or in a trimmed trace): name it now.
        this.assign(g.group, g.pid, index);
      }
    }
  }

  private assign(handle: number, pid: number, index: number): void {
    if (handle === 0 || this.live.has(handle)) return;
    const app = this.appOfPid.get(pid) ?? `pid${pid}`;
    const n = this.groupsOfPid.get(pid) ?? 0;
    this.groupsOfPid.set(pid, n + 1);
    const label = `${app}:${n}`;
    const id = this.interner.id(label);
    this.live.set(handle, { label, id });
    if (handle < 4096) this.liveIds[handle] = id;
    let h = this.history.get(handle);
    if (!h) { h = { from: [], labels: [] }; this.history.set(handle, h); }
    h.from.push(index);
    h.labels.push(label);
    this.created.push(label);
  }

  /** Interned id of the group a handle names now (0 for handle 0; a raw `#handle` label when unknown). */
  idOf(handle: number): number {
    if (handle === 0) return 0;
    if (handle < 4096 && this.liveIds[handle] !== 0) return this.liveIds[handle]!;
    const g = this.live.get(handle);
    return g ? g.id : this.interner.id(`#${handle}`);
  }

  /** Label of a handle now. */
  labelOf(handle: number): string {
    if (handle === 0) return '-';
    return this.live.get(handle)?.label ?? `#${handle}`;
  }

  /** Label a handle had at event `index` (after all events up to `index` were seen). */
  labelAt(handle: number, index: number): string {
    if (handle === 0) return '-';
    const h = this.history.get(handle);
    if (!h) return `#${handle}`;
    let lo = 0, hi = h.from.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (h.from[mid]! <= index) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return h.labels[found] ?? `#${handle}`;
  }
}

/** The app part of a group label (`video-player:0` → `video-player`). */
export function appOfLabel(label: string): string {
  const i = label.lastIndexOf(':');
  return i > 0 ? label.slice(0, i) : label;
}
