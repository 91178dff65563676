/**
 * The Thompson learner on a route that weighs cost (ADR 0053): outcomes carry what their
 * request cost, the learner keeps a decayed mean cost per model beside its quality posterior,
 * and with an answer value it prefers the highest `value x quality - cost` and demotes net of
 * cost. Real SQLite state databases, seeded random sources.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { DemotionEvidence } from "../../../src/route/learning/learning-decision.js";
import type { ThompsonRouteLearner } from "../../../src/route/learning/thompson-route-learner.js";
import { seededRandom } from "../../../src/select/strategies/seeded-random.js";
import { openStateDatabase } from "../../../src/state/state-database.js";
import { makeLearner, START_MS } from "./test-learner.js";

const at = (ms: number) => new Date(ms).toISOString();

interface Model {
  quality: number;
  costUsd: number | undefined;
}

/** Chooses and records `steps` requests; rewards are Bernoulli draws of each model's quality. */
function play(
  learner: ThompsonRouteLearner,
  clock: { ms: number },
  models: Record<string, Model>,
  steps: number,
  answerValueUsd: number | undefined,
): string[] {
  const draws = seededRandom(77).next;
  const picks: string[] = [];
  for (let step = 0; step < steps; step++) {
    clock.ms = START_MS + step * 1000;
    const choice = learner.choose(
      "r",
      Object.keys(models),
      answerValueUsd === undefined ? undefined : { answerValueUsd },
    );
    picks.push(choice.modelId);
    const model = models[choice.modelId] as Model;
    learner.record({
      requestId: `q${step}`,
      route: "r",
      modelId: choice.modelId,
      reward: draws() < model.quality ? 1 : 0,
      ...(model.costUsd !== undefined && { costUsd: model.costUsd }),
      at: at(clock.ms),
    });
  }
  return picks;
}

const shareOf = (picks: readonly string[], modelId: string) =>
  picks.filter((pick) => pick === modelId).length / picks.length;

/** `count` outcomes for one model, a fraction `quality` of them rewarded 1. */
function feed(
  learner: ThompsonRouteLearner,
  clock: { ms: number },
  modelId: string,
  count: number,
  quality: number,
  costUsd: number,
  prefix: string,
): void {
  for (let index = 0; index < count; index++) {
    clock.ms += 1000;
    learner.record({
      requestId: `${prefix}${index}`,
      route: "r",
      modelId,
      reward: index < Math.round(count * quality) ? 1 : 0,
      costUsd,
      at: at(clock.ms),
    });
  }
}

