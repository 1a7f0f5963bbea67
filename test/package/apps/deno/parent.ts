// A Deno app on the npm package in a node_modules project: counts once, starts a child with
// Deno.Command and no env option, and prints its scrape, which must hold the child's count.
import { Counter, register } from "mpmetrics";

const jobs = new Counter({ name: "jobs_total", help: "Jobs done.", labelNames: ["who"] });
jobs.inc({ who: "parent" });
const child = new Deno.Command(Deno.execPath(), {
  args: ["run", "--allow-ffi", "--allow-env", new URL("./child.ts", import.meta.url).pathname],
  stdout: "inherit",
  stderr: "inherit",
}).outputSync();
if (child.code !== 0) throw new Error(`the child exited ${child.code}`);
await Deno.stdout.write(new TextEncoder().encode(await register.metrics()));
