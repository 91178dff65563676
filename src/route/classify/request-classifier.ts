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
 */
import type { CancelSignal } from "../../backends/cancellation.js";
import type { LabelScore, ModelBackend } from "../../backends/model-backend.js";
import { errorMessage } from "../../errors/error-message.js";
import { topLabelScore } from "../../select/metrics/classification-metrics.js";
import type { ClassificationStep, RoutesConfig } from "../routes-config.js";
import type { ClassificationStepTrace, ClassificationTrace } from "../routing-decision.js";
import { withDeadline } from "../with-deadline.js";
import { KeywordRules } from "./keyword-rules.js";
import { NearestNeighbourIndex } from "./nearest-neighbour-index.js";

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

type PreparedStep =
  | { kind: "rules"; rules: KeywordRules }
  | {
      kind: "nearest-neighbour";
      config: NearestNeighbourStepConfig;
      index: NearestNeighbourIndex | null;
      error: string | null;
    }
  | {
      kind: "classifier";
      config: Extract<ClassificationStep, { kind: "classifier" }>;
      backend: ModelBackend;
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

export class RequestClassifier {
  readonly #config: RoutesConfig;
  readonly #resolve: (modelId: string) => ModelBackend;
  readonly #gate: ModelCallGate;
  readonly #steps: PreparedStep[];
  readonly #routeOrder: string[];

  /** `gate` admits each call a step makes on a request (default: every call goes). */
  constructor(
    config: RoutesConfig,
    resolveBackend: (modelId: string) => ModelBackend,
    gate: ModelCallGate = OPEN_GATE,
  ) {
    this.#config = config;
    this.#resolve = resolveBackend;
    this.#gate = gate;
    this.#routeOrder = config.routes.map((route) => route.name);
    this.#steps = config.classification.map((step): PreparedStep => {
      if (step.kind === "rules") return { kind: "rules", rules: new KeywordRules(step) };
      if (step.kind === "nearest-neighbour") {
        return { kind: "nearest-neighbour", config: step, index: null, error: "not prepared yet" };
      }
      return { kind: "classifier", config: step, backend: resolveBackend(step.model) };
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

  async #runStep(
    step: PreparedStep,
    text: string,
    eligible: ReadonlySet<string>,
    signal: CancelSignal | undefined,
  ): Promise<{ route: string | null; detail: string; score?: number }> {
    if (step.kind === "rules") {
      const match = step.rules.match(text, eligible);
      return match === null ? { route: null, detail: "no rule matched" } : match;
    }
    if (step.kind === "nearest-neighbour") {
      const index = step.index;
      if (index === null) return { route: null, detail: `skipped: ${step.error}` };
      const pass = this.#gate(step.config.model);
      if (typeof pass === "string") return { route: null, detail: `skipped: ${pass}` };
      const read = opening(text, step.config.maxTextChars);
      try {
        const match = await withDeadline(
          (run) => index.nearest(read.text, eligible, run),
          step.config.timeoutMs,
          signal,
        );
        pass.end();
        if (match === null) return { route: null, detail: "no examples for the eligible routes" };
        const similarity = Number(match.topSimilarity.toFixed(4));
        if (match.topSimilarity < step.config.minSimilarity) {
          return {
            route: null,
            detail: `nearest example below min_similarity ${step.config.minSimilarity}${read.note}`,
            score: similarity,
          };
        }
        return {
          route: match.route,
          detail: `nearest example "${match.example}" (${match.similarity.toFixed(2)}), ${match.votes}/${match.k} votes${read.note}`,
          score: similarity,
        };
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
      if (output?.kind !== "labels" || output.labels.length === 0) {
        return { route: null, detail: `${step.config.model} returned no labels` };
      }
      const top = topLabelScore(output) as LabelScore;
      const route = step.config.labels.get(top.label) ?? top.label;
      const score = Number(top.score.toFixed(4));
      if (!eligible.has(route)) {
        return {
          route: null,
          detail: `label ${top.label} is not a route serving this task`,
          score,
        };
      }
      if (top.score < step.config.minScore) {
        return {
          route: null,
          detail: `label ${top.label} below min_score ${step.config.minScore}${read.note}`,
          score,
        };
      }
      return { route, detail: `label ${top.label} (${top.score.toFixed(2)})${read.note}`, score };
    } catch (error) {
      pass.end(error, signal?.aborted === true);
      signal?.throwIfAborted();
      return { route: null, detail: `failed: ${errorMessage(error)}` };
    }
  }
}

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
