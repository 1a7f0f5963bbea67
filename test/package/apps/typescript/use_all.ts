// A user's TypeScript file that uses the package's public API the way prom-client users
// do; the package suite type-checks it (with touch_all.ts, generated from every export)
// under each tsconfig a user may have. It is type-checked, not run.
import client, {
  AggregatorRegistry,
  bucketsMax,
  collectDefaultMetrics,
  configureDefaultHeap,
  contentType,
  Counter,
  type CounterChild,
  type CounterConfiguration,
  type CounterIncrement,
  defaultBuckets,
  defaultHeap,
  type DefaultMetrics,
  type DefaultMetricsConfiguration,
  DuplicateMetricError,
  type ExemplarLabels,
  exponentialBuckets,
  Gauge,
  type GaugeAggregator,
  type GaugeChild,
  type GaugeConfiguration,
  type GaugeMode,
  gaugeModes,
  Heap,
  HeapError,
  type HeapOptions,
  heapPathVariable,
  Histogram,
  type HistogramChild,
  type HistogramConfiguration,
  type HistogramObservation,
  Info,
  type InfoConfiguration,
  type LabelValues,
  linearBuckets,
  Metric,
  type MetricConfiguration,
  metricsHandler,
  type MetricsHandlerOptions,
  nodeMetricsHandler,
  openMetricsContentType,
  prometheusContentType,
  register,
  Registry,
  type RegistryContentType,
  type ScrapeResult,
  type ScrapeSource,
  StateSet,
  type StateSetChild,
  type StateSetConfiguration,
  stateSetStatesMax,
  type StatusName,
  Summary,
  type SummaryChild,
  type SummaryConfiguration,
  validateMetricName,
} from "mpmetrics";
import { createServer } from "node:http";

const heapOptions: HeapOptions = { sizeMaxBytes: 64 * 1024 * 1024 };
if (process.env[heapPathVariable] === undefined) configureDefaultHeap(heapOptions);
const heap: Heap = defaultHeap();
console.log(heap.path, Heap.name, bucketsMax, stateSetStatesMax);

const counterConfig: CounterConfiguration<"route"> = { name: "requests", help: "Requests.", labelNames: ["route"] };
const requests = new Counter(counterConfig);
const home: CounterChild = requests.labels({ route: "/" });
home.inc();
const increment: CounterIncrement<"route"> = { labels: { route: "/a" }, value: 2 };
console.log(increment);
requests.inc({ route: "/b" }, 3);

const mode: GaugeMode = gaugeModes[0] ?? "livesum";
const aggregator: GaugeAggregator = "max";
const gaugeConfig: GaugeConfiguration<"queue"> = { name: "depth", help: "Depth.", labelNames: ["queue"], mode, aggregator };
const depth = new Gauge(gaugeConfig);
const mail: GaugeChild = depth.labels({ queue: "mail" });
mail.set(4);
depth.set({ queue: "sms" }, 1);

const histogramConfig: HistogramConfiguration<"route"> = {
  name: "latency_seconds",
  help: "Latency.",
  labelNames: ["route"],
  buckets: [...defaultBuckets, ...linearBuckets(20, 10, 3), ...exponentialBuckets(100, 2, 2)],
};
const latency = new Histogram(histogramConfig);
const timed: HistogramChild = latency.labels({ route: "/" });
timed.observe(0.2);
const exemplar: ExemplarLabels = { trace_id: "abc" };
const observation: HistogramObservation<"route"> = { labels: { route: "/" }, value: 0.1, exemplarLabels: exemplar };
latency.observe(observation);
const end = latency.startTimer({ route: "/x" });
end();

const summaryConfig: SummaryConfiguration<"route"> = { name: "size_bytes", help: "Sizes.", labelNames: ["route"], percentiles: [0.5, 0.99] };
const sizes = new Summary(summaryConfig);
const sized: SummaryChild = sizes.labels({ route: "/" });
sized.observe(512);

const infoConfig: InfoConfiguration<"version"> = { name: "build", help: "Build.", labelNames: ["version"] };
new Info(infoConfig).info({ version: "1.2.3" });

const stateConfig: StateSetConfiguration<"worker", "idle" | "busy"> = { name: "worker_state", help: "State.", labelNames: ["worker"], states: ["idle", "busy"] };
const states = new StateSet(stateConfig);
const one: StateSetChild<"idle" | "busy"> = states.labels({ worker: "1" });
one.set({ busy: true });

const labels: LabelValues<"route"> = { route: "/" };
const metricConfig: MetricConfiguration<"route"> = { name: "other", help: "Other.", labelNames: ["route"] };
console.log(labels, metricConfig, requests instanceof Metric);

const registry = new Registry();
const format: RegistryContentType = registry.contentType;
const defaults: DefaultMetricsConfiguration = { prefix: "app_", register: registry };
const collector: DefaultMetrics = collectDefaultMetrics(defaults);
collector.stop();
const source: ScrapeSource = register;
const handlerOptions: MetricsHandlerOptions = { onError: (error) => console.error(error) };
const handle: (request: Request) => Promise<Response> = metricsHandler(source, handlerOptions);
createServer(nodeMetricsHandler(register)).close();
console.log(typeof handle, format);

async function scrape(): Promise<string> {
  const result: ScrapeResult = await registry.scrape("application/openmetrics-text");
  const cluster = new AggregatorRegistry();
  return `${result.contentType}${await register.metrics()}${await cluster.clusterMetrics()}`;
}

try {
  new Counter({ name: "requests", help: "Again.", labelNames: ["route"] });
} catch (error) {
  if (error instanceof DuplicateMetricError) console.error(error.message);
  if (error instanceof HeapError) {
    const code: StatusName = error.code;
    console.error(code);
  }
}

console.log(validateMetricName("ok"), contentType, prometheusContentType, openMetricsContentType);
const legacy = new client.Counter({ name: "legacy", help: "prom-client style." });
legacy.inc();
client.register.setDefaultLabels({ app: "demo" });
void scrape();
