import { test } from "node:test";
import assert from "node:assert/strict";
import { nativeBucketIndex, nativeBucketUpperBound, nativeFracBounds, nativeSchemaMax, nativeSchemaMin, pickSchema, reduceIndex } from "./native_schema.ts";

/** The next double above a positive finite `x`. */
function nextUp(x: number): number {
  const f = new Float64Array([x]);
  const u = new BigUint64Array(f.buffer);
  u[0] += 1n;
  return f[0];
}

test("pickSchema: client_golang's factors (1.1 -> 3, 1.2 -> 2, 4 -> -1, 17 -> -2) and the clamps at 8 and -4", () => {
  assert.equal(pickSchema(1.1), 3);
  assert.equal(pickSchema(1.2), 2);
  assert.equal(pickSchema(2), 0);
  assert.equal(pickSchema(4), -1);
  assert.equal(pickSchema(17), -2);
  assert.equal(pickSchema(1.0001), nativeSchemaMax);
  assert.equal(pickSchema(1e300), nativeSchemaMin);
  assert.equal(pickSchema(2 ** (2 ** -5)), 5);
  assert.throws(() => pickSchema(1), RangeError);
  assert.throws(() => pickSchema(0.5), /greater than 1/);
});

test("bucket indexes of client_golang's test observations", () => {
  // "factor 1.1 results in schema 3": 1, 2, 3 in buckets 0, 8, 13.
  assert.deepEqual([1, 2, 3].map((v) => nativeBucketIndex(v, 3)), [0, 8, 13]);
  // "factor 1.2 results in schema 2": 1, 1.2, 1.4, 1.8, 2 in buckets 0, 2, 2, 4, 4.
  assert.deepEqual([1, 1.2, 1.4, 1.8, 2].map((v) => nativeBucketIndex(v, 2)), [0, 2, 2, 4, 4]);
  // "factor 4 results in schema -1": buckets -2 (0.015625, 0.0625] .. 3 (16, 64].
  const values = [0.0156251, 0.0625, 0.1, 0.25, 0.5, 1, 1.5, 2, 3, 3.5, 5, 6, 7, 33.33];
  assert.deepEqual(values.map((v) => nativeBucketIndex(v, -1)), [-2, -2, -1, -1, 0, 0, 1, 1, 1, 1, 2, 2, 2, 3]);
  // "+Inf observation" at schema 2: one past MAX_VALUE's bucket 4096.
  assert.equal(nativeBucketIndex(Number.MAX_VALUE, 2), 4096);
  assert.equal(nativeBucketIndex(Infinity, 2), 4097);
  // Subnormals: 2^-1074 is the upper bound of its bucket at schema 0.
  assert.equal(nativeBucketIndex(Number.MIN_VALUE, 0), -1074);
  assert.equal(nativeBucketIndex(Number.MIN_VALUE * 3, 0), -1072);
  assert.equal(nativeBucketIndex(Number.MIN_VALUE, 8), -1074 * 256);
});

test("the frac bounds are the nearest doubles (the same in every runtime): 2^-0.5 is Math.SQRT1_2", () => {
  assert.deepEqual([...nativeFracBounds(1)], [0.5, Math.SQRT1_2]);
  // Values of client_golang's table that are the nearest doubles (schema 3).
  const bounds = nativeFracBounds(3);
  assert.equal(bounds[1], 0.5452538663326288);
  assert.equal(bounds[2], 0.5946035575013605);
  assert.equal(bounds[3], 0.6484197773255048);
  assert.equal(bounds[5], 0.7711054127039704);
  for (let s = 1; s <= nativeSchemaMax; s++) {
    const b = nativeFracBounds(s);
    assert.equal(b.length, 2 ** s);
    for (let j = 0; j < b.length; j++) {
      assert.ok(Math.abs(b[j] - 2 ** (j / b.length - 1)) <= 2 ** -53, `schema ${s} bound ${j} within half an ulp of 2^(j/n - 1)`);
      if (j > 0) assert.ok(b[j] > b[j - 1]);
    }
  }
});

test("every schema: a bucket's upper bound is in the bucket, the next double above it in the next", () => {
  for (let schema = nativeSchemaMin; schema <= nativeSchemaMax; schema++) {
    for (let index = -600; index <= 600; index += 7) {
      const bound = nativeBucketUpperBound(index, schema);
      if (!(bound > 0 && bound < Infinity)) continue;
      assert.equal(nativeBucketIndex(bound, schema), index, `schema ${schema}: ${bound} in bucket ${index}`);
      assert.equal(nativeBucketIndex(nextUp(bound), schema), index + 1, `schema ${schema}: just above ${bound} in bucket ${index + 1}`);
    }
  }
});

test("lowering the schema by d maps bucket i to ceil(i / 2^d), the bucket each of its values falls in", () => {
  assert.equal(reduceIndex(7, 1), 4);
  assert.equal(reduceIndex(8, 1), 4);
  assert.equal(reduceIndex(0, 1), 0);
  assert.equal(reduceIndex(-1, 1), 0);
  assert.equal(reduceIndex(-2, 1), -1);
  assert.equal(reduceIndex(-3, 2), 0);
  assert.equal(reduceIndex(-4, 2), -1);
  let seed = 12345;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  for (let k = 0; k < 20000; k++) {
    const v = 2 ** (random() * 200 - 100) * (1 + random());
    const from = nativeSchemaMin + 1 + Math.floor(random() * (nativeSchemaMax - nativeSchemaMin));
    const delta = 1 + Math.floor(random() * (from - nativeSchemaMin));
    assert.equal(reduceIndex(nativeBucketIndex(v, from), delta), nativeBucketIndex(v, from - delta), `${v}: schema ${from} down ${delta}`);
  }
});
