/**
 * A .csft trace opened for reading: the file-facing edge of the replayer. Opening reads the trailer
 * and index (or recovers by scanning frames), verifies every chunk's checksum and keeps a small
 * cache of mapped chunks (decompressed bytes, where each event starts, its time) and of recently
 * decoded events; `event(i)` is random access through the index (one event decoded, not its
 * chunk), `iterate()` the fast sequential path. Problems the user must see come out as one-line TraceErrors "<path>: <problem>".
 */
import type { CauseDistance, EventIndex, VirtualNs } from '../proto/index.js';
import { UserError } from '../proto/index.js';
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readdirSync, readSync, statSync, ftruncateSync, writeSync } from 'node:fs';
import {
  openContainer, readChunkBytes, decodeChunkRange, forEachChunkEvent, causeFixer, bufferSource, preadSource, encodeContainer,
  mapChunk, decodeMappedEvent, type ChunkMap, Reader, decodeChunkIndexEntry, crc32, getU32, FRAME_HEADER_SIZE, FrameKind, LIMITS,
  planAppendNote, ContainerError,
  type ByteSource, type ChunkInfo, type OpenedContainer, type Event, type EventInit, type Note,
  type NoteInit, type StateSnapshot, type TraceHeader, type TraceHeaderInit,
} from '../proto/index.js';

export type { ChunkInfo } from '../proto/index.js';

/** Bad trace input: `message` is "<path>: <problem>", one line. */
export class TraceError extends UserError {
  constructor(message: string, readonly code: string = 'E_TRACE') {
    super(message);
    this.name = 'TraceError';
  }
}

/** What `TraceFile.follow` found appended to the file since the last look. */
export interface Appended {
  /** New events (complete chunks written since). */
  events: number;
  /** The recording closed the file: its index and trailer are written (nothing more will come). */
  closed: boolean;
  /** The file shrank or holds something that is not a chunk where one should start (replaced, damaged). */
  broken?: string;
}

export interface TraceFile {
  readonly path: string;
  readonly header: TraceHeader;
  readonly eventCount: number;
  readonly chunks: readonly ChunkInfo[];
  /**
   * Recovery notices ("truncated at byte ...: 3 complete chunks recovered"); empty when healthy.
   * Grows when a pass meets a chunk whose content does not decode (its events are skipped).
   */
  readonly notices: readonly string[];
  /** Called with each notice added after opening (a chunk skipped by a pass). Unset by default. */
  onNotice?: ((notice: string) => void) | undefined;
  /** Header notes, then notes appended later. */
  readonly notes: readonly Note[];
  /** Events per family number (familyNumber()). */
  readonly familyCounts: readonly number[];
  /** Set on trimmed traces: the state before event 0. */
  readonly snapshot?: StateSnapshot | undefined;
  /** File size in bytes. */
  readonly size: number;
  /** Container version of the file. */
  readonly version: number;
  /** True when the file opened through its index (a cleanly closed recording). */
  readonly indexed: boolean;
  /** Virtual time of the last event (0 when empty). */
  readonly lastTimeNs: number;
  /**
   * Called as sequential passes (iterate, forEach, chunkBytes) reach each chunk, with the index of
   * its first event: for progress lines on long passes. Unset by default.
   */
  onRead?: ((index: number) => void) | undefined;
  /** Random access (chunk cache); throws RangeError outside [0, eventCount). */
  event(i: EventIndex): Event;
  /** Sequential and fast; yields events from..to-1. */
  iterate(from?: EventIndex, to?: EventIndex): IterableIterator<Event>;
  /** Fastest sequential pass: fn(ev, i) for from..to-1; returning false stops. */
  forEach(fn: (ev: Event, index: number) => boolean | void, from?: EventIndex, to?: EventIndex): void;
  /**
   * The decompressed bytes of chunk k: length-delimited events, `t` delta-encoded from the chunk's
   * firstTimeNs, causes as recorded. For passes that decode only a few families (diff). The array
   * is reused: valid until the next call on this trace.
   */
  chunkBytes(k: number): Uint8Array;
  /**
   * For passes over chunkBytes that decode the events themselves: chunk k does not decode (`why`);
   * it is noted as a pass's skipped chunk is (a notice) and reads as empty events from then on.
   */
  skipUndecodable(k: number, why: string): void;
  /** The chunks passes found not to decode so far, with why (skipUndecodable's `why`). */
  readonly undecodableChunks: ReadonlyMap<number, string>;
  /**
   * A path another thread of this process can open to read this very file (the open file itself,
   * through /proc/self/fd on Linux: the same bytes even if the path was replaced); undefined for a
   * trace held in memory or where there is no such path.
   */
  readonly threadPath: string | undefined;
  timeOf(i: EventIndex): VirtualNs;
  /** First event with t >= tNs (eventCount if none). */
  indexAtTime(tNs: number): EventIndex;
  /**
   * Reads the chunks a recording still being written has appended since the open (or the last
   * call): eventCount, chunks, familyCounts and lastTimeNs grow. A cleanly closed file gives
   * nothing more; a trace held in memory never grows.
   */
  follow(): Appended;
  close(): void;
}

