/**
 * @module
 * Classifies a request into a route by running the config's classification steps in order
 * (keyword rules, nearest neighbour over example utterances, a classifier model); the first
 * step that names a route serving the request's task decides, otherwise the default route
 * does. Every step's verdict is kept in the trace, so the decision can be explained.
 *
 * A step whose model fails (at start-up, while embedding the examples, or on a request)
 * passes instead of failing the request: classification degrades to the next step and the
 * default route, and `status()` reports the broken step for `/ready`.
 *
 * A step's call to its model on a request goes through the router's gate for that model
 * (`ModelCallGate`: its circuit breaker and `max_in_flight` cap, ADR 0035), as a routed call
 * does: a model whose breaker is open (failing, or down by the health checks) or that is full
 * is passed over at once instead of making every request wait for the step's timeout, and the
 * step's failures count towards opening the breaker.
 *
 * A model step's trace keeps the tokens its call reported for the request and, at the step
 * model's declared `price`, their cost (ADR 0090): a chat model asked to name a route costs
 * tokens on every request, and so may a priced embedding server.
 */
import type { CancelSignal } from "../../backends/cancellation.js";
import {
  type BatchLabelResult,
  batchLabelResults,
  unreadAnswerUsage,
} from "../../backends/http/prompt-classifier.js";
import type {
  AnswerUsage,
  BackendOutput,
  LabelScore,
  ModelBackend,
} from "../../backends/model-backend.js";
import { errorMessage } from "../../errors/error-message.js";
import { topLabelScore } from "../../select/metrics/classification-metrics.js";
import { answerCostUsd, type ModelPrice } from "../model-price.js";
import type { ClassificationStep, RoutesConfig } from "../routes-config.js";
import type { ClassificationStepTrace, ClassificationTrace } from "../routing-decision.js";
import { withDeadline } from "../with-deadline.js";
import { KeywordRules } from "./keyword-rules.js";
import {
  NearestNeighbourIndex,
  type NeighbourLookup,
  type NeighbourMatch,
} from "./nearest-neighbour-index.js";

export interface ClassificationStepStatus {
  step: number;
  kind: ClassificationStep["kind"];
  model: string | null;
  ready: boolean;
  /** Examples embedded (nearest-neighbour steps). */
  examples?: number;
  error?: string;
}

type NearestNeighbourStepConfig = Extract<ClassificationStep, { kind: "nearest-neighbour" }>;

type ClassifierStepConfig = Extract<ClassificationStep, { kind: "classifier" }>;

/**
 * Texts a model step takes in one call when a batch is classified (`classifyEach`): the
 * examples are embedded in calls of as many (`NearestNeighbourIndex.build`).
 */
const TEXTS_PER_STEP_CALL = 64;

type PreparedStep =
  | { kind: "rules"; rules: KeywordRules }
  | {
      kind: "nearest-neighbour";
      config: NearestNeighbourStepConfig;
      index: NearestNeighbourIndex | null;
      error: string | null;
      price: ModelPrice | undefined;
    }
  | {
      kind: "classifier";
      config: ClassifierStepConfig;
      backend: ModelBackend;
      price: ModelPrice | undefined;
    };

/**
 * Whether a step may call a model now: a pass, to end when the call ends, or why not (the
 * text follows "skipped: " in the step's trace).
 */
export type ModelCallGate = (modelId: string) => ModelCallPass | string;

export interface ModelCallPass {
  /**
   * The call is over: no `error` when the model answered; `clientLeft` when it was cut short
   * because the request was cancelled (not the model's fault).
   */
  end(error?: unknown, clientLeft?: boolean): void;
}

const OPEN_GATE: ModelCallGate = () => ({ end() {} });

export interface RequestClassifierOptions {
  /** Admits each call a step makes on a request (default: every call goes). */
  gate?: ModelCallGate;
  /** The declared price of a step's model (`ModelRegistry.priceOf`), for its calls' cost. */
  priceOf?: (modelId: string) => ModelPrice | undefined;
}

export class RequestClassifier {
  readonly #config: RoutesConfig;
  readonly #resolve: (modelId: string) => ModelBackend;
  readonly #gate: ModelCallGate;
  readonly #steps: PreparedStep[];
  readonly #routeOrder: string[];

