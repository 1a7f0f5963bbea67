/**
 * The application of the mixed benchmark: every metric type in one program, used the way
 * a web service uses them, written once against the API that mpmetrics, prom-client and
 * @prometheus-io/client share. Each library runs it in a process of its own
 * (bench/mixed/_run_library.ts), so one library's call sites never see another's objects.
 *
 * The call sites are an application's helpers: `countWith` takes counters and gauges,
 * `observeWith` histograms and summaries, `observePlain` unlabelled histograms,
 * summaries and children of both. A warm-up runs the whole request handler (every call
 * through every helper) before anything is measured, so every call site, in the app and
 * in the library, has seen every metric type it will see, as in a running service.
 *
 * Label cardinalities: 20 routes x 5 status codes (numbers, as `res.statusCode` is) for
 * the request counter, 20 routes for the latency histogram and summary, 8 query names for
 * `labels(query)`, 4 pools for the labelled gauge. Labels objects are made at the call,
 * as middleware makes them.
 *
 * @module
 */

/** The slice of a metrics library the app uses (the API the three libraries share). */
export interface MetricsLibrary {
  readonly Counter: new (config: MetricConfig) => LabelledMetric;
  readonly Gauge: new (config: MetricConfig) => LabelledMetric;
  readonly Histogram: new (config: MetricConfig) => LabelledMetric;
  readonly Summary: new (config: MetricConfig) => LabelledMetric;
}

/** Options the app gives every metric; `extra` carries a library's own (its registry or heap). */
export interface MetricConfig {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly string[];
  readonly [option: string]: unknown;
}

type Labels = Record<string, string | number>;

/** One series' handle, as `labels(...)` returns it. */
export interface Child {
  inc(value?: number): void;
  dec(value?: number): void;
  set(value: number): void;
  observe(value: number): void;
}

/** A metric object, whatever its type: the app calls only what its type has. */
export interface LabelledMetric {
  inc(labelsOrValue?: Labels | number, value?: number): void;
  dec(labelsOrValue?: Labels | number, value?: number): void;
  set(labelsOrValue: Labels | number, value?: number): void;
  observe(labelsOrValue: Labels | number, value?: number): void;
  startTimer(labels?: Labels): (endLabels?: Labels) => number;
  labels(...values: (string | number)[]): Child;
  labels(labels: Labels): Child;
}

/** Operations per task call: each task does `batch` calls of its kind. */
export const batch = 1000;

const routes = Array.from({ length: 20 }, (_, i) => `/api/v1/resource${i}/:id`);
const statuses = [200, 201, 304, 404, 500];
const queries = ["select_user", "select_order", "insert_order", "update_user", "delete_session", "select_cart", "insert_event", "select_stock"];
const pools = ["main", "replica", "cache", "queue"];

// The call pattern, fixed for every library: which route, status, query and value each
// of the `batch` calls of a task uses (a deterministic generator, so all libraries do
// exactly the same work).
let seed = 0x2545f491;
function next(): number {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32;
}
const routeOf = Uint8Array.from({ length: batch }, () => Math.floor(next() * routes.length));
const statusOf = Uint8Array.from({ length: batch }, () => Math.min(statuses.length - 1, Math.floor(-Math.log2(next() + 1e-9) / 2)));
const queryOf = Uint8Array.from({ length: batch }, () => Math.floor(next() * queries.length));
/** Latencies log-uniform from 1 ms to 20 s: every default bucket gets some. */
const seconds = Float64Array.from({ length: batch }, () => 0.001 * Math.pow(20000, next()));

/** The metrics of the app, made with one library. */
export interface App {
  readonly requests: LabelledMetric;
  readonly errors: LabelledMetric;
  readonly inflight: LabelledMetric;
  readonly poolSize: LabelledMetric;
  readonly queueDepth: LabelledMetric;
  readonly latency: LabelledMetric;
  readonly dbLatency: LabelledMetric;
  readonly gcPause: LabelledMetric;
  readonly render: LabelledMetric;
  readonly renderByRoute: LabelledMetric;
  readonly okChildren: readonly Child[];
}

/** Makes the app's metrics with `lib`; `extra` is merged into every configuration. */
export function buildApp(lib: MetricsLibrary, extra: Record<string, unknown>): App {
  const make = <K extends keyof MetricsLibrary>(kind: K, name: string, labelNames: readonly string[] = []) =>
    new lib[kind]({ name, help: `${name} of the mixed benchmark.`, labelNames, ...extra });
  const requests = make("Counter", "http_requests_total", ["route", "status"]);
  return {
    requests,
    errors: make("Counter", "http_errors_total", ["route"]),
    inflight: make("Gauge", "http_inflight", ["route"]),
    poolSize: make("Gauge", "db_pool_size", ["pool"]),
    queueDepth: make("Gauge", "queue_depth"),
    latency: make("Histogram", "http_request_duration_seconds", ["route"]),
    dbLatency: make("Histogram", "db_query_duration_seconds", ["query"]),
    gcPause: make("Histogram", "gc_pause_seconds"),
    render: make("Summary", "render_seconds"),
    renderByRoute: make("Summary", "render_by_route_seconds", ["route"]),
    okChildren: routes.slice(0, 4).map((route) => requests.labels(route, 200)),
  };
}