/**
 * The body of the events a pass could not decode (in a chunk whose checksum passed but whose content
 * does not decode): they keep their place, so every event keeps its index, and replay as an event of
 * no family (counted, not understood). `isSkippedEvent` tells them apart.
 */
const SKIPPED_BODY: Event['body'] = Object.freeze({ case: undefined });

/** True for an event a pass could not decode (see TraceFile.notices). */
export function isSkippedEvent(ev: Event): boolean { return ev.body === SKIPPED_BODY; }

function skippedEvent(t: number): Event { return { t: t as VirtualNs, cause: 0 as CauseDistance, body: SKIPPED_BODY }; }

/**
 * Mapped chunks kept (about 200 KB each). Decoded chunks were kept before: 16 of them held 64 MB of
 * event objects on a decision-heavy trace, and every random jump turned 4 MB of them into old-
 * generation garbage (a third of the UI's time went to collecting it).
 */
const CACHE_CHUNKS = 16;
/** Decoded events kept for random access (the rows on screen are asked for at every frame). */
const RECENT_EVENTS = 4096;

/** A ByteSource over a file; `refresh` takes in what was appended since (a recording being followed). */
interface GrowingSource extends ByteSource {
  refresh?(): number;
}

class FileSource implements GrowingSource {
  size: number;
  private fd: number | undefined;
  private src: ByteSource;
  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
    this.src = this.sourceOf(this.fd, this.size);
  }
  private sourceOf(fd: number, size: number): ByteSource {
    return preadSource(size, (buf, off, len, pos) => readSync(fd, buf, off, len, pos));
  }
  /** The file's size now (reads see up to there). */
  refresh(): number {
    if (this.fd === undefined) throw new TraceError(`${this.path}: trace is closed`, 'E_CLOSED');
    const size = fstatSync(this.fd).size;
    if (size !== this.size) { this.size = size; this.src = this.sourceOf(this.fd, size); }
    return size;
  }
  read(offset: number, length: number): Uint8Array {
    if (this.fd === undefined) throw new TraceError(`${this.path}: trace is closed`, 'E_CLOSED');
    return this.src.read(offset, length);
  }
  close(): void {
    if (this.fd !== undefined) { closeSync(this.fd); this.fd = undefined; }
  }
  /** A name of the open file that another thread of this process can open, even once renamed or removed (Linux). */
  get threadPath(): string | undefined {
    if (this.fd === undefined) return undefined;
    const p = `/proc/self/fd/${this.fd}`;
    return existsSync(p) ? p : undefined;
  }
}

function wrap(path: string, e: unknown): never {
  if (e instanceof ContainerError) throw new TraceError(`${path || '<memory>'}: ${e.message}`, e.code);
  throw e;
}

