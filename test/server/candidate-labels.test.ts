/**
 * `candidate_labels` on `/v1/tasks/<task>` goes only to models that pick among them (zero-shot
 * classifiers, prompted models behind a server: `describe().candidateLabels`). A model with
 * labels of its own (the AFINN lexicon) used to answer with those, silently ignoring the
 * request's; now it is passed over, and when no candidate takes them the answer is a 400
 * naming the field. Without candidate labels the lexicon answers as before.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRouter, type Router } from "../../src/route/router.js";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { RoutingStore } from "../../src/route/routing-store.js";
import { createRoutingApp } from "../../src/server/create-routing-app.js";
import { openStateDatabase, type StateDatabase } from "../../src/state/state-database.js";
import { type FakeOpenAIServer, startFakeOpenAIServer } from "../support/fake-openai-server.js";
import type { Json } from "./routing-test-support.js";

let database: StateDatabase;
let store: RoutingStore;
let router: Router;
let app: ReturnType<typeof createRoutingApp>;
let upstream: FakeOpenAIServer;

beforeAll(async () => {
  upstream = await startFakeOpenAIServer();
  database = openStateDatabase({ path: ":memory:" });
  store = new RoutingStore(database);
  router = await createRouter({
    config: parseRoutesConfig({
      default_route: "lexicon",
      models: [
        {
          id: "prompted",
          kind: "openai",
          base_url: `${upstream.url}/v1`,
          api_model: "classifier",
          task: "text-classification",
          health_check: false,
        },
      ],
      routes: [
        {
          name: "lexicon",
          targets: { "text-classification": { candidates: ["npm:sentiment"] } },
        },
        {
          name: "both",
          targets: {
            "text-classification": {
              policy: "fallback",
              candidates: ["npm:sentiment", "prompted"],
            },
          },
        },
      ],
    }),
  });
  app = createRoutingApp({ router, store });
}, 60_000);

afterAll(async () => {
  store?.close();
  await router?.registry.close();
  database?.close();
  await upstream?.close();
});

async function classify(body: unknown): Promise<{ status: number; json: Json }> {
  const response = await app.request("/v1/tasks/text-classification", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

const topLabel = (item: Json) =>
  [...item.labels].sort((a: Json, b: Json) => b.score - a.score)[0].label;

describe("candidate_labels on /v1/tasks", () => {
  it("refuses them with a 400 naming the field when no candidate picks among them", async () => {
    for (const body of [
      {
        model: "lexicon",
        inputs: "I want a refund",
        parameters: { candidate_labels: ["refund", "repair"] },
      },
      { model: "lexicon", input: "I want a refund", candidate_labels: ["refund", "repair"] },
    ]) {
      const answer = await classify(body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.json.error).toMatchObject({ param: "candidate_labels", code: "input_refused" });
      expect(answer.json.error.message).toContain("npm:sentiment");
      expect(answer.json.error.message).toContain(
        "cannot pick among the request's candidate_labels",
      );
    }
  });

  it("passes over a model with labels of its own for one that takes them", async () => {
    const before = upstream.requests.length;
    const answer = await classify({
      model: "both",
      inputs: ["I want a refund", "which shipping do you use"],
      parameters: { candidate_labels: ["shipping", "refund"] },
    });
    expect(answer.status).toBe(200);
    expect(answer.json.model).toBe("prompted");
    expect(answer.json.data.map(topLabel)).toEqual(["refund", "shipping"]);
    expect(upstream.requests.length).toBeGreaterThan(before);
  });

  it("still sends a request without them to the lexicon", async () => {
    const answer = await classify({ model: "both", inputs: "this is wonderful" });
    expect(answer.status).toBe(200);
    expect(answer.json.model).toBe("npm:sentiment");
    expect(topLabel(answer.json.data[0])).toBe("positive");
  });
});
