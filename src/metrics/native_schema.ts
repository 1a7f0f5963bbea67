/**
 * The bucket arithmetic of native (exponential) histograms, Prometheus's model.
 *
 * A schema `s` (-4 to 8) fixes the growth factor between consecutive buckets,
 * `base = 2^(2^-s)`. Positive bucket `i` holds the observations `v` with
 * `base^(i-1) < v <= base^i`; negative bucket `i` holds those with `-v` in that range; the
 * zero bucket holds `|v| <= zeroThreshold`. So bucket `i` of schema `s - 1` is exactly the
 * union of buckets `2i - 1` and `2i` of schema `s`, and, `d` schemas down, bucket
 * `ceil(i / 2^d)`: lowering the resolution merges counts without losing any.
 *
 * The index of `v` is found without a logarithm (whose rounding would misplace values
 * on a bound): `v = frac * 2^exp` with `frac` in [0.5, 1) (frexp). For `s > 0` the `2^s`
 * buckets of each power of two are found by binary search of `frac` among
 * `2^(j / 2^s - 1)`; for `s <= 0`, `exp` itself (one less when `frac` is exactly 0.5,
 * a power of two being the upper bound of its bucket) is scaled down by `2^-s`, rounding
 * up. `+Inf` goes one bucket above `MAX_VALUE`'s, as client_golang does.
 *
 * @module
 */

/**
 * The finest schema Prometheus accepts: 256 buckets per power of two.
 *
 * @example
 * ```ts
 * pickSchema(1.0001); // nativeSchemaMax
 * ```
 */
export const nativeSchemaMax = 8;
/**
 * The coarsest schema: each bucket 65536 times wider than the one before.
 *
 * @example
 * ```ts
 * pickSchema(1e6); // nativeSchemaMin
 * ```
 */
export const nativeSchemaMin = -4;
/**
 * client_golang's default zero threshold, 2^-128.
 *
 * @example
 * ```ts
 * new Histogram({ name: "x", help: "x", buckets: [], nativeHistogramBucketFactor: 1.1, nativeHistogramZeroThreshold: defaultZeroThreshold });
 * ```
 */
export const defaultZeroThreshold = 2.938735877055719e-39;

/**
 * The largest schema whose growth factor `2^(2^-s)` is at most `bucketFactor`, clamped
 * to -4..8 (client_golang's rule: 1.1 gives 3, 2 gives 0, 4 gives -1).
 *
 * @example
 * ```ts
 * pickSchema(1.1); // 3
 * ```
 */
export function pickSchema(bucketFactor: number): number {
  if (!(bucketFactor > 1)) throw new RangeError(`A native histogram bucket factor must be greater than 1, got ${bucketFactor}`);
  const floor = Math.floor(Math.log2(Math.log2(bucketFactor)));
  let schema = Math.min(nativeSchemaMax, Math.max(nativeSchemaMin, 0 - floor)); // 0 - floor: never -0
  // The double logarithm may miss by one on a factor that is exactly a schema's: correct it.
  if (schema > nativeSchemaMin && 2 ** (2 ** -(schema - 1)) <= bucketFactor) schema--;
  else if (schema < nativeSchemaMax && 2 ** (2 ** -schema) > bucketFactor) schema++;
  return schema;
}

/**
 * `2^(j / 256)` for j = 0..255, each the double nearest the exact value (Math.pow is not
 * correctly rounded, and its last bit differs between engines: a value on a bucket bound
 * would land in different buckets in Bun and Deno). Computed once in 256-bit fixed point:
 * the square roots `2^(2^-k)` for k = 1..8 by integer Newton steps, a product of those
 * for the bits of `j`, then rounded half-even to 53 bits; the truncation error (under
 * 2^-240) is far below the rounding step. client_golang's table was made otherwise: 7
 * of the 21 bounds of schemas 3 and 4 we compared are one unit in the last place below
 * the nearest double (0.7071067811865475 for 2^-0.5, whose nearest double is Math.SQRT1_2). Only an
 * observation equal to such a bound to the last bit lands one bucket apart.
 */
