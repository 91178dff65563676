/**
 * End to end: `modelscout learner standings|decisions` on a state database that a real
 * Thompson learner wrote, with a demotion, an operator's reinstatement and priced answers.
 * (How the standings mark routes a server's reload removed: `test/server/removed-routes.test.ts`.)
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ThompsonRouteLearner } from "../../src/route/learning/thompson-route-learner.js";
import { openStateDatabase } from "../../src/state/state-database.js";
import { runCli } from "../support/run-cli.js";

const ROUTE = "complaint/text-generation";
let state: string;
let posteriorsBefore: unknown;

beforeAll(() => {
  state = join(mkdtempSync(join(tmpdir(), "ms-learner-cli-")), "state.db");
  const database = openStateDatabase({ path: state });
  // Minutes ago, so the standings read now have decayed little.
  let ms = Date.now() - 5 * 60_000;
  // A half-life of an hour, so the command must decay with it (and not rebuild with its own).
  const learner = new ThompsonRouteLearner({
    database,
    config: { halfLifeMs: 3_600_000 },
    now: () => ms,
  });
  learner.choose(ROUTE, ["large", "small"]);
  const feed = (modelId: string, good: number, count: number, costUsd: number) => {
    for (let index = 0; index < count; index += 1) {
      ms += 1000;
      learner.record({
        requestId: `${modelId}-${index}`,
        route: ROUTE,
        modelId,
        reward: index < good ? 1 : 0,
        costUsd,
        at: new Date(ms).toISOString(),
      });
    }
  };
  feed("large", 50, 60, 0.004);
  feed("small", 20, 60, 0.0005);
  learner.reinstate(ROUTE, "small", null, { actor: "carol", note: "new prompt template" });
  posteriorsBefore = database.prepare("SELECT * FROM learning_posteriors ORDER BY model_id").all();
  database.close();
});

describe("modelscout learner", () => {
  it("lists the standings with quality, evidence, mean cost and state", async () => {
    const result = await runCli(["learner", "standings", "--state", state]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /route\s+domain\s+model\s+quality\s+evidence\s+mean cost\s+state/,
    );
    expect(result.stdout).toMatch(
      /complaint\/text-generation\s+all\s+large\s+0\.8\d\d\s+[\d.]+\s+\$0\.0040\s+active/,
    );
    expect(result.stdout).toMatch(/small\s+0\.3\d\d\s+[\d.]+\s+\$0\.00050\s+active/);
    const json = await runCli(["learner", "standings", "--state", state, "--json"]);
    const rows = JSON.parse(json.stdout) as { modelId: string; meanCostUsd: number }[];
    expect(rows.map((row) => [row.modelId, row.meanCostUsd])).toEqual([
      ["large", expect.closeTo(0.004, 12)],
      ["small", expect.closeTo(0.0005, 12)],
    ]);
    // Read, not rewritten: the aggregates are as the learner left them.
    const database = openStateDatabase({ path: state });
    try {
      expect(database.prepare("SELECT * FROM learning_posteriors ORDER BY model_id").all()).toEqual(
        posteriorsBefore,
      );
    } finally {
      database.close();
    }
  });

  it("says it cannot tell removed routes when no server recorded its config in the state", async () => {
    // The learner above ran without a server: nothing says which routes a config serves.
    const result = await runCli(["learner", "standings", "--state", state]);
    expect(result.code, result.stderr).toBe(0);
    // No config column: the header ends at the state.
    expect(result.stdout.split("\n")[0]).toMatch(/\sstate\s*$/);
    expect(result.stdout).toContain(
      "No routing server has recorded its routes config in this state database, so routes a reload removed are not marked.",
    );
    const json = await runCli(["learner", "standings", "--state", state, "--json"]);
    const rows = JSON.parse(json.stdout) as { inConfig: boolean | null }[];
    expect(rows.map((row) => row.inConfig)).toEqual([null, null]);
    const hidden = await runCli(["learner", "standings", "--state", state, "--hide-removed"]);
    expect(hidden.code).toBe(3);
    expect(hidden.stderr).toMatch(
      /--hide-removed: no routing server has recorded its routes config/,
    );
    expect(hidden.stdout).toBe("");
  });

  it("lists the decisions, most recent first, with the rule or note that made each", async () => {
    const result = await runCli(["learner", "decisions", "--state", state]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines[2]).toMatch(
      /reinstate\s+complaint\/text-generation\s+all\s+small\s+large\s+carol\s+new prompt template/,
    );
    expect(lines[3]).toMatch(
      /demote\s+complaint\/text-generation\s+all\s+small\s+large\s+learner\s+P\(small < large - 0\.02\) = /,
    );
    const json = await runCli(["learner", "decisions", "--state", state, "--json", "--limit", "1"]);
    const decisions = JSON.parse(json.stdout) as { kind: string }[];
    expect(decisions.map((decision) => decision.kind)).toEqual(["reinstate"]);
    const none = await runCli([
      "learner",
      "decisions",
      "--state",
      state,
      "--route",
      "delivery/text-generation",
    ]);
    expect(none.stdout).toBe(
      "No model has been demoted or reinstated on delivery/text-generation.\n",
    );
  });
});
