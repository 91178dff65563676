/**
 * @module
 * A small Prometheus registry: counters, gauges and histograms with labels, rendered in the
 * text exposition format 0.0.4 (`Content-Type: text/plain; version=0.0.4`). ModelScout needs
 * a handful of metrics and no push gateway, summaries or exemplars, so this is ~200 lines
 * instead of a dependency (`prom-client` pulls in a cluster aggregator and a GC tracer).
 *
 * Rules kept from the format's spec: metric and label names match
 * `[a-zA-Z_:][a-zA-Z0-9_:]*` / `[a-zA-Z_][a-zA-Z0-9_]*`; help text escapes `\` and newlines;
 * label values escape `\`, `"` and newlines; values are Go-style floats (`+Inf`, `-Inf`,
 * `NaN`); a histogram's buckets are cumulative, end with `le="+Inf"` equal to `_count`, and
 * come with `_sum` and `_count`. Samples of one metric are written together, after its
 * `# HELP` and `# TYPE` lines, in the order their label sets were first seen.
 */
import { ModelScoutError } from "../../errors/modelscout-error.js";

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export type Labels<Name extends string> = Readonly<Record<Name, string>>;

export function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

function invalid(message: string): ModelScoutError {
  return new ModelScoutError("INVALID_ARGUMENT", `Prometheus metrics: ${message}`);
}

interface MetricDefinition<Name extends string> {
  name: string;
  help: string;
  labelNames: readonly Name[];
}

function checkDefinition<Name extends string>(definition: MetricDefinition<Name>): void {
  if (!METRIC_NAME.test(definition.name)) {
    throw invalid(`"${definition.name}" is not a valid metric name`);
  }
  for (const label of definition.labelNames) {
    if (!LABEL_NAME.test(label) || label.startsWith("__") || label === "le") {
      throw invalid(`"${label}" is not a valid label name for ${definition.name}`);
    }
  }
}

/** Label sets by their canonical key, in first-seen order. */
class LabelledValues<Name extends string, Value> {
  readonly #entries = new Map<string, { labels: Labels<Name>; value: Value }>();

  constructor(
    private readonly definition: MetricDefinition<Name>,
    private readonly initial: () => Value,
  ) {}

  entry(labels: Labels<Name>): { labels: Labels<Name>; value: Value } {
    const names = this.definition.labelNames;
    const key = names.map((name) => labels[name]).join("\u0000");
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      for (const name of names) {
        if (typeof labels[name] !== "string") {
          throw invalid(`${this.definition.name} needs label "${name}"`);
        }
      }
      const copy = Object.fromEntries(names.map((name) => [name, labels[name]])) as Labels<Name>;
      entry = { labels: copy, value: this.initial() };
      this.#entries.set(key, entry);
    }
    return entry;
  }

  entries(): IterableIterator<{ labels: Labels<Name>; value: Value }> {
    return this.#entries.values();
  }
}

