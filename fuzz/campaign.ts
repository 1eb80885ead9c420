/**
 * A fuzz campaign: seed traces are recorded (a plain recording, a trimmed one with a state snapshot,
 * one with notes), then mutant after mutant (fuzz/mutate.ts, case N of seed S is always the same
 * mutant) goes through every reading command in a worker thread (fuzz/run-worker.ts) that has V8 heap
 * limits, under a time limit per mutant. A finding is an internal error, an exit status other than
 * 0/1/2, an error that is not one `csftrace:` line, a raw control character in the output, a memory
 * budget overrun (heap limit or external memory) or a hang; its mutant is saved with a .txt beside it
 * saying what happened and how to run it again.
 *
 *   corpus ──► mutate(seed, case) ──► worker: runCli(every reading command) ──► problems? ──► save
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { Worker } from 'node:worker_threads';
import { applyOverrides, findBuiltin, parseScenario } from '../hw-model/index.js';
import { recordScenario, traceHeaderFor } from '../recorder/index.js';
import { appendNote, openTrace, rangeWindow, trimTrace } from '../replayer/index.js';
import { MUTATORS, Rng, mutate, type Mutator } from './mutate.js';
import type { RunRequest, WorkerMessage } from './run-worker.js';

export interface CampaignOptions {
  seed: number;
  /** Stop starting new mutants after this long (ms). */
  durationMs: number;
  /** Stop after this many mutants (default: no limit). */
  maxCases?: number | undefined;
  /** First case number (to run one case again: firstCase N, maxCases 1). */
  firstCase?: number | undefined;
  /** A mutant may take this long through every command (ms). */
  caseTimeoutMs?: number | undefined;
  /** V8 old-generation limit of the worker (MB). */
  heapMb?: number | undefined;
  /** Where failing mutants are saved. */
  outDir: string;
  only?: Mutator | undefined;
  log?: ((line: string) => void) | undefined;
}

export interface Finding { seed: number; case: number; mutator: string; what: string; problems: string[]; file: string }
export interface CampaignResult { cases: number; commands: number; ms: number; findings: Finding[]; byMutator: Record<string, number> }
/** The first line of the first problem (a finding has at least one). */
export function headline(problems: readonly string[]): string { return problems[0]?.split('\n')[0] ?? ''; }

export const DEFAULT_CASE_TIMEOUT_MS = 30_000;

/**
 * The hang bound of one case on this machine now: `ms` on an idle machine, stretched by the run-queue
 * length per core, so that a machine shared with other busy processes runs the same mutants slower
 * rather than calling them hangs (a real hang never ends, whatever the bound).
 */
export function loadScaled(ms: number, load = loadavg()[0] ?? 0, cores = availableParallelism()): number {
  return Math.round(ms * Math.max(1, load / Math.max(1, cores)));
}
export const DEFAULT_HEAP_MB = 512;

