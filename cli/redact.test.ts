import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeRedactor } from './redact.js';

test('a personal user name is redacted as a word; the report\'s own words are not', () => {
  const r = makeRedactor({ user: 'alice', host: 'box.example.org' });
  assert.equal(r('by alice on box.example.org (box), root decision #12, /home/alice/x.yaml'), 'by <user> on <host> (<host>), root decision #12, <dir>/x.yaml');
  assert.equal(r.summary(), 'the directories of 1 absolute path (as <dir>), the user name (as <user>), the host name (as <host>)');
  assert.equal(makeRedactor({ user: 'al', host: 'h' })('al h'), 'al h', 'names under 3 characters are words of the report');
});
