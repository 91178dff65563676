/**
 * @module
 * Choosing a cascade's `min_confidence` (ADR 0057) on labelled data, such as the traffic
 * `modelscout requests export` writes (ADR 0056): each of the two models answers every item
 * once, through the router (`createRouter`, so models load as the server loads them), and the
 * cascade at each threshold is worked out from those answers: the first model's answer when
 * its top score reaches the threshold, else the second's. That is what the router does with a
 * `[first, second]` target when both models answer (`test/route/cascade-sweep.test.ts` checks
 * it item by item against routed requests), for any number of thresholds at the cost of two
 * passes. Labels are compared case-insensitively; time is each model's measured time per
 * item, the first's plus, when handed on, the second's.
 */
import type { ModelRecord } from "../catalog/model-record.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { topLabelScore } from "../select/metrics/classification-metrics.js";
import type { TaskId } from "../tasks/resolve-task.js";
import {
  type CascadeAnswer,
  type CascadeRows,
  cascadeRows,
  DEFAULT_THRESHOLDS,
} from "./cascade-math.js";
import { createRouter } from "./router.js";
import { parseRoutesConfig } from "./routes-config.js";

export interface CascadeSweepOptions {
  items: readonly { input: string; label: string }[];
  /** The fast model, asked first, and the one its unsure answers go to. */
  first: string;
  second: string;
  /** Scores in (0, 1]; default 0.5 to 0.95 by 0.05. */
  thresholds?: readonly number[];
  /** Default text-classification. */
  task?: TaskId;
  /** For ids that are not catalog ids the router finds by itself (`local:` folders). */
  lookupModel?: (id: string) => Promise<ModelRecord | null>;
}

export interface CascadeSweep extends CascadeRows {
  items: number;
  first: string;
  second: string;
}

/** Runs both models over the items and works out the cascade at each threshold. */
export async function sweepCascade(options: CascadeSweepOptions): Promise<CascadeSweep> {
  const task = options.task ?? "text-classification";
  const thresholds = [...(options.thresholds ?? DEFAULT_THRESHOLDS)].sort((a, b) => a - b);
  if (options.items.length === 0) {
    throw new ModelScoutError("INVALID_ARGUMENT", "The data has no labelled items to sweep on.");
  }
  if (thresholds.some((t) => !(t > 0 && t <= 1))) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `Thresholds are scores above 0 and at most 1 (got ${thresholds.join(", ")}).`,
    );
  }
  if (options.first === options.second) {
    throw new ModelScoutError("INVALID_ARGUMENT", "The first and second models are the same.");
  }
  const router = await createRouter({
    config: parseRoutesConfig({
      // npm lexicons run in this process; other models in a child process each, as served.
      models: [options.first, options.second].map((id) => ({
        id,
        kind: "catalog",
        isolated: !id.startsWith("npm:"),
      })),
      routes: (["first", "second"] as const).map((name) => ({
        name,
        targets: {
          [task]: {
            policy: "fixed",
            candidates: [name === "first" ? options.first : options.second],
          },
        },
      })),
    }),
    ...(options.lookupModel !== undefined && { lookupModel: options.lookupModel }),
  });
  const answers: Record<"first" | "second", CascadeAnswer[]> = { first: [], second: [] };
  /** The top labels the models gave, to say so when the data's labels are none of them. */
  const given = new Set<string>();
  try {
    const health = await router.warmUp();
    const failed = Object.entries(health.models).filter(([, model]) => model.error !== null);
    if (failed.length > 0) {
      throw new ModelScoutError(
        "BACKEND_UNAVAILABLE",
        `Could not load ${failed.map(([id, model]) => `${id} (${model.error})`).join("; ")}.`,
      );
    }
    for (const route of ["first", "second"] as const) {
      for (const item of options.items) {
        const result = await router.route({
          task,
          model: route,
          inputs: [item.input],
          text: item.input,
        });
        if (!result.ok) {
          throw new ModelScoutError(
            "BACKEND_REQUEST_FAILED",
            `${route === "first" ? options.first : options.second} did not answer "${item.input.slice(0, 60)}": ${result.decision.reason}`,
          );
        }
        const output = result.outputs[0];
        const top = output?.kind === "labels" ? topLabelScore(output) : null;
        if (top !== null) given.add(top.label.toLowerCase());
        answers[route].push({
          right: top !== null && top.label.toLowerCase() === item.label.toLowerCase(),
          score: top?.score ?? 0,
          ms: result.modelLatencyMs,
        });
      }
    }
  } finally {
    await router.registry.close();
  }
  const wanted = new Set(options.items.map((item) => item.label.toLowerCase()));
  if (![...wanted].some((label) => given.has(label))) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `None of the data's labels (${[...wanted].slice(0, 10).join(", ")}) is a label the models gave (${[...given].slice(0, 10).join(", ")}): every answer would count as wrong. Relabel the data in the models' labels.`,
      { details: { dataLabels: [...wanted], modelLabels: [...given] } },
    );
  }
  return {
    items: options.items.length,
    first: options.first,
    second: options.second,
    ...cascadeRows(answers.first, answers.second, thresholds),
  };
}
