/** Benchmarks: one module per area under bench/, each exporting `run(ctx)`. */
export interface BenchContext {
  /** Prints one result line (name, value, unit, and optionally the target it is held to). */
  report(name: string, value: number, unit: string, target?: string): void;
  /** Free-form note line. */
  note(text: string): void;
  /** A scratch directory for trace files made by the benchmarks. */
  tmpDir: string;
  /** CSFTRACE_BENCH_QUICK=1 shrinks workloads (for smoke runs). */
  quick: boolean;
}
export type Bench = { name: string; run: (ctx: BenchContext) => Promise<void> };