class Trace implements TraceFile {
  readonly header: TraceHeader;
  eventCount: number;
  readonly chunks: ChunkInfo[];
  notices: string[];
  readonly notes: readonly Note[];
  readonly familyCounts: number[];
  readonly snapshot?: StateSnapshot | undefined;
  size: number;
  readonly version: number;
  indexed: boolean;
  lastTimeNs: number;
  /** End of the last complete frame read (where `follow` looks for more). */
  private dataEnd: number;
  onRead: ((index: number) => void) | undefined = undefined;
  onNotice: ((notice: string) => void) | undefined = undefined;
  /** Chunks met by a pass whose content does not decode: skipped by every later pass. */
  private readonly undecodable = new Map<number, string>();
  get undecodableChunks(): ReadonlyMap<number, string> { return this.undecodable; }
  get threadPath(): string | undefined { return this.src instanceof FileSource ? this.src.threadPath : undefined; }
  private readonly cache = new Map<number, ChunkMap>();
  private readonly recent = new Map<number, Event>();
  private readonly fix: ((c: ChunkInfo, j: number, cause: number) => number) | undefined;
  private scratch: Uint8Array | undefined;
  private lastChunk = 0;
  private readonly fail = (e: ContainerError): never => wrap(this.path, e);

  constructor(readonly path: string, private readonly src: GrowingSource, oc: OpenedContainer, private readonly onClose: () => void) {
    this.header = oc.header;
    this.chunks = oc.chunks;
    this.eventCount = oc.eventCount;
    this.notices = [...oc.notices];
    this.notes = [...oc.header.notes, ...oc.notes];
    this.familyCounts = oc.familyCounts;
    this.snapshot = oc.snapshot;
    this.size = oc.size;
    this.version = oc.version;
    this.indexed = oc.indexed;
    this.lastTimeNs = oc.lastTimeNs;
    this.dataEnd = oc.dataEnd;
    this.fix = oc.gaps ? causeFixer(oc.chunks) : undefined;
  }

  follow(): Appended {
    if (this.indexed || this.src.refresh === undefined) return { events: 0, closed: this.indexed };
    const src = this.src;
    const size = src.refresh!();
    this.size = size;
    if (size < this.dataEnd) return { events: 0, closed: false, broken: `the file shrank to ${size} bytes (replaced or truncated)` };
    const before = this.eventCount;
    let closed = false;
    let pos = this.dataEnd;
    while (pos + FRAME_HEADER_SIZE <= size) {
      const h = src.read(pos, FRAME_HEADER_SIZE);
      const kind = h[0];
      // an index (or a trailer) after the chunks: the recording closed the file
      if (kind === FrameKind.INDEX || kind === FrameKind.TRAILER) { closed = true; break; }
      const length = getU32(h, 1);
      if (length > LIMITS.maxFrame || (kind !== FrameKind.CHUNK && kind !== FrameKind.NOTE && kind !== FrameKind.SNAPSHOT)) {
        return { events: this.eventCount - before, closed: false, broken: `no frame at byte ${pos} (damaged or not written in order)` };
      }
      if (pos + FRAME_HEADER_SIZE + length > size) break; // still being written
      const payload = src.read(pos + FRAME_HEADER_SIZE, length);
      if (crc32(payload, crc32(h, 0, 0, 5)) !== getU32(h, 5)) break; // not all there yet: look again later
      if (kind === FrameKind.CHUNK) this.appendChunk(pos, payload);
      pos += FRAME_HEADER_SIZE + length;
      this.dataEnd = pos;
    }
    if (closed) {
      this.indexed = true;
      // the notices said the recording was not closed: it is now, with nothing lost
      if (!this.fix) this.notices = [];
    }
    return { events: this.eventCount - before, closed };
  }

