/**
 * Event text and JSON: real names (GLB_PROTM_ENTER, CSG_STATE_START, GROUP_SUBMIT, -EINVAL ...),
 * decoded FW req/ack and IRQ words, and every event of every golden formats cleanly.
 */
import type { CauseDistance, VirtualNs } from '../proto/index.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Reader, Writer, decodeEvent, encodeEvent, type Event, type EventInit } from '../proto/index.js';
import { formatEvent, eventToJson, eventFields, eventTypeNames, errnoName, irqBitNames, exceptionName } from './format.js';
import { openTrace } from './trace-file.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));

/** The decoded form (all fields present), as the reader hands events out. */
function full(ev: EventInit): Event {
  const w = new Writer();
  encodeEvent(w, ev);
  const b = w.finish();
  const d = decodeEvent(new Reader(b), b.length);
  d.t = (ev.t ?? 0) as VirtualNs;
  d.cause = (ev.cause ?? 0) as CauseDistance;
  return d;
}

test('one line per event with the reference names', () => {
  const cases: Array<[EventInit, number, string]> = [
    [{ t: 12_500_000, cause: 4, body: { case: 'fwReq', value: { iface: 1, csg: 1, kind: 0, bits: 0x11, req: 0x11, state: 1, group: 3, endpointPriority: 15 } } }, 1234,
      '#1234 12.500ms fw_req CSG1 REQ_TOGGLE CSG_STATE_START|CSG_ENDPOINT_CONFIG group=3 ep_prio=15 req=0x11 <-#1230'],
    [{ t: 12_600_000, body: { case: 'fwReq', value: { iface: 0, kind: 0, bits: 1 << 4, req: 1 << 4 } } }, 7,
      '#7 12.600ms fw_req GLB REQ_TOGGLE GLB_PROTM_ENTER req=0x10'],
    [{ t: 1000, cause: 1, body: { case: 'fwAck', value: { iface: 2, csg: 1, cs: 0, kind: 1, bits: 1 << 27, ack: 1 << 27, group: 3 } } }, 9,
      '#9 1.000us fw_ack CS1.0 ACK_EVENT CS_PROTM_PENDING group=3 ack=0x8000000 <-#8'],
    [{ t: 5, body: { case: 'ioctl', value: { pid: 1001, fd: 3, cmd: 9, ret: -22, args: { case: 'groupSubmit', value: { groupHandle: 2, queueSubmits: [{ queueIndex: 0, jobSeqno: 7, protRegion: true, frame: 12 }] } } } } }, 0,
      '#0 5ns ioctl GROUP_SUBMIT pid=1001 fd=3 group=2 q0:seqno=7,PROT_REGION,frame=12 ret=-EINVAL'],
    [{ t: 0, body: { case: 'fwIrq', value: { line: 0, status: 0x80000002 } } }, 1, '#1 0ns fw_irq JOB_IRQ GLOBAL_IF|CSG_IF1 status=0x80000002'],
    [{ t: 0, body: { case: 'fwIrq', value: { line: 1, status: 0x2, masked: true } } }, 2, '#2 0ns fw_irq GPU_IRQ PROTM_FAULT status=0x2 masked'],
    [{ t: 3_000_000_000, body: { case: 'modeSwitch', value: { from: 0, to: 2, cause: 1, group: 4, csg: 0 } } }, 3,
      '#3 3.000000s mode_switch MODE_NORMAL -> MODE_ENTERING CAUSE_SCHED_ENTER group=4 csg=0'],
    [{ t: 0, body: { case: 'probe', value: { stage: 2, result: -517, heapName: 'protected', heapNameSource: 'dt', attempt: 1 } } }, 4,
      '#4 0ns probe PROBE_DEFER heap=protected from=dt attempt=1 ret=-EPROBE_DEFER'],
    [{ t: 0, body: { case: 'fault', value: { kind: 1, exceptionType: 0x41, group: 2, queue: 1 } } }, 5,
      '#5 0ns fault FAULT_CS_FATAL CS_UNRECOVERABLE(0x41) group=2 queue=1'],
    [{ t: 0, body: { case: 'job', value: { group: 2, queue: 0, seqno: 9, phase: 0 } } }, 6, '#6 0ns job JOB_QUEUED group=2 queue=0 seqno=9'],
  ];
  for (const [ev, i, want] of cases) assert.equal(formatEvent(full(ev), i), want);
});

