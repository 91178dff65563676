/**
 * The exposition is checked by a strict line parser written from the text format 0.0.4
 * specification (not by the code that wrote it): HELP and TYPE come once per family and
 * before its samples, label values unescape to what was recorded, histogram buckets are
 * cumulative with ascending `le` ending at `+Inf` = `_count`, and `_sum` is present.
 */
import { describe, expect, it } from "vitest";
import {
  MetricsRegistry,
  PROMETHEUS_CONTENT_TYPE,
} from "../../../src/monitor/metrics/metrics-registry.js";
import { createModelscoutMetrics } from "../../../src/monitor/metrics/modelscout-metrics.js";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface ParsedFamily {
  help: string;
  type: string;
  samples: Sample[];
}

function parseValue(text: string): number {
  if (text === "+Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  if (text === "NaN") return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad value "${text}"`);
  return Number(text);
}

/** Parses `{a="x",b="y\"z"}` from `start`; returns labels and the index after `}`. */
function parseLabels(line: string, start: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let index = start + 1;
  while (line[index] !== "}") {
    const name = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(index))?.[0];
    if (name === undefined) throw new Error(`bad label name at ${index}: ${line}`);
    index += name.length;
    if (line.slice(index, index + 2) !== '="') throw new Error(`expected =" at ${index}: ${line}`);
    index += 2;
    let value = "";
    for (;;) {
      const character = line[index];
      if (character === undefined) throw new Error(`unterminated label value: ${line}`);
      if (character === '"') break;
      if (character === "\n") throw new Error("raw newline in label value");
      if (character === "\\") {
        const next = line[index + 1];
        if (next === "\\") value += "\\";
        else if (next === '"') value += '"';
        else if (next === "n") value += "\n";
        else throw new Error(`bad escape \\${next}: ${line}`);
        index += 2;
        continue;
      }
      value += character;
      index += 1;
    }
    index += 1;
    if (name in labels) throw new Error(`duplicate label ${name}`);
    labels[name] = value;
    if (line[index] === ",") index += 1;
    else if (line[index] !== "}") throw new Error(`expected , or } at ${index}: ${line}`);
  }
  return { labels, end: index + 1 };
}

function parseExposition(text: string): Map<string, ParsedFamily> {
  expect(text.endsWith("\n")).toBe(true);
  const families = new Map<string, ParsedFamily>();
  let current: string | null = null;
  const familyOf = (sampleName: string): string => {
    for (const suffix of ["_bucket", "_sum", "_count"]) {
      const base = sampleName.slice(0, -suffix.length);
      if (sampleName.endsWith(suffix) && families.get(base)?.type === "histogram") return base;
    }
    return sampleName;
  };
  for (const line of text.slice(0, -1).split("\n")) {
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta !== null) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      const family = families.get(name) ?? { help: "", type: "", samples: [] };
      if (family.samples.length > 0) throw new Error(`${kind} for ${name} after its samples`);
      if (kind === "HELP") {
        if (family.help !== "") throw new Error(`second HELP for ${name}`);
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ""))) throw new Error(`bad HELP escape: ${line}`);
        family.help = rest.replace(/\\(\\|n)/g, (_, escaped) => (escaped === "n" ? "\n" : "\\"));
      } else {
        if (family.type !== "") throw new Error(`second TYPE for ${name}`);
        if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(rest)) {
          throw new Error(`bad TYPE ${rest}`);
        }
        family.type = rest;
      }
      families.set(name, family);
      current = name;
      continue;
    }
    if (line.startsWith("#") || line.trim() === "") continue;
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
    if (name === undefined) throw new Error(`bad sample line: ${line}`);
    let index = name.length;
    let labels: Record<string, string> = {};
    if (line[index] === "{") ({ labels, end: index } = parseLabels(line, index));
    if (line[index] !== " ") throw new Error(`expected a space before the value: ${line}`);
    const [valueText, timestamp, extra] = line.slice(index + 1).split(" ");
    if (extra !== undefined || (timestamp !== undefined && !/^-?\d+$/.test(timestamp))) {
      throw new Error(`bad sample tail: ${line}`);
    }
    const family = familyOf(name);
    if (family !== current)
      throw new Error(`sample ${name} outside its family block (in ${current})`);
    families.get(family)?.samples.push({ name, labels, value: parseValue(valueText as string) });
  }
  return families;
}

