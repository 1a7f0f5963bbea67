// The `npm:` specifier, which Deno resolves to the same node_modules package.
import { Counter } from "npm:mpmetrics";

new Counter({ name: "jobs_total", help: "Jobs done.", labelNames: ["who"] }).inc({ who: "child" });
