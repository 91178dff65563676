/**
 * The Prometheus registry renders text exposition format 0.0.4, checked line by line:
 * HELP/TYPE headers, label escaping, cumulative histogram buckets ending in +Inf = _count,
 * Go-style special values, and scrape-time gauges.
 */
import { describe, expect, it } from "vitest";
import {
  escapeLabelValue,
  formatValue,
  PrometheusRegistry,
} from "../../../src/server/metrics/prometheus-registry.js";

describe("PrometheusRegistry", () => {
  it("renders counters with labels in first-seen order, after HELP and TYPE", () => {
    const registry = new PrometheusRegistry();
    const requests = registry.counter({
      name: "modelscout_requests_total",
      help: "Requests answered.",
      labelNames: ["route", "status"],
    });
    requests.inc({ route: "delivery", status: "200" });
    requests.inc({ route: "complaint", status: "502" }, 2);
    requests.inc({ status: "200", route: "delivery" });
    expect(registry.render().split("\n")).toEqual([
      "# HELP modelscout_requests_total Requests answered.",
      "# TYPE modelscout_requests_total counter",
      'modelscout_requests_total{route="delivery",status="200"} 2',
      'modelscout_requests_total{route="complaint",status="502"} 2',
      "",
    ]);
  });

  it("escapes help text and label values as the format requires", () => {
    const registry = new PrometheusRegistry();
    const counter = registry.counter({
      name: "odd_total",
      help: 'back\\slash and\nnewline "quotes stay"',
      labelNames: ["model"],
    });
    counter.inc({ model: 'a "quoted"\\model\nname' });
    expect(registry.render().split("\n")).toEqual([
      '# HELP odd_total back\\\\slash and\\nnewline "quotes stay"',
      "# TYPE odd_total counter",
      'odd_total{model="a \\"quoted\\"\\\\model\\nname"} 1',
      "",
    ]);
    expect(escapeLabelValue("模型")).toBe("模型");
  });

  it("renders histograms with cumulative buckets, +Inf equal to _count, _sum and _count", () => {
    const registry = new PrometheusRegistry();
    const duration = registry.histogram({
      name: "modelscout_request_duration_seconds",
      help: "Time to answer.",
      labelNames: ["route"],
      buckets: [0.01, 0.1, 1],
    });
    for (const seconds of [0.005, 0.05, 0.05, 0.5, 3]) duration.observe({ route: "r" }, seconds);
    expect(registry.render().split("\n")).toEqual([
      "# HELP modelscout_request_duration_seconds Time to answer.",
      "# TYPE modelscout_request_duration_seconds histogram",
      'modelscout_request_duration_seconds_bucket{route="r",le="0.01"} 1',
      'modelscout_request_duration_seconds_bucket{route="r",le="0.1"} 3',
      'modelscout_request_duration_seconds_bucket{route="r",le="1"} 4',
      'modelscout_request_duration_seconds_bucket{route="r",le="+Inf"} 5',
      'modelscout_request_duration_seconds_sum{route="r"} 3.605',
      'modelscout_request_duration_seconds_count{route="r"} 5',
      "",
    ]);
  });

  it("collects gauges at scrape time and renders label-less metrics without braces", () => {
    const registry = new PrometheusRegistry();
    let open = 3;
    registry.gauge({
      name: "modelscout_review_items_open",
      help: "Open review items.",
      labelNames: [],
      collect: (gauge) => gauge.set({}, open),
    });
    expect(registry.render()).toContain("\nmodelscout_review_items_open 3\n");
    open = 0;
    expect(registry.render()).toContain("\nmodelscout_review_items_open 0\n");
  });

  it("writes Go-style special values", () => {
    expect(formatValue(Number.POSITIVE_INFINITY)).toBe("+Inf");
    expect(formatValue(Number.NEGATIVE_INFINITY)).toBe("-Inf");
    expect(formatValue(Number.NaN)).toBe("NaN");
    expect(formatValue(1e-7)).toBe("1e-7");
    expect(formatValue(42)).toBe("42");
  });

  it("refuses invalid names, missing labels, decreasing counters and duplicate metrics", () => {
    const registry = new PrometheusRegistry();
    expect(() => registry.counter({ name: "bad-name", help: "", labelNames: [] })).toThrow(
      /not a valid metric name/,
    );
    expect(() => registry.counter({ name: "x_total", help: "", labelNames: ["le"] })).toThrow(
      /not a valid label name/,
    );
    const counter = registry.counter({ name: "y_total", help: "", labelNames: ["route"] });
    expect(() => counter.inc({} as { route: string })).toThrow(/needs label "route"/);
    expect(() => counter.inc({ route: "r" }, -1)).toThrow(/can only go up/);
    expect(() => registry.counter({ name: "y_total", help: "", labelNames: [] })).toThrow(
      /registered twice/,
    );
    expect(() =>
      registry.histogram({ name: "h", help: "", labelNames: [], buckets: [1, 1] }),
    ).toThrow(/increasing bucket bounds/);
  });
});