function exactRootsOfTwo(): Float64Array {
  const precision = 256n;
  const one = 1n << precision;
  const roots: bigint[] = [2n * one];
  for (let k = 1; k <= nativeSchemaMax; k++) roots.push(isqrt(roots[k - 1] * one));
  const out = new Float64Array(1 << nativeSchemaMax);
  const shift = precision - 52n;
  const half = 1n << (shift - 1n);
  for (let j = 0; j < out.length; j++) {
    let x = one;
    for (let k = 1; k <= nativeSchemaMax; k++) if ((j >> (nativeSchemaMax - k)) & 1) x = (x * roots[k]) >> precision;
    let mantissa = x >> shift;
    const rest = x & ((1n << shift) - 1n);
    if (rest > half || (rest === half && (mantissa & 1n) === 1n)) mantissa += 1n;
    out[j] = Number(mantissa) / 2 ** 52;
  }
  return out;
}

function isqrt(n: bigint): bigint {
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  for (let step = 0; step < 64; step++) { // Newton from a close start: a handful of steps
    const next = (x + n / x) >> 1n;
    if (next === x || next === x + 1n) break;
    x = next;
  }
  while (x * x > n) x -= 1n;
  while ((x + 1n) * (x + 1n) <= n) x += 1n;
  return x;
}

const rootsOfTwo = exactRootsOfTwo();

/** Per positive schema, the bounds of `frac` within one power of two: `2^(j / 2^s - 1)`. */
const fracBounds: readonly Float64Array[] = Array.from({ length: nativeSchemaMax + 1 }, (_, s) => {
  const n = 1 << s;
  const bounds = new Float64Array(n);
  for (let j = 0; j < n; j++) bounds[j] = rootsOfTwo[j << (nativeSchemaMax - s)] / 2;
  return bounds;
});

/**
 * The bounds of `frac` for a positive schema (`2^(j / 2^s - 1)`, j = 0..2^s-1), for tests.
 *
 * @example
 * ```ts
 * nativeFracBounds(1); // Float64Array [0.5, 0.7071067811865476]
 * ```
 */
export function nativeFracBounds(schema: number): Float64Array {
  return fracBounds[schema].slice();
}

const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error("mpmetrics native histograms need a little-endian host");
/** The exponent frexp found last (allocation-free: set by {@link frexpFrac}). */
let frexpExp = 0;

/** `frac` of `abs = frac * 2^exp` (finite, > 0), setting {@link frexpExp}. */
function frexpFrac(abs: number): number {
  bits[0] = abs;
  let high = words[1];
  let biased = (high >>> 20) & 0x7ff;
  let shift = 0;
  if (biased === 0) { // subnormal: scale into the normal range first
    bits[0] = abs * 2 ** 64;
    high = words[1];
    biased = (high >>> 20) & 0x7ff;
    shift = 64;
  }
  frexpExp = biased - 1022 - shift;
  words[1] = (high & 0x800fffff) | (1022 << 20);
  return bits[0];
}

/**
 * The bucket index of `abs` (> 0, `+Inf` allowed, not NaN) in `schema`.
 *
 * @example
 * ```ts
 * nativeBucketIndex(3, 3); // 13: 3 is in (2^(12/8), 2^(13/8)]
 * ```
 */
export function nativeBucketIndex(abs: number, schema: number): number {
  let inf = 0;
  if (abs === Infinity) {
    abs = Number.MAX_VALUE;
    inf = 1;
  }
  const frac = frexpFrac(abs);
  const exp = frexpExp;
  if (schema > 0) {
    const bounds = fracBounds[schema];
    let low = 0;
    let high = bounds.length;
    while (low < high) { // the first bound >= frac
      const mid = (low + high) >>> 1;
      if (bounds[mid] < frac) low = mid + 1;
      else high = mid;
    }
    return low + (exp - 1) * bounds.length + inf;
  }
  const key = frac === 0.5 ? exp - 1 : exp;
  const shift = -schema;
  return ((key + (1 << shift) - 1) >> shift) + inf;
}

/**
 * The index bucket `index` of one schema falls in `delta` schemas down: `ceil(index / 2^delta)`.
 *
 * @example
 * ```ts
 * reduceIndex(7, 1); // 4: buckets 7 and 8 merge into 4
 * ```
 */
export function reduceIndex(index: number, delta: number): number {
  return (index + (1 << delta) - 1) >> delta;
}

/**
 * The upper bound of bucket `index` of `schema` (positive side): `2^(index * 2^-schema)`.
 *
 * @example
 * ```ts
 * nativeBucketUpperBound(13, 3); // 3.0844...
 * ```
 */
export function nativeBucketUpperBound(index: number, schema: number): number {
  if (schema > 0) {
    const n = 1 << schema;
    const j = ((index % n) + n) % n;
    return fracBounds[schema][j] * 2 ** ((index - j) / n + 1);
  }
  return 2 ** (index * 2 ** -schema);
}