  /** Takes in a chunk frame found after the last one (its header gives events, times, counts). */
  private appendChunk(offset: number, payload: Uint8Array): void {
    const r = new Reader(payload);
    const hlen = r.uint32();
    const blockStart = r.pos + hlen;
    const e = decodeChunkIndexEntry(r, blockStart);
    const last = this.chunks[this.chunks.length - 1];
    const firstEvent = this.eventCount;
    this.chunks.push({
      ...e, offset, compressedSize: payload.length - blockStart,
      origFirstEvent: e.firstEvent, firstEvent,
    });
    if (last && e.firstTimeNs < last.lastTimeNs) throw new TraceError(`${this.path}: chunk at byte ${offset} goes back in time`, 'E_ORDER');
    this.eventCount += e.eventCount;
    this.lastTimeNs = e.lastTimeNs;
    for (const [k, n] of e.familyCounts.entries()) this.familyCounts[k] = (this.familyCounts[k] ?? 0) + n;
  }

  /** Index of the chunk holding event i. */
  private chunkOf(i: number): number {
    const cs = this.chunks;
    const last = cs[this.lastChunk];
    if (last !== undefined && i >= last.firstEvent && i < last.firstEvent + last.eventCount) return this.lastChunk;
    let lo = 0, hi = cs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (cs[mid]!.firstEvent <= i) lo = mid; else hi = mid - 1;
    }
    this.lastChunk = lo;
    return lo;
  }

  /** The map of chunk k (cached; the least recently used one goes). */
  private chunkMap(k: number): ChunkMap {
    const cache = this.cache;
    let m = cache.get(k);
    if (m !== undefined) {
      cache.delete(k);
      cache.set(k, m);
      return m;
    }
    const c = this.chunks[k]!;
    try { m = mapChunk(readChunkBytes(this.src, c, false), c); }
    catch (e) { wrap(this.path, e); }
    cache.set(k, m);
    if (cache.size > CACHE_CHUNKS) cache.delete(cache.keys().next().value as number);
    return m;
  }

  private checkIndex(i: number): void {
    if (!(i >= 0 && i < this.eventCount) || !Number.isInteger(i)) {
      throw new RangeError(`event index ${i} outside [0, ${this.eventCount})`);
    }
  }

  event(i: number): Event {
    const recent = this.recent;
    const hit = recent.get(i);
    if (hit !== undefined) return hit;
    this.checkIndex(i);
    const k = this.chunkOf(i);
    const c = this.chunks[k]!;
    let ev: Event;
    try { ev = decodeMappedEvent(this.chunkMap(k), c, i - c.firstEvent, this.fix); }
    catch (e) {
      if (e instanceof ContainerError) e = new TraceError(`${this.path || '<memory>'}: ${e.message}`, e.code);
      if (!this.skipped(k, e)) throw e;
      ev = skippedEvent(c.firstTimeNs);
    }
    recent.set(i, ev);
    if (recent.size > RECENT_EVENTS) recent.delete(recent.keys().next().value as number);
    return ev;
  }

  *iterate(from = 0, to = this.eventCount): IterableIterator<Event> {
    from = Math.max(0, Math.floor(from));
    to = Math.min(this.eventCount, Math.floor(to));
    if (from >= to) return;
    // Chunks are decoded in batches of up to 1024 events: no chunk-sized arrays kept alive (cheap
    // young-generation garbage), one generator resume per event.
    const batch: Event[] = [];
    const own: { buf?: Uint8Array } = {};
    for (let k = this.chunkOf(from); k < this.chunks.length; k++) {
      const c = this.chunks[k]!;
      if (c.firstEvent >= to) return;
      const a = Math.max(0, from - c.firstEvent);
      const b = Math.min(c.eventCount, to - c.firstEvent);
      this.onRead?.(c.firstEvent + a);
      let dec: ReturnType<Trace['chunkCursor']> | undefined;
      if (!this.undecodable.has(k)) {
        try { dec = this.chunkCursor(k, own, a); }
        catch (e) { if (!this.skipped(k, e)) throw e; }
      }
      if (dec === undefined) {
        for (let j = a; j < b; j++) yield skippedEvent(c.firstTimeNs);
        continue;
      }
      for (let j = dec.at; j < b;) {
        batch.length = 0;
        const at = j;
        let failed = false;
        try { j = dec.next(batch, Math.min(b, j + 1024)); }
        catch (e) { if (!this.skipped(k, e)) throw e; failed = true; }
        // the events decoded before a failure are good: they go out; the rest of the chunk is skipped
        const skip = Math.max(0, a - at);
        for (let q = skip; q < batch.length; q++) yield batch[q]!;
        if (failed) {
          const t = batch[batch.length - 1]?.t ?? c.firstTimeNs;
          for (let q = Math.max(a, at + batch.length); q < b; q++) yield skippedEvent(t);
          break;
        }
      }
    }
  }

  /**
   * Calls fn(ev, i) for events from..to-1 (stops early when fn returns false). The fastest way
   * through a trace: no generator, each event decoded from the decompressed chunk just before its
   * call.
   */
  forEach(fn: (ev: Event, index: number) => boolean | void, from = 0, to = this.eventCount): void {
    from = Math.max(0, Math.floor(from));
    to = Math.min(this.eventCount, Math.floor(to));
    if (from >= to) return;
    const own: { buf?: Uint8Array } = {};
    for (let k = this.chunkOf(from); k < this.chunks.length; k++) {
      const c = this.chunks[k]!;
      if (c.firstEvent >= to) return;
      const a = Math.max(0, from - c.firstEvent);
      const b = Math.min(c.eventCount, to - c.firstEvent);
      this.onRead?.(c.firstEvent + a);
      if (this.undecodable.has(k)) {
        for (let i = c.firstEvent + a; i < c.firstEvent + b; i++) if (fn(skippedEvent(c.firstTimeNs), i) === false) return;
        continue;
      }
      // where a chunk stops decoding: the events from there on go out as skipped events
      let next = c.firstEvent + a;
      let lastT = c.firstTimeNs;
      const fail = (e: ContainerError, at: number, t: number): never => { next = Math.max(next, at); lastT = t; return this.fail(e); };
      let more: boolean;
      try { more = forEachChunkEvent(this.rawOf(k, own), c, a, b, fn, this.fix, fail); }
      catch (e) {
        if (!this.skipped(k, e)) throw e;
        for (let i = next; i < c.firstEvent + b; i++) if (fn(skippedEvent(lastT), i) === false) return;
        continue;
      }
      if (!more) return;
    }
  }

  /**
   * True when `e` is a chunk k that does not decode: the chunk is noted (once) and passes go on
   * with the next one, as with a chunk whose checksum is bad. Anything else is not ours to hide.
   */
  private skipped(k: number, e: unknown): boolean {
    if (!(e instanceof TraceError) || (e.code !== 'E_CORRUPT' && e.code !== 'E_TOO_LARGE')) return false;
    if (!this.undecodable.has(k)) {
      const c = this.chunks[k]!;
      const range = c.eventCount === 1 ? `event ${c.firstEvent}` : `events ${c.firstEvent}..${c.firstEvent + c.eventCount - 1}`;
      const why = e.message.startsWith(`${this.path}: `) ? e.message.slice(this.path.length + 2) : e.message;
      this.undecodable.set(k, why);
      const notice = `chunk ${k} (${range}) does not decode (${why}): its events from there on are skipped`;
      this.notices.push(notice);
      this.onNotice?.(notice);
    }
    return true;
  }

  /**
   * The decompressed bytes of chunk k: a mapped chunk's (only ever read), or decompressed into
   * `own.buf` (one buffer per pass, so that interleaved passes and random access never share bytes
   * being decoded).
   */
  private rawOf(k: number, own: { buf?: Uint8Array }): Uint8Array {
    const mapped = this.cache.get(k);
    if (mapped !== undefined) return mapped.raw;
    let raw: Uint8Array;
    try { raw = readChunkBytes(this.src, this.chunks[k]!, false, own.buf); }
    catch (e) { wrap(this.path, e); }
    if (raw.buffer !== own.buf?.buffer) own.buf = raw;
    return raw;
  }

  /**
   * A sequential decoder over one chunk (see rawOf for its bytes). A mapped chunk starts at event
   * `from` (its offset and time are known); otherwise it starts at 0. `at` is where it starts.
   */
  private chunkCursor(k: number, own: { buf?: Uint8Array }, from = 0): { at: number; next(out: Event[], upTo: number): number } {
    const c = this.chunks[k]!;
    const raw = this.rawOf(k, own);
    const m = from > 0 ? this.cache.get(k) : undefined;
    const state = m !== undefined
      ? { pos: m.ends[from - 1]!, t: m.times[from - 1]!, j: from }
      : { pos: 0, t: c.firstTimeNs, j: 0 };
    return {
      at: state.j,
      next: (out, upTo) => {
        try { decodeChunkRange(raw, c, state, upTo, out, this.fix); }
        catch (e) { wrap(this.path, e); }
        return state.j;
      },
    };
  }

  chunkBytes(k: number): Uint8Array {
    const c = this.chunks[k];
    if (c === undefined) throw new RangeError(`chunk ${k} outside [0, ${this.chunks.length})`);
    this.onRead?.(c.firstEvent);
    // a chunk that does not decode reads as that many empty events (each a zero length): skipped events
    if (this.undecodable.has(k)) return new Uint8Array(c.eventCount);
    try {
      const raw = readChunkBytes(this.src, c, false, this.scratch);
      if (raw.buffer !== this.scratch?.buffer && raw.length >= (this.scratch?.length ?? 0)) this.scratch = raw;
      return raw;
    } catch (e) {
      if (e instanceof ContainerError) e = new TraceError(`${this.path || '<memory>'}: ${e.message}`, e.code);
      if (this.skipped(k, e)) return new Uint8Array(c.eventCount);
      throw e;
    }
  }

  skipUndecodable(k: number, why: string): void {
    this.skipped(k, new TraceError(`${this.path}: ${why}`, 'E_CORRUPT'));
  }

  timeOf(i: number): VirtualNs {
    const hit = this.recent.get(i);
    if (hit !== undefined) return hit.t;
    this.checkIndex(i);
    const k = this.chunkOf(i);
    const c = this.chunks[k]!;
    try { return this.chunkMap(k).times[i - c.firstEvent] as VirtualNs; }
    catch (e) { if (this.skipped(k, e)) return c.firstTimeNs as VirtualNs; throw e; }
  }

  indexAtTime(tNs: number): number {
    const cs = this.chunks;
    let lo = 0, hi = cs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cs[mid]!.lastTimeNs >= tNs) hi = mid; else lo = mid + 1;
    }
    const c = cs[lo];
    if (c === undefined) return this.eventCount;
    let times: Float64Array;
    try { times = this.chunkMap(lo).times; }
    catch (e) { if (this.skipped(lo, e)) return c.firstEvent; throw e; }
    let a = 0, b = times.length;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (times[mid]! >= tNs) b = mid; else a = mid + 1;
    }
    return c.firstEvent + a;
  }

  close(): void {
    this.cache.clear();
    this.recent.clear();
    this.onClose();
  }
}

