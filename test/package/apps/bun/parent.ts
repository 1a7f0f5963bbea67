// A Bun app (TypeScript, ESM): counts once, starts a CommonJS child with Bun.spawnSync and
// no env option, and prints its scrape, which must hold the child's count too.
import { Counter, register } from "mpmetrics";

const jobs = new Counter({ name: "jobs", help: "Jobs done.", labelNames: ["who"] });
jobs.inc({ who: "parent" });
const child = Bun.spawnSync([process.execPath, `${import.meta.dir}/child.cjs`], { stdout: "inherit", stderr: "inherit" });
if (child.exitCode !== 0) throw new Error(`the child exited ${child.exitCode}`);
process.stdout.write(await register.metrics());
