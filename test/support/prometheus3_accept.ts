/**
 * The Accept headers Prometheus 3.16 (v0.316.0) sends, one per scrape configuration,
 * as captured from the real binary. test/prometheus3_server.test.ts checks on every run
 * that the real Prometheus still sends exactly these, so the unit tests of negotiation
 * (src/exposition/negotiate.test.ts) and of the handlers (src/edges/formats.test.ts)
 * test against what a real scraper asks for.
 */

/** Default scrape_protocols (no native histograms): OpenMetrics 1.0 first, UTF-8 names. */
export const PROMETHEUS3_DEFAULT =
  "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.7,application/openmetrics-text;version=0.0.1;q=0.6," +
  "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.3";

/** `scrape_native_histograms: true`: protobuf first; the escaping only on the text entries. */
export const PROMETHEUS3_NATIVE_HISTOGRAMS =
  "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7," +
  "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5," +
  "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2";

/** `scrape_protocols: [OpenMetricsText2.0.0, PrometheusText0.0.4]` (with `--enable-feature=openmetrics2`). */
export const PROMETHEUS3_OM2 = "application/openmetrics-text;version=2.0.0;escaping=allow-utf-8;q=0.7,text/plain;version=0.0.4;q=0.6,*/*;q=0.5";

/** `scrape_protocols: [OpenMetricsText1.0.0]`. */
export const PROMETHEUS3_OM1_ONLY = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.7,*/*;q=0.6";

/** `scrape_protocols: [PrometheusProto]`: no escaping parameter anywhere. */
export const PROMETHEUS3_PROTO_ONLY = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,*/*;q=0.6";

/** `metric_name_validation_scheme: legacy` with `metric_name_escaping_scheme: underscores`. */
export const PROMETHEUS3_UNDERSCORES =
  "application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.7,application/openmetrics-text;version=0.0.1;q=0.6," +
  "text/plain;version=1.0.0;escaping=underscores;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.3";

/** `metric_name_validation_scheme: legacy` with `metric_name_escaping_scheme: dots`. */
export const PROMETHEUS3_DOTS =
  "application/openmetrics-text;version=1.0.0;escaping=dots;q=0.7,application/openmetrics-text;version=0.0.1;q=0.6," +
  "text/plain;version=1.0.0;escaping=dots;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.3";

/** The Accept header Prometheus 2.x scrapes with (FORMATS.md). */
export const PROMETHEUS2 =
  "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
