// A Bun app (TypeScript, ESM): counts once, starts a CommonJS child with Bun.spawnSync and
// no env option, and prints its scrape, which must hold the child's count too.
// With --pass-env the child gets `env: process.env` (what works before the default heap is
// found through the process ancestry).
import { Counter, register } from "mpmetrics";

const jobs = new Counter({ name: "jobs_total", help: "Jobs done.", labelNames: ["who"] });
jobs.inc({ who: "parent" });
const options = Bun.argv.includes("--pass-env") ? { env: process.env } : {};
const child = Bun.spawnSync([process.execPath, `${import.meta.dir}/child.cjs`], { ...options, stdout: "inherit", stderr: "inherit" });
if (child.exitCode !== 0) throw new Error(`the child exited ${child.exitCode}`);
process.stdout.write(await register.metrics());
