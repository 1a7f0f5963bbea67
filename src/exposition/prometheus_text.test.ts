import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { PROMETHEUS_CONTENT_TYPE, serializePrometheusText } from "./prometheus_text.ts";
import type { FamilySnapshot } from "./snapshot.ts";

/** Families' lines: each family's lines end with a newline, families are separated by a blank line. */
function families(...blocks: string[][]): string {
  return blocks.map((block) => block.map((line) => `${line}\n`).join("")).join("\n");
}

describe("serializePrometheusText", () => {
  test("an empty scrape is one newline, as prom-client's", () => {
    assert.equal(serializePrometheusText([]), "\n");
    assert.equal(PROMETHEUS_CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
  });

  test("counter: the name as given, no _created, no exemplar", () => {
    const counters: FamilySnapshot[] = [
      {
        name: "jobs",
        type: "counter",
        help: "Jobs done.",
        series: [
          { labels: [["queue", "mail"]], value: 3, created: 1700000000, exemplar: { labels: [["trace_id", "a"]], value: 1 } },
          { labels: [], value: 0.5 },
        ],
      },
      { name: "sent", givenName: "sent_total", type: "counter", help: "Sent.", series: [{ labels: [], value: 1 }] },
    ];
    assert.equal(
      serializePrometheusText(counters),
      families(
        ["# HELP jobs Jobs done.", "# TYPE jobs counter", 'jobs{queue="mail"} 3', "jobs 0.5"],
        ["# HELP sent_total Sent.", "# TYPE sent_total counter", "sent_total 1"],
      ),
    );
  });

  test("gauge (NaN as the format spells it, infinities, large and small values, -0) and unknown as untyped", () => {
    const gauges: FamilySnapshot[] = [
      {
        name: "room_celsius",
        type: "gauge",
        help: "Temperature.",
        unit: "celsius",
        series: [
          { labels: [["room", "a"]], value: NaN },
          { labels: [["room", "b"]], value: -Infinity },
          { labels: [["room", "c"]], value: Infinity },
          { labels: [["room", "d"]], value: 1e21 },
          { labels: [["room", "e"]], value: 1e-7 },
          { labels: [["room", "f"]], value: -0 },
        ],
      },
      { name: "legacy", type: "unknown", help: "Untyped.", series: [{ labels: [], value: -2 }] },
    ];
    assert.equal(
      serializePrometheusText(gauges),
      families(
        [
          "# HELP room_celsius Temperature.",
          "# TYPE room_celsius gauge",
          'room_celsius{room="a"} NaN',
          'room_celsius{room="b"} -Inf',
          'room_celsius{room="c"} +Inf',
          'room_celsius{room="d"} 1e+21',
          'room_celsius{room="e"} 1e-7',
          'room_celsius{room="f"} 0',
        ],
        ["# HELP legacy Untyped.", "# TYPE legacy untyped", "legacy -2"],
      ),
    );
  });

  test("histogram: le first, as JavaScript writes the number; default labels before the own; _sum before _count", () => {
    const family: FamilySnapshot = {
      name: "latency_seconds",
      type: "histogram",
      help: "Latency.",
      series: [{
        labels: [["method", "GET"], ["service", "api"]],
        defaultLabelCount: 1,
        buckets: [
          { le: -1, count: 0 },
          { le: 1, count: 1, exemplar: { labels: [], value: 0.5 } },
          { le: 1e6, count: 2 },
          { le: 1e-7, count: 2 },
          { le: Infinity, count: 3 },
        ],
        count: 3,
        sum: -0.5,
        created: 1700000000,
      }],
    };
    assert.equal(
      serializePrometheusText([family]),
      families([
        "# HELP latency_seconds Latency.",
        "# TYPE latency_seconds histogram",
        'latency_seconds_bucket{le="-1",service="api",method="GET"} 0',
        'latency_seconds_bucket{le="1",service="api",method="GET"} 1',
        'latency_seconds_bucket{le="1000000",service="api",method="GET"} 2',
        'latency_seconds_bucket{le="1e-7",service="api",method="GET"} 2',
        'latency_seconds_bucket{le="+Inf",service="api",method="GET"} 3',
        'latency_seconds_sum{service="api",method="GET"} -0.5',
        'latency_seconds_count{service="api",method="GET"} 3',
      ]),
    );
  });

  test("gaugehistogram: histogram buckets, then _gcount and _gsum gauge families", () => {
    const family: FamilySnapshot = {
      name: "queue_wait_seconds",
      type: "gaugehistogram",
      help: "Waiting.",
      series: [
        { labels: [["q", "a"]], buckets: [{ le: 0.1, count: 2 }, { le: Infinity, count: 3 }], count: 3, sum: 0.75 },
        { labels: [["q", "b"]], buckets: [{ le: 0.1, count: 0 }, { le: Infinity, count: 0 }], count: 0, sum: 0 },
      ],
    };
    assert.equal(
      serializePrometheusText([family]),
      families(
        [
          "# HELP queue_wait_seconds Waiting.",
          "# TYPE queue_wait_seconds histogram",
          'queue_wait_seconds_bucket{le="0.1",q="a"} 2',
          'queue_wait_seconds_bucket{le="+Inf",q="a"} 3',
          'queue_wait_seconds_bucket{le="0.1",q="b"} 0',
          'queue_wait_seconds_bucket{le="+Inf",q="b"} 0',
        ],
        ["# HELP queue_wait_seconds_gcount Waiting.", "# TYPE queue_wait_seconds_gcount gauge", 'queue_wait_seconds_gcount{q="a"} 3', 'queue_wait_seconds_gcount{q="b"} 0'],
        ["# HELP queue_wait_seconds_gsum Waiting.", "# TYPE queue_wait_seconds_gsum gauge", 'queue_wait_seconds_gsum{q="a"} 0.75', 'queue_wait_seconds_gsum{q="b"} 0'],
      ),
    );
  });

  test("summary: quantile first, an empty window's quantiles 0, negative values kept, _sum before _count", () => {
    const family: FamilySnapshot = {
      name: "rpc_seconds",
      type: "summary",
      help: "RPC time.",
      series: [
        { labels: [["rpc", "get"]], quantiles: [{ quantile: 0.5, value: NaN }, { quantile: 0.99, value: -2 }], count: 1, sum: -2, created: 1 },
      ],
    };
    assert.equal(
      serializePrometheusText([family]),
      families([
        "# HELP rpc_seconds RPC time.",
        "# TYPE rpc_seconds summary",
        'rpc_seconds{quantile="0.5",rpc="get"} 0',
        'rpc_seconds{quantile="0.99",rpc="get"} -2',
        'rpc_seconds_sum{rpc="get"} -2',
        'rpc_seconds_count{rpc="get"} 1',
      ]),
    );
  });

  test("info becomes gauge name_info = 1; stateset becomes a gauge with the state label", () => {
    const sets: FamilySnapshot[] = [
      { name: "build", type: "info", help: "Build.", series: [{ labels: [["version", "1.2.3"]] }] },
      {
        name: "mode",
        type: "stateset",
        help: "Mode.",
        series: [{ labels: [["entity", "p"]], states: [{ name: "on", enabled: false }, { name: "off", enabled: true }] }],
      },
    ];
    assert.equal(
      serializePrometheusText(sets),
      families(
        ["# HELP build_info Build.", "# TYPE build_info gauge", 'build_info{version="1.2.3"} 1'],
        ["# HELP mode Mode.", "# TYPE mode gauge", 'mode{entity="p",mode="on"} 0', 'mode{entity="p",mode="off"} 1'],
      ),
    );
  });

  test("HELP escapes only backslash and line feed; label values escape all three; unicode", () => {
    const family: FamilySnapshot = {
      name: "esc",
      type: "gauge",
      help: 'A "quoted" \\ backslash\nline.',
      series: [{ labels: [["v", 'q"b\\\nü€😀']], value: 1 }],
    };
    assert.equal(
      serializePrometheusText([family]),
      families(['# HELP esc A "quoted" \\\\ backslash\\nline.', "# TYPE esc gauge", 'esc{v="q\\"b\\\\\\nü€😀"} 1']),
    );
  });

  test("families without series keep their metadata; empty help has no HELP line", () => {
    const empty: FamilySnapshot[] = [
      { name: "c", type: "counter", help: "C.", series: [] },
      { name: "gh", type: "gaugehistogram", help: "", series: [] },
    ];
    assert.equal(
      serializePrometheusText(empty),
      families(["# HELP c C.", "# TYPE c counter"], ["# TYPE gh histogram"], ["# TYPE gh_gcount gauge"], ["# TYPE gh_gsum gauge"]),
    );
  });
});
