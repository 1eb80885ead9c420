/**
 * `csftrace dump trace.csft --chunk N [--raw]`: one chunk of a trace for stock protobuf tools. By
 * default a `csftrace.Chunk` message (its events with absolute times), so
 * `csftrace dump t.csft --chunk 0 | protoc --decode csftrace.Chunk proto/csftrace.proto` reads it;
 * `--raw` writes the decompressed chunk bytes as stored (length-delimited Events, `t` delta-encoded).
 */
import type { Command } from 'commander';
import { Writer, encodeChunk, type EventInit } from '../../proto/index.js';
import type { TraceFile } from '../../replayer/read.js';
import { CliError } from '../errors.js';
import { STDOUT_NAME, checkOutput, openTraceReporting, writeOutputFile, type OutputKind } from '../output.js';

/** A dumped chunk: binary protobuf; an existing file is replaced only with --force (nothing marks a dump). */
const DUMP_OUTPUT: OutputKind = { what: 'a chunk dump', recognise: () => false, stdout: 'binary' };

/** One chunk of a trace as a `csftrace.Chunk` message. */
export function chunkMessage(trace: TraceFile, k: number): Uint8Array {
  const c = trace.chunks[k];
  if (c === undefined) throw new RangeError(`chunk ${k} of ${trace.chunks.length}: past the end (the caller checks --chunk)`);
  const events: EventInit[] = [];
  trace.forEach((ev) => { events.push(ev); }, c.firstEvent, c.firstEvent + c.eventCount);
  const w = new Writer(64 + c.eventCount * 48);
  encodeChunk(w, { events, chunk: k, firstEvent: c.firstEvent });
  return w.finish();
}

export function register(program: Command): void {
  program
    .command('dump')
    .description('write one chunk of a trace as a csftrace.Chunk protobuf message (or its raw bytes), to standard output or -o file')
    .argument('<trace>', 'trace (.csft)')
    .requiredOption('--chunk <n>', 'chunk number, 0-based (`csftrace info` counts the chunks)')
    .option('--raw', 'the decompressed chunk bytes as stored: length-delimited Events, t delta-encoded from the chunk\'s first time')
    .option('-o, --output <file>', 'where to write it (- for standard output)', '-')
    .option('--force', 'replace an existing file that is not an earlier dump')
    .addHelpText('after', `
Binary output: redirect it or pipe it; a terminal is refused.

Examples:
  csftrace dump demo.csft --chunk 0 | protoc --decode csftrace.Chunk proto/csftrace.proto | head
  csftrace dump demo.csft --chunk 3 --raw > chunk3.bin`)
    .action((path: string, o: { chunk: string; raw?: boolean; output: string; force?: boolean }) => {
      if (!/^\d+$/.test(o.chunk.trim())) throw new CliError(`--chunk: expected a chunk number (0, 1, ...), got "${o.chunk}"`);
      const k = Number(o.chunk.trim());
      if (o.output === STDOUT_NAME && process.stdout.isTTY === true) {
        throw new CliError('standard output is a terminal: a chunk is binary (redirect it: > file, or | protoc --decode csftrace.Chunk proto/csftrace.proto)');
      }
      checkOutput(o.output, DUMP_OUTPUT, o);
      const trace = openTraceReporting(path);
      try {
        const n = trace.chunks.length;
        if (k >= n) throw new CliError(`${trace.path}: --chunk ${k}: the trace has ${n} chunk${n === 1 ? '' : 's'} (0..${n - 1})`);
        writeOutputFile(o.output, DUMP_OUTPUT, o, (write) => { write(o.raw ? trace.chunkBytes(k) : chunkMessage(trace, k)); });
      } finally { trace.close(); }
    });
}
