/**
 * An operator's demotion of a model (an approved review item, issue 6) on the Thompson
 * learner: recorded with who and why, steers picks like the learner's own demotion, survives a
 * restart, is idempotent, and is undone by `reinstate`.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ThompsonRouteLearner } from "../../../src/route/learning/thompson-route-learner.js";
import { seededRandom } from "../../../src/select/strategies/seeded-random.js";
import { openStateDatabase, type StateDatabase } from "../../../src/state/state-database.js";

const START_MS = Date.parse("2025-03-01T00:00:00Z");
const opened: StateDatabase[] = [];
afterEach(() => {
  for (const database of opened.splice(0)) if (database.open) database.close();
});

function learnerOn(path: string, seed = 3) {
  const database = openStateDatabase({ path });
  opened.push(database);
  const learner = new ThompsonRouteLearner({
    database,
    // No floor: a demoted model gets no draws at all, so the test can count picks exactly.
    config: { floor: 0, demotion: { demotedTraffic: "none" } },
    random: seededRandom(seed).next,
    now: () => START_MS,
  });
  return { learner, database };
}

function picks(learner: ThompsonRouteLearner, count: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let index = 0; index < count; index++) {
    const { modelId } = learner.choose("support/text-generation", ["alpha", "beta"]);
    counts.set(modelId, (counts.get(modelId) ?? 0) + 1);
  }
  return counts;
}

describe("ThompsonRouteLearner: operator demotion", () => {
  it("takes a model out of the picks, records who and why, survives a restart, and is undone by reinstate", () => {
    const path = join(mkdtempSync(join(tmpdir(), "ms-demote-")), "state.db");
    const first = learnerOn(path);
    // alpha is the better model so far: without the demotion it would be the greedy pick.
    for (let index = 0; index < 10; index++) {
      first.learner.record({
        requestId: `a${index}`,
        route: "support/text-generation",
        modelId: "alpha",
        reward: 1,
        at: new Date(START_MS).toISOString(),
      });
    }
    expect(picks(first.learner, 50).get("alpha") ?? 0).toBeGreaterThan(0);

    const decision = first.learner.demote("support/text-generation", "alpha", null, {
      actor: "alice",
      note: "review rev_1: quality dropped",
    });
    expect(decision).toMatchObject({
      kind: "demote",
      route: "support/text-generation",
      modelId: "alpha",
      domain: null,
      actor: "alice",
      note: "review rev_1: quality dropped",
      evidence: { model: { modelId: "alpha", observations: 10 } },
    });
    expect(picks(first.learner, 100)).toEqual(new Map([["beta", 100]]));
    // A retried approval does not record a second demotion.
    expect(
      first.learner.demote("support/text-generation", "alpha", null, { actor: "bob" }).id,
    ).toBe(decision.id);
    expect(first.learner.decisions().filter((entry) => entry.kind === "demote")).toHaveLength(1);
    first.database.close();

    const second = learnerOn(path);
    expect(second.learner.demotions().map((entry) => entry.id)).toEqual([decision.id]);
    expect(
      second.learner.standings("support/text-generation").find((entry) => entry.modelId === "alpha")
        ?.demoted,
    ).toBe(true);
    expect(picks(second.learner, 50)).toEqual(new Map([["beta", 50]]));
    second.learner.reinstate("support/text-generation", "alpha", null, { actor: "alice" });
    expect(picks(second.learner, 50).get("alpha") ?? 0).toBeGreaterThan(0);
  });
});
