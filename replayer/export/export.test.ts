import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FwAckKind, FwIface, FwReqKind, GroupStateKind, HeapOp, IoctlCmd, IrqLine, JobPhase, LogLevel, ResetKind, ResetPhase, ResetCause,
  type EventInit,
} from '../../proto/index.js';
import { syntheticEvents, syntheticHeader } from '../diff/synthetic.js';
import { memoryTrace, type TraceFile } from '../trace-file.js';
import { exportTrace, type ExportFormat } from './export.js';
import { decodePerfetto, protocUnknownFields, type DecodedEvent } from './perfetto-decode.testutil.js';
import { FLOW_WINDOW } from './timeline.js';

const MS = 1_000_000;

/**
 * The synthetic workload plus slot residency, heap traffic, a reset, FW requests/acks/IRQs with
 * causes, a blocking ioctl, a failed ioctl, a group destroyed and re-created by the same app, and
 * a job whose cause lies further back than the flow window.
 */
function richTrace(): TraceFile {
  const ev: EventInit[] = syntheticEvents({ ticks: 30, protmEvery: 6 });
  let t = ev[ev.length - 1]!.t! + MS;
  const add = (e: EventInit): number => { ev.push({ ...e, t }); t += 100_000; return ev.length - 1; };
  add({ body: { case: 'groupState', value: { group: 1, from: GroupStateKind.PANTHOR_CS_GROUP_CREATED, to: GroupStateKind.PANTHOR_CS_GROUP_ACTIVE, csgSlot: 0, pid: 100 } } });
  add({ cause: 1, body: { case: 'fwReq', value: { iface: FwIface.CSG, csg: 0, kind: FwReqKind.REQ_TOGGLE, state: 1, bits: 1, group: 1 } } });
  add({ cause: 1, body: { case: 'fwAck', value: { iface: FwIface.CSG, csg: 0, kind: FwAckKind.ACK_REQUEST, state: 1, bits: 1, group: 1 } } });
  add({ body: { case: 'fwReq', value: { iface: FwIface.CS, csg: 0, cs: 2, kind: FwReqKind.REQ_TOGGLE, bits: 1 << 27 } } });
  add({ body: { case: 'fwIrq', value: { line: IrqLine.JOB_IRQ, status: 0x80000001 } } });
  add({ body: { case: 'groupState', value: { group: 2, from: GroupStateKind.PANTHOR_CS_GROUP_CREATED, to: GroupStateKind.PANTHOR_CS_GROUP_ACTIVE, csgSlot: 1, pid: 101 } } });
  add({ body: { case: 'heap', value: { op: HeapOp.DMA_HEAP_BUFFER_ALLOC, heapName: 'protected', size: 1 << 20, bufferId: 7 } } });
  add({ body: { case: 'heap', value: { op: HeapOp.DMA_HEAP_BUFFER_ALLOC, heapName: 'protected', size: 1 << 21, bufferId: 8 } } });
  add({ body: { case: 'groupState', value: { group: 1, from: GroupStateKind.PANTHOR_CS_GROUP_ACTIVE, to: GroupStateKind.PANTHOR_CS_GROUP_SUSPENDED, csgSlot: -1, pid: 100 } } });
  add({ body: { case: 'groupState', value: { group: 3, from: GroupStateKind.PANTHOR_CS_GROUP_CREATED, to: GroupStateKind.PANTHOR_CS_GROUP_ACTIVE, csgSlot: 0, pid: 102 } } });
  add({ body: { case: 'reset', value: { kind: ResetKind.RESET_SLOW, phase: ResetPhase.RESET_BEGIN, cause: ResetCause.RESET_CAUSE_PING_TIMEOUT } } });
  add({ cause: 1, body: { case: 'reset', value: { kind: ResetKind.RESET_SLOW, phase: ResetPhase.RESET_END, success: true } } });
  add({ body: { case: 'heap', value: { op: HeapOp.DMA_BUF_RELEASE, heapName: 'protected', bufferId: 7 } } });
  add({ body: { case: 'job', value: { group: 3, queue: 1, seqno: 1, phase: JobPhase.JOB_STARTED, pid: 102 } } });
  // a blocking wait (recorded at its end) and a failed submit
  add({ body: { case: 'ioctl', value: { pid: 102, fd: 3, cmd: IoctlCmd.SYNCOBJ_WAIT, ret: 0, durationNs: 250_000, args: { case: 'syncobjWait', value: { handles: [4, 5] } } } } });
  add({ body: { case: 'ioctl', value: { pid: 102, fd: 3, cmd: IoctlCmd.GROUP_SUBMIT, ret: -16, args: { case: 'groupSubmit', value: { groupHandle: 3, queueSubmits: [] } } } } });
  // game's group 3 goes, group 9 comes: the same (app, queue) track
  add({ body: { case: 'job', value: { group: 3, queue: 1, seqno: 1, phase: JobPhase.JOB_DONE, pid: 102 } } });
  add({ body: { case: 'groupState', value: { group: 3, from: GroupStateKind.PANTHOR_CS_GROUP_ACTIVE, to: GroupStateKind.GROUP_DESTROYED, csgSlot: -1, pid: 102 } } });
  const submit = add({ body: { case: 'ioctl', value: { pid: 102, fd: 3, cmd: IoctlCmd.GROUP_CREATE, ret: 0, args: { case: 'groupCreate', value: { groupHandle: 9, priority: 1 } } } } });
  for (let k = 0; k < FLOW_WINDOW + 20; k++) add({ body: { case: 'log', value: { level: LogLevel.LOG_INFO, msg: `filler ${k}` } } });
  const far = ev.length;
  add({ cause: far - submit, body: { case: 'job', value: { group: 9, queue: 1, seqno: 1, phase: JobPhase.JOB_STARTED, pid: 102 } } });
  add({ body: { case: 'job', value: { group: 9, queue: 1, seqno: 1, phase: JobPhase.JOB_DONE, pid: 102 } } });
  return memoryTrace({ ...syntheticHeader('shared'), notes: [{ eventIndex: 5, text: 'a note' }] }, ev, { chunkEvents: 50 });
}

