import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VERSION } from '../recorder/index.js';
import { CLI_VERSION, buildProgram } from './program.js';
import { commands, commandsFor } from './commands/index.js';

test('--version prints the version the recorder writes into trace headers', () => {
  assert.equal(CLI_VERSION, VERSION);
});

test('only the command named on the command line is loaded; help and unknown words load every one', async () => {
  assert.deepEqual(commandsFor(['--version']).map((c) => c.name), []);
  assert.deepEqual(commandsFor(['info', 'x.csft', '--json']).map((c) => c.name), ['info']);
  assert.deepEqual(commandsFor(['tui', 'x.csft']).map((c) => c.name), ['replay']);
  assert.equal(commandsFor([]).length, commands.length);
  assert.equal(commandsFor(['--help']).length, commands.length);
  assert.equal(commandsFor(['help', 'state']).length, commands.length);
  assert.equal(commandsFor(['stat']).length, commands.length);
  assert.deepEqual(commandsFor(['--color', 'always', 'info', 'x.csft']).map((c) => c.name), ['info']);
  assert.equal(commandsFor(['completion', 'bash']).length, commands.length, 'completion describes every command');
  assert.equal(commandsFor(['man']).length, commands.length);
});

test('every entry registers the command it names (and its aliases)', async () => {
  const program = await buildProgram();
  const names = program.commands.map((c) => c.name());
  assert.deepEqual(names, commands.map((c) => c.name));
  for (const c of commands) {
    const cmd = program.commands.find((x) => x.name() === c.name)!;
    assert.deepEqual(cmd.aliases(), [...(c.aliases ?? [])], c.name);
  }
});
