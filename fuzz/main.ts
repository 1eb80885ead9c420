/**
 * `npm run fuzz [-- --duration 30m] [--seed N] [--case N] [--mutator M] [--out dir]`: a fuzz campaign
 * over the .csft container (fuzz/campaign.ts). Prints progress and findings; exit 1 when anything was
 * found (the mutants are in --out, default fuzz-findings/), 0 otherwise.
 */
import { MUTATORS, type Mutator } from './mutate.js';
import { headline, runCampaign } from './campaign.js';

function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s.trim());
  if (!m) throw new Error(`--duration: expected e.g. 90s, 30m, 1h (got "${s}")`);
  return Number(m[1]) * { ms: 1, s: 1e3, m: 60e3, h: 3600e3 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
}

async function main(argv: string[]): Promise<number> {
  const opt = (name: string): string | undefined => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
  const durationMs = parseDuration(opt('--duration') ?? '5m');
  const seed = Number(opt('--seed') ?? Math.floor(Date.now() / 1000) % 1_000_000);
  const one = opt('--case');
  const only = opt('--mutator');
  if (only !== undefined && !(MUTATORS as readonly string[]).includes(only)) throw new Error(`--mutator: one of ${MUTATORS.join(', ')}`);
  const outDir = opt('--out') ?? 'fuzz-findings';
  process.stdout.write(`fuzz: seed ${seed}, ${one !== undefined ? `case ${one}` : `for ${durationMs / 1000} s`}, findings to ${outDir}/\n`);
  const r = await runCampaign({
    seed, durationMs: one !== undefined ? Infinity : durationMs, firstCase: one !== undefined ? Number(one) : 0,
    maxCases: one !== undefined ? 1 : undefined, only: only as Mutator | undefined, outDir,
    log: (l) => process.stdout.write(`fuzz: ${l}\n`),
  });
  process.stdout.write(`fuzz: ${r.cases} mutants (${Object.entries(r.byMutator).map(([k, v]) => `${k} ${v}`).join(', ')}), ` +
    `${r.commands} commands in ${(r.ms / 1000).toFixed(0)} s: ${r.findings.length} finding${r.findings.length === 1 ? '' : 's'}\n`);
  for (const f of r.findings) process.stdout.write(`  ${f.file}: ${headline(f.problems)}\n`);
  return r.findings.length ? 1 : 0;
}

main(process.argv.slice(2)).then((c) => { process.exitCode = c; }, (e: Error) => { process.stderr.write(`fuzz: ${e.message}\n`); process.exitCode = 2; });