function exportBytes(trace: TraceFile, format: ExportFormat, opts = {}): Uint8Array {
  const parts: Uint8Array[] = [];
  exportTrace(trace, format, (b) => parts.push(b.slice()), opts);
  return Buffer.concat(parts);
}

const arg = (e: DecodedEvent | undefined, k: string): unknown => e?.args.get(k);

test('perfetto: decodes with the upstream schema, 0 unknown fields; tracks declared before use, slices balanced, flows paired', async () => {
  const trace = richTrace();
  const bytes = exportBytes(trace, 'perfetto');
  assert.deepEqual(protocUnknownFields(bytes), [], 'protoc --decode=perfetto.protos.Trace with the upstream schema knows every field');
  const d = await decodePerfetto(bytes);
  assert.ok(d.events.length > trace.eventCount, `${d.events.length} track events`);
  const declaredAt = new Map(d.order.map((u, k) => [u, k]));
  for (const t of d.tracks.values()) if (t.parent) assert.ok(declaredAt.get(t.parent)! < declaredAt.get(t.uuid)!, `parent of ${t.name} declared first`);
  // per track, in timestamp order (as trace processor sorts): every END closes a BEGIN, none left open
  const byTrack = new Map<number, DecodedEvent[]>();
  for (const e of d.events) {
    const t = d.tracks.get(e.track);
    assert.ok(t, `track ${e.track} declared`);
    assert.equal(e.type === 4, t.counter, `counter values only on counter tracks (${t.name})`);
    const l = byTrack.get(e.track) ?? [];
    l.push(e);
    byTrack.set(e.track, l);
  }
  let slices = 0;
  for (const [u, list] of byTrack) {
    let depth = 0;
    for (const e of [...list].sort((a, b) => a.ts - b.ts || a.seq - b.seq)) {
      if (e.type === 1) { depth++; slices++; }
      if (e.type === 2) { depth--; assert.ok(depth >= 0, `END without BEGIN on ${d.tracks.get(u)!.name}`); }
    }
    assert.equal(depth, 0, `track ${d.tracks.get(u)!.name} has no slice left open`);
  }
  assert.equal(slices, 30 + 5 + 3 + 1 + 2 + 1, 'jobs, protected intervals, slot residencies, reset, two late jobs, the blocking ioctl');
  const starts = new Map<number, DecodedEvent>();
  for (const e of d.events) for (const id of e.flowIds) starts.set(id, e);
  let flowsIn = 0;
  for (const e of d.events) for (const id of e.terminating) {
    const s = starts.get(id);
    assert.ok(s && s.seq < e.seq && s.ts <= e.ts, `flow ${id} starts before it ends`);
    flowsIn++;
  }
  assert.equal(flowsIn, starts.size, 'every flow started is ended');
  assert.equal(flowsIn, 5 + 2 + 1 + 1, 'mode switches into protected mode, FW request and ack, reset end, the far job start');
  const farJob = d.events.find((e) => e.type === 1 && arg(e, 'debug.group') === 9)!;
  assert.equal(farJob.terminating.length, 1, 'a cause further back than the flow window still draws its flow');
  assert.equal(starts.get(farJob.terminating[0]!)!.name, 'GROUP_CREATE game:1');
});

