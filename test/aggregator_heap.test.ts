/**
 * A cluster primary that makes an AggregatorRegistry and no metric (express-prom-bundle's
 * `clusterMetrics()`) attaches the default heap at once, so that the workers it forks
 * afterwards inherit MPMETRICS_HEAP and share that heap: a real process of each runtime,
 * started without the variable.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { runFixture, runtimes } from "./support/runtimes.ts";

for (const runtime of runtimes) {
  test(`${runtime}: new AggregatorRegistry() with no metric sets MPMETRICS_HEAP to the default heap`, async () => {
    const stdout = await runFixture(runtime, "aggregator_first", { MPMETRICS_HEAP: "" });
    const variable = /^variable (.*)$/m.exec(stdout)?.[1];
    const path = /^default (.*)$/m.exec(stdout)?.[1];
    assert.ok(variable !== undefined && variable !== "", stdout);
    assert.equal(variable, path, stdout);
    assert.match(stdout, /^scrape "/m, stdout);
  });
}
