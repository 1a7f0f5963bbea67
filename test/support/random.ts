/**
 * A small deterministic generator (mulberry32) for tests that must try the same
 * garbage, kill moments or mutants on every run: `seededRandom(seed)()` is a float in
 * [0, 1).
 *
 * @example
 * ```ts
 * const random = seededRandom(1);
 * const offset = Math.floor(random() * 4096);
 * ```
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