function openFailure(path: string, e: unknown): never {
  const err = e as NodeJS.ErrnoException;
  const why: Record<string, string> = {
    ENOENT: 'no such file', EISDIR: 'is a directory, not a trace', EACCES: 'permission denied',
    EPERM: 'permission denied', ENOTDIR: 'no such file (a path component is not a directory)',
  };
  if (err && typeof err.code === 'string' && why[err.code]) throw new TraceError(`${path}: ${why[err.code]}`, err.code);
  if (err && typeof err.code === 'string') throw new TraceError(`${path}: cannot read (${err.code})`, err.code);
  throw e;
}

/**
 * Whether another process has the file open for writing (a recording still running), from
 * /proc/<pid>/fd and fdinfo; undefined where that cannot be known (no /proc: not Linux).
 */
export function fileHasWriter(path: string): boolean | undefined {
  let target: { dev: number; ino: number };
  try { const st = statSync(path); target = { dev: st.dev, ino: st.ino }; } catch { return false; }
  let pids: string[];
  try { pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid); } catch { return undefined; }
  for (const pid of pids) {
    let fds: string[];
    try { fds = readdirSync(`/proc/${pid}/fd`); } catch { continue; }
    for (const fd of fds) {
      try {
        const st = statSync(`/proc/${pid}/fd/${fd}`);
        if (st.ino !== target.ino || st.dev !== target.dev) continue;
        const flags = /^flags:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
        if (flags && (parseInt(flags[1]!, 8) & 3) !== 0) return true; // O_WRONLY or O_RDWR
      } catch { /* gone meanwhile */ }
    }
  }
  return false;
}

