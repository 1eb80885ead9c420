import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stateTabOf } from './session.js';

test('the tiler heap and address space tables are under the memory tab (3)', () => {
  assert.equal(stateTabOf('Tiler heaps'), 2);
  assert.equal(stateTabOf('Address spaces (VMs on AS slots)'), 2);
});