test('perfetto: decisions, ioctls, FW words and counters are queryable by name and argument', async () => {
  const d = await decodePerfetto(exportBytes(richTrace(), 'perfetto'));
  const trackNamed = (n: string): number => [...d.tracks.values()].find((t) => t.name === n)!.uuid;
  // decisions: named by trigger and verdict, structured arguments, the rule sentences
  const decisions = d.events.filter((e) => e.track === trackNamed('scheduler') && e.args.has('debug.trigger'));
  assert.ok(decisions.length >= 30, `${decisions.length} decisions`);
  const granted = decisions.find((e) => e.name === 'PROTM_PENDING → GRANTED')!;
  assert.ok(granted, decisions.map((e) => e.name).join());
  assert.equal(arg(granted, 'debug.trigger'), 'TRIGGER_PROTM_PENDING');
  assert.equal(arg(granted, 'debug.protm'), 'PROTM_GRANTED');
  assert.equal(arg(granted, 'debug.protm_rule'), 'RULE_FIRST_OF_HIGHEST_LIST');
  assert.equal(arg(granted, 'debug.slots[1].action'), 'SLOT_KEEP');
  assert.equal(arg(granted, 'debug.slots[1].group'), 2);
  assert.equal(arg(granted, 'debug.inputs[1].protm_pending'), true);
  assert.match(String(arg(granted, 'debug.why')), /first group of the highest/i);
  assert.equal(typeof arg(granted, 'debug.event'), 'number');
  assert.equal(new Set(decisions.map((e) => e.name)).size > 1, true, 'decisions are not all named alike');
  // ioctls: cmd, ret and errno; a blocking one is a slice as long as its duration
  const submit = d.events.find((e) => e.name === 'GROUP_SUBMIT -EBUSY')!;
  assert.equal(arg(submit, 'debug.cmd'), 'GROUP_SUBMIT');
  assert.equal(arg(submit, 'debug.ret'), -16);
  assert.equal(arg(submit, 'debug.errno'), 'EBUSY');
  assert.equal(arg(submit, 'debug.args.group_submit.group_handle'), 3);
  const create = d.events.find((e) => e.name === 'GROUP_CREATE compositor:0')!;
  assert.equal(arg(create, 'debug.ret'), 0, 'a zero ret is present');
  const wait = d.events.find((e) => e.name === 'SYNCOBJ_WAIT')!;
  assert.equal(wait.type, 1, 'a blocking ioctl is a slice');
  const waitEnd = d.events.find((e) => e.type === 2 && e.track === wait.track && e.seq > wait.seq)!;
  assert.equal(waitEnd.ts - wait.ts, 250_000);
  assert.equal(arg(wait, 'debug.duration_ns'), 250_000);
  assert.equal(arg(wait, 'debug.args.syncobj_wait.handles[1]'), 5);
  // FW requests/acks/IRQs on their interface's tracks, fields and bit names as arguments
  const req = d.events.find((e) => e.track === trackNamed('FW CSG 0') && arg(e, 'debug.kind') === 'REQ_TOGGLE')!;
  assert.equal(arg(req, 'debug.iface'), 'CSG');
  assert.equal(arg(req, 'debug.csg'), 0);
  assert.equal(arg(req, 'debug.group'), 1);
  assert.match(String(arg(req, 'debug.names')), /CSG_STATE_START/);
  assert.ok(d.events.some((e) => e.track === trackNamed('FW CSG 0') && arg(e, 'debug.kind') === 'ACK_REQUEST'));
  const cs = d.events.find((e) => e.track === trackNamed('FW CSG 0 CS 2'))!;
  assert.match(String(arg(cs, 'debug.names')), /CS_PROTM_PENDING/);
  const irq = d.events.find((e) => e.track === trackNamed('IRQ JOB_IRQ'))!;
  assert.equal(arg(irq, 'debug.names'), 'GLOBAL_IF|CSG_IF0');
  // counters: the GPU mode as a number (residency is a sum over it), bytes per heap
  const mode = d.events.filter((e) => e.track === trackNamed('GPU mode (value)')).map((e) => e.counter);
  assert.deepEqual(mode.slice(0, 3), [0, 1, 0]);
  assert.equal(mode.filter((v) => v === 1).length, 5);
  assert.deepEqual(d.events.filter((e) => e.track === trackNamed('heap protected allocated')).map((e) => e.counter), [1 << 20, 3 << 20, 1 << 21]);
  assert.equal(d.tracks.get(trackNamed('heap protected allocated'))!.unit, 3, 'UNIT_SIZE_BYTES');
});

