/**
 * The resources a whole csftrace process used, as a test or the bench sees them: the child runs with
 * `--import` of this file and CSFTRACE_RUSAGE=<file>; at exit it writes its peak RSS and CPU there
 * (every thread counted). `runMeasured` does both. Portable where /usr/bin/time is not installed.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Measured { code: number; out: string; err: string; wallS: number; cpuS: number; maxRssMb: number }

const out = process.env.CSFTRACE_RUSAGE;
if (out) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(out, JSON.stringify({ cpuS: (u.userCPUTime + u.systemCPUTime) / 1e6, maxRssMb: peakRssKb(u.maxRSS) / 1024 }));
  });
}

/**
 * This process's own peak RSS in KiB: VmHWM of /proc/self/status where there is one. getrusage's
 * ru_maxrss is not it on Linux: a process started by fork and exec starts from the high-water
 * mark of its parent (every child of a 270 MB bench process read 274 MB).
 */
function peakRssKb(fallbackKb: number): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch { /* not Linux */ }
  return fallbackKb;
}

let n = 0;

/** Runs `node [nodeArgs] script args` to its end and measures it. */
export function runMeasured(
  script: string, args: readonly string[], opts: { nodeArgs?: readonly string[]; cwd?: string; discardStdout?: boolean } = {},
): Measured {
  const file = join(tmpdir(), `csftrace-rusage-${process.pid}-${n++}.json`);
  const hook = fileURLToPath(import.meta.url);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [...(opts.nodeArgs ?? []), '--import', hook, script, ...args], {
    encoding: 'utf8', maxBuffer: 1 << 26, cwd: opts.cwd, env: { ...process.env, CSFTRACE_RUSAGE: file },
    // (an output of gigabytes, such as an export's, is not collected)
    stdio: ['ignore', opts.discardStdout ? 'ignore' : 'pipe', 'pipe'],
  });
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  let u = { cpuS: NaN, maxRssMb: NaN };
  try { u = JSON.parse(readFileSync(file, 'utf8')) as typeof u; } catch { /* killed before exit */ }
  rmSync(file, { force: true });
  return { code: r.status ?? -1, out: r.stdout ?? '', err: r.stderr, wallS, ...u };
}
