/**
 * `/metrics` under `serve --workers`: two registries' real expositions merged into one, each
 * family once with its HELP and TYPE lines, every sample labelled with its worker.
 */
import { describe, expect, it } from "vitest";
import { mergeExpositions } from "../../../src/monitor/metrics/merge-expositions.js";
import { MetricsRegistry } from "../../../src/monitor/metrics/metrics-registry.js";

function workerRegistry(requests: number, latencies: number[]): string {
  const registry = new MetricsRegistry();
  const counter = registry.counter("demo_requests_total", "Requests.", ["route"]);
  counter.inc({ route: "desk" }, requests);
  const plain = registry.counter("demo_reloads_total", "Reloads.");
  plain.inc();
  const histogram = registry.histogram("demo_latency_seconds", "Latency.", ["route"], [0.1, 1]);
  for (const latency of latencies) histogram.observe({ route: "desk" }, latency);
  return registry.render();
}

describe("mergeExpositions", () => {
  it("groups each family's samples from every worker under one HELP and TYPE", () => {
    const merged = mergeExpositions([
      { worker: "1", text: workerRegistry(3, [0.05]) },
      { worker: "2", text: workerRegistry(4, [0.5, 2]) },
    ]);
    expect(merged.split("\n")).toEqual([
      "# HELP demo_requests_total Requests.",
      "# TYPE demo_requests_total counter",
      'demo_requests_total{worker="1",route="desk"} 3',
      'demo_requests_total{worker="2",route="desk"} 4',
      "# HELP demo_reloads_total Reloads.",
      "# TYPE demo_reloads_total counter",
      'demo_reloads_total{worker="1"} 1',
      'demo_reloads_total{worker="2"} 1',
      "# HELP demo_latency_seconds Latency.",
      "# TYPE demo_latency_seconds histogram",
      'demo_latency_seconds_bucket{worker="1",route="desk",le="0.1"} 1',
      'demo_latency_seconds_bucket{worker="1",route="desk",le="1"} 1',
      'demo_latency_seconds_bucket{worker="1",route="desk",le="+Inf"} 1',
      'demo_latency_seconds_sum{worker="1",route="desk"} 0.05',
      'demo_latency_seconds_count{worker="1",route="desk"} 1',
      'demo_latency_seconds_bucket{worker="2",route="desk",le="0.1"} 0',
      'demo_latency_seconds_bucket{worker="2",route="desk",le="1"} 1',
      'demo_latency_seconds_bucket{worker="2",route="desk",le="+Inf"} 2',
      'demo_latency_seconds_sum{worker="2",route="desk"} 2.5',
      'demo_latency_seconds_count{worker="2",route="desk"} 2',
      "",
    ]);
  });

  it("keeps a family only one worker has, and comment lines at the end", () => {
    const merged = mergeExpositions([
      { worker: "1", text: "# HELP a_total A.\n# TYPE a_total counter\na_total 1\n" },
      { worker: "2", text: "# metrics of this worker failed: boom\n" },
    ]);
    expect(merged).toBe(
      '# HELP a_total A.\n# TYPE a_total counter\na_total{worker="1"} 1\n# metrics of this worker failed: boom\n',
    );
    expect(mergeExpositions([])).toBe("");
  });
});
