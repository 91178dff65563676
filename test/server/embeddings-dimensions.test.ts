/**
 * `dimensions` on `/v1/embeddings`: passed to a model whose server shortens its vectors, and
 * checked for every model. A model whose vectors have another length is passed over (its
 * breaker untouched) for the next candidate; with none left the answer is a 400, never
 * vectors of the wrong length.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { type RoutingServer, startRoutingServer } from "../../src/server/start-routing-server.js";
import { type FakeOpenAIServer, startFakeOpenAIServer } from "../support/fake-openai-server.js";
import { getJson, postJson } from "./routing-test-support.js";

let upstream: FakeOpenAIServer;
let server: RoutingServer;

beforeAll(async () => {
  upstream = await startFakeOpenAIServer({ embeddingDimensions: 32 });
  server = await startRoutingServer({
    config: parseRoutesConfig({
      models: [
        { id: "ngrams", kind: "hashed-ngrams", dimensions: 64 },
        {
          id: "embedder",
          kind: "openai",
          base_url: `${upstream.url}/v1`,
          api_model: "text-embedding-3-small",
          task: "feature-extraction",
        },
      ],
      routes: [
        {
          name: "local",
          targets: { "feature-extraction": { policy: "fixed", candidates: ["ngrams"] } },
        },
        {
          name: "mixed",
          targets: {
            "feature-extraction": { policy: "fallback", candidates: ["ngrams", "embedder"] },
          },
        },
      ],
    }),
    port: 0,
    databasePath: join(mkdtempSync(join(tmpdir(), "ms-dimensions-")), "state.db"),
  });
});

afterAll(async () => {
  await server?.close();
  await upstream?.close();
});

const embed = (body: Record<string, unknown>) => postJson(`${server.url}/v1/embeddings`, body);

describe("/v1/embeddings with dimensions", () => {
  it("answers when the model's vectors have the length asked for", async () => {
    const plain = await embed({ model: "local", input: "where is my parcel" });
    expect(plain.json.data[0].embedding).toHaveLength(64);
    const asked = await embed({ model: "local", input: "where is my parcel", dimensions: 64 });
    expect(asked.status).toBe(200);
    expect(asked.json.data[0].embedding).toEqual(plain.json.data[0].embedding);
  });

  it("refuses with a 400 when no candidate gives that length", async () => {
    const refused = await embed({ model: "local", input: "where is my parcel", dimensions: 16 });
    expect(refused.status).toBe(400);
    expect(refused.json.error.message).toContain(
      "ngrams gives 64-dimensional embeddings and cannot shorten them to the 16 asked for",
    );
    expect(refused.json.error.param).toBe("dimensions");
  });

  it("passes over a model that cannot shorten its vectors, to one whose server can", async () => {
    const before = upstream.requests.length;
    const answer = await embed({ model: "mixed", input: ["a parcel", "a refund"], dimensions: 16 });
    expect(answer.status).toBe(200);
    expect(answer.json.data.map((item: { embedding: number[] }) => item.embedding.length)).toEqual([
      16, 16,
    ]);
    expect(answer.json.modelscout.model).toBe("embedder");
    expect(answer.json.modelscout.attempts[0]).toMatchObject({
      model: "ngrams",
      outcome: "error",
      status: 400,
    });
    const sent = upstream.requests
      .slice(before)
      .find((request) => request.path === "/v1/embeddings");
    expect(sent?.body).toMatchObject({ input: ["a parcel", "a refund"], dimensions: 16 });
    // Refusing a length is not a failure of the model: its breaker is untouched.
    const ready = await getJson(`${server.url}/ready`);
    expect(ready.json.models.ngrams.breaker).toMatchObject({ consecutiveFailures: 0 });
  });

  it.each([0, 2.5, "16"])("refuses dimensions %j with a 400 naming the field", async (value) => {
    const refused = await embed({ model: "local", input: "x", dimensions: value });
    expect(refused.status).toBe(400);
    expect(refused.json.error.param).toBe("dimensions");
  });
});
