/**
 * `modelscout serve --follow-decisions` end to end (ADR 0048): the real CLI in a child
 * process, its state database written by a `DecisionStore` as `modelscout select` would. A
 * newer sentiment decision makes the server classify with its winner without a signal, and
 * the dashboard's API says why it reloaded; flags that cannot work are refused before any
 * model loads.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DecisionStore } from "../../src/select/decision-store.js";
import { selectionDecision } from "../monitor/selection-decision.js";
import { runCli } from "../support/run-cli.js";
import { getJson, postJson } from "./routing-test-support.js";
import { spawnServe } from "./serve-process.js";

const home = mkdtempSync(join(tmpdir(), "ms-serve-follow-"));
const children: ReturnType<typeof spawnServe>["child"][] = [];

afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
});

/** Stores a completed sentiment decision won by `winner` in the home's state database. */
function decide(winner: string, at: string): string {
  const store = DecisionStore.open({ path: join(home, "state.db") });
  try {
    const decision = selectionDecision({ at, winner, qualities: { [winner]: 0.8 } });
    store.save(decision, null);
    return decision.id;
  } finally {
    store.close();
  }
}

function routesFile(name: string, classifier: string): string {
  const path = join(home, name);
  writeFileSync(
    path,
    JSON.stringify({
      default_route: "praise",
      classification: [
        {
          kind: "classifier",
          model: classifier,
          labels: { positive: "praise", negative: "complaint" },
          candidate_labels: false,
        },
      ],
      models: [
        { id: "echo:thanks", kind: "echo", template: "thanks: {{input}}" },
        { id: "echo:sorry", kind: "echo", template: "sorry: {{input}}" },
      ],
      routes: [
        { name: "praise", targets: { chat: { policy: "fixed", candidates: ["echo:thanks"] } } },
        { name: "complaint", targets: { chat: { policy: "fixed", candidates: ["echo:sorry"] } } },
      ],
    }),
  );
  return path;
}

const loadedModels = async (url: string) =>
  ((await getJson(`${url}/v1/models`)).json.data as Array<{ id: string }>).map((entry) => entry.id);

describe("modelscout serve --follow-decisions", () => {
  it("serves a newer decision's winner without a restart or a signal", async () => {
    const first = decide("npm:vader-sentiment", "2026-11-01T10:00:00.000Z");
    const config = routesFile("follow.json", "decision:latest:text-classification");
    const serve = spawnServe(["--config", config, "--follow-decisions", "--follow-interval", "1"], {
      MODELSCOUT_HOME: home,
    });
    children.push(serve.child);
    await expect
      .poll(serve.stdout, { timeout: 60_000, interval: 100 })
      .toContain("Following decision:latest:text-classification: checked every 1 s");
    const url = /Routing server at (http:\/\/\S+)/.exec(serve.stdout())?.[1] as string;
    expect(serve.stderr()).toContain(
      `classification[0].model: decision:latest:text-classification -> npm:vader-sentiment (winner of decision ${first})`,
    );
    expect(await loadedModels(url)).toContain("npm:vader-sentiment");

    const second = decide("npm:sentiment", "2026-11-02T10:00:00.000Z");
    await expect
      .poll(serve.stdout, { timeout: 30_000, interval: 100 })
      .toContain(`Reloaded ${config} for a newer decision: routes praise, complaint;`);
    expect(serve.stderr()).toContain(
      `Reloading ${config} for a newer decision: classification[0].model: decision:latest:text-classification -> npm:sentiment (decision ${second}), was npm:vader-sentiment (decision ${first})`,
    );
    // The new winner is the classifier; the old one, which nothing names now, is unloaded.
    await expect
      .poll(() => loadedModels(url), { timeout: 30_000, interval: 200 })
      .not.toContain("npm:vader-sentiment");
    expect(await loadedModels(url)).toContain("npm:sentiment");
    const answer = await postJson(`${url}/v1/chat/completions`, {
      model: "auto",
      messages: [{ role: "user", content: "terrible service, the worst purchase ever" }],
    });
    expect(answer.status).toBe(200);
    expect(answer.json.modelscout.route).toBe("complaint");

    // The dashboard's API says what asked for the reload.
    const routes = await getJson(`${url}/admin/api/routes`);
    expect(routes.json.lastReload).toMatchObject({
      applied: true,
      cause: `new decision: decision:latest:text-classification -> npm:sentiment (${second})`,
    });

    // A newer decision for the model already served reloads nothing.
    decide("npm:sentiment", "2026-11-03T10:00:00.000Z");
    await expect
      .poll(serve.stderr, { timeout: 30_000, interval: 100 })
      .toContain("Newer decisions pick the models already served; nothing to reload");
    expect(serve.stdout().match(/Reloaded /g)).toHaveLength(1);
    expect(serve.stderr()).not.toContain("warning:");
  }, 120_000);

  it("refuses the flag on a config with no decision:latest model, before loading models", async () => {
    const pinned = routesFile("pinned.json", "npm:vader-sentiment");
    const started = await runCli(["serve", "--config", pinned, "--follow-decisions"], {
      MODELSCOUT_HOME: home,
    });
    expect(started.code).toBe(2);
    expect(started.stderr).toContain(
      `--follow-decisions: ${pinned} names no decision:latest or decision:latest:<task> model`,
    );
    expect(started.stderr).not.toContain("Loading models");
    const checked = await runCli(["serve", "--check", "--config", pinned, "--follow-decisions"], {
      MODELSCOUT_HOME: home,
    });
    expect(checked.code).toBe(2);
    expect(checked.stderr).toContain("names no decision:latest");
    const bundled = await runCli(["serve", "--follow-decisions"], { MODELSCOUT_HOME: home });
    expect(bundled.code).toBe(2);
    expect(bundled.stderr).toContain("--follow-decisions: the bundled example (no --config)");
  }, 60_000);

  it("refuses --follow-interval without --follow-decisions, or under a second", async () => {
    const config = routesFile("interval.json", "decision:latest:text-classification");
    const alone = await runCli(["serve", "--config", config, "--follow-interval", "5"], {
      MODELSCOUT_HOME: home,
    });
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain("add --follow-decisions");
    const short = await runCli(
      ["serve", "--config", config, "--follow-decisions", "--follow-interval", "0.5"],
      { MODELSCOUT_HOME: home },
    );
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('--follow-interval must be at least 1 (seconds; got "0.5")');
  }, 60_000);
});