  constructor(
    config: RoutesConfig,
    resolveBackend: (modelId: string) => ModelBackend,
    options: RequestClassifierOptions = {},
  ) {
    this.#config = config;
    this.#resolve = resolveBackend;
    this.#gate = options.gate ?? OPEN_GATE;
    this.#routeOrder = config.routes.map((route) => route.name);
    const priceOf = options.priceOf ?? (() => undefined);
    this.#steps = config.classification.map((step): PreparedStep => {
      if (step.kind === "rules") return { kind: "rules", rules: new KeywordRules(step) };
      if (step.kind === "nearest-neighbour") {
        return {
          kind: "nearest-neighbour",
          config: step,
          index: null,
          error: "not prepared yet",
          price: priceOf(step.model),
        };
      }
      return {
        kind: "classifier",
        config: step,
        backend: resolveBackend(step.model),
        price: priceOf(step.model),
      };
    });
  }

  /**
   * Embeds the examples of every nearest-neighbour step (a failing step is disabled, not
   * fatal) and compiles every rules step's expressions (`KeywordRules.warm`). A step whose
   * model (the same backend), examples and `k` are those of a step of `previous` (the
   * classifier of the config this one reloads) takes its embedded examples instead.
   */
  async prepare(
    signal?: AbortSignal,
    previous?: RequestClassifier,
  ): Promise<ClassificationStepStatus[]> {
    for (const step of this.#steps) {
      if (step.kind === "rules") step.rules.warm();
      if (step.kind !== "nearest-neighbour") continue;
      const embedded =
        previous === undefined
          ? undefined
          : previous.#embedded(this.#resolve(step.config.model), step.config);
      if (embedded !== undefined) {
        step.index = embedded;
        step.error = null;
        continue;
      }
      try {
        step.index = await NearestNeighbourIndex.build(
          this.#resolve(step.config.model),
          step.config.examples,
          step.config.k,
          signal,
        );
        step.error = null;
      } catch (error) {
        step.index = null;
        step.error = `could not embed the examples with ${step.config.model}: ${errorMessage(error)}`;
      }
    }
    return this.status();
  }

  /** The embedded examples of a step of this classifier that `step` with `backend` can take. */
  #embedded(
    backend: ModelBackend,
    step: NearestNeighbourStepConfig,
  ): NearestNeighbourIndex | undefined {
    for (const mine of this.#steps) {
      if (mine.kind !== "nearest-neighbour" || mine.index === null) continue;
      if (mine.config.model !== step.model || mine.config.k !== step.k) continue;
      if (this.#resolve(mine.config.model) !== backend) continue;
      // A Map: compared as its entries, in order (the order routes' examples were written).
      if (JSON.stringify([...mine.config.examples]) !== JSON.stringify([...step.examples])) {
        continue;
      }
      return mine.index;
    }
    return undefined;
  }

  status(): ClassificationStepStatus[] {
    return this.#steps.map((step, index) => {
      if (step.kind === "rules") return { step: index, kind: "rules", model: null, ready: true };
      if (step.kind === "nearest-neighbour") {
        return {
          step: index,
          kind: step.kind,
          model: step.config.model,
          ready: step.index !== null,
          ...(step.index !== null && { examples: step.index.size }),
          ...(step.error !== null && { error: step.error }),
        };
      }
      return { step: index, kind: step.kind, model: step.config.model, ready: true };
    });
  }

  /**
   * The route for `text` among `eligible` routes (those serving the request's task), with
   * the verdict of every step tried.
   */
  async classify(
    text: string,
    eligible: ReadonlySet<string>,
    signal?: CancelSignal,
  ): Promise<ClassificationTrace> {
    const steps: ClassificationStepTrace[] = [];
    for (let index = 0; index < this.#steps.length; index += 1) {
      const step = this.#steps[index] as PreparedStep;
      const startedAt = performance.now();
      const verdict = await this.#runStep(step, text, eligible, signal);
      steps.push({
        step: index,
        kind: step.kind,
        ...verdict,
        elapsedMs: performance.now() - startedAt,
      });
      if (verdict.route !== null) return { route: verdict.route, usedDefault: false, steps };
    }
    return { route: this.defaultRoute(eligible).route, usedDefault: true, steps };
  }

  /**
   * The default route if it is eligible, else the first eligible route in config order: where
   * a request no step decides goes, and one with no text to classify.
   */
  defaultRoute(eligible: ReadonlySet<string>): ClassificationTrace {
    const preferred = this.#config.defaultRoute;
    const route = eligible.has(preferred)
      ? preferred
      : (this.#routeOrder.find((name) => eligible.has(name)) as string);
    return { route, usedDefault: true, steps: [] };
  }

  /**
   * The route of each of `texts` among `eligible` routes, as `classify` finds it for that
   * text alone, with each model step called once for all the texts still undecided when it
   * runs (in calls of up to `TEXTS_PER_STEP_CALL`), not once per text: a batch's items are
   * classified together (ADR 0081, addendum). The one call goes through the model's gate
   * once, so the items do not contend for its `max_in_flight`; its deadline is the step's
   * `timeout_ms` for each text it carries, the time they had one after another. Each text's
   * trace has the elapsed time of the call that carried it (it waited for all of it); a rules
   * step's is the text's own.
   */
  async classifyEach(
    texts: readonly string[],
    eligible: ReadonlySet<string>,
    signal?: CancelSignal,
  ): Promise<ClassificationTrace[]> {
    const steps: ClassificationStepTrace[][] = texts.map(() => []);
    const routes: (string | null)[] = texts.map(() => null);
    let pending = texts.map((_, item) => item);
    for (let index = 0; index < this.#steps.length && pending.length > 0; index += 1) {
      const step = this.#steps[index] as PreparedStep;
      const undecided: number[] = [];
      for (let start = 0; start < pending.length; start += TEXTS_PER_STEP_CALL) {
        const carried = pending.slice(start, start + TEXTS_PER_STEP_CALL);
        const verdicts = await this.#runStepOnEach(
          step,
          carried.map((item) => texts[item] as string),
          eligible,
          signal,
        );
        for (const [position, item] of carried.entries()) {
          const verdict = verdicts[position] as TimedVerdict;
          (steps[item] as ClassificationStepTrace[]).push({
            step: index,
            kind: step.kind,
            ...verdict,
          });
          if (verdict.route === null) undecided.push(item);
          else routes[item] = verdict.route;
        }
      }
      pending = undecided;
    }
    const fallback = pending.length === 0 ? null : this.defaultRoute(eligible).route;
    return texts.map((_, item) => {
      const route = routes[item] ?? null;
      return {
        route: route ?? (fallback as string),
        usedDefault: route === null,
        steps: steps[item] as ClassificationStepTrace[],
      };
    });
  }

  async #runStep(
    step: PreparedStep,
    text: string,
    eligible: ReadonlySet<string>,
    signal: CancelSignal | undefined,
  ): Promise<StepVerdict> {
    if (step.kind === "rules") return rulesVerdict(step.rules, text, eligible);
    if (step.kind === "nearest-neighbour") {
      const index = step.index;
      if (index === null) return { route: null, detail: `skipped: ${step.error}` };
      const pass = this.#gate(step.config.model);
      if (typeof pass === "string") return { route: null, detail: `skipped: ${pass}` };
      const read = opening(text, step.config.maxTextChars);
      try {
        const found = await withDeadline(
          (run) => index.nearest(read.text, eligible, run),
          step.config.timeoutMs,
          signal,
        );
        pass.end();
        return neighbourVerdict(step.config, found, read.note, step.price);
      } catch (error) {
        pass.end(error, signal?.aborted === true);
        signal?.throwIfAborted();
        return { route: null, detail: `failed: ${errorMessage(error)}` };
      }
    }
    const labels = step.config.candidateLabels
      ? this.#routeOrder.filter((name) => eligible.has(name))
      : undefined;
    const pass = this.#gate(step.config.model);
    if (typeof pass === "string") return { route: null, detail: `skipped: ${pass}` };
    const read = opening(text, step.config.maxTextChars);
    try {
      const [output] = await withDeadline(
        (run) =>
          step.backend.doRun(
            [labels === undefined ? read.text : { text: read.text, candidateLabels: labels }],
            run,
          ),
        step.config.timeoutMs,
        signal,
      );
      pass.end();
      return labelVerdict(step.config, output, eligible, read.note, step.price);
    } catch (error) {
      pass.end(error, signal?.aborted === true);
      signal?.throwIfAborted();
      // A chat model's answer that named no route was still a call its server billed.
      return withSpend(
        { route: null, detail: `failed: ${errorMessage(error)}` },
        spendOf(step.config.model, step.price, unreadAnswerUsage(error)),
      );
    }
  }

  /** `#runStep` on every text of `texts`, a model step in one call (`classifyEach`). */
  async #runStepOnEach(
    step: PreparedStep,
    texts: readonly string[],
    eligible: ReadonlySet<string>,
    signal: CancelSignal | undefined,
  ): Promise<TimedVerdict[]> {
    if (step.kind === "rules") {
      return texts.map((text) => {
        const startedAt = performance.now();
        const verdict = rulesVerdict(step.rules, text, eligible);
        return { elapsedMs: performance.now() - startedAt, ...verdict };
      });
    }
    const startedAt = performance.now();
    const verdicts = await this.#runModelStepOnEach(step, texts, eligible, signal);
    const elapsedMs = performance.now() - startedAt;
    return verdicts.map((verdict) => ({ elapsedMs, ...verdict }));
  }

  async #runModelStepOnEach(
    step: Exclude<PreparedStep, { kind: "rules" }>,
    texts: readonly string[],
    eligible: ReadonlySet<string>,
    signal: CancelSignal | undefined,
  ): Promise<StepVerdict[]> {
    const every = (verdict: StepVerdict) => texts.map(() => verdict);
    const index = step.kind === "nearest-neighbour" ? step.index : null;
    if (step.kind === "nearest-neighbour" && index === null) {
      return every({ route: null, detail: `skipped: ${step.error}` });
    }
    const pass = this.#gate(step.config.model);
    if (typeof pass === "string") return every({ route: null, detail: `skipped: ${pass}` });
    const reads = texts.map((text) => opening(text, step.config.maxTextChars));
    const timeoutMs = step.config.timeoutMs * texts.length;
    try {
      if (step.kind === "nearest-neighbour") {
        const found = await withDeadline(
          (run) =>
            (index as NearestNeighbourIndex).nearestEach(
              reads.map((read) => read.text),
              eligible,
              run,
            ),
          timeoutMs,
          signal,
        );
        pass.end();
        return found.map((each, position) =>
          neighbourVerdict(step.config, each, (reads[position] as TextOpening).note, step.price),
        );
      }
      const labels = step.config.candidateLabels
        ? this.#routeOrder.filter((name) => eligible.has(name))
        : undefined;
      const outputs = await withDeadline(
        (run) =>
          step.backend.doRun(
            reads.map((read) =>
              labels === undefined ? read.text : { text: read.text, candidateLabels: labels },
            ),
            run,
          ),
        timeoutMs,
        signal,
      );
      pass.end();
      // One output per text: each carries its own tokens (a chat model is asked once per
      // text; an embedding server's batch is shared out, `split-batch-usage.ts`).
      return reads.map((read, position) =>
        labelVerdict(step.config, outputs[position], eligible, read.note, step.price),
      );
    } catch (error) {
      pass.end(error, signal?.aborted === true);
      signal?.throwIfAborted();
      // Some of a chat model's answers named no route: those texts fail this step alone, the
      // others keep their labels, and every call counts what it cost.
      const results =
        step.kind === "classifier" ? batchLabelResults(error, texts.length) : undefined;
      if (step.kind === "classifier" && results !== undefined) {
        const { config, price } = step;
        return reads.map((read, position) => {
          const result = results[position] as BatchLabelResult;
          return "output" in result
            ? labelVerdict(config, result.output, eligible, read.note, price)
            : withSpend(
                { route: null, detail: `failed: ${result.error}` },
                spendOf(config.model, price, result.usage),
              );
        });
      }
      return every({ route: null, detail: `failed: ${errorMessage(error)}` });
    }
  }
}