describe("Thompson learner weighing cost", () => {
  it("sends traffic to the cheaper of two equally good models only when the route has a value", () => {
    const models = {
      dear: { quality: 0.8, costUsd: 0.01 },
      cheap: { quality: 0.8, costUsd: 0.001 },
    };
    const weighed = makeLearner({}, 3);
    const picks = play(weighed.learner, weighed.clock, models, 1500, 0.1);
    // 0.8 - 0.1 against 0.8 - 0.01 in quality points: the cheap model is the greedy pick.
    expect(shareOf(picks.slice(500), "cheap")).toBeGreaterThan(0.8);
    const standings = new Map(
      weighed.learner.standings("r").map((standing) => [standing.modelId, standing]),
    );
    expect(standings.get("dear")?.meanCostUsd).toBeCloseTo(0.01, 12);
    expect(standings.get("cheap")?.meanCostUsd).toBeCloseTo(0.001, 12);

    const blind = makeLearner({}, 3);
    const blindPicks = play(blind.learner, blind.clock, models, 1500, undefined);
    // Quality alone: neither model is better, so neither gets the lion's share.
    expect(shareOf(blindPicks.slice(500), "cheap")).toBeLessThan(0.75);
    expect(shareOf(blindPicks.slice(500), "cheap")).toBeGreaterThan(0.25);
  });

  it("lets quality win at a high answer value and cost win at a low one", () => {
    const models = {
      strong: { quality: 0.9, costUsd: 0.01 },
      weak: { quality: 0.6, costUsd: 0.001 },
    };
    // $1 an answer: 0.9 - 0.01 beats 0.6 - 0.001.
    const high = makeLearner({}, 3);
    expect(
      shareOf(play(high.learner, high.clock, models, 1000, 1).slice(300), "strong"),
    ).toBeGreaterThan(0.8);
    // $0.01 an answer: 0.9 - 1.0 loses to 0.6 - 0.1.
    const low = makeLearner({}, 3);
    const lowPicks = play(low.learner, low.clock, models, 1000, 0.01);
    expect(shareOf(lowPicks.slice(300), "weak")).toBeGreaterThan(0.8);
    const choice = low.learner.choose("r", ["strong", "weak"], { answerValueUsd: 0.01 });
    expect(choice.reason).toMatch(/net (of cost|mean)/);
  });

  it("treats a model without a known cost as free", () => {
    const { learner, clock } = makeLearner({}, 3);
    const picks = play(
      learner,
      clock,
      { priced: { quality: 0.8, costUsd: 0.02 }, local: { quality: 0.8, costUsd: undefined } },
      1000,
      0.1,
    );
    expect(shareOf(picks.slice(300), "local")).toBeGreaterThan(0.8);
    const local = learner.standings("r").find((standing) => standing.modelId === "local");
    expect(local?.meanCostUsd).toBeNull();
  });

  it("demotes net of cost: a dearer model of equal quality, and not a cheaper one a little worse", () => {
    const config = { demotion: { probability: 0.99, minEffectiveObservations: 30 } };
    // Baseline `cheap` (first candidate); `dear` is as good and costs $0.05 more an answer,
    // half of the $0.10 an answer is worth.
    const weighed = makeLearner(config, 3);
    weighed.learner.choose("r", ["cheap", "dear"], { answerValueUsd: 0.1 });
    feed(weighed.learner, weighed.clock, "cheap", 60, 0.8, 0, "c");
    feed(weighed.learner, weighed.clock, "dear", 60, 0.8, 0.05, "d");
    const [demotion] = weighed.learner.demotions("r");
    expect(demotion?.modelId).toBe("dear");
    const evidence = demotion?.evidence as DemotionEvidence;
    expect(evidence.answerValueUsd).toBe(0.1);
    expect(evidence.gap).toBeCloseTo(0.02 - 0.5, 9);
    expect(evidence.model.meanCostUsd).toBeCloseTo(0.05, 12);
    expect(evidence.baseline.meanCostUsd).toBe(0);
    expect(evidence.rule).toMatch(/^P\(dear < cheap - \(0\.02 - \(\$0\.05 - \$0\) \/ \$0\.1\)\)/);

    // The same outcomes on a route without a value: equal quality, no demotion.
    const blind = makeLearner(config, 3);
    blind.learner.choose("r", ["cheap", "dear"]);
    feed(blind.learner, blind.clock, "cheap", 60, 0.8, 0, "c");
    feed(blind.learner, blind.clock, "dear", 60, 0.8, 0.05, "d");
    expect(blind.learner.demotions("r")).toEqual([]);

    // Baseline `dear`; `cheap` is 20 points worse but saves $0.05 an answer, 50 points.
    const saving = makeLearner(config, 3);
    saving.learner.choose("r", ["dear", "cheap"], { answerValueUsd: 0.1 });
    feed(saving.learner, saving.clock, "dear", 100, 0.8, 0.05, "d");
    feed(saving.learner, saving.clock, "cheap", 100, 0.6, 0, "c");
    expect(saving.learner.demotions("r")).toEqual([]);
    const savingBlind = makeLearner(config, 3);
    savingBlind.learner.choose("r", ["dear", "cheap"]);
    feed(savingBlind.learner, savingBlind.clock, "dear", 100, 0.8, 0.05, "d");
    feed(savingBlind.learner, savingBlind.clock, "cheap", 100, 0.6, 0, "c");
    expect(savingBlind.learner.demotions("r").map((decision) => decision.modelId)).toEqual([
      "cheap",
    ]);
  });

  it("counts a request's cost once when later feedback replaces its reward", () => {
    const { learner, clock } = makeLearner({ halfLifeMs: null }, 3);
    const record = (requestId: string, reward: number, costUsd: number) => {
      clock.ms += 1000;
      learner.record({ requestId, route: "r", modelId: "m", reward, costUsd, at: at(clock.ms) });
    };
    record("a", 1, 0.01);
    record("b", 1, 0.03);
    record("a", 0, 0.01);
    const [standing] = learner.standings("r");
    // Twice the first request's cost would give (0.01 + 0.03 + 0.01) / 3.
    expect(standing?.meanCostUsd).toBeCloseTo(0.02, 12);
    expect(learner.verifyAggregates()).toEqual([]);
  });

  it("checks the stored costs against the outcome log", () => {
    const { learner, clock, database } = makeLearner({ halfLifeMs: null }, 3);
    feed(learner, clock, "m", 5, 0.6, 0.01, "q");
    expect(learner.verifyAggregates()).toEqual([]);
    database.prepare("UPDATE learning_posteriors SET cost_mass = cost_mass * 2").run();
    expect(learner.verifyAggregates()).toEqual(["r /  / m"]);
  });

  it("keeps costs and the route's answer value across a restart", () => {
    const path = join(mkdtempSync(join(tmpdir(), "ms-cost-")), "state.db");
    // No decay, so that the 30th outcome is exactly the 30th effective observation.
    const config = {
      halfLifeMs: null,
      demotion: { probability: 0.99, minEffectiveObservations: 30 },
    };
    const first = makeLearner(config, 3, path);
    first.learner.choose("r", ["cheap", "dear"], { answerValueUsd: 0.1 });
    feed(first.learner, first.clock, "cheap", 40, 0.8, 0, "c");
    feed(first.learner, first.clock, "dear", 29, 0.8, 0.05, "d");
    expect(first.learner.demotions("r")).toEqual([]);
    const before = first.learner.standings("r");
    first.learner.close();
    first.database.close();

    const second = makeLearner(config, 3, path);
    second.clock.ms = first.clock.ms;
    expect(
      second.learner.standings("r").map((standing) => [standing.modelId, standing.meanCostUsd]),
    ).toEqual(before.map((standing) => [standing.modelId, standing.meanCostUsd]));
    // The 30th outcome comes before any request was chosen since the restart: the demotion
    // check still compares net of cost, with the value the route was last chosen with.
    feed(second.learner, second.clock, "dear", 1, 1, 0.05, "late");
    expect(second.learner.demotions("r").map((decision) => decision.modelId)).toEqual(["dear"]);
    expect(second.learner.verifyAggregates()).toEqual([]);
  });

  it("refuses a negative cost and a value that is not above zero", () => {
    const { learner } = makeLearner({}, 3);
    expect(() =>
      learner.record({
        requestId: "x",
        route: "r",
        modelId: "m",
        reward: 1,
        costUsd: -1,
        at: at(START_MS),
      }),
    ).toThrow(/costUsd must be a non-negative number/);
    expect(() => learner.choose("r", ["a", "b"], { answerValueUsd: 0 })).toThrow(
      /answerValueUsd must be a number above 0/,
    );
  });

  it("opens a state file written before costs were kept (learning version 1)", () => {
    const path = join(mkdtempSync(join(tmpdir(), "ms-cost-v1-")), "state.db");
    const old = openStateDatabase({ path });
    // The learning component's tables as version 1 created them, with a route's history.
    old.exec(`
      CREATE TABLE learning_outcomes (seq INTEGER PRIMARY KEY AUTOINCREMENT, request_id TEXT NOT NULL,
        route TEXT NOT NULL, model_id TEXT NOT NULL, domain TEXT, reward REAL, latency_ms REAL,
        at TEXT NOT NULL, at_ms INTEGER NOT NULL, recorded_at TEXT NOT NULL,
        superseded INTEGER NOT NULL DEFAULT 0);
      CREATE INDEX learning_outcomes_request ON learning_outcomes (request_id);
      CREATE TABLE learning_posteriors (route TEXT NOT NULL, model_id TEXT NOT NULL,
        domain_key TEXT NOT NULL, successes REAL NOT NULL, failures REAL NOT NULL,
        observations INTEGER NOT NULL, updated_at_ms INTEGER NOT NULL,
        observations_at_reinstatement INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (route, domain_key, model_id));
      CREATE TABLE learning_routes (route TEXT PRIMARY KEY, candidates TEXT NOT NULL, updated_at TEXT NOT NULL);
      CREATE TABLE learning_decisions (id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('demote', 'reinstate')), route TEXT NOT NULL,
        domain_key TEXT NOT NULL, model_id TEXT NOT NULL, at TEXT NOT NULL, record TEXT NOT NULL);
      CREATE INDEX learning_decisions_route ON learning_decisions (route);
      CREATE TABLE learning_demotions (route TEXT NOT NULL, domain_key TEXT NOT NULL,
        model_id TEXT NOT NULL, decision_id TEXT NOT NULL REFERENCES learning_decisions (id),
        PRIMARY KEY (route, domain_key, model_id));
      CREATE TABLE learning_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      INSERT INTO schema_versions (component, version) VALUES ('learning', 1);
      INSERT INTO learning_meta VALUES ('half_life_ms', 'Infinity');
      INSERT INTO learning_routes VALUES ('r', '["a","b"]', '2025-03-01T00:00:00.000Z');
      INSERT INTO learning_outcomes (request_id, route, model_id, reward, at, at_ms, recorded_at)
        VALUES ('old', 'r', 'a', 1, '2025-03-01T00:00:00.000Z', ${START_MS}, '2025-03-01T00:00:00.000Z');
      INSERT INTO learning_posteriors VALUES ('r', 'a', '', 1, 0, 1, ${START_MS}, 0);
    `);
    old.close();

    const { learner, clock, database } = makeLearner({ halfLifeMs: null }, 3, path);
    expect(
      database.prepare("SELECT version FROM schema_versions WHERE component = 'learning'").get(),
    ).toEqual({ version: 2 });
    expect(learner.standings("r")).toEqual([
      expect.objectContaining({ modelId: "a", effectiveCount: 1, meanCostUsd: null }),
    ]);
    expect(learner.outcomes()[0]?.costUsd).toBeNull();
    feed(learner, clock, "a", 1, 1, 0.004, "new");
    expect(learner.standings("r")[0]?.meanCostUsd).toBeCloseTo(0.004, 12);
    expect(learner.verifyAggregates()).toEqual([]);
  });
});
