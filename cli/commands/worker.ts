/**
 * `csftrace worker --queue redis://host:port [--threads N] [--lock-duration 30s]`: pulls the runs
 * of `fuzz`, `shrink` and `sweep --queue …` from BullMQ and runs them on a local pool, until
 * SIGINT or SIGTERM. Runs as many on as many machines as wanted; a run whose worker dies is
 * retried by another once its lock expires.
 */
import type { Command } from 'commander';
import { DEFAULT_QUEUE_NAME, QueueUrlError, defaultThreads, startWorker } from '../../explore/index.js';
import { CliError, parseCount } from '../errors.js';
import { escapeControls } from '../output.js';
import { parseDurationFlag } from './explore-options.js';

export function register(program: Command): void {
  program
    .command('worker')
    .description('run the fuzz, shrink and sweep runs submitted with --queue (BullMQ over Redis) until stopped')
    .requiredOption('--queue <url>', 'Redis of the queue: redis://host:port')
    .option('--queue-name <name>', 'BullMQ queue name', DEFAULT_QUEUE_NAME)
    .option('--threads <n>', `runs at once, each in a thread of the local pool (default: one per core, ${defaultThreads()} here)`)
    .option('--lock-duration <t>', 'how long a run\'s lock lasts without renewal: a dead worker\'s runs go to another after this', '30s')
    .option('--quiet', 'no line per run on standard error')
    .addHelpText('after', `
Examples:
  csftrace worker --queue redis://127.0.0.1:6379
  csftrace worker --queue redis://queue.example:6379 --threads 8 --lock-duration 10s`)
    .action(async (o: { queue: string; queueName: string; threads?: string; lockDuration: string; quiet?: boolean }) => {
      const threads = o.threads !== undefined ? parseCount('--threads', o.threads, 1, 256) : defaultThreads();
      const lockMs = Math.round(parseDurationFlag('--lock-duration', o.lockDuration) / 1e6);
      if (lockMs < 1000) throw new CliError('--lock-duration: at least 1s');
      const log = (line: string): void => { process.stderr.write(`worker: ${escapeControls(line)}\n`); };
      let w;
      try {
        w = await startWorker({ url: o.queue, name: o.queueName, threads, lockMs, log: o.quiet ? undefined : log });
      } catch (e) {
        if (e instanceof QueueUrlError) throw new CliError(`--queue: ${e.message}`);
        throw new CliError(`--queue: ${o.queue}: ${(e as Error).message.split('\n')[0]}`);
      }
      log(`ready: ${w.label}`);
      await new Promise<void>((resolve) => {
        const stop = (): void => { process.off('SIGINT', stop); process.off('SIGTERM', stop); resolve(); };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      log('stopping: runs in progress finish first');
      await w.close();
    });
}
