/**
 * Test fixture only: the real UI loop and blessed driver on the stub replayer, so the terminal
 * driver is tested in tmux independently of trace files. `node dist/tui/stub-tui.fixture.js [n]`.
 */
import { runTui } from './app.js';
import { stubApi, stubEvents, stubReplayer } from './stub-api.js';

const n = Number(process.argv[2] ?? 200);
const replayer = stubReplayer(stubEvents(n), { keyframesReady: false });
runTui({ api: stubApi, replayer, at: process.argv[3] }).then(() => process.exit(0), (e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(70);
});