function checkHistogram(family: ParsedFamily, name: string): void {
  const groups = new Map<string, Sample[]>();
  for (const sample of family.samples) {
    const { le: _le, ...rest } = sample.labels;
    const key = JSON.stringify(rest);
    groups.set(key, [...(groups.get(key) ?? []), sample]);
  }
  for (const samples of groups.values()) {
    const buckets = samples.filter((sample) => sample.name === `${name}_bucket`);
    const bounds = buckets.map((sample) => parseValue(sample.labels.le as string));
    expect(bounds).toEqual([...bounds].sort((a, b) => a - b));
    expect(bounds.at(-1)).toBe(Number.POSITIVE_INFINITY);
    const counts = buckets.map((sample) => sample.value);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    const count = samples.find((sample) => sample.name === `${name}_count`);
    expect(count?.value).toBe(counts.at(-1));
    expect(samples.some((sample) => sample.name === `${name}_sum`)).toBe(true);
  }
}

describe("MetricsRegistry exposition", () => {
  it("escapes label values and HELP text so they read back unchanged", () => {
    const registry = new MetricsRegistry();
    const counter = registry.counter("x_total", 'Help with a \\ backslash\nand "quotes"', [
      "route",
    ]);
    const hostile = 'say "hi"\\n\nC:\\path\\ 路由';
    counter.inc({ route: hostile }, 2);
    counter.inc({ route: "plain" });
    const text = registry.render();
    const family = parseExposition(text).get("x_total");
    expect(family?.help).toBe('Help with a \\ backslash\nand "quotes"');
    expect(family?.type).toBe("counter");
    expect(family?.samples).toEqual([
      { name: "x_total", labels: { route: hostile }, value: 2 },
      { name: "x_total", labels: { route: "plain" }, value: 1 },
    ]);
    expect(text.split("\n").filter((line) => line.startsWith("x_total"))).toHaveLength(2);
  });

  it("renders histograms with cumulative buckets, +Inf, _sum and _count", () => {
    const registry = new MetricsRegistry();
    const histogram = registry.histogram("latency_seconds", "Latency.", ["model"], [0.1, 0.5, 1]);
    for (const value of [0.05, 0.1, 0.2, 0.7, 3]) histogram.observe({ model: "a" }, value);
    histogram.observe({ model: "b" }, 0.3);
    const family = parseExposition(registry.render()).get("latency_seconds");
    expect(family?.type).toBe("histogram");
    checkHistogram(family as ParsedFamily, "latency_seconds");
    const a = (family?.samples ?? []).filter((sample) => sample.labels.model === "a");
    expect(a.map((sample) => [sample.name, sample.labels.le, sample.value])).toEqual([
      ["latency_seconds_bucket", "0.1", 2], // 0.05 and 0.1 (le is inclusive)
      ["latency_seconds_bucket", "0.5", 3],
      ["latency_seconds_bucket", "1", 4],
      ["latency_seconds_bucket", "+Inf", 5],
      ["latency_seconds_sum", undefined, 4.05],
      ["latency_seconds_count", undefined, 5],
    ]);
  });

  it("renders gauges (set and collected), special values, and label-less counters at 0", () => {
    const registry = new MetricsRegistry();
    registry.counter("started_total", "Starts.");
    const gauge = registry.gauge("temperature", "T.", ["room"]);
    gauge.set({ room: "a" }, Number.POSITIVE_INFINITY);
    gauge.set({ room: "b" }, Number.NaN);
    gauge.set({ room: "c" }, -1.5e-7);
    let open = 3;
    registry.gauge("queue_open", "Open.", [], () => open);
    open = 4;
    const families = parseExposition(registry.render());
    expect(families.get("started_total")?.samples).toEqual([
      { name: "started_total", labels: {}, value: 0 },
    ]);
    const values = families.get("temperature")?.samples.map((sample) => sample.value);
    expect(values?.[0]).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isNaN(values?.[1])).toBe(true);
    expect(values?.[2]).toBe(-1.5e-7);
    expect(families.get("queue_open")?.samples[0]?.value).toBe(4);
  });

  it("refuses bad names, wrong labels, decreasing counters and duplicate registration", () => {
    const registry = new MetricsRegistry();
    expect(() => registry.counter("bad-name", "x")).toThrow(/invalid metric name/);
    expect(() => registry.counter("ok_total", "x", ["__reserved"])).toThrow(/invalid label name/);
    const counter = registry.counter("c_total", "x", ["route"]);
    expect(() => counter.inc({ model: "m" })).toThrow(/takes labels \{route\} \(got \{model\}\)/);
    expect(() => counter.inc({ route: "r" }, -1)).toThrow(/cannot go down/);
    // Once a series exists, an update of it that names a label too many or too few still fails.
    counter.inc({ route: "r" });
    expect(() => counter.inc({ route: "r", model: "m" })).toThrow(/takes labels \{route\}/);
    expect(() => counter.inc({})).toThrow(/takes labels \{route\}/);
    expect(counter.get({ route: "r" })).toBe(1);
    // A value given as a number the first time and as text later is one series.
    const histogram = registry.histogram("h_seconds", "x", ["route", "status"], [1]);
    histogram.observe({ route: "r", status: 200 as unknown as string }, 0.5);
    histogram.observe({ route: "r", status: "200" }, 2);
    expect(histogram.get({ route: "r", status: "200" })).toMatchObject({ count: 2, sum: 2.5 });
    expect(() => registry.counter("c_total", "again")).toThrow(/registered twice/);
    expect(() => registry.histogram("h", "x", ["le"], [1])).toThrow(/reserved/);
  });
});

