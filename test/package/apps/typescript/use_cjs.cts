// A CommonJS TypeScript user (module nodenext): `import = require` of the ES module
// package, which Node loads through require(esm). Type-checked, not run.
import client = require("mpmetrics");
import { Counter } from "mpmetrics";

const jobs = new client.Counter({ name: "jobs_total", help: "Jobs done.", labelNames: ["queue"] });
jobs.inc({ queue: "mail" });
new Counter({ name: "other", help: "Other." }).inc();
void client.register.metrics();
