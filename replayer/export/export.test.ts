import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import {
  FwIface, FwReqKind, GroupStateKind, HeapOp, JobPhase, ResetKind, ResetPhase, ResetCause,
  type EventInit,
} from '../../proto/index.js';
import { syntheticEvents, syntheticHeader } from '../diff/synthetic.js';
import { memoryTrace, type TraceFile } from '../trace-file.js';
import { exportTrace, type ExportFormat } from './export.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MS = 1_000_000;

/** The synthetic workload plus slot residency, heap traffic, a reset and FW requests with causes. */
function richTrace(): TraceFile {
  const ev: EventInit[] = syntheticEvents({ ticks: 30, protmEvery: 6 });
  let t = ev[ev.length - 1].t! + MS;
  const add = (e: EventInit): void => { ev.push({ ...e, t }); t += 100_000; };
  add({ body: { case: 'groupState', value: { group: 1, from: GroupStateKind.PANTHOR_CS_GROUP_CREATED, to: GroupStateKind.PANTHOR_CS_GROUP_ACTIVE, csgSlot: 0, pid: 100 } } });
  add({ cause: 1, body: { case: 'fwReq', value: { iface: FwIface.CSG, csg: 0, kind: FwReqKind.REQ_TOGGLE, state: 1, group: 1 } } });
  add({ body: { case: 'groupState', value: { group: 2, from: GroupStateKind.PANTHOR_CS_GROUP_CREATED, to: GroupStateKind.PANTHOR_CS_GROUP_ACTIVE, csgSlot: 1, pid: 101 } } });
  add({ body: { case: 'heap', value: { op: HeapOp.DMA_HEAP_BUFFER_ALLOC, heapName: 'protected', size: 1 << 20, bufferId: 7 } } });
  add({ body: { case: 'heap', value: { op: HeapOp.DMA_HEAP_BUFFER_ALLOC, heapName: 'protected', size: 1 << 21, bufferId: 8 } } });
  add({ body: { case: 'groupState', value: { group: 1, from: GroupStateKind.PANTHOR_CS_GROUP_ACTIVE, to: GroupStateKind.PANTHOR_CS_GROUP_SUSPENDED, csgSlot: -1, pid: 100 } } });
  add({ body: { case: 'groupState', value: { group: 3, from: GroupStateKind.PANTHOR_CS_GROUP_CREATED, to: GroupStateKind.PANTHOR_CS_GROUP_ACTIVE, csgSlot: 0, pid: 102 } } });
  add({ body: { case: 'reset', value: { kind: ResetKind.RESET_SLOW, phase: ResetPhase.RESET_BEGIN, cause: ResetCause.RESET_CAUSE_PING_TIMEOUT } } });
  add({ cause: 1, body: { case: 'reset', value: { kind: ResetKind.RESET_SLOW, phase: ResetPhase.RESET_END, success: true } } });
  add({ body: { case: 'heap', value: { op: HeapOp.DMA_BUF_RELEASE, heapName: 'protected', bufferId: 7 } } });
  add({ body: { case: 'job', value: { group: 3, queue: 1, seqno: 1, phase: JobPhase.JOB_STARTED, pid: 102 } } });
  return memoryTrace({ ...syntheticHeader('shared'), notes: [{ eventIndex: 5, text: 'a note' }] }, ev, { chunkEvents: 50 });
}

function exportBytes(trace: TraceFile, format: ExportFormat): Uint8Array {
  const parts: Uint8Array[] = [];
  exportTrace(trace, format, (b) => parts.push(b.slice()));
  return Buffer.concat(parts);
}

interface Packet {
  timestamp?: number; trustedPacketSequenceId?: number;
  trackDescriptor?: { uuid: number; name?: string; parentUuid?: number; process?: { pid: number; processName: string }; counter?: { unit?: number } };
  trackEvent?: { type: number; trackUuid: number; name?: string; counterValue?: number; flowIds?: number[]; terminatingFlowIds?: number[]; debugAnnotations?: { name: string; stringValue?: string; uintValue?: number }[] };
}

