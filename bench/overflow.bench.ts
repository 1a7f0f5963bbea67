/**
 * The cost of a label set past `maxSeries`, in one run: `inc({ path })` with a path never
 * seen before on a full metric (the overflow path: encode the key, one directory lookup,
 * the overflow series' handle; no lock, no allocation that stays), the same call on a
 * label set that has a series (the cached hit path), and the `onCardinalityOverflow:
 * "throw"` path with the RangeError caught (what every overflowed request cost before).
 * Paths come from a ring of 100,000 distinct strings made up front, so no task measures
 * string building.
 */

import { Counter, Heap } from "../src/index.ts";
import { measure, report } from "./_harness.ts";

const batch = 1000;
const ringSize = 100_000;
const heap = Heap.open(); // a fresh heap in the per-user runtime folder
const paths = Array.from({ length: ringSize }, (_, i) => `/users/${i}/profile`);
const maxSeries = 100;

const folding = new Counter({ name: "bench_overflow", help: "Bench.", labelNames: ["path"], maxSeries, heap, registers: [] });
const throwing = new Counter({ name: "bench_overflow_throw", help: "Bench.", labelNames: ["path"], maxSeries, onCardinalityOverflow: "throw", heap, registers: [] });
for (let i = 0; i < maxSeries; i++) {
  folding.inc({ path: paths[i] });
  throwing.inc({ path: paths[i] });
}
// The one overflow warning goes to stderr, as in an application.
folding.inc({ path: paths[maxSeries] }); // makes the overflow series

let next = maxSeries;
const nextPath = () => paths[next = next + 1 === ringSize ? maxSeries : next + 1];
let hit = 0;
const results = await measure(batch, {
  "mpmetrics inc({ path }) hit (label set with a series)": () => {
    for (let i = 0; i < batch; i++) folding.inc({ path: paths[hit = (hit + 1) % maxSeries] });
  },
  "mpmetrics inc({ path }) overflowed (new path, full metric)": () => {
    for (let i = 0; i < batch; i++) folding.inc({ path: nextPath() });
  },
  'mpmetrics inc({ path }) onCardinalityOverflow "throw", caught': () => {
    for (let i = 0; i < batch; i++) {
      try {
        throwing.inc({ path: nextPath() });
      } catch {
        // what a request handler without the overflow series had to survive
      }
    }
  },
});
const ns = Object.fromEntries(results.map((r) => [r.name, r.nsPerOp]));
report("cardinality overflow", results, {
  "overflowed / hit": ns["mpmetrics inc({ path }) overflowed (new path, full metric)"] / ns["mpmetrics inc({ path }) hit (label set with a series)"],
  "throw caught / overflowed": ns['mpmetrics inc({ path }) onCardinalityOverflow "throw", caught'] / ns["mpmetrics inc({ path }) overflowed (new path, full metric)"],
});
heap.close();