test('perfetto: tracks per (app, queue) identity, ordered as the TUI lanes; interned names; trace metadata', async () => {
  const trace = richTrace();
  const bytes = exportBytes(trace, 'perfetto');
  const d = await decodePerfetto(bytes);
  const tracks = [...d.tracks.values()];
  const named = (n: string) => tracks.find((t) => t.name === n)!;
  // game's group 3 and its successor 9 share lane 0: one track for (game, queue 1)
  const gameQ1 = tracks.filter((t) => t.name.endsWith(' queue 1') && t.name.startsWith('game'));
  assert.deepEqual(gameQ1.map((t) => t.name), ['game:0 queue 1']);
  const jobsThere = d.events.filter((e) => e.track === gameQ1[0]!.uuid && e.type === 1);
  assert.deepEqual(jobsThere.map((e) => arg(e, 'debug.group')), [3, 9]);
  const game = tracks.find((t) => t.pid === 102)!;
  assert.equal(gameQ1[0]!.parent, game.uuid);
  // GPU's children in the TUI's order: the mode band, then the CSG lanes, then the rest
  const gpu = named('GPU');
  assert.equal(gpu.childOrdering, 3, 'EXPLICIT');
  assert.match(gpu.description ?? '', /virtual nanoseconds/);
  const kids = tracks.filter((t) => t.parent === gpu.uuid).sort((a, b) => a.rank! - b.rank!).map((t) => t.name);
  assert.deepEqual(kids.slice(0, 4), ['GPU mode', 'GPU mode (value)', 'CSG slot 0', 'CSG slot 1']);
  assert.ok(kids.indexOf('scheduler') > kids.indexOf('CSG slot 1') && kids.indexOf('device') === kids.length - 1, kids.join());
  // interned: each event name is written once, whatever the number of events carrying it
  const text = Buffer.from(bytes).toString('latin1');
  assert.equal(text.split('TRIGGER_PERIODIC').length - 1, 1, 'a symbol is written once');
  assert.equal(text.split('PERIODIC → NONE').length - 1, 0, 'non-ASCII names are UTF-8');
  assert.equal(Buffer.from(bytes).toString('utf8').split('PERIODIC → NONE').length - 1, 1, 'a decision name is written once');
  // the header as trace attributes (trace processor: metadata trace_attribute.*)
  assert.equal(d.metadata.get('trace_attribute.scenario'), trace.header.scenarioName);
  assert.equal(d.metadata.get('trace_attribute.seed'), String(trace.header.seed));
  assert.equal(d.metadata.get('trace_attribute.policy'), 'shared');
  assert.match(String(d.metadata.get('trace_attribute.timestamps')), /virtual nanoseconds/);
});

test('perfetto: a golden scenario trace exports with every family decodable, 0 unknown fields, no string left un-interned twice', async () => {
  const { openTrace } = await import('../trace-file.js');
  const { fileURLToPath } = await import('node:url');
  const trace = openTrace(fileURLToPath(new URL('../../../traces/v1/drm-video-over-ui.csft', import.meta.url)));
  try {
    const bytes = exportBytes(trace, 'perfetto', { to: 20_000 });
    assert.deepEqual(protocUnknownFields(bytes), []);
    const d = await decodePerfetto(bytes);
    assert.ok(![...d.events].some((e) => e.name?.startsWith('?iid')), 'every interned name resolves');
    assert.ok(![...d.events].some((e) => [...e.args.values()].some((v) => String(v).startsWith('?iid'))), 'every interned value resolves');
    assert.ok(d.metadata.has('trace_attribute.fw.ping_while_protected'), 'firmware assumptions are in the metadata');
    const attrs = [...d.metadata.keys()].join();
    assert.match(attrs, /trace_attribute\.heap_policy/);
  } finally { trace.close(); }
});