/**
 * Opens a .csft file. Throws TraceError (userFacing, "<name>: <problem>"). `name` is what messages
 * and `TraceFile.path` call it (default: the path; `<stdin>` for a trace spooled from a pipe).
 * `verify: false` skips the check of every chunk's checksum at open (reading the whole file): only
 * for a caller that knows the trace is intact (state through a keyframe index made from it, unchanged since).
 */
export function openTrace(path: string, opts: { verify?: boolean; name?: string } = {}): TraceFile {
  const name = opts.name ?? path;
  let src: FileSource;
  try { src = new FileSource(path); }
  catch (e) { openFailure(name, e); }
  try {
    if (src.size === 0) throw new ContainerError('E_EMPTY', 'empty file (0 bytes): not a trace');
    const oc = openContainer(src, { verify: opts.verify });
    return new Trace(name, src, oc, () => src.close());
  } catch (e) {
    src.close();
    if (e instanceof ContainerError) wrap(name, e);
    if ((e as NodeJS.ErrnoException)?.code) openFailure(name, e);
    throw e;
  }
}

/** Opens a trace held in memory (the bytes of a .csft file). */
export function openTraceBytes(bytes: Uint8Array, path = ''): TraceFile {
  try {
    return new Trace(path, bufferSource(bytes), openContainer(bufferSource(bytes)), () => undefined);
  } catch (e) { wrap(path, e); }
}

