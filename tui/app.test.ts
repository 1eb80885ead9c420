/**
 * The UI loop in-process with a fake terminal (streams): keys arrive as terminal bytes, frames go
 * out through blessed. Covers a custom ScreenComposer (two traces side by side, as the diff view
 * will draw them) and the loop's key routing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { startTui, type TuiHandle } from './app.js';
import { Canvas } from './canvas.js';
import { drawStatus, drawTrace, STATUS_ROWS } from './frame.js';
import { Session } from './session.js';
import { stubApi, stubEvents, stubLandmarks, stubReplayer } from './stub-api.js';

function fakeTerminal(cols: number, rows: number) {
  const input = new PassThrough() as PassThrough & { isTTY: boolean; setRawMode: (b: boolean) => void };
  input.isTTY = true;
  input.setRawMode = () => undefined;
  let out = '';
  const output = new Writable({ write(chunk: Buffer, _e, cb) { out += chunk.toString('utf8'); cb(); } }) as Writable & { isTTY: boolean; columns: number; rows: number };
  output.isTTY = true;
  output.columns = cols;
  output.rows = rows;
  return { input, output, text: () => out };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

async function settle(ui: TuiHandle): Promise<void> {
  for (let k = 0; k < 50 && !(ui.idle && !ui.busy); k++) await tick();
  await tick();
}

test('keys through the terminal input move the session; q ends the loop', async () => {
  const t = fakeTerminal(100, 30);
  const ui = startTui({ api: stubApi, replayer: stubReplayer(stubEvents(200)), input: t.input, output: t.output, terminal: 'xterm-256color', env: { LANG: 'C.UTF-8' } });
  await settle(ui);
  t.input.write('\x1b[C\x1b[C');
  await settle(ui);
  assert.equal(ui.session.index, 2);
  t.input.write(']');
  await settle(ui);
  assert.equal(ui.session.index, stubLandmarks().entering, 'the first mode switch: to ENTERING');
  assert.ok(ui.keyFrames >= 3);
  t.input.write('q');
  await ui.done;
  assert.match(t.text(), /modeSwitch to=ENTERING/);
});

test('a ScreenComposer draws two traces side by side and takes its own keys first', async () => {
  const t = fakeTerminal(120, 30);
  let right: Session | undefined;
  let focus: 'left' | 'right' = 'left';
  const ui = startTui({
    api: stubApi, replayer: stubReplayer(stubEvents(200)), input: t.input, output: t.output, terminal: 'xterm-256color', env: { LANG: 'C.UTF-8' },
    composer: (left) => {
      right = new Session(stubApi, stubReplayer(stubEvents(120)));
      return {
        draw(w, h, g) {
          const c = new Canvas(w, h);
          const half = Math.floor(w / 2);
          const hits = [
            { session: left, hits: drawTrace(c, left, { x: 0, y: 0, w: half, h: h - STATUS_ROWS }, g, 'A') },
            { session: right!, hits: drawTrace(c, right!, { x: half, y: 0, w: w - half, h: h - STATUS_ROWS }, g, 'B') },
          ];
          drawStatus(c, focus === 'left' ? left : right!, { x: 0, y: h - STATUS_ROWS, w, h: STATUS_ROWS }, g);
          return { canvas: c, hits };
        },
        key: (name) => (name === 'd' ? ((focus = focus === 'left' ? 'right' : 'left'), 'redraw') : undefined),
        active: () => (focus === 'left' ? left : right!),
      };
    },
  });
  await settle(ui);
  t.input.write('\x1b[C');
  await settle(ui);
  assert.equal(ui.session.index, 1);
  t.input.write('d');
  await settle(ui);
  t.input.write('\x1b[C\x1b[C\x1b[C');
  await settle(ui);
  assert.equal(right!.index, 3, 'keys go to the active (right) trace');
  assert.equal(ui.session.index, 1);
  assert.match(t.text(), /Timeline A /);
  assert.match(t.text(), /Timeline B /);
  ui.quit();
  await ui.done;
});
