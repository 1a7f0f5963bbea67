import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  escapeFamilies,
  escapeName,
  ESCAPING_SCHEMES,
  hasUtf8Names,
  isLegacyLabelName,
  isLegacyMetricName,
  quoteName,
} from "./name_escaping.ts";
import type { FamilySnapshot } from "./snapshot.ts";

describe("legacy character sets", () => {
  test("metric names take [a-zA-Z_:][a-zA-Z0-9_:]*, label names no colon", () => {
    for (const name of ["a", "_", ":", "http_requests_total", "job:rate5m", "A9", "__name__"]) assert.ok(isLegacyMetricName(name), name);
    for (const name of ["", "9a", "http.requests", "a-b", "größe", "a b", "a\n", "😀"]) assert.ok(!isLegacyMetricName(name), name);
    for (const name of ["code", "_x", "x9", "__meta"]) assert.ok(isLegacyLabelName(name), name);
    for (const name of ["", "a:b", "9", "http.code", "ü"]) assert.ok(!isLegacyLabelName(name), name);
  });
});

describe("escapeName", () => {
  // The examples of Prometheus's "UTF-8 metric and label name escaping schemes" page and
  // prometheus/common's model.EscapeName documentation.
  test("the documented examples", () => {
    assert.equal(escapeName("mysystem.prod.west.cpu.load", "underscores"), "mysystem_prod_west_cpu_load");
    assert.equal(escapeName("mysystem.prod.west.cpu.load_total", "underscores"), "mysystem_prod_west_cpu_load_total");
    assert.equal(escapeName("mysystem.prod.west.cpu.load", "dots"), "mysystem_dot_prod_dot_west_dot_cpu_dot_load");
    assert.equal(escapeName("mysystem.prod.west.cpu.load_total", "dots"), "mysystem_dot_prod_dot_west_dot_cpu_dot_load__total");
    assert.equal(escapeName("mysystem.prod.west.cpu.load", "values"), "U__mysystem_2e_prod_2e_west_2e_cpu_2e_load");
    assert.equal(escapeName("mysystem.prod.west.cpu.load_total", "values"), "U__mysystem_2e_prod_2e_west_2e_cpu_2e_load__total");
    assert.equal(escapeName("metric.name/with/slashes", "underscores"), "metric_name_with_slashes");
    assert.equal(escapeName("http.server.duration", "allow-utf-8"), "http.server.duration");
  });

  test("a name already in the legacy set is never changed, whatever the scheme", () => {
    for (const scheme of ESCAPING_SCHEMES) {
      for (const name of ["http_requests_total", "job:rate5m", "_x", ""]) assert.equal(escapeName(name, scheme), name, `${scheme} ${name}`);
    }
  });

  test("a leading digit is outside the set: replaced, or value-encoded", () => {
    assert.equal(escapeName("0abc", "underscores"), "_abc");
    assert.equal(escapeName("0abc", "dots"), "__abc");
    assert.equal(escapeName("0abc", "values"), "U___30_abc");
    // A digit after a multi-byte first character is at UTF-8 byte 2, not first: it stays.
    assert.equal(escapeName("ü1", "underscores"), "_1");
    assert.equal(escapeName("ü1", "values"), "U___fc_1");
  });

  test("multi-byte and astral characters: one replacement per code point, the code point in hex", () => {
    assert.equal(escapeName("größe", "underscores"), "gr__e");
    assert.equal(escapeName("größe", "dots"), "gr____e");
    assert.equal(escapeName("größe", "values"), "U__gr_f6__df_e");
    assert.equal(escapeName("a😀b", "underscores"), "a_b");
    assert.equal(escapeName("a😀b", "values"), "U__a_1f600_b");
    assert.equal(escapeName("a-b c", "dots"), "a__b__c");
    // A lone surrogate is what Go sees as an invalid byte sequence: U+FFFD.
    assert.equal(escapeName("a\ud800b", "values"), "U__a_FFFD_b");
    assert.equal(escapeName("a\ud800b", "underscores"), "a_b");
  });

  test("values is reversible in principle: distinct names stay distinct where underscores merges them", () => {
    assert.equal(escapeName("a.b", "underscores"), escapeName("a-b", "underscores"));
    assert.notEqual(escapeName("a.b", "values"), escapeName("a-b", "values"));
    assert.notEqual(escapeName("a.b", "values"), escapeName("a_2e_b", "values"));
  });
});

describe("quoteName", () => {
  test("legacy names bare; others quoted with backslash, double quote and line feed escaped", () => {
    assert.equal(quoteName("code", isLegacyLabelName), "code");
    assert.equal(quoteName("http.code", isLegacyLabelName), '"http.code"');
    assert.equal(quoteName("a:b", isLegacyLabelName), '"a:b"');
    assert.equal(quoteName("a:b", isLegacyMetricName), "a:b");
    assert.equal(quoteName('a"b\\c\nd', isLegacyMetricName), '"a\\"b\\\\c\\nd"');
  });
});

describe("escapeFamilies", () => {
  const families: FamilySnapshot[] = [
    {
      name: "http.server.duration",
      type: "histogram",
      help: "Latency of http.server.",
      series: [{
        labels: [["http.route", "/a.b"], ["code", "200"]],
        buckets: [{ le: 1, count: 1, exemplar: { labels: [["trace.id", "x"]], value: 0.5 } }, { le: Infinity, count: 1 }],
        count: 1,
        sum: 0.5,
      }],
    },
    { name: "jobs.done", givenName: "jobs.done_total", type: "counter", help: "", series: [{ labels: [["queue", "q"]], value: 1 }] },
    { name: "plain", type: "gauge", help: "", series: [{ labels: [["k", "v"]], value: 1 }] },
  ];

  test("hasUtf8Names sees metric and label names outside the set", () => {
    assert.ok(hasUtf8Names(families));
    assert.ok(hasUtf8Names(families.slice(1, 2)));
    assert.ok(!hasUtf8Names(families.slice(2)));
    assert.ok(hasUtf8Names([{ name: "g", type: "gauge", help: "", series: [{ labels: [["a.b", "v"]], value: 1 }] }]));
  });

  test("names escaped by the scheme; label values, HELP and exemplar labels left as they are", () => {
    const escaped = escapeFamilies(families, "underscores");
    assert.equal(escaped[0].name, "http_server_duration");
    assert.equal(escaped[0].help, "Latency of http.server.");
    const series = escaped[0].series[0] as (typeof families[0] & { type: "histogram" })["series"][0];
    assert.deepEqual(series.labels, [["http_route", "/a.b"], ["code", "200"]]);
    assert.deepEqual(series.buckets[0].exemplar?.labels, [["trace.id", "x"]]);
    assert.equal(escaped[1].name, "jobs_done");
    assert.equal(escaped[1].givenName, "jobs_done_total");
    // Series that need nothing are the same objects.
    assert.deepEqual(escaped[2], families[2]);
    assert.equal(escaped[2].series[0], families[2].series[0]);
    assert.equal(escapeFamilies(families, "values")[0].name, "U__http_2e_server_2e_duration");
    assert.equal(escapeFamilies(families, "dots")[0].name, "http_dot_server_dot_duration");
  });

  test("the same array under allow-utf-8 or when every name is legacy", () => {
    assert.equal(escapeFamilies(families, "allow-utf-8"), families);
    const legacy = families.slice(2);
    for (const scheme of ESCAPING_SCHEMES) assert.equal(escapeFamilies(legacy, scheme), legacy);
  });
});
