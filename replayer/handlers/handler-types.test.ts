/**
 * The handler types hold each handler to its declarations: it sees only its own slices, the ones
 * it declares it reads and the base; `init` makes exactly its slices; `owns` and `reads` name
 * exactly their keys; what it reads has its owner's type; and ReplayState is derived from the
 * handler list. The `@ts-expect-error` lines are the test: if the enforcement stopped working, the
 * build (the first step of `npm test`) fails on the unused directive.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HANDLERS, initialState, type ReplayState } from '../reducer.js';
import type { Handler, None, StateHandler } from './handler.js';
import type { BaseState, FwSlices, MemorySlices, ProcessSlices } from './slices.js';

const fw = (): FwSlices => ({ fw: { glb: { req: 0, ack: 0, idx: -1 }, csg: {}, cs: {}, pending: [], doorbells: 0, lastDoorbell: null, irqs: 0 } });
const memory = (): MemorySlices => ({ vms: {}, bos: {}, heaps: {}, dmabufs: {} });

/** Compiled, never run: each misuse must be a type error. */
export const readsUndeclared: Handler<FwSlices> = {
  name: 'misuse', families: ['fwIrq'], owns: ['fw'], reads: [], init: fw,
  handleEvent(s) {
    s.fw.irqs++;
    s.counters.events++;
    // @ts-expect-error the device is another handler's slice, not declared among its reads
    s.device.idx = s.index;
  },
  finalize(s) {
    // @ts-expect-error nor may its finalize reach it
    delete s.processes[0];
  },
};

export const readsItsDeclaration: Handler<FwSlices, Pick<ProcessSlices, 'processes'>> = {
  name: 'misuse', families: ['fwIrq'], owns: ['fw'], reads: ['processes'], init: fw,
  handleEvent(s) {
    s.fw.irqs = Object.keys(s.processes).length;
    // @ts-expect-error reading processes does not open the rest of the state
    s.fw.irqs = Object.keys(s.groups).length;
  },
};

export const ownsMissing: Handler<MemorySlices> = {
  name: 'misuse', families: ['heap'],
  // @ts-expect-error owns names every owned slice
  owns: ['vms', 'bos', 'heaps'],
  reads: [], init: memory, handleEvent() { /* none */ },
};

export const ownsTwice: Handler<MemorySlices> = {
  name: 'misuse', families: ['heap'],
  // @ts-expect-error and each once
  owns: ['vms', 'bos', 'heaps', 'dmabufs', 'vms'],
  reads: [], init: memory, handleEvent() { /* none */ },
};

export const readsListed: Handler<FwSlices> = {
  name: 'misuse', families: ['fwIrq'], owns: ['fw'],
  // @ts-expect-error reads names exactly the declared reads
  reads: ['device'],
  init: fw, handleEvent() { /* none */ },
};

export const initShort: Handler<MemorySlices> = {
  name: 'misuse', families: ['heap'], owns: ['vms', 'bos', 'heaps', 'dmabufs'], reads: [],
  // @ts-expect-error init makes every owned slice
  init: () => ({ vms: {}, bos: {}, heaps: {} }),
  handleEvent() { /* none */ },
};

/** A handler that reads the fw slice with a type other than the fw handler's. */
const wrongRead: Handler<None, { fw: { irqs: string } }> = {
  name: 'misuse', families: ['fwIrq'], owns: [], reads: ['fw'], init: () => ({}),
  handleEvent(s) { s.fw.irqs = 'x'; },
};
// @ts-expect-error what it reads has the type its owner gives it
export const wrongList: readonly StateHandler<ReplayState>[] = [wrongRead];

type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
/** The slices of the state, as the handlers make it (type and run time). */
const SLICES = ['index', 't', 'counters', 'processes', 'device', 'fw', 'slots', 'groups', 'sched', 'vms', 'bos', 'heaps', 'dmabufs',
  'gpuMem', 'platform', 'pipeline'] as const;
const derived: Same<keyof ReplayState, (typeof SLICES)[number]> = true;
const base: Same<Pick<ReplayState, keyof BaseState>, BaseState> = true;

test('ReplayState is the base and every handler\'s slices, in registry order', () => {
  assert.ok(derived && base);
  assert.deepEqual(Object.keys(initialState()), SLICES);
  assert.deepEqual(HANDLERS.flatMap((h) => h.owns), SLICES.slice(3));
});
