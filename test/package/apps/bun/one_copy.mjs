// import and require() of the package in one process give one module, so one default
// registry (no dual-package hazard): prints "one copy: true".
import { createRequire } from "node:module";
import * as imported from "mpmetrics";

const required = createRequire(import.meta.url)("mpmetrics");
console.log(`one copy: ${required.register === imported.register && required.Counter === imported.Counter}`);
