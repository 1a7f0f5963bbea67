// Compiled with `bun build --compile` (the library travels inside the executable) or
// bundled with `bun build --outdir` (the library is copied beside the bundle), then moved
// away from its node_modules. It starts itself as the child (node:child_process, no env
// option) and prints its scrape, which must hold the child's count too.
import { spawnSync } from "node:child_process";
import { Counter, register } from "mpmetrics";

const jobs = new Counter({ name: "jobs_total", help: "Jobs done.", labelNames: ["who"] });
if (process.argv.includes("child")) {
  jobs.inc({ who: "child" });
} else {
  jobs.inc({ who: "parent" });
  const child = spawnSync(process.execPath, [process.argv[1] ?? "", "child"], { stdio: "inherit" });
  if (child.status !== 0) throw new Error(`the child exited ${child.status}`);
  process.stdout.write(await register.metrics());
}