// The app's helpers: the polymorphic call sites.
function countWith(metric: LabelledMetric, labels: Labels): void {
  metric.inc(labels);
}
function uncountWith(metric: LabelledMetric, labels: Labels): void {
  metric.dec(labels);
}
function setWith(metric: LabelledMetric, labels: Labels, value: number): void {
  metric.set(labels, value);
}
function observeWith(metric: LabelledMetric, labels: Labels, value: number): void {
  metric.observe(labels, value);
}
function observePlain(target: { observe(value: number): void }, value: number): void {
  target.observe(value);
}

/** One request through the app: every call kind, through the shared helpers. */
function handleRequest(app: App, i: number): void {
  const route = routes[routeOf[i]];
  const status = statuses[statusOf[i]];
  countWith(app.inflight, { route });
  const end = app.latency.startTimer({ route });
  countWith(app.requests, { route, status });
  if (status >= 500) countWith(app.errors, { route });
  observeWith(app.latency, { route }, seconds[i]);
  observeWith(app.renderByRoute, { route }, seconds[i]);
  observePlain(app.dbLatency.labels(queries[queryOf[i]]), seconds[i]);
  observePlain(app.gcPause, seconds[i]);
  observePlain(app.render, seconds[i]);
  setWith(app.poolSize, { pool: pools[i & 3] }, i & 15);
  app.queueDepth.set(i & 31);
  app.queueDepth.inc();
  app.queueDepth.dec();
  app.okChildren[i & 3].inc();
  app.requests.labels({ route, status }).inc();
  end({});
  uncountWith(app.inflight, { route });
}

/** Runs the whole request handler `requests` times, so every call site sees every type. */
export function warm(app: App, requests: number): void {
  for (let r = 0; r < requests; r++) handleRequest(app, r % batch);
}

/** The measured call kinds, in report order; each task does `batch` calls of its kind. */
export function tasks(app: App): Record<string, () => void> {
  return {
    "counter.inc({ route, status })": () => {
      for (let i = 0; i < batch; i++) countWith(app.requests, { route: routes[routeOf[i]], status: statuses[statusOf[i]] });
    },
    "counter.labels({ route, status }).inc()": () => {
      for (let i = 0; i < batch; i++) app.requests.labels({ route: routes[routeOf[i]], status: statuses[statusOf[i]] }).inc();
    },
    "gauge.inc({ route }) / dec({ route })": () => {
      for (let i = 0; i < batch; i += 2) {
        countWith(app.inflight, { route: routes[routeOf[i]] });
        uncountWith(app.inflight, { route: routes[routeOf[i]] });
      }
    },
    "gauge.set({ pool }, v)": () => {
      for (let i = 0; i < batch; i++) setWith(app.poolSize, { pool: pools[i & 3] }, i);
    },
    "gauge.set(v)": () => {
      for (let i = 0; i < batch; i++) app.queueDepth.set(i);
    },
    "gauge.inc()": () => {
      for (let i = 0; i < batch; i++) app.queueDepth.inc();
    },
    "gauge.dec()": () => {
      for (let i = 0; i < batch; i++) app.queueDepth.dec();
    },
    "histogram.observe({ route }, v)": () => {
      for (let i = 0; i < batch; i++) observeWith(app.latency, { route: routes[routeOf[i]] }, seconds[i]);
    },
    "histogram.labels(query).observe(v)": () => {
      for (let i = 0; i < batch; i++) observePlain(app.dbLatency.labels(queries[queryOf[i]]), seconds[i]);
    },
    "histogram.observe(v) (unlabelled)": () => {
      for (let i = 0; i < batch; i++) observePlain(app.gcPause, seconds[i]);
    },
    "histogram.startTimer({ route }) + end()": () => {
      for (let i = 0; i < batch; i++) app.latency.startTimer({ route: routes[routeOf[i]] })();
    },
    "summary.observe(v) (unlabelled)": () => {
      for (let i = 0; i < batch; i++) observePlain(app.render, seconds[i]);
    },
    "summary.observe({ route }, v)": () => {
      for (let i = 0; i < batch; i++) observeWith(app.renderByRoute, { route: routes[routeOf[i]] }, seconds[i]);
    },
    "cached child inc()": () => {
      const children = app.okChildren;
      for (let i = 0; i < batch; i++) children[i & 3].inc();
    },
  };
}

const bareCells = new Float64Array(8);

/** The bare limit: a plain typed-array add, `batch` of them, as a cached child's `inc()` would be at best. */
export function bareAdd(): void {
  const cells = bareCells;
  for (let i = 0; i < batch; i++) cells[i & 3] += 1;
}
