// A Node CommonJS app: counts once, starts a child with child_process and no env option,
// and prints its scrape, which must hold the child's count too.
const { spawnSync } = require("node:child_process");
const { Counter, register } = require("mpmetrics");

const jobs = new Counter({ name: "jobs_total", help: "Jobs done.", labelNames: ["who"] });
jobs.inc({ who: "parent" });
const child = spawnSync(process.execPath, [require.resolve("./child.cjs")], { stdio: "inherit" });
if (child.status !== 0) throw new Error(`the child exited ${child.status}`);
register.metrics().then((text) => process.stdout.write(text));
