/**
 * Command-line overrides of a loaded scenario (--seed, --policy, --heap-policy, --duration,
 * --review-fixes, --assume). The
 * values arrive already validated by the caller (see the parse* helpers, which return undefined
 * on bad input so that the CLI can word its own one-line error).
 */
import {
  HEAP_POLICIES, PROTM_POLICIES, type HeapPolicy, type ProtmPolicy, type ReviewFix, type ScenarioConfig,
} from '../contract.js';
import type { FwAssumptions } from '../firmware/index.js';
import { parseDuration, type Ns } from '../sim/index.js';
import { MAX_DURATION } from './schema.js';

export interface ScenarioOverrides {
  seed?: number | undefined;
  protmPolicy?: ProtmPolicy | undefined;
  heapPolicy?: HeapPolicy | undefined;
  duration?: Ns | undefined;
  /** --review-fixes: the fixes on top of panthor-2026 (replaces the scenario's list). */
  reviewFixes?: readonly ReviewFix[] | undefined;
  /** --assume name=value: firmware assumptions (each replaces the scenario's value). */
  assumptions?: Partial<FwAssumptions> | undefined;
}

/** A copy of `cfg` with the overrides applied (the input is not modified). */
export function applyOverrides(cfg: ScenarioConfig, o: ScenarioOverrides): ScenarioConfig {
  const driver = { ...cfg.driver };
  if (o.protmPolicy !== undefined) driver.protmPolicy = o.protmPolicy;
  if (o.heapPolicy !== undefined) driver.heapPolicy = o.heapPolicy;
  if (o.reviewFixes !== undefined) driver.reviewFixes = o.reviewFixes;
  else if (o.protmPolicy !== undefined && o.protmPolicy !== cfg.driver.protmPolicy) driver.reviewFixes = undefined;
  return {
    ...cfg,
    firmware: { ...cfg.firmware, ...o.assumptions },
    seed: o.seed ?? cfg.seed,
    duration: o.duration ?? cfg.duration,
    driver,
  };
}

export function parseProtmPolicy(text: string): ProtmPolicy | undefined {
  return (PROTM_POLICIES as readonly string[]).includes(text) ? (text as ProtmPolicy) : undefined;
}

export function parseHeapPolicy(text: string): HeapPolicy | undefined {
  return (HEAP_POLICIES as readonly string[]).includes(text) ? (text as HeapPolicy) : undefined;
}

/** A run duration: "5s", "250ms", ... within (0, MAX_DURATION]; a bare number is refused. */
export function parseRunDuration(text: string): Ns | undefined {
  if (/^\s*\d+(\.\d+)?\s*$/.test(text)) return undefined;
  const t = parseDuration(text);
  return t !== undefined && t > 0 && t <= MAX_DURATION ? t : undefined;
}

/** A seed: a non-negative safe integer, decimal or 0x-hex. */
export function parseSeed(text: string): number | undefined {
  const s = text.trim();
  const n = /^0x[0-9a-f]+$/i.test(s) ? parseInt(s.slice(2), 16) : /^\d+$/.test(s) ? Number(s) : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}
