/**
 * The fuzzer's worker thread: runs csftrace commands in-process (runCli) on one mutant after another
 * and reports, for each command, its exit status, what it wrote (sizes, and any line that breaks the
 * rules) and the external memory it left. Started with V8 heap limits by the campaign, which also
 * times it: an out-of-memory or a hang ends the worker and is a finding.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { INTERNAL_ERROR, runCli } from '../cli/index.js';
import { READING_COMMANDS } from './commands.js';

export interface RunRequest { id: number; bytes: Uint8Array; base: Uint8Array }
export type WorkerMessage =
  | { type: 'started'; id: number; command: string }
  | { type: 'result'; id: number; problems: string[]; commands: number; ms: number };

/** Most output bytes looked at per command (more is counted, not kept). */
const KEEP = 1 << 20;
/** ArrayBuffer memory (outside the V8 heap limits) a command may leave behind. */
export const EXTERNAL_BUDGET = 1 << 30;

 
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/;

const port = parentPort!;
const root = (workerData as { root: string }).root;
let out = '';
let err = '';
const realOut = process.stdout.write.bind(process.stdout);
const capture = (which: 'out' | 'err') => (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
  const s = typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk);
  if (which === 'out') { if (out.length < KEEP) out += s; } else if (err.length < KEEP) err += s;
  const cb = rest.find((x) => typeof x === 'function') as (() => void) | undefined;
  cb?.();
  return true;
};
process.stdout.write = capture('out') as typeof process.stdout.write;
process.stderr.write = capture('err') as typeof process.stderr.write;
void realOut;

async function runOne(req: RunRequest): Promise<string[]> {
  const problems: string[] = [];
  const dir = mkdtempSync(join(root, 'case-'));
  try {
    const t = join(dir, 'mutant.csft');
    const b = join(dir, 'base.csft');
    writeFileSync(t, req.bytes);
    writeFileSync(b, req.base);
    let n = 0;
    for (const argv0 of READING_COMMANDS) {
      n++;
      // commands that modify their trace work on a copy
      const target = argv0[0] === 'note' ? join(dir, `note-${n}.csft`) : t;
      if (argv0[0] === 'note') copyFileSync(t, target);
      const argv = argv0.map((a) => (a === 'T' ? target : a === 'B' ? b : a === 'O' ? join(dir, `out-${n}`) : a === 'D' ? join(dir, `dir-${n}`) : a));
      const command = argv0.map((a) => (a === 'T' ? 'mutant.csft' : a === 'B' ? 'base.csft' : a === 'O' ? 'out' : a === 'D' ? 'dir/' : JSON.stringify(a).slice(1, -1))).join(' ');
      port.postMessage({ type: 'started', id: req.id, command } satisfies WorkerMessage);
      out = ''; err = '';
      let code: number;
      try { code = await runCli(argv); }
      catch (e) { problems.push(`${command}: threw ${(e as Error)?.stack ?? String(e)}`); continue; }
      const say = (what: string): void => { problems.push(`${command}: ${what}`); };
      if (code !== 0 && code !== 1 && code !== 2) say(`exit status ${code}`);
      if (err.includes(INTERNAL_ERROR)) say(`internal error: ${err.slice(err.indexOf(INTERNAL_ERROR), err.indexOf(INTERNAL_ERROR) + 2000)}`);
      for (const line of err.split('\n')) {
        if (line === '') continue;
        if (!line.startsWith('csftrace: ') && !err.includes(INTERNAL_ERROR)) { say(`stderr line not in the csftrace: form: ${JSON.stringify(line.slice(0, 300))}`); break; }
        if (RAW_CONTROL.test(line)) { say(`raw control character on stderr: ${JSON.stringify(line.slice(0, 300))}`); break; }
      }
      if (code === 2 && err.trim() === '') say('exit 2 without a word on stderr');
      const bad = RAW_CONTROL.exec(out.replace(/\t/g, ''));
      if (bad) say(`raw control character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0')} on stdout near ${JSON.stringify(out.slice(Math.max(0, bad.index - 60), bad.index + 20))}`);
      const ext = process.memoryUsage().arrayBuffers;
      if (ext > EXTERNAL_BUDGET) say(`external memory ${ext} bytes after the command (budget ${EXTERNAL_BUDGET})`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return problems;
}

port.on('message', (req: RunRequest) => {
  const t0 = Date.now();
  void runOne(req).then((problems) => {
    port.postMessage({ type: 'result', id: req.id, problems, commands: READING_COMMANDS.length, ms: Date.now() - t0 } satisfies WorkerMessage);
  });
});
