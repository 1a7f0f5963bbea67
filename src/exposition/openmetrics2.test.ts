import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { OPENMETRICS2_CONTENT_TYPE, serializeOpenMetrics2 } from "./openmetrics2.ts";
import type { FamilySnapshot, HistogramSeries, NativeHistogramSnapshot } from "./snapshot.ts";

function lines(...body: string[]): string {
  return body.map((line) => `${line}\n`).join("");
}

const native: NativeHistogramSnapshot = {
  schema: 3,
  zeroThreshold: 2.938735877055719e-39,
  zeroCount: 1,
  count: 9,
  sum: 4.25,
  // Two runs: 0,1,2 then 5; the second span's offset is the gap after the first (5 - 3).
  positiveIndexes: [0, 1, 2, 5],
  positiveCounts: [2, 1, 1, 3],
  negativeIndexes: [-4],
  negativeCounts: [1],
  exemplars: [
    { labels: [["trace_id", "a"]], value: 1.05, timestamp: 1700000001 },
    { labels: [["trace_id", "b"]], value: -0.7, timestamp: 1700000002.5 },
  ],
};

describe("serializeOpenMetrics2", () => {
  test("an empty scrape is only the EOF marker; the content type is version 2.0.0", () => {
    assert.equal(serializeOpenMetrics2([]), "# EOF\n");
    assert.equal(OPENMETRICS2_CONTENT_TYPE, "application/openmetrics-text; version=2.0.0; charset=utf-8");
  });

  test("counter: the family is named _total, a start timestamp instead of _created, exemplars after it", () => {
    const family: FamilySnapshot = {
      name: "jobs",
      type: "counter",
      help: "Jobs done.",
      series: [
        { labels: [["queue", "mail"]], value: 3, created: 1700000000.25, exemplar: { labels: [["trace_id", "abc"]], value: 1, timestamp: 1700000001.5 } },
        { labels: [["queue", "sms"]], value: 0.5, exemplar: { labels: [], value: 0.5 } },
        { labels: [], value: 0 },
      ],
    };
    const body = serializeOpenMetrics2([family]);
    assert.equal(
      body,
      lines(
        "# TYPE jobs_total counter",
        "# HELP jobs_total Jobs done.",
        'jobs_total{queue="mail"} 3 st@1700000000.25 # {trace_id="abc"} 1 1700000001.5',
        'jobs_total{queue="sms"} 0.5 # {} 0.5',
        "jobs_total 0",
        "# EOF",
      ),
    );
    assert.doesNotMatch(body, /_created/);
  });

  test("gauge with unit and special values; unknown", () => {
    const families: FamilySnapshot[] = [
      {
        name: "room_celsius",
        type: "gauge",
        help: "Temperature.",
        unit: "celsius",
        series: [
          { labels: [["room", "a"]], value: -2.5 },
          { labels: [["room", "b"]], value: NaN },
          { labels: [["room", "c"]], value: Infinity },
          { labels: [["room", "d"]], value: -Infinity },
        ],
      },
      { name: "mystery", type: "unknown", help: "", series: [{ labels: [], value: 7 }] },
    ];
    assert.equal(
      serializeOpenMetrics2(families),
      lines(
        "# TYPE room_celsius gauge",
        "# UNIT room_celsius celsius",
        "# HELP room_celsius Temperature.",
        'room_celsius{room="a"} -2.5',
        'room_celsius{room="b"} NaN',
        'room_celsius{room="c"} +Inf',
        'room_celsius{room="d"} -Inf',
        "# TYPE mystery unknown",
        "mystery 7",
        "# EOF",
      ),
    );
  });

  test("classic histogram: one composite line, cumulative buckets with canonical le, bucket exemplars", () => {
    const series: HistogramSeries = {
      labels: [["path", "/"]],
      buckets: [
        { le: 0.1, count: 1, exemplar: { labels: [["trace_id", "x"]], value: 0.05, timestamp: 1700000003 } },
        { le: 1, count: 2 },
        { le: 1e6, count: 2 },
        { le: Infinity, count: 3, exemplar: { labels: [], value: 2e6 } },
      ],
      count: 3,
      sum: 2000000.65,
      created: 1700000000,
    };
    const family: FamilySnapshot = { name: "latency_seconds", type: "histogram", help: "Latency.", unit: "seconds", series: [series] };
    assert.equal(
      serializeOpenMetrics2([family]),
      lines(
        "# TYPE latency_seconds histogram",
        "# UNIT latency_seconds seconds",
        "# HELP latency_seconds Latency.",
        'latency_seconds{path="/"} {count:3,sum:2000000.65,bucket:[0.1:1,1.0:2,1e+06:2,+Inf:3]} st@1700000000' +
          ' # {trace_id="x"} 0.05 1700000003 # {} 2000000',
        "# EOF",
      ),
    );
  });

  test("a histogram without observations still writes every field, the +Inf bucket and a negative or NaN sum", () => {
    const family: FamilySnapshot = {
      name: "h",
      type: "histogram",
      help: "",
      series: [
        { labels: [["k", "empty"]], buckets: [{ le: Infinity, count: 0 }], count: 0, sum: 0 },
        { labels: [["k", "negative"]], buckets: [{ le: 0, count: 1 }, { le: Infinity, count: 1 }], count: 1, sum: -3 },
        { labels: [["k", "nan"]], buckets: [{ le: Infinity, count: 1 }], count: 1, sum: NaN },
      ],
    };
    assert.equal(
      serializeOpenMetrics2([family]),
      lines(
        "# TYPE h histogram",
        'h{k="empty"} {count:0,sum:0,bucket:[+Inf:0]}',
        'h{k="negative"} {count:1,sum:-3,bucket:[0.0:1,+Inf:1]}',
        'h{k="nan"} {count:1,sum:NaN,bucket:[+Inf:1]}',
        "# EOF",
      ),
    );
  });

  test("gauge histogram: gcount and gsum", () => {
    const family: FamilySnapshot = {
      name: "queue_size",
      type: "gaugehistogram",
      help: "Sizes.",
      series: [{ labels: [], buckets: [{ le: 10, count: 4 }, { le: Infinity, count: 5 }], count: 5, sum: 31 }],
    };
    assert.equal(
      serializeOpenMetrics2([family]),
      lines("# TYPE queue_size gaugehistogram", "# HELP queue_size Sizes.", "queue_size {gcount:5,gsum:31,bucket:[10.0:4,+Inf:5]}", "# EOF"),
    );
  });

  test("native-only histogram: schema, zero bucket, spans with gaps, absolute bucket counts, native exemplars with timestamps", () => {
    const family: FamilySnapshot = {
      name: "rpc_seconds",
      type: "histogram",
      help: "RPCs.",
      series: [{ labels: [["code", "200"]], buckets: [], count: 9, sum: 4.25, created: 1700000000.5, native }],
    };
    assert.equal(
      serializeOpenMetrics2([family]),
      lines(
        "# TYPE rpc_seconds histogram",
        "# HELP rpc_seconds RPCs.",
        'rpc_seconds{code="200"} {count:9,sum:4.25,schema:3,zero_threshold:2.938735877055719e-39,zero_count:1,' +
          "negative_spans:[-4:1],negative_buckets:[1],positive_spans:[0:3,2:1],positive_buckets:[2,1,1,3]}" +
          ' st@1700000000.5 # {trace_id="a"} 1.05 1700000001 # {trace_id="b"} -0.7 1700000002.5',
        "# EOF",
      ),
    );
  });

  test("classic and native together: both field sets; the native exemplars win over the buckets'", () => {
    const family: FamilySnapshot = {
      name: "both",
      type: "histogram",
      help: "",
      series: [{
        labels: [],
        buckets: [{ le: 1, count: 5, exemplar: { labels: [["trace_id", "classic"]], value: 0.5 } }, { le: Infinity, count: 9 }],
        count: 9,
        sum: 4.25,
        native: { ...native, negativeIndexes: [], negativeCounts: [], exemplars: [] },
      }],
    };
    assert.equal(
      serializeOpenMetrics2([family]),
      lines(
        "# TYPE both histogram",
        "both {count:9,sum:4.25,schema:3,zero_threshold:2.938735877055719e-39,zero_count:1,positive_spans:[0:3,2:1]," +
          'positive_buckets:[2,1,1,3],bucket:[1.0:5,+Inf:9]} # {trace_id="classic"} 0.5',
        "# EOF",
      ),
    );
    const withNativeExemplars = { ...family, series: [{ ...family.series[0], native }] } as FamilySnapshot;
    assert.match(serializeOpenMetrics2([withNativeExemplars]), /\+Inf:9\]\} # \{trace_id="a"\} 1\.05 1700000001 # \{trace_id="b"\} -0\.7 1700000002\.5\n/);
  });

  test("a native histogram with no populated bucket writes no spans", () => {
    const empty: NativeHistogramSnapshot = {
      schema: 0, zeroThreshold: 0, zeroCount: 0, count: 0, sum: 0,
      positiveIndexes: [], positiveCounts: [], negativeIndexes: [], negativeCounts: [],
    };
    const family: FamilySnapshot = { name: "n", type: "histogram", help: "", series: [{ labels: [], buckets: [], count: 0, sum: 0, native: empty }] };
    assert.equal(serializeOpenMetrics2([family]), lines("# TYPE n histogram", "n {count:0,sum:0,schema:0,zero_threshold:0,zero_count:0}", "# EOF"));
  });

  test("summary: composite quantiles with canonical spellings, NaN for an empty window, quantile:[] without quantiles", () => {
    const families: FamilySnapshot[] = [
      {
        name: "rpc_duration_seconds",
        type: "summary",
        help: "RPC durations.",
        series: [
          { labels: [["service", "a"]], quantiles: [{ quantile: 0.5, value: 1.5 }, { quantile: 0.99, value: 2 }, { quantile: 1, value: NaN }], count: 2, sum: 3, created: 1700000000 },
        ],
      },
      { name: "plain", type: "summary", help: "", series: [{ labels: [], quantiles: [], count: 4, sum: 10 }] },
    ];
    assert.equal(
      serializeOpenMetrics2(families),
      lines(
        "# TYPE rpc_duration_seconds summary",
        "# HELP rpc_duration_seconds RPC durations.",
        'rpc_duration_seconds{service="a"} {count:2,sum:3,quantile:[0.5:1.5,0.99:2,1.0:NaN]} st@1700000000',
        "# TYPE plain summary",
        "plain {count:4,sum:10,quantile:[]}",
        "# EOF",
      ),
    );
  });

  test("info: the family is named _info; stateset: one sample per state, label named after the family", () => {
    const families: FamilySnapshot[] = [
      { name: "build", type: "info", help: "Build.", series: [{ labels: [["version", "1.2.3"], ["commit", "abc"]] }] },
      {
        name: "feature",
        type: "stateset",
        help: "Features.",
        series: [{ labels: [["env", "prod"]], states: [{ name: "a", enabled: true }, { name: "b", enabled: false }] }],
      },
    ];
    assert.equal(
      serializeOpenMetrics2(families),
      lines(
        "# TYPE build_info info",
        "# HELP build_info Build.",
        'build_info{version="1.2.3",commit="abc"} 1',
        "# TYPE feature stateset",
        "# HELP feature Features.",
        'feature{env="prod",feature="a"} 1',
        'feature{env="prod",feature="b"} 0',
        "# EOF",
      ),
    );
  });

  test("label values and HELP are escaped: backslash, double quote, line feed", () => {
    const family: FamilySnapshot = {
      name: "g",
      type: "gauge",
      help: 'Say "hi"\\\nbye',
      series: [{ labels: [["path", 'C:\\dir\n"x"']], value: 1 }],
    };
    assert.equal(
      serializeOpenMetrics2([family]),
      lines("# TYPE g gauge", '# HELP g Say \\"hi\\"\\\\\\nbye', 'g{path="C:\\\\dir\\n\\"x\\""} 1', "# EOF"),
    );
  });

  test("UTF-8 names: quoted inside the braces with quoteNames, metadata names quoted, legacy names left bare", () => {
    const families: FamilySnapshot[] = [
      {
        name: "http.server.duration",
        type: "histogram",
        help: "Latency.",
        series: [{ labels: [["http.route", "/a"], ["code", "200"]], buckets: [{ le: 1, count: 1 }, { le: Infinity, count: 1 }], count: 1, sum: 0.5, created: 1700000000 }],
      },
      { name: 'odd"name\\x', type: "counter", help: "", series: [{ labels: [['la"bel', "v"]], value: 1 }] },
      { name: "größe", type: "gauge", help: "", series: [{ labels: [], value: 2 }] },
    ];
    assert.equal(
      serializeOpenMetrics2(families, { quoteNames: true }),
      lines(
        '# TYPE "http.server.duration" histogram',
        '# HELP "http.server.duration" Latency.',
        '{"http.server.duration","http.route"="/a",code="200"} {count:1,sum:0.5,bucket:[1.0:1,+Inf:1]} st@1700000000',
        '# TYPE "odd\\"name\\\\x_total" counter',
        '{"odd\\"name\\\\x_total","la\\"bel"="v"} 1',
        '# TYPE "größe" gauge',
        '{"größe"} 2',
        "# EOF",
      ),
    );
    // Without quoteNames the names are written as given (the registry escapes them first).
    assert.match(serializeOpenMetrics2(families.slice(2)), /^größe 2$/m);
  });

  test("bad exemplars and timestamps are RangeErrors", () => {
    const long = "x".repeat(129);
    const counter = (exemplarLabel: string, created?: number): FamilySnapshot => ({
      name: "c",
      type: "counter",
      help: "",
      series: [{ labels: [], value: 1, created, exemplar: { labels: [["t", exemplarLabel]], value: 1 } }],
    });
    assert.throws(() => serializeOpenMetrics2([counter(long)]), (e: unknown) => e instanceof RangeError && /128/.test(e.message));
    assert.throws(() => serializeOpenMetrics2([counter("ok", NaN)]), (e: unknown) => e instanceof RangeError && /start timestamp/.test(e.message));
    const badExemplarTime: FamilySnapshot = {
      name: "h", type: "histogram", help: "",
      series: [{ labels: [], buckets: [], count: 9, sum: 4.25, native: { ...native, exemplars: [{ labels: [], value: 1, timestamp: Infinity }] } }],
    };
    assert.throws(() => serializeOpenMetrics2([badExemplarTime]), (e: unknown) => e instanceof RangeError && /timestamp/.test(e.message));
  });
});
