/**
 * A labelling target's cascade (`min_confidence`, ADR 0057) with real models: AFINN-165
 * (`npm:sentiment`) answers the sentences it is sure of, VADER the others; when the next
 * candidate cannot answer (a model server that is down), the most confident answer so far
 * is returned rather than an error. And the routes config refuses a cascade where it cannot
 * work, saying why.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRouter, type Router } from "../../src/route/router.js";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { closedPort } from "../support/closed-port.js";

let router: Router;

beforeAll(async () => {
  const down = await closedPort();
  router = await createRouter({
    config: parseRoutesConfig({
      models: [
        { id: "npm:sentiment", kind: "catalog", isolated: false },
        { id: "npm:vader-sentiment", kind: "catalog", isolated: false },
        {
          id: "down-judge",
          kind: "openai",
          base_url: `http://127.0.0.1:${down}/v1`,
          api_model: "judge",
          task: "text-classification",
          health_check: false,
        },
      ],
      routes: [
        {
          name: "reviews",
          targets: {
            "text-classification": {
              candidates: ["npm:sentiment", "npm:vader-sentiment"],
              min_confidence: 0.8,
            },
          },
        },
        {
          name: "reviews-down",
          targets: {
            "text-classification": {
              candidates: ["npm:sentiment", "down-judge"],
              min_confidence: 0.8,
            },
          },
        },
      ],
    }),
  });
  await router.warmUp();
}, 60_000);

afterAll(async () => {
  await router?.registry.close();
});

const classify = (route: string, text: string) =>
  router.route({ task: "text-classification", model: route, inputs: [text], text });

describe("min_confidence: a cascade over a labelling target", () => {
  it("keeps a sure answer from the first model and hands an unsure one on", async () => {
    // "great" is an AFINN word: the first model is sure.
    const sure = await classify("reviews", "The mic is great.");
    expect(sure.ok).toBe(true);
    expect(sure.decision.model).toBe("npm:sentiment");
    expect(sure.decision.attempts.map((attempt) => attempt.outcome)).toEqual(["ok"]);

    // No AFINN word at all: AFINN says negative at 0.64 (the calibration's base rate), below
    // 0.8, so VADER answers.
    const unsure = await classify(
      "reviews",
      "It clicks into place in a way that makes you wonder how long that mechanism would last.",
    );
    expect(unsure.ok).toBe(true);
    expect(unsure.decision.model).toBe("npm:vader-sentiment");
    expect(unsure.decision.attempts).toMatchObject([
      { model: "npm:sentiment", outcome: "low-confidence" },
      { model: "npm:vader-sentiment", outcome: "ok" },
    ]);
    expect(unsure.decision.attempts[0]?.error).toMatch(
      /^top score 0\.6\d\d below min_confidence 0\.8$/,
    );
    expect(unsure.decision.reason).toContain("; cascade after npm:sentiment low-confidence");
  });

  it("returns the most confident answer when no later candidate answers", async () => {
    const result = await classify(
      "reviews-down",
      "It clicks into place in a way that makes you wonder how long that mechanism would last.",
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.decision.model).toBe("npm:sentiment");
    expect(result.decision.attempts.map((attempt) => [attempt.model, attempt.outcome])).toEqual([
      ["npm:sentiment", "low-confidence"],
      ["down-judge", "error"],
    ]);
    expect(result.decision.reason).toContain(
      "no candidate answered above min_confidence 0.8 (npm:sentiment low-confidence, down-judge error), so the most confident answer",
    );
    const output = result.outputs[0];
    expect(output?.kind).toBe("labels");
    if (output?.kind === "labels") expect(output.labels[0]?.label).toBe("negative");
  });

  it("is refused where it cannot work, naming the field and why", () => {
    const config = (task: string, target: Record<string, unknown>) => () =>
      parseRoutesConfig({
        routes: [{ name: "r", targets: { [task]: { candidates: ["a", "b"], ...target } } }],
      });
    expect(config("chat", { min_confidence: 0.8 })).toThrow(
      /routes\[0\]\.targets\.chat\.min_confidence: only a labelling task's answers carry a score \(text-generation answers are text\)/,
    );
    expect(config("text-classification", { min_confidence: 0.8, policy: "bandit" })).toThrow(
      /min_confidence: a bandit's learner judges each model by its own answers/,
    );
    expect(() =>
      parseRoutesConfig({
        routes: [
          {
            name: "r",
            targets: { "text-classification": { candidates: ["a"], min_confidence: 0.8 } },
          },
        ],
      }),
    ).toThrow(/min_confidence: a cascade needs a next candidate/);
    expect(config("text-classification", { min_confidence: 1.5 })).toThrow(
      /min_confidence: must be a score of at most 1/,
    );
    const accepted = parseRoutesConfig({
      routes: [
        {
          name: "r",
          targets: { "text-classification": { candidates: ["a", "b"], min_confidence: 0.8 } },
        },
      ],
    });
    expect(accepted.routes[0]?.targets.get("text-classification")?.minConfidence).toBe(0.8);
  });
});
