/**
 * @module
 * A small metrics registry that renders the Prometheus text exposition format 0.0.4: counters,
 * gauges (set directly or read at scrape time) and histograms with fixed buckets, each with
 * named labels. It exists instead of `prom-client` because ModelScout needs six metrics and
 * none of prom-client's default process metrics, cluster aggregation or summaries; this is
 * under 300 lines with no dependency, and the format is tested line by line.
 *
 * Format rules followed: one `# HELP` and one `# TYPE` line per family before its samples;
 * HELP text escapes `\` and newline; label values escape `\`, `"` and newline; histograms
 * render cumulative `_bucket{le="..."}` series ending in `le="+Inf"`, then `_sum` and
 * `_count`; values are Go-style floats (`+Inf`, `-Inf`, `NaN`).
 */
import { ModelScoutError } from "../../errors/modelscout-error.js";

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export type Labels = Readonly<Record<string, string>>;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

export function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

interface Family {
  name: string;
  help: string;
  type: "counter" | "gauge" | "histogram";
  labelNames: readonly string[];
  render(lines: string[]): void;
}

function invalid(message: string): ModelScoutError {
  return new ModelScoutError("INVALID_ARGUMENT", `Metrics: ${message}`);
}

/** Label values in the family's label order; refuses missing or unknown labels. */
function labelValues(family: Pick<Family, "name" | "labelNames">, labels: Labels): string[] {
  const given = Object.keys(labels);
  if (
    given.length !== family.labelNames.length ||
    given.some((name) => !family.labelNames.includes(name))
  ) {
    throw invalid(
      `${family.name} takes labels {${family.labelNames.join(", ")}} (got {${given.join(", ")}})`,
    );
  }
  return family.labelNames.map((name) => String(labels[name]));
}

function labelText(names: readonly string[], values: readonly string[], extra = ""): string {
  const pairs = names.map(
    (name, index) => `${name}="${escapeLabelValue(values[index] as string)}"`,
  );
  if (extra !== "") pairs.push(extra);
  return pairs.length === 0 ? "" : `{${pairs.join(",")}}`;
}

export interface Counter {
  inc(labels?: Labels, amount?: number): void;
  get(labels?: Labels): number;
}

export interface Gauge {
  set(labels: Labels, value: number): void;
  inc(labels?: Labels, amount?: number): void;
  get(labels?: Labels): number;
}

export interface Histogram {
  observe(labels: Labels, value: number): void;
  /** Count and sum for one label set (for tests and the dashboard). */
  get(labels?: Labels): { count: number; sum: number; buckets: number[] };
}

interface SeriesMap<V> {
  values: Map<string, { labels: string[]; value: V }>;
  /**
   * The same series found by their label values, one map per label in the family's order,
   * down to the series: a label set seen before is found without building its key string.
   * `values` keys each series by its values joined, a new string to hash on every call, and
   * with the check of the label names this took about 1.5k instructions per update; three
   * updates a request (`bench/router-instructions.ts --monitoring --functions`, 2026-12-01).
   */
  index: Map<string, unknown>;
}

/** The series of `labels` if it was made before (`SeriesMap.index`); undefined otherwise. */
function indexedSeries(
  labelNames: readonly string[],
  index: Map<string, unknown>,
  labels: Labels,
): unknown {
  // Exactly the family's labels: as many as it has (counted without allocating), each present.
  let given = 0;
  for (const name in labels) if (Object.hasOwn(labels, name)) given += 1;
  if (given !== labelNames.length) return undefined;
  let node: unknown = index;
  for (const name of labelNames) {
    const value = labels[name];
    if (typeof value !== "string") return undefined;
    node = (node as Map<string, unknown>).get(value);
    if (node === undefined) return undefined;
  }
  return node;
}

export class MetricsRegistry {
  private readonly families: Family[] = [];

  private register(family: Family): void {
    if (!METRIC_NAME.test(family.name)) throw invalid(`invalid metric name "${family.name}"`);
    for (const label of family.labelNames) {
      if (!LABEL_NAME.test(label) || label.startsWith("__")) {
        throw invalid(`invalid label name "${label}" on ${family.name}`);
      }
    }
    if (this.families.some((existing) => existing.name === family.name)) {
      throw invalid(`metric ${family.name} is registered twice`);
    }
    this.families.push(family);
  }

  private series<V>(
    family: Pick<Family, "name" | "labelNames">,
    store: SeriesMap<V>,
    labels: Labels,
    initial: () => V,
  ) {
    if (family.labelNames.length > 0) {
      const known = indexedSeries(family.labelNames, store.index, labels);
      if (known !== undefined) return known as { labels: string[]; value: V };
    }
    const values = labelValues(family, labels);
    const key = values.join("\u0000");
    let entry = store.values.get(key);
    if (entry === undefined) {
      entry = { labels: values, value: initial() };
      store.values.set(key, entry);
    }
    let node = store.index;
    values.forEach((value, position) => {
      if (position === values.length - 1) {
        node.set(value, entry);
        return;
      }
      let next = node.get(value) as Map<string, unknown> | undefined;
      if (next === undefined) {
        next = new Map();
        node.set(value, next);
      }
      node = next;
    });
    return entry;
  }