test('JSON: proto field names, type = payload key, defaults present, ret a number beside its errno', () => {
  const j = eventToJson(full({ t: 77, cause: 2, body: { case: 'ioctl', value: { pid: 1, cmd: 7, ret: -22, args: { case: 'groupCreate', value: { priority: 3, flags: 1 } } } } }), 10) as Record<string, unknown>;
  assert.deepEqual(Object.keys(j), ['index', 't', 'type', 'cause_index', 'ioctl']);
  assert.equal(j.type, 'ioctl');
  assert.equal(j.cause_index, 8);
  const io = j.ioctl as Record<string, unknown>;
  assert.equal(io.cmd, 'GROUP_CREATE');
  assert.equal(io.ret, -22);
  assert.equal(io.errno, 'EINVAL');
  assert.equal(io.fd, 0); // a proto3 default is present
  assert.equal(io.duration_ns, 0);
  assert.equal((io.args as { group_create: { priority: number } }).group_create.priority, 3);
  const ok = eventToJson(full({ body: { case: 'ioctl', value: { cmd: 7, ret: 0 } } }), 0) as { cause_index: null; ioctl: { ret: number; errno: null; args: null } };
  assert.equal(ok.cause_index, null);
  assert.equal(ok.ioctl.ret, 0);
  assert.equal(ok.ioctl.errno, null);
  assert.equal(ok.ioctl.args, null); // an unset oneof is null, not absent
  const k = eventToJson(full({ t: 1, body: { case: 'job', value: { phase: 0, fenceError: -62 } } }), 0) as { job: Record<string, unknown> };
  assert.equal(k.job.phase, 'JOB_QUEUED'); // zero-valued enums are kept
  assert.equal(k.job.queue, 0);
  assert.equal(k.job.fence_error, -62);
  assert.equal(k.job.fence_errno, 'ETIME');
  const f = eventToJson(full({ body: { case: 'fwReq', value: { iface: 0, bits: 1 << 8 } } }), 0) as Record<string, unknown>;
  assert.equal(f.type, 'fw_req');
  assert.deepEqual((f[f.type as string] as { names: string[] }).names, ['GLB_PING']);
  assert.equal(f.fwReq, undefined);
});

test('names of values', () => {
  assert.equal(errnoName(-22), '-EINVAL');
  assert.equal(errnoName(-517), '-EPROBE_DEFER');
  assert.equal(errnoName(-9999), '-9999');
  assert.equal(errnoName(0), '0');
  assert.deepEqual(irqBitNames(1, (1 << 1) | (1 << 19) | (1 << 30)), ['PROTM_FAULT', 'MCU_STATUS_CHANGED', 'BIT30']);
  assert.deepEqual(irqBitNames(2, (1 << 3) | (1 << 17)), ['AS3_PAGE_FAULT', 'AS1_BUS_FAULT']);
  assert.equal(exceptionName(0x41), 'CS_UNRECOVERABLE(0x41)');
  const names = eventTypeNames(full({ body: { case: 'fwReq', value: { iface: 0, kind: 0, bits: 1 << 4 } } }));
  assert.ok(names.includes('fw_req') && names.includes('GLB_PROTM_ENTER') && names.includes('GLB'));
});

test('every event of every golden formats cleanly (text, fields, JSON)', () => {
  const dir = join(repo, 'traces', 'v1');
  let n = 0;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.csft'))) {
    const tr = openTrace(join(dir, f));
    tr.forEach((ev, i) => {
      const line = formatEvent(ev, i);
      assert.ok(line.startsWith(`#${i} `), line);
      assert.doesNotMatch(line, /undefined|NaN|\[object/, `${f}: ${line}`);
      for (const [k, v] of eventFields(ev)) assert.doesNotMatch(`${k}=${v}`, /undefined|NaN|\[object/, `${f} #${i}`);
      const j = JSON.stringify(eventToJson(ev, i));
      assert.doesNotMatch(j, /NaN|undefined/, `${f} #${i}`);
      const o = JSON.parse(j) as Record<string, unknown>;
      assert.equal(typeof o[o.type as string], 'object', `${f} #${i}: .[.type]`);
      n++;
    });
    tr.close();
  }
  assert.ok(n > 1000);
});