/** A trace's notes by the index of their event, oldest first (jsonl export, `events`). */
export function notesByEvent(trace: Pick<TraceFile, 'notes'>): Map<number, string[]> {
  const notes = new Map<number, string[]>();
  for (const n of trace.notes) {
    const l = notes.get(n.eventIndex);
    if (l) l.push(n.text); else notes.set(n.eventIndex, [n.text]);
  }
  return notes;
}

/** A trace built in memory from events (absolute, non-decreasing `t`): tests and rerun. */
export function memoryTrace(header: TraceHeaderInit, events: EventInit[], opts: { chunkEvents?: number } = {}): TraceFile {
  let bytes: Uint8Array;
  try { bytes = encodeContainer(header, events, opts); }
  catch (e) { wrap('', e); }
  return openTraceBytes(bytes);
}

/**
 * Appends a note to a trace file and rewrites its index and trailer after it, so the file still
 * opens through a valid index. A damaged trace (one that opens with notices) gets the note without
 * an index, so it still opens as damaged; returns true then.
 */
export function appendNote(path: string, note: NoteInit): boolean {
  let src: FileSource;
  try { src = new FileSource(path); }
  catch (e) { openFailure(path, e); }
  let plan: { truncateTo: number; bytes: Uint8Array; damaged: boolean };
  try { plan = planAppendNote(src, note); }
  catch (e) { src.close(); wrap(path, e); }
  const size = src.size;
  src.close();
  let fd: number;
  try { fd = openSync(path, 'r+'); }
  catch (e) { openFailure(path, e); }
  try {
    if (plan.truncateTo !== size) ftruncateSync(fd, plan.truncateTo);
    let off = 0;
    while (off < plan.bytes.length) off += writeSync(fd, plan.bytes, off, plan.bytes.length - off, plan.truncateTo + off);
  } finally {
    closeSync(fd);
  }
  return plan.damaged;
}