describe("ModelScout metrics", () => {
  it("counts requests, latencies, decisions, feedback, alerts and open review items", () => {
    let open = 2;
    const metrics = createModelscoutMetrics({ reviewItemsOpen: () => open });
    const at = "2026-03-01T10:00:00.000Z";
    metrics.observe({
      kind: "request",
      at,
      route: "support",
      modelId: "m",
      latencyMs: 120,
      status: 200,
    });
    metrics.observe({
      kind: "request",
      at,
      route: "support",
      modelId: "m",
      latencyMs: 30_000,
      error: "BACKEND_TIMEOUT",
    });
    metrics.observe({
      kind: "request",
      at,
      route: "support",
      modelId: "m",
      latencyMs: 80,
      status: 503,
    });
    metrics.observe({
      kind: "decision",
      at,
      decisionId: "dec_1",
      route: "support",
      task: "text-classification",
      winnerId: "m",
      candidates: [{ modelId: "m", quality: 0.9 }],
    });
    metrics.observe({ kind: "feedback", at, route: "support", modelId: "m", correct: false });
    metrics.observe({ kind: "feedback", at, route: "support", modelId: "m", reward: 0.8 });
    metrics.recordAlert({ ruleId: "review-on-drop" });
    open = 1;

    expect(PROMETHEUS_CONTENT_TYPE).toBe("text/plain; version=0.0.4; charset=utf-8");
    const families = parseExposition(metrics.render());
    expect([...families.keys()]).toEqual([
      "modelscout_requests_total",
      "modelscout_request_duration_seconds",
      "modelscout_decisions_total",
      "modelscout_feedback_total",
      "modelscout_alerts_total",
      "modelscout_review_items_open",
    ]);
    expect(
      families
        .get("modelscout_requests_total")
        ?.samples.map((sample) => [sample.labels.status, sample.value]),
    ).toEqual([
      ["200", 1],
      ["error", 1],
      ["503", 1],
    ]);
    const duration = families.get("modelscout_request_duration_seconds") as ParsedFamily;
    checkHistogram(duration, "modelscout_request_duration_seconds");
    const bucket = (le: string) =>
      duration.samples.find((sample) => sample.labels.le === le)?.value;
    expect([bucket("0.1"), bucket("0.25"), bucket("30"), bucket("+Inf")]).toEqual([1, 2, 3, 3]);
    expect(families.get("modelscout_decisions_total")?.samples).toEqual([
      { name: "modelscout_decisions_total", labels: { route: "support", model: "m" }, value: 1 },
    ]);
    expect(
      families.get("modelscout_feedback_total")?.samples.map((sample) => sample.labels.kind),
    ).toEqual(["incorrect", "reward"]);
    expect(families.get("modelscout_alerts_total")?.samples[0]).toMatchObject({
      labels: { rule: "review-on-drop" },
      value: 1,
    });
    expect(families.get("modelscout_review_items_open")?.samples[0]?.value).toBe(1);
  });
});