test('perfetto: decodes with the schema; tracks declared before use, slices nested, time monotonic', async () => {
  const trace = richTrace();
  const root = await protobuf.load(`${ROOT}replayer/export/perfetto.proto`);
  const Trace = root.lookupType('perfetto.protos.Trace');
  const decoded = Trace.toObject(Trace.decode(exportBytes(trace, 'perfetto')), { longs: Number, enums: Number, defaults: false }) as { packet: Packet[] };
  const packets = decoded.packet;
  assert.ok(packets.length > trace.eventCount, `${packets.length} packets`);
  const declared = new Map<number, Packet['trackDescriptor']>();
  const open = new Map<number, string[]>();
  const lastTs = new Map<number, number>();
  const flowsOut = new Set<number>();
  let slices = 0, counters = 0, flowsIn = 0;
  for (const p of packets) {
    assert.equal(p.trustedPacketSequenceId, 1);
    const seq = p.trustedPacketSequenceId!;
    if (p.timestamp !== undefined) {
      assert.ok(p.timestamp >= (lastTs.get(seq) ?? 0), 'timestamps monotonic per sequence');
      lastTs.set(seq, p.timestamp);
    }
    if (p.trackDescriptor) {
      const d = p.trackDescriptor;
      assert.ok(!declared.has(d.uuid), `track ${d.uuid} declared once`);
      if (d.parentUuid) assert.ok(declared.has(d.parentUuid), 'parent declared first');
      declared.set(d.uuid, d);
      continue;
    }
    const e = p.trackEvent!;
    assert.ok(e, 'a packet holds a descriptor or an event');
    assert.ok(declared.has(e.trackUuid), `track ${e.trackUuid} declared before use`);
    const isCounter = declared.get(e.trackUuid)!.counter !== undefined;
    const stack = open.get(e.trackUuid) ?? [];
    open.set(e.trackUuid, stack);
    switch (e.type) {
      case 1: assert.ok(!isCounter); stack.push(e.name!); slices++; break;
      case 2: assert.ok(!isCounter); assert.ok(stack.pop() !== undefined, 'END matches a BEGIN on its track'); break;
      case 3: assert.ok(!isCounter); break;
      case 4: assert.ok(isCounter, 'counter values only on counter tracks'); counters++; break;
      default: assert.fail(`event type ${e.type}`);
    }
    for (const id of e.flowIds ?? []) flowsOut.add(id);
    for (const id of e.terminatingFlowIds ?? []) { assert.ok(flowsOut.has(id), `flow ${id} starts before it ends`); flowsIn++; }
  }
  for (const [u, s] of open) assert.equal(s.length, 0, `track ${u} has no slice left open`);
  const names = [...declared.values()].map((d) => d!.name ?? d!.process?.processName);
  for (const n of ['GPU', 'GPU mode', 'CSG slot 0', 'CSG slot 1', 'FW interface', 'heap protected allocated', 'video-player:0 queue 0', 'compositor']) {
    assert.ok(names.includes(n), `track "${n}" in ${names.join(', ')}`);
  }
  const video = [...declared.values()].find((d) => d!.process?.processName === 'video-player')!;
  assert.equal(video.process!.pid, 101);
  const modeSlices = packets.filter((p) => p.trackEvent?.type === 1 && p.trackEvent.trackUuid === 2).map((p) => p.trackEvent!.name);
  assert.ok(modeSlices.length === 5 && modeSlices.every((n) => n === 'MODE_PROTECTED video-player:0'), modeSlices.join());
  const heapValues = packets.filter((p) => p.trackEvent?.type === 4).map((p) => p.trackEvent!.counterValue);
  assert.deepEqual(heapValues, [1 << 20, 3 << 20, 1 << 21]);
  assert.equal(slices, 30 + 5 + 3 + 1 + 1); // jobs, protected intervals, slot residencies, reset, last job
  assert.equal(counters, 3);
  assert.equal(flowsIn, 5 + 2); // every mode switch into protected mode, the FW request, the reset end
});

test('chrome-json: valid JSON, B/E balanced per thread, metadata names the scenario', () => {
  const trace = richTrace();
  const doc = JSON.parse(Buffer.from(exportBytes(trace, 'chrome-json')).toString('utf8')) as {
    traceEvents: { ph: string; pid: number; tid: number; ts?: number; name?: string; id?: number; args?: Record<string, unknown> }[];
    metadata: Record<string, string>;
  };
  assert.equal(doc.metadata.policy, 'shared');
  const depth = new Map<string, number>();
  let last = 0, starts = 0, ends = 0;
  for (const e of doc.traceEvents) {
    if (e.ph === 'M') continue;
    assert.ok(e.ts! >= last, 'ts non-decreasing');
    last = e.ts!;
    const k = `${e.pid}/${e.tid}`;
    if (e.ph === 'B') depth.set(k, (depth.get(k) ?? 0) + 1);
    if (e.ph === 'E') { assert.ok((depth.get(k) ?? 0) > 0, 'E after B'); depth.set(k, depth.get(k)! - 1); }
    if (e.ph === 's') starts++;
    if (e.ph === 'f') ends++;
  }
  assert.ok([...depth.values()].every((d) => d === 0));
  assert.equal(starts, ends);
  const threads = doc.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.args!.name);
  assert.ok(threads.includes('CSG slot 0') && threads.includes('GPU mode'), threads.join());
});

test('jsonl: one decoded event per line, notes attached', () => {
  const trace = richTrace();
  const lines = Buffer.from(exportBytes(trace, 'jsonl')).toString('utf8').trimEnd().split('\n');
  assert.equal(lines.length, trace.eventCount);
  const five = JSON.parse(lines[5]) as { index: number; notes?: string[] };
  assert.equal(five.index, 5);
  assert.deepEqual(five.notes, ['a note']);
  assert.equal((JSON.parse(lines[0]) as { index: number }).index, 0);
});
