// A Node ESM app: counts once, starts a child with child_process and no env option, and
// prints its scrape, which must hold the child's count too.
import { spawnSync } from "node:child_process";
import { Counter, register } from "mpmetrics";

const jobs = new Counter({ name: "jobs_total", help: "Jobs done.", labelNames: ["who"] });
jobs.inc({ who: "parent" });
const child = spawnSync(process.execPath, [new URL("./child.mjs", import.meta.url).pathname], { stdio: "inherit" });
if (child.status !== 0) throw new Error(`the child exited ${child.status}`);
process.stdout.write(await register.metrics());