test('chrome-json: valid Trace Event Format; B/E balanced per thread in time order; structured args; metadata', () => {
  const trace = richTrace();
  const doc = JSON.parse(Buffer.from(exportBytes(trace, 'chrome-json')).toString('utf8')) as {
    traceEvents: { ph: string; pid: number; tid: number; ts?: number; dur?: number; name?: string; cat?: string; id?: number; args?: Record<string, unknown> }[];
    metadata: Record<string, string>;
    displayTimeUnit: string;
  };
  assert.equal(doc.metadata.policy, 'shared');
  assert.match(doc.metadata.timestamps ?? '', /virtual nanoseconds/);
  assert.equal(doc.displayTimeUnit, 'ns');
  const PHASES = new Set(['B', 'E', 'X', 'i', 'C', 's', 'f', 'M']);
  for (const e of doc.traceEvents) {
    assert.ok(PHASES.has(e.ph), `phase ${e.ph}`);
    assert.ok(Number.isInteger(e.pid) && Number.isInteger(e.tid), 'pid and tid');
    if (e.ph !== 'M') assert.ok(typeof e.ts === 'number' && e.ts >= 0, 'ts in µs');
    if (e.ph === 'X') assert.ok(typeof e.dur === 'number' && e.dur >= 0, 'X has dur');
    if (e.ph === 'B' || e.ph === 'X' || e.ph === 'i' || e.ph === 'C') assert.ok(typeof e.name === 'string' && e.name.length > 0, 'named');
    if (e.ph === 's' || e.ph === 'f') assert.ok(typeof e.id === 'number' && e.cat === 'flow', 'flow id');
  }
  const timed = doc.traceEvents.filter((e) => e.ph !== 'M').map((e, k) => ({ e, k })).sort((a, b) => a.e.ts! - b.e.ts! || a.k - b.k);
  const depth = new Map<string, number>();
  const started = new Set<number>();
  let ends = 0;
  for (const { e } of timed) {
    const k = `${e.pid}/${e.tid}`;
    if (e.ph === 'B') depth.set(k, (depth.get(k) ?? 0) + 1);
    if (e.ph === 'E') { assert.ok((depth.get(k) ?? 0) > 0, 'E after B'); depth.set(k, depth.get(k)! - 1); }
    if (e.ph === 's') started.add(e.id!);
    if (e.ph === 'f') { assert.ok(started.has(e.id!), `flow ${e.id} starts first`); ends++; }
  }
  assert.ok([...depth.values()].every((d) => d === 0));
  assert.equal(started.size, ends);
  const threads = doc.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.args!.name);
  assert.ok(threads.includes('CSG slot 0') && threads.includes('GPU mode') && threads.includes('FW CSG 0'), threads.join());
  const wait = doc.traceEvents.find((e) => e.name === 'SYNCOBJ_WAIT')!;
  assert.equal(wait.ph, 'X');
  assert.equal(wait.dur, 250);
  const busy = doc.traceEvents.find((e) => e.name === 'GROUP_SUBMIT -EBUSY')!;
  assert.equal(busy.args!.ret, -16);
  assert.equal(busy.args!.errno, 'EBUSY');
  const decision = doc.traceEvents.find((e) => e.name === 'PROTM_PENDING → GRANTED')!;
  assert.equal((decision.args!.slots as { action: string }[])[1]?.action, 'SLOT_KEEP');
  assert.equal(decision.args!.protm_rule, 'RULE_FIRST_OF_HIGHEST_LIST');
  const mode = doc.traceEvents.filter((e) => e.ph === 'C' && e.name === 'GPU mode (value)').map((e) => e.args!.value);
  assert.deepEqual(mode.slice(0, 3), [0, 1, 0]);
});

test('jsonl: one decoded event per line, notes attached', () => {
  const trace = richTrace();
  const lines = Buffer.from(exportBytes(trace, 'jsonl')).toString('utf8').trimEnd().split('\n');
  assert.equal(lines.length, trace.eventCount);
  const five = JSON.parse(lines[5]!) as { index: number; notes?: string[] };
  assert.equal(five.index, 5);
  assert.deepEqual(five.notes, ['a note']);
  assert.equal((JSON.parse(lines[0]!) as { index: number }).index, 0);
});

test('arguments: the fast paths write what the generic writer writes, on every event of the golden traces', async () => {
  const { readdirSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  const { openTrace } = await import('../trace-file.js');
  const { writeEventArgs, writeEventArgsGeneric } = await import('./args.js');
  const { ObjectArgs } = await import('./arg-writer.js');
  const dir = fileURLToPath(new URL('../../../traces/v1/', import.meta.url));
  const fast = new ObjectArgs(), generic = new ObjectArgs();
  const families = new Set<string>();
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.csft'))) {
    const trace = openTrace(dir + f);
    try {
      trace.forEach((ev, i) => {
        writeEventArgs(fast, ev, i);
        const a = fast.take();
        delete a.event; delete a.cause_event;
        writeEventArgsGeneric(generic, ev);
        assert.deepEqual(a, generic.take(), `${f} #${i} (${ev.body.case})`);
        families.add(ev.body.case ?? '');
      }, 0, 30_000);
    } finally { trace.close(); }
  }
  for (const c of ['fwReq', 'fwAck', 'fwIrq', 'doorbell', 'modeSwitch', 'job', 'decision']) assert.ok(families.has(c), `${c} compared`);
});
