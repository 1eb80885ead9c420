/** The canvas never passes a control character from a trace on to the terminal. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Canvas } from './canvas.js';

test('control characters in text become "?" cells: no escape sequence reaches the terminal', () => {
  const c = new Canvas(20, 1);
  assert.equal(c.put(0, 0, 'a\x1b]0;x\x07b\u202ec\x9bd'), 12);
  assert.equal(c.chars.slice(0, 12).join(''), 'a?]0;x?b?c?d');
});