/** What a step found for one text; the route null when it passed. */
type StepVerdict = { route: string | null; detail: string; score?: number } & StepSpend;

/** A model step's call's tokens and cost, as its trace keeps them (`ClassificationStepTrace`). */
type StepSpend = Pick<ClassificationStepTrace, "model" | "usage" | "costUsd">;

/** `usage` and its cost at `price` for a step of `model`; undefined when no tokens were reported. */
function spendOf(
  model: string,
  price: ModelPrice | undefined,
  usage: AnswerUsage | undefined,
): StepSpend | undefined {
  if (usage === undefined) return undefined;
  const costUsd = answerCostUsd(price, usage);
  return costUsd === null ? { model, usage } : { model, usage, costUsd };
}

type TimedVerdict = StepVerdict & { elapsedMs: number };

function rulesVerdict(rules: KeywordRules, text: string, eligible: ReadonlySet<string>) {
  return rules.match(text, eligible) ?? { route: null, detail: "no rule matched" };
}

/** `verdict` with the step's call's tokens and cost, when it reported tokens. */
function withSpend(verdict: StepVerdict, spend: StepSpend | undefined): StepVerdict {
  return spend === undefined ? verdict : Object.assign(verdict, spend);
}

function neighbourVerdict(
  config: NearestNeighbourStepConfig,
  found: NeighbourLookup,
  note: string,
  price: ModelPrice | undefined,
): StepVerdict {
  // The request's text was embedded whatever the vote: its tokens count.
  return withSpend(
    matchVerdict(config, found.match, note),
    spendOf(config.model, price, found.usage),
  );
}