function labelText(
  names: readonly string[],
  labels: Readonly<Record<string, string>>,
  extra?: [string, string],
): string {
  const parts = names.map((name) => `${name}="${escapeLabelValue(labels[name] ?? "")}"`);
  if (extra !== undefined) parts.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

interface Renderable {
  readonly name: string;
  render(): string;
}

function header(definition: MetricDefinition<string>, type: string): string {
  return `# HELP ${definition.name} ${escapeHelp(definition.help)}\n# TYPE ${definition.name} ${type}\n`;
}

export class Counter<Name extends string = never> implements Renderable {
  readonly name: string;
  readonly #values: LabelledValues<Name, { total: number }>;

  constructor(private readonly definition: MetricDefinition<Name>) {
    checkDefinition(definition);
    this.name = definition.name;
    this.#values = new LabelledValues(definition, () => ({ total: 0 }));
  }

  inc(labels: Labels<Name>, by = 1): void {
    if (!(by >= 0)) throw invalid(`${this.name} can only go up (got ${by})`);
    this.#values.entry(labels).value.total += by;
  }

  get(labels: Labels<Name>): number {
    return this.#values.entry(labels).value.total;
  }

  render(): string {
    let text = header(this.definition, "counter");
    for (const { labels, value } of this.#values.entries()) {
      text += `${this.name}${labelText(this.definition.labelNames, labels)} ${formatValue(value.total)}\n`;
    }
    return text;
  }
}

export class Gauge<Name extends string = never> implements Renderable {
  readonly name: string;
  readonly #values: LabelledValues<Name, { current: number }>;

  /** `collect` runs at each scrape, before rendering, to set values read from elsewhere. */
  constructor(
    private readonly definition: MetricDefinition<Name> & {
      collect?: (gauge: Gauge<Name>) => void;
    },
  ) {
    checkDefinition(definition);
    this.name = definition.name;
    this.#values = new LabelledValues(definition, () => ({ current: 0 }));
  }

  set(labels: Labels<Name>, value: number): void {
    this.#values.entry(labels).value.current = value;
  }

  get(labels: Labels<Name>): number {
    return this.#values.entry(labels).value.current;
  }

  render(): string {
    this.definition.collect?.(this);
    let text = header(this.definition, "gauge");
    for (const { labels, value } of this.#values.entries()) {
      text += `${this.name}${labelText(this.definition.labelNames, labels)} ${formatValue(value.current)}\n`;
    }
    return text;
  }
}

interface HistogramValue {
  /** Per bucket, not cumulative; the last slot is the +Inf bucket. */
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram<Name extends string = never> implements Renderable {
  readonly name: string;
  readonly buckets: readonly number[];
  readonly #values: LabelledValues<Name, HistogramValue>;

  constructor(
    private readonly definition: MetricDefinition<Name> & { buckets: readonly number[] },
  ) {
    checkDefinition(definition);
    const buckets = definition.buckets.filter((bound) => bound !== Number.POSITIVE_INFINITY);
    if (
      buckets.length === 0 ||
      buckets.some((bound, index) => index > 0 && bound <= (buckets[index - 1] as number))
    ) {
      throw invalid(`${definition.name} needs increasing bucket bounds`);
    }
    this.name = definition.name;
    this.buckets = buckets;
    this.#values = new LabelledValues(definition, () => ({
      counts: new Array<number>(buckets.length + 1).fill(0),
      sum: 0,
      count: 0,
    }));
  }

  observe(labels: Labels<Name>, value: number): void {
    const entry = this.#values.entry(labels).value;
    let index = this.buckets.findIndex((bound) => value <= bound);
    if (index === -1) index = this.buckets.length;
    entry.counts[index] = (entry.counts[index] as number) + 1;
    entry.sum += value;
    entry.count += 1;
  }

  render(): string {
    let text = header(this.definition, "histogram");
    const names = this.definition.labelNames;
    for (const { labels, value } of this.#values.entries()) {
      let cumulative = 0;
      this.buckets.forEach((bound, index) => {
        cumulative += value.counts[index] as number;
        text += `${this.name}_bucket${labelText(names, labels, ["le", formatValue(bound)])} ${cumulative}\n`;
      });
      text += `${this.name}_bucket${labelText(names, labels, ["le", "+Inf"])} ${value.count}\n`;
      text += `${this.name}_sum${labelText(names, labels)} ${formatValue(value.sum)}\n`;
      text += `${this.name}_count${labelText(names, labels)} ${value.count}\n`;
    }
    return text;
  }
}

export class PrometheusRegistry {
  readonly #metrics = new Map<string, Renderable>();

  register<Metric extends Renderable>(metric: Metric): Metric {
    if (this.#metrics.has(metric.name)) throw invalid(`${metric.name} is registered twice`);
    this.#metrics.set(metric.name, metric);
    return metric;
  }

  counter<Name extends string = never>(definition: MetricDefinition<Name>): Counter<Name> {
    return this.register(new Counter(definition));
  }

  gauge<Name extends string = never>(
    definition: MetricDefinition<Name> & { collect?: (gauge: Gauge<Name>) => void },
  ): Gauge<Name> {
    return this.register(new Gauge(definition));
  }

  histogram<Name extends string = never>(
    definition: MetricDefinition<Name> & { buckets: readonly number[] },
  ): Histogram<Name> {
    return this.register(new Histogram(definition));
  }

  /** Every metric in registration order, in the text format. */
  render(): string {
    let text = "";
    for (const metric of this.#metrics.values()) text += metric.render();
    return text;
  }
}
