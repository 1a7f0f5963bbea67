/**
 * An independent decoder of the Prometheus protobuf exposition: protobufjs's own parser
 * on the published metrics.proto (prometheus/client_model v0.6.3, fetched pinned by
 * scripts/install_prometheus3.mjs through the Go module proxy), decoding length-delimited
 * `io.prometheus.client.MetricFamily` messages into plain objects.
 */

import { homedir } from "node:os";
import { join } from "node:path";
import protobuf from "protobufjs";

const cacheDir = process.env.MPMETRICS_CACHE_DIR || join(homedir(), ".cache", "mpmetrics");
/** Where scripts/install_prometheus3.mjs leaves metrics.proto. */
export const METRICS_PROTO_PATH = join(
  cacheDir, "go", "pkg", "mod", "github.com", "prometheus", "client_model@v0.6.3", "io", "prometheus", "client", "metrics.proto",
);

let metricFamily: protobuf.Type | undefined;

/** The `io.prometheus.client.MetricFamily` type, parsed from metrics.proto once. */
export function metricFamilyType(): protobuf.Type {
  metricFamily ??= protobuf.loadSync(METRICS_PROTO_PATH).lookupType("io.prometheus.client.MetricFamily");
  return metricFamily;
}

/** A decoded family: protobufjs's plain object, 64-bit integers as numbers, enums as names, defaults filled in. */
// deno-lint-ignore no-explicit-any
export type DecodedFamily = Record<string, any>;

/** Decodes a delimited stream of `MetricFamily` messages; fails on trailing garbage. */
export function decodeFamilies(bytes: Uint8Array): DecodedFamily[] {
  const type = metricFamilyType();
  const reader = protobuf.Reader.create(bytes);
  const families: DecodedFamily[] = [];
  while (reader.pos < reader.len) {
    const message = type.decodeDelimited(reader);
    families.push(type.toObject(message, { longs: Number, enums: String, defaults: false, arrays: true }));
  }
  return families;
}