  /** A counter kept elsewhere (a count since the process started), read at each render. */
  counterFrom(name: string, help: string, collect: () => number): void {
    this.register({
      name,
      help,
      type: "counter",
      labelNames: [],
      render: (lines) => {
        lines.push(`${name} ${formatValue(collect())}`);
      },
    });
  }

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    const store: SeriesMap<number> = { values: new Map(), index: new Map() };
    const family: Family = {
      name,
      help,
      type: "counter",
      labelNames,
      render: (lines) => {
        for (const { labels, value } of store.values.values()) {
          lines.push(`${name}${labelText(labelNames, labels)} ${formatValue(value)}`);
        }
      },
    };
    this.register(family);
    if (labelNames.length === 0) this.series(family, store, {}, () => 0);
    return {
      inc: (labels = {}, amount = 1) => {
        if (!(amount >= 0))
          throw invalid(`${name} is a counter: it cannot go down (got ${amount})`);
        this.series(family, store, labels, () => 0).value += amount;
      },
      get: (labels = {}) =>
        store.values.get(labelValues(family, labels).join("\u0000"))?.value ?? 0,
    };
  }

  /**
   * A gauge. With `collect`, its samples are read at each render (a count kept elsewhere, such
   * as open review items) instead of being set.
   */
  gauge(
    name: string,
    help: string,
    labelNames: readonly string[] = [],
    collect?: () => number | readonly [Labels, number][],
  ): Gauge {
    const store: SeriesMap<number> = { values: new Map(), index: new Map() };
    const family: Family = {
      name,
      help,
      type: "gauge",
      labelNames,
      render: (lines) => {
        if (collect !== undefined) {
          const collected = collect();
          const samples: readonly [Labels, number][] =
            typeof collected === "number" ? [[{}, collected]] : collected;
          for (const [labels, value] of samples) {
            lines.push(
              `${name}${labelText(labelNames, labelValues(family, labels))} ${formatValue(value)}`,
            );
          }
          return;
        }
        for (const { labels, value } of store.values.values()) {
          lines.push(`${name}${labelText(labelNames, labels)} ${formatValue(value)}`);
        }
      },
    };
    this.register(family);
    return {
      set: (labels, value) => {
        this.series(family, store, labels, () => 0).value = value;
      },
      inc: (labels = {}, amount = 1) => {
        this.series(family, store, labels, () => 0).value += amount;
      },
      get: (labels = {}) => {
        if (collect !== undefined) {
          const collected = collect();
          if (typeof collected === "number") return collected;
          const key = labelValues(family, labels).join("\u0000");
          const found = collected.find(
            ([sampleLabels]) => labelValues(family, sampleLabels).join("\u0000") === key,
          );
          return found?.[1] ?? 0;
        }
        return store.values.get(labelValues(family, labels).join("\u0000"))?.value ?? 0;
      },
    };
  }

  histogram(
    name: string,
    help: string,
    labelNames: readonly string[],
    buckets: readonly number[],
  ): Histogram {
    if (labelNames.includes("le")) throw invalid(`${name}: "le" is reserved for histogram buckets`);
    const bounds = [...buckets].sort((a, b) => a - b);
    if (
      bounds.length === 0 ||
      bounds.some((bound, index) => !Number.isFinite(bound) || bound === bounds[index - 1])
    ) {
      throw invalid(`${name}: buckets must be distinct finite numbers`);
    }
    type Series = { counts: number[]; sum: number; count: number };
    const store: SeriesMap<Series> = { values: new Map(), index: new Map() };
    const family: Family = {
      name,
      help,
      type: "histogram",
      labelNames,
      render: (lines) => {
        for (const { labels, value } of store.values.values()) {
          let cumulative = 0;
          bounds.forEach((bound, index) => {
            cumulative += value.counts[index] as number;
            lines.push(
              `${name}_bucket${labelText(labelNames, labels, `le="${formatValue(bound)}"`)} ${cumulative}`,
            );
          });
          lines.push(`${name}_bucket${labelText(labelNames, labels, 'le="+Inf"')} ${value.count}`);
          lines.push(`${name}_sum${labelText(labelNames, labels)} ${formatValue(value.sum)}`);
          lines.push(`${name}_count${labelText(labelNames, labels)} ${value.count}`);
        }
      },
    };
    this.register(family);
    return {
      observe: (labels, value) => {
        const series = this.series(family, store, labels, () => ({
          counts: bounds.map(() => 0),
          sum: 0,
          count: 0,
        })).value;
        // Counted in the first bucket whose bound is >= value; above all bounds only in +Inf.
        const index = bounds.findIndex((bound) => value <= bound);
        if (index !== -1) series.counts[index] = (series.counts[index] as number) + 1;
        series.sum += value;
        series.count += 1;
      },
      get: (labels = {}) => {
        const series = store.values.get(labelValues(family, labels).join("\u0000"))?.value;
        if (series === undefined) return { count: 0, sum: 0, buckets: bounds.map(() => 0) };
        let cumulative = 0;
        return {
          count: series.count,
          sum: series.sum,
          buckets: series.counts.map((count) => {
            cumulative += count;
            return cumulative;
          }),
        };
      },
    };
  }

  /** The text exposition (format 0.0.4), ending in a newline. */
  render(): string {
    const lines: string[] = [];
    for (const family of this.families) {
      lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
      lines.push(`# TYPE ${family.name} ${family.type}`);
      family.render(lines);
    }
    return `${lines.join("\n")}\n`;
  }
}
