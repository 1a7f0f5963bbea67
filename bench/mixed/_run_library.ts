/**
 * One library's run of the mixed benchmark, in a process of its own: builds the app of
 * bench/mixed/_app.ts with the library named by `MIXED_LIBRARY` (`mpmetrics`,
 * `prom-client` or `@prometheus-io/client`), warms it up, measures every call kind and
 * the bare add, and prints one line `RESULT {"call kind": ns per call, ...}` (the median
 * batch of each task: the machine may be busy). `MIXED_ONLY` (a substring) measures only
 * the call kinds whose names contain it, after the same warm-up, for quick comparisons.
 */

import process from "node:process";
import { measure } from "../_harness.ts";
import { bareAdd, batch, buildApp, type MetricsLibrary, tasks, warm } from "./_app.ts";

/** A library's module, with the registry class every library has. */
interface LibraryModule extends MetricsLibrary {
  readonly Registry: new () => object;
}

const library = process.env.MIXED_LIBRARY;
const timeMs = Number(process.env.MIXED_TIME_MS ?? 400);

async function load(): Promise<{ lib: MetricsLibrary; extra: Record<string, unknown>; close: () => void }> {
  if (library === "mpmetrics") {
    const ours = await import("../../src/index.ts");
    const heap = ours.Heap.open(); // a fresh heap in the per-user runtime folder
    return { lib: ours as unknown as MetricsLibrary, extra: { heap, registers: [new ours.Registry(ours.Registry.PROMETHEUS_CONTENT_TYPE, { heap })] }, close: () => heap.close() };
  }
  if (library === "prom-client" || library === "@prometheus-io/client") {
    const module = (library === "prom-client" ? await import("prom-client") : await import("@prometheus-io/client")) as unknown as { default?: LibraryModule } & LibraryModule;
    const peer = module.Counter === undefined ? module.default! : module;
    return { lib: peer, extra: { registers: [new peer.Registry()] }, close: () => {} };
  }
  throw new TypeError(`MIXED_LIBRARY must be mpmetrics, prom-client or @prometheus-io/client, got ${JSON.stringify(library)}`);
}

const { lib, extra, close } = await load();
const app = buildApp(lib, extra);
warm(app, 200_000);
const only = process.env.MIXED_ONLY ?? "";
const measured = Object.entries({ ...tasks(app), "bare Float64Array add": bareAdd }).filter(([kind]) => kind.includes(only));
const results = await measure(batch, Object.fromEntries(measured), timeMs);
console.log(`RESULT ${JSON.stringify(Object.fromEntries(results.map((r) => [r.name, r.medianNsPerOp ?? r.nsPerOp])))}`);
close();