function matchVerdict(
  config: NearestNeighbourStepConfig,
  match: NeighbourMatch | null,
  note: string,
): StepVerdict {
  if (match === null) return { route: null, detail: "no examples for the eligible routes" };
  const similarity = Number(match.topSimilarity.toFixed(4));
  if (match.topSimilarity < config.minSimilarity) {
    return {
      route: null,
      detail: `nearest example below min_similarity ${config.minSimilarity}${note}`,
      score: similarity,
    };
  }
  return {
    route: match.route,
    detail: `nearest example "${match.example}" (${match.similarity.toFixed(2)}), ${match.votes}/${match.k} votes${note}`,
    score: similarity,
  };
}

function labelVerdict(
  config: ClassifierStepConfig,
  output: BackendOutput | undefined,
  eligible: ReadonlySet<string>,
  note: string,
  price: ModelPrice | undefined,
): StepVerdict {
  // Whatever the answer named, the call was made: its tokens count.
  const usage = output !== undefined && "usage" in output ? output.usage : undefined;
  return withSpend(
    labelsVerdict(config, output, eligible, note),
    spendOf(config.model, price, usage),
  );
}

function labelsVerdict(
  config: ClassifierStepConfig,
  output: BackendOutput | undefined,
  eligible: ReadonlySet<string>,
  note: string,
): StepVerdict {
  if (output?.kind !== "labels" || output.labels.length === 0) {
    return { route: null, detail: `${config.model} returned no labels` };
  }
  const top = topLabelScore(output) as LabelScore;
  const route = config.labels.get(top.label) ?? top.label;
  const score = Number(top.score.toFixed(4));
  if (!eligible.has(route)) {
    return { route: null, detail: `label ${top.label} is not a route serving this task`, score };
  }
  if (top.score < config.minScore) {
    return {
      route: null,
      detail: `label ${top.label} below min_score ${config.minScore}${note}`,
      score,
    };
  }
  return { route, detail: `label ${top.label} (${top.score.toFixed(2)})${note}`, score };
}

type TextOpening = ReturnType<typeof opening>;

/**
 * What a model step reads of `text`: its first `chars` characters (`max_text_chars`), not
 * ending inside a surrogate pair, and a note for the step's trace when that is not all of it.
 */
export function opening(text: string, chars: number): { text: string; note: string } {
  if (text.length <= chars) return { text, note: "" };
  const code = text.charCodeAt(chars - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? chars - 1 : chars;
  return { text: text.slice(0, end), note: `; read the first ${end} of ${text.length} characters` };
}
