/**
 * Exposition: snapshots in; Prometheus text, OpenMetrics 1.0 and 2.0 text or Prometheus
 * protobuf out; the content negotiation that picks between them, and the escaping of
 * UTF-8 names for scrapers that cannot take them. Pure functions, no I/O.
 *
 * @example
 * ```ts
 * import { negotiate, serializeOpenMetrics, serializePrometheusText } from "./index.ts";
 *
 * const { format, contentType } = negotiate(request.headers.get("accept"));
 * const body = format === "openmetrics" ? serializeOpenMetrics(families) : serializePrometheusText(families);
 * ```
 *
 * @module
 */

export { codePointLength } from "./_labels.ts";
export {
  escapeFamilies,
  escapeName,
  ESCAPING_SCHEMES,
  type EscapingScheme,
  hasUtf8Names,
  isLegacyLabelName,
  isLegacyMetricName,
} from "./name_escaping.ts";
export { OPENMETRICS2_CONTENT_TYPE, serializeOpenMetrics2 } from "./openmetrics2.ts";
export { PROMETHEUS_PROTOBUF_CONTENT_TYPE, serializeProtobuf } from "./protobuf.ts";
export { escapeHelpOpenMetrics, escapeHelpText, escapeLabelValue } from "./escape.ts";
export { formatGoFloat, formatLabelNumber, formatSampleValue } from "./format_number.ts";
export { type ExpositionFormat, FORMAT_CONTENT_TYPES, type Negotiated, negotiate } from "./negotiate.ts";
export {
  EXEMPLAR_LABELS_MAX_CODE_POINTS,
  OPENMETRICS_CONTENT_TYPE,
  serializeOpenMetrics,
  type TextSerializerOptions,
} from "./openmetrics.ts";
export { PROMETHEUS_CONTENT_TYPE, serializePrometheusText } from "./prometheus_text.ts";
export type {
  BucketSnapshot,
  CounterFamily,
  CounterSeries,
  ExemplarSnapshot,
  FamilySnapshot,
  GaugeFamily,
  GaugeHistogramFamily,
  GaugeSeries,
  HistogramFamily,
  HistogramSeries,
  InfoFamily,
  InfoSeries,
  LabelPairs,
  MetricType,
  NativeHistogramSnapshot,
  QuantileSnapshot,
  StateSetFamily,
  StateSetSeries,
  StateSnapshot,
  SummaryFamily,
  SummarySeries,
  UnknownFamily,
} from "./snapshot.ts";
