import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  checkDecisionReferences,
  resolveDecisionReferences,
} from "../../src/route/decision-references.js";
import { parseRoutesConfig, type RoutesConfigInput } from "../../src/route/routes-config.js";
import { DecisionStore } from "../../src/select/decision-store.js";
import { selectionDecision } from "../monitor/selection-decision.js";

function config(classifierModel: string, candidates: string[]): RoutesConfigInput {
  return {
    classification: [
      { kind: "rules", rules: [{ route: "complaint", keywords: ["refund"] }] },
      { kind: "classifier", model: classifierModel, labels: { negative: "complaint" } },
    ],
    models: [{ id: "echo:a", kind: "echo" }],
    routes: [
      { name: "complaint", targets: { chat: { policy: "fallback", candidates } } },
      { name: "other", targets: { chat: { policy: "fixed", candidates: ["echo:a"] } } },
    ],
    default_route: "other",
  };
}

describe("decision references in a routes config", () => {
  let directory: string;
  let store: DecisionStore;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), "ms-decision-refs-"));
    store = DecisionStore.open({ path: join(directory, "state.db") });
  });
  afterEach(() => {
    store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it("replaces decision:<id> and decision:latest:<task> with the winners and says where", () => {
    const sentiment = selectionDecision({
      at: "2026-11-01T10:00:00.000Z",
      winner: "npm:vader-sentiment",
      qualities: { "npm:vader-sentiment": 0.81, "npm:afinn": 0.74 },
    });
    const chat = selectionDecision({
      at: "2026-11-02T10:00:00.000Z",
      winner: "qwen-small",
      qualities: { "qwen-small": 0.7, "qwen-large": 0.69 },
      task: "text-generation",
    });
    // Newer, but failed: `latest` must skip it.
    const failed = selectionDecision({
      at: "2026-11-03T10:00:00.000Z",
      winner: null,
      qualities: { "npm:afinn": null },
    });
    for (const decision of [sentiment, chat, failed]) store.save(decision, null);

    const parsed = parseRoutesConfig(
      config("decision:latest:text-classification", [`decision:${chat.id}`, "echo:a"]),
    );
    const { config: resolved, resolved: entries } = resolveDecisionReferences(parsed, store);

    const classifier = resolved.classification[1];
    expect(classifier?.kind === "classifier" && classifier.model).toBe("npm:vader-sentiment");
    const complaint = resolved.routes.find((route) => route.name === "complaint");
    expect(
      complaint?.targets.get("text-generation")?.candidates.map((candidate) => candidate.model),
    ).toEqual(["qwen-small", "echo:a"]);
    expect(entries).toEqual([
      {
        field: "classification[1].model",
        reference: "decision:latest:text-classification",
        decisionId: sentiment.id,
        model: "npm:vader-sentiment",
      },
      {
        field: "routes[0].targets.text-generation.candidates[0]",
        reference: `decision:${chat.id}`,
        decisionId: chat.id,
        model: "qwen-small",
      },
    ]);
    // The parsed config itself is left as written.
    const original = parsed.classification[1];
    expect(original?.kind === "classifier" && original.model).toBe(
      "decision:latest:text-classification",
    );
    // `decision:latest` without a task: the newest completed decision with a winner.
    const latest = resolveDecisionReferences(
      parseRoutesConfig(config("decision:latest", ["echo:a"])),
      store,
    );
    expect(latest.resolved[0]?.model).toBe("qwen-small");
  });

  it("refuses references it cannot resolve, naming the field and the reason", () => {
    const failed = selectionDecision({
      at: "2026-11-03T10:00:00.000Z",
      winner: null,
      qualities: { "npm:afinn": null },
    });
    store.save(failed, null);
    const attempt =
      (classifier: string, candidates = ["echo:a"]) =>
      () =>
        resolveDecisionReferences(parseRoutesConfig(config(classifier, candidates)), store);

    expect(attempt("decision:dec_nope")).toThrow(
      /classification\[1\]\.model: decision:dec_nope: no decision dec_nope/,
    );
    expect(attempt(`decision:${failed.id}`)).toThrow(/did not complete \(status failed\)/);
    expect(attempt("decision:latest:text-classification")).toThrow(
      /no completed decision for task text-classification has a winner; run `modelscout select/,
    );
    expect(attempt("decision:")).toThrow(/name a decision id, `latest` or `latest:<task>`/);
    expect(attempt("echo:a", ["decision:latest:no-such-task"])).toThrow(/no-such-task/);
  });

  it("names every reference it cannot resolve in one error, not the first alone", () => {
    const parsed = parseRoutesConfig(
      config("decision:dec_nope", ["echo:a", "decision:latest:text-generation"]),
    );
    // As `readRoutesConfig` leaves it: the file it was read from names the error.
    const attempt = () => resolveDecisionReferences({ ...parsed, source: "routes.yaml" }, store);
    expect(attempt).toThrow(/^Routes config routes\.yaml: /);
    expect(attempt).toThrow(/classification\[1\]\.model: decision:dec_nope: no decision dec_nope/);
    expect(attempt).toThrow(
      /routes\[0\]\.targets\.text-generation\.candidates\[1\]: decision:latest:text-generation: no completed decision for task text-generation/,
    );
    // `serve --check` asks the same of the references of a config that did not parse.
    expect(
      checkDecisionReferences(
        [
          { field: "routes[0].targets.text-generation.candidates[0]", model: "echo:a" },
          { field: "classification[0].model", model: "decision:latest:no-such-task" },
        ],
        store,
      ),
    ).toEqual({
      resolved: [],
      problems: [
        expect.stringMatching(
          /^classification\[0\]\.model: decision:latest:no-such-task: .*no-such-task/,
        ),
      ],
    });
  });

  it("leaves a config without references alone and never reads the store", () => {
    const parsed = parseRoutesConfig(config("npm:vader-sentiment", ["echo:a"]));
    const untouched = {
      get: () => {
        throw new Error("read the store");
      },
      list: () => {
        throw new Error("read the store");
      },
    };
    const result = resolveDecisionReferences(parsed, untouched);
    expect(result.config).toBe(parsed);
    expect(result.resolved).toEqual([]);
  });
});
