/**
 * `modelscout serve` runs a model from a `local:` folder, as `select` does: a relative id is
 * read from the routes config's folder, an absolute one (what a stored selection decision
 * holds, so a `decision:latest` winner that is a local folder) as it is. Before, the server
 * looked such ids up in the catalog only and refused them.
 */
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { postJson } from "./routing-test-support.js";
import { killHard, type ServeProcess, startServeProcess } from "./serve-process.js";

const MODEL = fileURLToPath(
  new URL("../../examples/english-sentiment/models/modelscout/sentiment-en-bow", import.meta.url),
);

let serve: ServeProcess | undefined;
afterAll(async () => {
  if (serve !== undefined) await killHard(serve);
});

describe("serve with local: models", () => {
  it("answers from a folder named relative to the config and from an absolute one", async () => {
    const home = mkdtempSync(join(tmpdir(), "ms-serve-local-"));
    cpSync(MODEL, join(home, "config", "models", "bow"), { recursive: true });
    const config = join(home, "config", "routes.json");
    const target = (model: string) => ({
      "text-classification": { policy: "fixed", candidates: [model] },
    });
    writeFileSync(
      config,
      JSON.stringify({
        routes: [
          { name: "relative", targets: target("local:./models/bow") },
          { name: "absolute", targets: target(`local:${MODEL}`) },
        ],
      }),
    );
    serve = await startServeProcess(
      ["--config", config, "--state", join(home, "state.db")],
      { MODELSCOUT_HOME: home },
      90_000,
    );
    for (const [route, model] of [
      ["relative", "local:./models/bow"],
      ["absolute", `local:${MODEL}`],
    ]) {
      for (const [input, label] of [
        ["The mic is great.", "positive"],
        ["What a waste of money and time!", "negative"],
      ]) {
        const answer = await postJson(`${serve.url}/v1/tasks/text-classification`, {
          model: route,
          input,
        });
        expect(answer.status).toBe(200);
        expect(answer.json.modelscout.route).toBe(route);
        expect(answer.json.data[0].labels[0].label).toBe(label);
        // The id as the config wrote it.
        expect(answer.json.model).toBe(model);
      }
    }
  }, 120_000);
});
