/**
 * `createRoutingApp` on its own, as a library user on another runtime would use it: no
 * socket, `app.request()` with WHATWG Request/Response, the state database opened by the
 * caller.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRouter, type Router } from "../../src/route/router.js";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { RoutingStore } from "../../src/route/routing-store.js";
import { createRoutingApp } from "../../src/server/create-routing-app.js";
import { openStateDatabase, type StateDatabase } from "../../src/state/state-database.js";
import { type FakeOpenAIServer, startFakeOpenAIServer } from "../support/fake-openai-server.js";

let database: StateDatabase;
let store: RoutingStore;
let router: Router;
let app: ReturnType<typeof createRoutingApp>;
let upstream: FakeOpenAIServer;

beforeAll(async () => {
  upstream = await startFakeOpenAIServer({ chatReply: () => "streamed from upstream" });
  database = openStateDatabase({ path: join(mkdtempSync(join(tmpdir(), "ms-app-")), "state.db") });
  store = new RoutingStore(database);
  router = await createRouter({
    config: parseRoutesConfig({
      classification: [{ kind: "rules", rules: [{ route: "parcels", keywords: ["parcel"] }] }],
      default_route: "other",
      models: [
        { id: "echo:parcels", kind: "echo", template: "parcels: {{input}}" },
        { id: "echo:other", kind: "echo", template: "other: {{input}}" },
        { id: "upstream", kind: "openai", base_url: `${upstream.url}/v1`, api_model: "m" },
      ],
      routes: [
        { name: "parcels", targets: { chat: { policy: "fixed", candidates: ["echo:parcels"] } } },
        { name: "other", targets: { chat: { policy: "fixed", candidates: ["echo:other"] } } },
        { name: "live", targets: { chat: { policy: "fixed", candidates: ["upstream"] } } },
      ],
      server: { max_body_bytes: 1024 },
    }),
  });
  app = createRoutingApp({ router, store });
});

afterAll(async () => {
  store.close();
  await router.registry.close();
  database.close();
  await upstream.close();
});

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  app.request(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });

describe("createRoutingApp (Hono) routed endpoints", () => {
  it("routes a chat completion and reports the decision in headers and body", async () => {
    const response = await post(
      "/v1/chat/completions",
      JSON.stringify({
        model: "auto",
        messages: [{ role: "user", content: "where is my parcel" }],
      }),
      { "x-modelscout-domain": "retail" },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("x-modelscout-route")).toBe("parcels");
    const body = (await response.json()) as {
      choices: { message: { content: string } }[];
      modelscout: { request_id: string; model: string };
    };
    expect(body.choices[0]?.message.content).toBe("parcels: where is my parcel");
    expect(body.modelscout.model).toBe("echo:parcels");
    store.flush();
    expect(store.findRequest(body.modelscout.request_id)).toMatchObject({
      status: 200,
      route: "parcels",
      domain: "retail",
    });
  });

  it("names every endpoint it serves in the 404 for a path it does not", async () => {
    const response = await app.request("/v1/nothing-here");
    expect(response.status).toBe(404);
    const { error } = (await response.json()) as { error: { message: string } };
    const served = app.routes
      .filter((route) => route.method === "POST" && route.path.startsWith("/v1/"))
      .map((route) => route.path.replace("/:task", "/<task>"))
      .filter((path) => !path.includes(":"));
    expect(served.length).toBeGreaterThan(5);
    // Each named whole: followed by a comma or " and".
    for (const path of served) expect(error.message).toMatch(new RegExp(`${path}(,| and)`));
  });

  it("answers a legacy completion", async () => {
    const response = await post(
      "/v1/completions",
      JSON.stringify({ prompt: "where is my parcel", max_tokens: 32 }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("x-modelscout-route")).toBe("parcels");
    const body = (await response.json()) as { object: string; choices: { text: string }[] };
    expect(body.object).toBe("text_completion");
    expect(body.choices[0]?.text).toBe("parcels: where is my parcel");
  });

  it("streams when asked", async () => {
    const response = await post(
      "/v1/chat/completions",
      JSON.stringify({ stream: true, messages: [{ role: "user", content: "hello there" }] }),
    );
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const events = (await response.text())
      .split("\n\n")
      .filter((event) => event.startsWith("data: "))
      .map((event) => event.slice("data: ".length));
    expect(events.at(-1)).toBe("[DONE]");
    const content = events
      .slice(0, -1)
      .map((event) => JSON.parse(event) as { choices: { delta: { content?: string } }[] })
      .map((chunk) => chunk.choices[0]?.delta.content ?? "")
      .join("");
    expect(content).toBe("other: hello there");
  });

  it("relays an upstream model's stream and logs it when it ends", async () => {
    const response = await post(
      "/v1/chat/completions",
      JSON.stringify({ model: "live", stream: true, messages: [{ role: "user", content: "hi" }] }),
    );
    expect(upstream.requests.at(-1)?.body).toMatchObject({ stream: true });
    const events = (await response.text())
      .split("\n\n")
      .filter((event) => event.startsWith("data: "))
      .map((event) => event.slice("data: ".length));
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1).map(
      (event) =>
        JSON.parse(event) as {
          choices: { delta: { content?: string } }[];
          modelscout?: { request_id: string };
        },
    );
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe(
      "streamed from upstream",
    );
    store.flush();
    expect(store.findRequest(chunks[0]?.modelscout?.request_id ?? "")).toMatchObject({
      status: 200,
      route: "live",
      outputText: "streamed from upstream",
    });
  });

  it("refuses an oversized body with 413 and a malformed one with 400, in OpenAI's error format", async () => {
    const big = await post(
      "/v1/chat/completions",
      JSON.stringify({ messages: [{ role: "user", content: "x".repeat(2000) }] }),
    );
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: { code: "request_too_large" } });
    const malformed = await post("/v1/chat/completions", "{not json");
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: { code: "invalid_json" } });
  });

  it("answers an unknown task on /v1/tasks/<task> with 404", async () => {
    const response = await post("/v1/tasks/not-a-task", JSON.stringify({ input: "x" }));
    expect(response.status).toBe(404);
  });
});