/** The seed traces, as bytes: a recording, a trimmed trace (state snapshot), a trace with notes. */
export function buildCorpus(): Uint8Array[] {
  const dir = mkdtempSync(join(tmpdir(), 'csftrace-corpus-'));
  try {
    const b = findBuiltin('drm-video-over-ui')!;
    const config = applyOverrides(parseScenario(b.text, 'builtin:drm-video-over-ui'), { duration: 1e9 });
    const base = join(dir, 'base.csft');
    recordScenario(base, traceHeaderFor({ config, text: b.text, source: 'builtin:drm-video-over-ui' }), config, { chunkEvents: 256, offload: false });
    const tr = openTrace(base);
    const parts: Uint8Array[] = [];
    trimTrace(tr, rangeWindow(tr, 300, 1200), (x) => { parts.push(x.slice()); });
    tr.close();
    const trimmed = Buffer.concat(parts);
    const noted = join(dir, 'noted.csft');
    writeFileSync(noted, readFileSync(base));
    appendNote(noted, { eventIndex: 5, text: 'the first note' });
    appendNote(noted, { eventIndex: 700, text: 'a second one' });
    return [new Uint8Array(readFileSync(base)), new Uint8Array(trimmed), new Uint8Array(readFileSync(noted))];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The mutant of case `n` of seed `seed` (and which seed trace it came from). */
export function mutantOf(corpus: Uint8Array[], seed: number, n: number, only?: Mutator): { base: Uint8Array; bytes: Uint8Array; mutator: Mutator; what: string } {
  const rng = new Rng((Math.imul(seed, 0x9e3779b1) ^ Math.imul(n + 1, 0x85ebca6b)) >>> 0);
  const mutator = only ?? rng.pick(MUTATORS);
  // the snapshot lives in the trimmed trace, notes in the noted one
  const base = mutator === 'snapshot' ? corpus[1] : corpus[rng.int(corpus.length)];
  if (!base) throw new Error(`invariant: the corpus has its traces (${corpus.length})`);
  const m = mutate(base, rng, mutator);
  return { base, ...m };
}

class Runner {
  private worker!: Worker;
  private pending: { resolve: (m: { problems: string[]; commands: number }) => void; reject: (e: Error) => void } | undefined;
  private current = '';
  constructor(private readonly heapMb: number, private readonly root: string) { this.spawn(); }

  private spawn(): void {
    this.worker = new Worker(new URL('./run-worker.js', import.meta.url), {
      workerData: { root: this.root },
      resourceLimits: { maxOldGenerationSizeMb: this.heapMb, maxYoungGenerationSizeMb: 64, stackSizeMb: 4 },
      stdout: true, stderr: true,
    });
    this.worker.stdout.resume();
    this.worker.stderr.resume();
    this.worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'started') this.current = m.command;
      else { const p = this.pending; this.pending = undefined; p?.resolve(m); }
    });
    this.worker.on('error', (e) => { const p = this.pending; this.pending = undefined; p?.reject(e); });
    this.worker.on('exit', (code) => { const p = this.pending; this.pending = undefined; p?.reject(new Error(`worker exited (${code})`)); });
  }

  /** Runs every command on one mutant; a hang or a crash of the worker is a problem (and a new worker). */
  async run(req: RunRequest, timeoutMs: number): Promise<{ problems: string[]; commands: number }> {
    this.current = '';
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise((resolve, reject) => {
        this.pending = { resolve, reject };
        timer = setTimeout(() => reject(new Error(`hang: no result after ${timeoutMs} ms`)), timeoutMs);
        this.worker.postMessage(req);
      });
    } catch (e) {
      const what = (e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'memory budget overrun (V8 heap limit reached)' : (e as Error).message;
      const cmd = this.current;
      await this.restart();
      return { problems: [`${cmd || 'worker'}: ${what}`], commands: 0 };
    } finally { clearTimeout(timer); }
  }

  private async restart(): Promise<void> {
    this.pending = undefined;
    this.worker.removeAllListeners();
    await this.worker.terminate().catch(() => undefined);
    this.spawn();
  }

  close(): Promise<number> { this.worker.removeAllListeners(); return this.worker.terminate(); }
}

export async function runCampaign(o: CampaignOptions): Promise<CampaignResult> {
  const t0 = Date.now();
  const log = o.log ?? (() => undefined);
  const corpus = buildCorpus();
  const root = mkdtempSync(join(tmpdir(), 'csftrace-fuzz-'));
  const runner = new Runner(o.heapMb ?? DEFAULT_HEAP_MB, root);
  const findings: Finding[] = [];
  const byMutator: Record<string, number> = Object.fromEntries(MUTATORS.map((m) => [m, 0]));
  let cases = 0, commands = 0;
  try {
    for (let n = o.firstCase ?? 0; ; n++) {
      if (o.maxCases !== undefined && cases >= o.maxCases) break;
      if (Date.now() - t0 >= o.durationMs) break;
      const m = mutantOf(corpus, o.seed, n, o.only);
      const r = await runner.run({ id: n, bytes: m.bytes, base: m.base }, loadScaled(o.caseTimeoutMs ?? DEFAULT_CASE_TIMEOUT_MS));
      cases++;
      commands += r.commands;
      byMutator[m.mutator] = (byMutator[m.mutator] ?? 0) + 1;
      if (r.problems.length) {
        mkdirSync(o.outDir, { recursive: true });
        const file = join(o.outDir, `seed${o.seed}-case${n}.csft`);
        writeFileSync(file, m.bytes);
        writeFileSync(`${file}.txt`, [
          `mutant: seed ${o.seed}, case ${n}, ${m.mutator}: ${m.what}`,
          `again:  npm run fuzz -- --seed ${o.seed} --case ${n}`, '', ...r.problems, '',
        ].join('\n'));
        findings.push({ seed: o.seed, case: n, mutator: m.mutator, what: m.what, problems: r.problems, file });
        log(`FINDING seed ${o.seed} case ${n} (${m.mutator}: ${m.what}): ${headline(r.problems)} -> ${file}`);
      }
      if (cases % 50 === 0) log(`${cases} mutants, ${commands} commands, ${findings.length} findings, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
  } finally {
    await runner.close();
    rmSync(root, { recursive: true, force: true });
  }
  return { cases, commands, ms: Date.now() - t0, findings, byMutator };
}
