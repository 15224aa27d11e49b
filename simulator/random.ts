/**
 * Seeded randomness for the simulator. Everything it makes up (completion words, embedding
 * vectors, whether a 50 % fault fires, how long a latency sample is) must be reproducible from a
 * seed, so tests and benchmark runs can be replayed; Math.random and node:crypto are not.
 * The hash and generator are tiny and fast because they run on every request.
 */

/** z-score of the 99th percentile of the standard normal distribution. */
const Z_P99 = 2.3263478740408408;

/**
 * 32-bit FNV-1a over the UTF-16 code units of `text`, starting from `seed`, finished with the
 * murmur3 avalanche so that nearby inputs give unrelated seeds (plain FNV has weak low bits).
 * Chain calls to hash several fields: `hashString(b, hashString(a, seed))`.
 */
export function hashString(text: string, seed = 0): number {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  // A separator step so that ("ab", "c") and ("a", "bc") hash differently when chained.
  hash ^= 0xff;
  hash = Math.imul(hash, 0x01000193);
  return avalanche(hash);
}

/** murmur3's fmix32: spreads every input bit over every output bit. */
function avalanche(value: number): number {
  let hash = value;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** mulberry32: a 32-bit state generator of uniform numbers in [0, 1); plenty for simulation. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

/** A reseedable uniform source plus the distributions the latency faults sample from. */
export class SeededRandom {
  #next: () => number;

  constructor(seed: number) {
    this.#next = mulberry32(seed);
  }

  /** Starts the sequence again from `seed`, as if newly constructed. */
  reseed(seed: number): void {
    this.#next = mulberry32(seed);
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.#next();
  }

  /** A standard normal sample (Box–Muller; one of the pair is discarded to keep state simple). */
  standardNormal(): number {
    // 1 - u keeps the logarithm away from zero.
    const radius = Math.sqrt(-2 * Math.log(1 - this.#next()));
    return radius * Math.cos(2 * Math.PI * this.#next());
  }

  /** Normal with the given mean and standard deviation. */
  normal(mean: number, stdDev: number): number {
    return mean + stdDev * this.standardNormal();
  }

  /**
   * Log-normal fitted so that its median and 99th percentile are the given values: the shape of
   * real model latencies, mostly near the median with a long right tail.
   */
  longTail(median: number, p99: number): number {
    const sigma = Math.log(p99 / median) / Z_P99;
    return median * Math.exp(sigma * this.standardNormal());
  }
}
