/**
 * Seeded PRNG streams. Each model component draws from its own named stream so that adding draws
 * in one component does not perturb another. sfc32 seeded through splitmix32 of (seed, name).
 */
export class Rng {
  private a: number; private b: number; private c: number; private d: number;

  constructor(seed: number, stream: string) {
    let h = (seed >>> 0) ^ 0x9e3779b9;
    const hi = Math.floor(seed / 0x1_0000_0000) >>> 0;
    h = Math.imul(h ^ hi, 0x85ebca6b) >>> 0;
    for (let i = 0; i < stream.length; i++) h = Math.imul(h ^ stream.charCodeAt(i), 0x01000193) >>> 0;
    const sm = () => {
      h = (h + 0x9e3779b9) >>> 0;
      let z = h;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad) >>> 0;
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97) >>> 0;
      return (z ^ (z >>> 15)) >>> 0;
    };
    this.a = sm(); this.b = sm(); this.c = sm(); this.d = sm();
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform float in [0, 1). */
  float(): number { return this.u32() / 0x1_0000_0000; }

  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number { return lo + Math.floor(this.float() * (hi - lo + 1)); }

  /** value * (1 ± spread), e.g. jitter(10ms, 0.1). Rounded to an integer. */
  jitter(value: number, spread: number): number {
    return Math.round(value * (1 + spread * (2 * this.float() - 1)));
  }

  /** true with probability p. */
  chance(p: number): boolean { return this.float() < p; }
}
