/**
 * What the hostile-input tests share: the CLI as a subprocess, a small recording and a trimmed one to
 * start from, and crafted traces (a header or a snapshot changed, checksums recomputed).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  FrameKind, Reader, Writer, decodeStateSnapshot as decodeSnapshotFrame, decodeTraceHeader,
  encodeStateSnapshot as encodeSnapshotFrame, encodeTraceHeader,
} from '../proto/index.js';
import { assemble, parseFrames } from './mutate.js';

export const repo = fileURLToPath(new URL('../../', import.meta.url));
export const cli = join(repo, 'dist/cli/main.js');
export const dir = mkdtempSync(join(tmpdir(), 'csft-hostile-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

export function run(args: string[], opts: { input?: string; shell?: string } = {}): { code: number; out: string; err: string } {
  const r = opts.shell !== undefined
    ? spawnSync('bash', ['-c', opts.shell], { encoding: 'utf8', cwd: repo, env: { ...process.env, CLI: cli } })
    : spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: repo, maxBuffer: 256 << 20 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** One line "csftrace: ..." on stderr (after any notices), exit 2. */
export function assertOneLineError(r: { code: number; err: string }, re: RegExp): void {
  assert.equal(r.code, 2, r.err);
  const lines = r.err.trimEnd().split('\n');
  assert.ok(lines.every((l) => l.startsWith('csftrace: ')), r.err);
  assert.match(lines.at(-1) ?? '', re);
  assert.doesNotMatch(r.err, /internal error|    at /);
}

// A small real recording (1 s of the default scenario, small chunks) and a trimmed one (snapshot).
export const base = join(dir, 'base.csft');
const rec = run(['record', '--duration', '1s', '--chunk-events', '256', '-o', base]);
assert.equal(rec.code, 0, rec.err);
export const trimmed = join(dir, 'trimmed.csft');
assert.equal(run(['trim', base, '--from', '300', '--to', '1200', '-o', trimmed]).code, 0);

export function write(name: string, bytes: Uint8Array): string { const p = join(dir, name); writeFileSync(p, bytes); return p; }


/** A snapshot's JSON state, as a test edits it: sections of named values. */
export type SnapshotState = Record<string, Record<string, unknown> | unknown[]>;

/** The trimmed trace with its snapshot's JSON state changed by `edit` (checksums recomputed). */
export function withSnapshot(name: string, edit: (state: SnapshotState) => unknown): string {
  const p = parseFrames(new Uint8Array(readFileSync(trimmed)));
  const k = p.frames.findIndex((f) => f.kind === FrameKind.SNAPSHOT);
  const f = p.frames[k];
  assert.ok(f, 'the trimmed trace has a snapshot frame');
  const snap = decodeSnapshotFrame(new Reader(f.payload), f.payload.length);
  const state = JSON.parse(new TextDecoder().decode(snap.state)) as SnapshotState;
  const w = new Writer(1024);
  encodeSnapshotFrame(w, { ...snap, state: new TextEncoder().encode(JSON.stringify(edit(state) ?? state)) });
  p.frames[k] = { kind: FrameKind.SNAPSHOT, payload: w.finish() };
  return write(name, assemble(p, true));
}

export function withHeader(name: string, edit: (h: ReturnType<typeof decodeTraceHeader>) => void): string {
  const p = parseFrames(new Uint8Array(readFileSync(base)));
  const k = p.frames.findIndex((f) => f.kind === FrameKind.HEADER);
  const f = p.frames[k];
  assert.ok(f, 'the trace has a header frame');
  const h = decodeTraceHeader(new Reader(f.payload), f.payload.length);
  edit(h);
  const w = new Writer(1024);
  encodeTraceHeader(w, h);
  p.frames[k] = { kind: FrameKind.HEADER, payload: w.finish() };
  return write(name, assemble(p, true));
}

