/**
 * End to end: `modelscout select` picks a sentiment model, and `modelscout serve` uses "the
 * winner of the latest text-classification decision" as the routes config's classifier; after
 * a newer selection, SIGHUP makes it classify with the new winner (ADR 0046).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../support/run-cli.js";
import { getJson, postJson } from "./routing-test-support.js";
import { killHard, type ServeProcess, startServeProcess } from "./serve-process.js";

const SPEC = fileURLToPath(new URL("../../examples/english-sentiment/task.json", import.meta.url));

let serve: ServeProcess | undefined;

afterAll(async () => {
  if (serve !== undefined) await killHard(serve);
});

describe("a routes config that names a selection's winner", () => {
  it("routes with the classifier the latest decision picked, and says which one", async () => {
    const home = mkdtempSync(join(tmpdir(), "ms-decision-classifier-"));
    const selected = await runCli(["select", SPEC, "--json"], { MODELSCOUT_HOME: home });
    expect(selected.code, selected.stderr).toBe(0);
    const { winner, decisionId } = JSON.parse(selected.stdout) as {
      winner: { id: string };
      decisionId: string;
    };

    const config = join(home, "routes.json");
    writeFileSync(
      config,
      JSON.stringify({
        default_route: "praise",
        classification: [
          {
            kind: "classifier",
            model: "decision:latest:text-classification",
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
    serve = await startServeProcess(["--config", config], { MODELSCOUT_HOME: home }, 90_000);
    expect(serve.stderr()).toContain(
      `classification[0].model: decision:latest:text-classification -> ${winner.id} (winner of decision ${decisionId})`,
    );
    expect(serve.stderr()).not.toContain("warning:");

    const asks: [string, string][] = [
      ["this is a wonderful product, I love it", "praise"],
      ["terrible service, the worst purchase I have ever made", "complaint"],
    ];
    for (const [question, route] of asks) {
      const answer = await postJson(`${serve.url}/v1/chat/completions`, {
        model: "auto",
        messages: [{ role: "user", content: question }],
      });
      expect(answer.status, question).toBe(200);
      expect(answer.json.modelscout.route, question).toBe(route);
    }

    // A newer selection picks another model; on SIGHUP the server classifies with it.
    const other = winner.id === "npm:sentiment" ? "npm:vader-sentiment" : "npm:sentiment";
    const spec = JSON.parse(readFileSync(SPEC, "utf8")) as Record<string, unknown>;
    const narrowSpec = join(home, "task.json");
    writeFileSync(
      narrowSpec,
      JSON.stringify({
        ...spec,
        candidates: { ids: [other] },
        data: { path: join(dirname(SPEC), "held-out-sentences.jsonl") },
        budget: { max_probes: 40, max_seconds: 30 },
      }),
    );
    const reselected = await runCli(["select", narrowSpec, "--json"], { MODELSCOUT_HOME: home });
    expect(reselected.code, reselected.stderr).toBe(0);
    const second = JSON.parse(reselected.stdout) as { winner: { id: string }; decisionId: string };
    expect(second.winner.id).toBe(other);
    serve.child.kill("SIGHUP");
    await expect
      .poll(() => serve?.stderr() ?? "", { timeout: 60_000, interval: 100 })
      .toContain(
        `classification[0].model: decision:latest:text-classification -> ${other} (winner of decision ${second.decisionId})`,
      );
    // The new winner serves; the old one, which no route names now, is gone.
    await expect
      .poll(
        async () => {
          const models = await getJson(`${serve?.url}/v1/models`);
          return (models.json.data as Array<{ id: string }>).map((entry) => entry.id);
        },
        { timeout: 60_000, interval: 200 },
      )
      .toEqual(expect.arrayContaining([other]));
    const listed = await getJson(`${serve.url}/v1/models`);
    expect((listed.json.data as Array<{ id: string }>).map((entry) => entry.id)).not.toContain(
      winner.id,
    );
    for (const [question, route] of asks) {
      const answer = await postJson(`${serve.url}/v1/chat/completions`, {
        model: "auto",
        messages: [{ role: "user", content: question }],
      });
      expect(answer.json.modelscout.route, question).toBe(route);
    }
  }, 240_000);

  it("refuses to start when the reference names no usable decision", async () => {
    const home = mkdtempSync(join(tmpdir(), "ms-decision-missing-"));
    const config = join(home, "routes.json");
    writeFileSync(
      config,
      JSON.stringify({
        default_route: "only",
        models: [{ id: "echo:a", kind: "echo" }],
        routes: [
          {
            name: "only",
            targets: { chat: { policy: "fixed", candidates: ["decision:dec_none"] } },
          },
        ],
      }),
    );
    const result = await runCli(["serve", "--config", config, "--port", "0"], {
      MODELSCOUT_HOME: home,
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(
      /routes\[0\]\.targets\.text-generation\.candidates\[0\]: decision:dec_none: no decision dec_none/,
    );
  }, 60_000);
});
