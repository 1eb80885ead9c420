/**
 * What fuzz, shrink and sweep share on the command line: where runs run (`--threads N` on the
 * local pool, or `--queue redis://host:port` on BullMQ), list and time options, and writing a
 * file without replacing one.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { PROTM_POLICIES, parseDuration, parseProtmPolicy, suggest } from '../../hw-model/index.js';
import { LocalPool, QueueRunner, QueueUrlError, DEFAULT_QUEUE_NAME, defaultThreads, type Runner } from '../../explore/index.js';
import { CliError, parseCount } from '../errors.js';
import { isSystemError, writeFailure } from '../output.js';

export interface RunnerFlags { threads?: string; queue?: string; queueName: string }

export function runnerOptions(cmd: Command): Command {
  return cmd
    .option('--threads <n>', `threads of the local worker pool (default: one per core, ${defaultThreads()} here)`)
    .option('--queue <url>', 'run on BullMQ over Redis instead (redis://host:port); start workers with csftrace worker --queue <url>')
    .option('--queue-name <name>', 'BullMQ queue name', DEFAULT_QUEUE_NAME);
}

/** A duration flag (`10m`, `30s`, `100ms`) in nanoseconds. */
export function parseDurationFlag(flag: string, text: string): number {
  const ns = /^\s*\d+(\.\d+)?\s*$/.test(text) ? undefined : parseDuration(text);
  if (ns === undefined || ns <= 0) throw new CliError(`${flag}: expected a duration such as 10m, 30s or 250ms (got "${text}")`);
  return ns;
}

/** `--policy a,b` (or `all`) → policy names, checked. */
export function parsePolicies(flag: string, text: string): string[] {
  if (text.trim() === 'all') return [...PROTM_POLICIES];
  const out = text.split(',').map((x) => x.trim()).filter(Boolean);
  if (out.length === 0) throw new CliError(`${flag}: expected policies (${PROTM_POLICIES.join(', ')}) or all`);
  for (const p of out) {
    if (!parseProtmPolicy(p)) throw new CliError(`${flag}: unknown policy "${p}"${suggest(p, PROTM_POLICIES)} (expected one of ${PROTM_POLICIES.join(', ')})`);
  }
  return out;
}

/** The runner the flags ask for; the caller closes it. */
export async function openRunner(f: RunnerFlags): Promise<Runner> {
  if (f.queue !== undefined) {
    if (f.threads !== undefined) throw new CliError('--threads: the workers choose their threads with --queue (csftrace worker --threads N)');
    try { return await QueueRunner.open(f.queue, f.queueName); } catch (e) {
      if (e instanceof QueueUrlError) throw new CliError(`--queue: ${e.message}`);
      throw new CliError(`--queue: ${f.queue}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return new LocalPool(f.threads !== undefined ? parseCount('--threads', f.threads, 1, 256) : defaultThreads());
}

/** Writes a new file (an existing one is not replaced: exit 2 naming it). */
export function writeNewFile(path: string, text: string): void {
  try { writeFileSync(path, text, { flag: 'wx' }); } catch (e) {
    if (isSystemError(e) && e.code === 'EEXIST') throw new CliError(`${path}: exists: give a new file name`);
    if (isSystemError(e)) throw writeFailure(path, e);
    throw e;
  }
}
