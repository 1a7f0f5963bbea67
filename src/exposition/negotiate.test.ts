import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { negotiate as negotiateFully } from "./negotiate.ts";
import * as captured from "../../test/support/prometheus3_accept.ts";

const OM = { format: "openmetrics", contentType: "application/openmetrics-text; version=1.0.0; charset=utf-8" };
const TEXT = { format: "prometheus", contentType: "text/plain; version=0.0.4; charset=utf-8" };
const OM2 = "application/openmetrics-text; version=2.0.0; charset=utf-8";
const PROTOBUF = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";
const PROMETHEUS3_PROTOBUF_FIRST = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6," +
  "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4," +
  "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1";
const PROMETHEUS3_OM2 = "application/openmetrics-text;version=2.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1";

/** Format and content type only (the escaping has tests of its own below). */
function negotiate(accept: string | null | undefined): { format: string; contentType: string } {
  const { format, contentType } = negotiateFully(accept);
  return { format, contentType };
}

describe("negotiate", () => {
  test("Prometheus 2.x's Accept header gets OpenMetrics", () => {
    const header =
      "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75," +
      "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    assert.deepEqual(negotiate(header), OM);
  });

  test("Prometheus 3.x's Accept headers", () => {
    const defaults =
      "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6," +
      "application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4," +
      "text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
    assert.deepEqual(negotiate(defaults), { ...OM, contentType: `${OM.contentType}; escaping=allow-utf-8` });
    // scrape_protocols: [PrometheusText1.0.0, PrometheusText0.0.4]: 1.0.0 is not ours, 0.0.4 is,
    // with the scheme of the header (Go's NegotiateAccept carries it over the same way).
    assert.deepEqual(
      negotiate("text/plain;version=1.0.0;escaping=allow-utf-8,text/plain;version=0.0.4;q=0.9,*/*;q=0.8"),
      { ...TEXT, contentType: `${TEXT.contentType}; escaping=allow-utf-8` },
    );
    // Only the protobuf format and a wildcard: protobuf, with the default escaping named.
    assert.deepEqual(
      negotiate("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,*/*;q=0.1"),
      { format: "protobuf", contentType: `${PROTOBUF}; escaping=underscores` },
    );
    // scrape_native_histograms: protobuf first; its escaping comes from the text entries.
    assert.deepEqual(negotiateFully(PROMETHEUS3_PROTOBUF_FIRST), {
      format: "protobuf",
      escaping: "allow-utf-8",
      contentType: `${PROTOBUF}; escaping=allow-utf-8`,
    });
    // scrape_protocols: [OpenMetricsText2.0.0, PrometheusText0.0.4].
    assert.deepEqual(negotiateFully(PROMETHEUS3_OM2), {
      format: "openmetrics2",
      escaping: "allow-utf-8",
      contentType: `${OM2}; escaping=allow-utf-8`,
    });
  });

  test("missing, empty and garbage headers get the text format", () => {
    for (const header of [undefined, null, "", "   ", "garbage", ";;;", ",,,", "text", "/", "*", "a/b;q=x", "\u0000"]) {
      assert.deepEqual(negotiate(header), TEXT, JSON.stringify(header));
    }
  });

  test("OpenMetrics versions: none, 0.0.1 and 1.0.0 count; others do not", () => {
    assert.deepEqual(negotiate("application/openmetrics-text"), OM);
    assert.deepEqual(negotiate("application/openmetrics-text; version=0.0.1"), OM);
    assert.deepEqual(negotiate('application/openmetrics-text; version="1.0.0"; charset=utf-8'), OM);
    assert.deepEqual(negotiate("application/openmetrics-text;version=3.0.0"), TEXT);
    assert.deepEqual(negotiate("application/openmetrics-text;version=3.0.0,text/plain;q=0.1"), TEXT);
    assert.deepEqual(negotiate("Application/OpenMetrics-Text;Version=1.0.0"), OM);
  });

  test("text/plain counts without a version or with 0.0.4; wildcards count as text", () => {
    assert.deepEqual(negotiate("text/plain"), TEXT);
    assert.deepEqual(negotiate("text/plain;version=0.0.4"), TEXT);
    assert.deepEqual(negotiate("text/*"), TEXT);
    assert.deepEqual(negotiate("*/*"), TEXT);
    assert.deepEqual(negotiate("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"), TEXT);
    // An unsupported text/plain version does not cover the text format, so OpenMetrics wins.
    assert.deepEqual(negotiate("text/plain;version=1.0.0,application/openmetrics-text;q=0.5"), OM);
  });

  test("the highest q wins", () => {
    assert.deepEqual(negotiate("text/plain;q=0.9,application/openmetrics-text;q=0.8"), TEXT);
    assert.deepEqual(negotiate("text/plain;q=0.8,application/openmetrics-text;q=0.9"), OM);
    assert.deepEqual(negotiate("*/*;q=1,application/openmetrics-text;q=0.5"), TEXT);
    assert.deepEqual(negotiate("application/*;q=0.9,text/plain;q=0.5"), OM);
    assert.deepEqual(negotiate("text/plain;q=0.001,application/openmetrics-text;q=0.0001"), TEXT);
  });

  test("q=0 excludes a format", () => {
    assert.deepEqual(negotiate("application/openmetrics-text;q=0"), TEXT);
    assert.deepEqual(negotiate("application/openmetrics-text;q=0,*/*"), TEXT);
    assert.deepEqual(negotiate("text/plain;q=0,*/*"), OM);
    assert.deepEqual(negotiate("text/plain;q=0,application/openmetrics-text;q=0.1"), OM);
    assert.deepEqual(negotiate("text/plain;q=0,application/openmetrics-text;q=0"), TEXT);
  });

  test("ties go the way of Go's sorted Accept list: exact types first, then header order", () => {
    assert.deepEqual(negotiate("text/plain,application/openmetrics-text"), TEXT);
    assert.deepEqual(negotiate("application/openmetrics-text,text/plain"), OM);
    assert.deepEqual(negotiate("text/plain;q=0.5,application/openmetrics-text;q=0.5"), TEXT);
    assert.deepEqual(negotiate("*/*,application/openmetrics-text"), OM);
    assert.deepEqual(negotiate("text/*,application/openmetrics-text"), OM);
    assert.deepEqual(negotiate("application/*,text/plain"), TEXT);
  });

  test("malformed q-values drop their entry", () => {
    assert.deepEqual(negotiate("application/openmetrics-text;q=2,text/plain;q=0.1"), TEXT);
    assert.deepEqual(negotiate("application/openmetrics-text;q=-1"), TEXT);
    assert.deepEqual(negotiate("application/openmetrics-text;q=abc,text/plain;q=0.1"), TEXT);
    assert.deepEqual(negotiate("text/plain;q=1e0,application/openmetrics-text;q=0.2"), OM);
  });

  test("OpenMetrics 2.0 and protobuf: exact entries only, by q and header order", () => {
    const om2 = { format: "openmetrics2", contentType: `${OM2}; escaping=underscores` };
    const protobuf = { format: "protobuf", contentType: `${PROTOBUF}; escaping=underscores` };
    assert.deepEqual(negotiate("application/openmetrics-text;version=2.0.0"), om2);
    assert.deepEqual(negotiate("application/openmetrics-text;version=2.0.0;q=0.4,text/plain;q=0.5"), TEXT);
    assert.deepEqual(negotiate("application/openmetrics-text;version=2.0.0,application/openmetrics-text;version=1.0.0"), om2);
    assert.deepEqual(negotiate("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=2.0.0"), OM);
    assert.deepEqual(negotiate("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"), protobuf);
    // Other encodings and messages are not ours, and no wildcard picks the new formats.
    assert.deepEqual(negotiate("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text"), TEXT);
    assert.deepEqual(negotiate("application/vnd.google.protobuf;proto=other.Message;encoding=delimited"), TEXT);
    assert.deepEqual(negotiate("application/vnd.google.protobuf"), TEXT);
    assert.deepEqual(negotiate("application/*"), OM);
    assert.deepEqual(negotiate("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0"), TEXT);
  });

  test("escaping: the chosen entry's, else the first in the header, else underscores", () => {
    const escaping = (accept: string | undefined) => negotiateFully(accept).escaping;
    assert.equal(escaping(undefined), "underscores");
    assert.equal(escaping("application/openmetrics-text;version=1.0.0"), "underscores");
    for (const scheme of ["allow-utf-8", "underscores", "dots", "values"]) {
      assert.equal(escaping(`application/openmetrics-text;version=1.0.0;escaping=${scheme}`), scheme);
      assert.equal(escaping(`text/plain;version=0.0.4;escaping=${scheme}`), scheme);
    }
    assert.equal(escaping("text/plain;escaping=dots,application/openmetrics-text;escaping=values;q=0.1"), "dots");
    assert.equal(escaping("text/plain;q=0.1,application/openmetrics-text;escaping=values"), "values");
    assert.equal(escaping("text/plain,application/openmetrics-text;escaping=values;q=0.1"), "values");
    // Unknown schemes are ignored, as Go ignores them.
    assert.equal(escaping("text/plain;escaping=bogus"), "underscores");
    assert.equal(negotiate("text/plain;escaping=bogus").contentType, TEXT.contentType);
    // The Content-Type names a scheme that was asked for.
    assert.equal(negotiate("text/plain;escaping=dots").contentType, `${TEXT.contentType}; escaping=dots`);
  });

  test("the Accept headers a real Prometheus 3.16 sends, per scrape configuration", () => {
    const OM1 = OM.contentType;
    const cases: [string, string, string, string][] = [
      [captured.PROMETHEUS3_DEFAULT, "openmetrics", "allow-utf-8", `${OM1}; escaping=allow-utf-8`],
      [captured.PROMETHEUS3_NATIVE_HISTOGRAMS, "protobuf", "allow-utf-8", `${PROTOBUF}; escaping=allow-utf-8`],
      [captured.PROMETHEUS3_OM2, "openmetrics2", "allow-utf-8", `${OM2}; escaping=allow-utf-8`],
      [captured.PROMETHEUS3_OM1_ONLY, "openmetrics", "allow-utf-8", `${OM1}; escaping=allow-utf-8`],
      // No scheme anywhere: Go's default, underscores, as client_golang answers it.
      [captured.PROMETHEUS3_PROTO_ONLY, "protobuf", "underscores", `${PROTOBUF}; escaping=underscores`],
      [captured.PROMETHEUS3_UNDERSCORES, "openmetrics", "underscores", `${OM1}; escaping=underscores`],
      [captured.PROMETHEUS3_DOTS, "openmetrics", "dots", `${OM1}; escaping=dots`],
      // Prometheus 2.x names no scheme: the Content-Type it always got.
      [captured.PROMETHEUS2, "openmetrics", "underscores", OM1],
    ];
    for (const [accept, format, escaping, contentType] of cases) {
      assert.deepEqual(negotiateFully(accept), { format, escaping, contentType }, accept);
    }
  });

  test("OpenMetrics 2.0 refused (q=0) or missing falls back to the next entry Prometheus lists", () => {
    const withoutOm2 = captured.PROMETHEUS3_OM2.replace("version=2.0.0;escaping=allow-utf-8;q=0.7", "version=2.0.0;escaping=allow-utf-8;q=0");
    assert.deepEqual(negotiateFully(withoutOm2), { format: "prometheus", escaping: "allow-utf-8", contentType: `${TEXT.contentType}; escaping=allow-utf-8` });
  });
});
