/**
 * `server.forward_headers`: the client's trace context (and headers a config adds) reaches
 * the model's server, whole answers and streams alike, so a model server that traces joins
 * the client's trace. The router's own credentials win over a client's, and headers that
 * must stay with the router are refused in the config.
 */
import { describe, expect, it } from "vitest";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import {
  type Json,
  postJson,
  routingServerBehindFakeUpstream,
  sseEvents,
} from "./routing-test-support.js";

const TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const UPSTREAM_KEY = "sk-upstream-0123456789";
process.env.MODELSCOUT_TEST_FORWARD_KEY = UPSTREAM_KEY;

const models = (base: string) => [
  {
    id: "llm",
    kind: "openai",
    base_url: base,
    api_model: "m",
    api_key_env: "MODELSCOUT_TEST_FORWARD_KEY",
  },
  {
    id: "embedder",
    kind: "openai",
    base_url: base,
    api_model: "e",
    task: "feature-extraction",
    api_key_env: "MODELSCOUT_TEST_FORWARD_KEY",
  },
];

const routes = [
  {
    name: "desk",
    targets: {
      "text-generation": { candidates: ["llm"] },
      "feature-extraction": { candidates: ["embedder"] },
    },
  },
];

const byDefault = routingServerBehindFakeUpstream(
  "forward-default",
  (base) => ({ models: models(base), routes }),
  { requiredApiKey: UPSTREAM_KEY },
);

const configured = routingServerBehindFakeUpstream(
  "forward-configured",
  (base) => ({
    models: models(base),
    routes,
    server: { forward_headers: ["traceparent", "X-Tenant"] },
  }),
  { requiredApiKey: UPSTREAM_KEY },
);

const clientHeaders = {
  traceparent: TRACEPARENT,
  tracestate: "vendor=abc",
  "x-tenant": "acme",
  authorization: "Bearer client-key-not-for-upstream",
};

const chat = { messages: [{ role: "user", content: "hello" }] };

/** The headers of the last request the upstream got at `path`. */
function lastHeaders(
  upstream: { requests: readonly { path: string; headers: Json }[] },
  path: string,
) {
  return upstream.requests.filter((request) => request.path === path).at(-1)?.headers;
}

describe("server.forward_headers", () => {
  it("passes the client's trace context on by default, and nothing else of its", async () => {
    const answer = await postJson(
      `${byDefault.server.url}/v1/chat/completions`,
      chat,
      clientHeaders,
    );
    expect(answer.status).toBe(200);
    const sent = lastHeaders(byDefault.upstream, "/v1/chat/completions");
    expect(sent.traceparent).toBe(TRACEPARENT);
    expect(sent.tracestate).toBe("vendor=abc");
    expect(sent["x-tenant"]).toBeUndefined();
    // The router's key for the model server, never the client's key for the router.
    expect(sent.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
  });

  it("sends none when the client sent none", async () => {
    await postJson(`${byDefault.server.url}/v1/chat/completions`, chat);
    const sent = lastHeaders(byDefault.upstream, "/v1/chat/completions");
    expect(sent.traceparent).toBeUndefined();
    expect(sent.tracestate).toBeUndefined();
  });

  it("passes the configured headers on to whole answers, streams and embeddings", async () => {
    const whole = await postJson(
      `${configured.server.url}/v1/chat/completions`,
      chat,
      clientHeaders,
    );
    expect(whole.status).toBe(200);
    let sent = lastHeaders(configured.upstream, "/v1/chat/completions");
    expect([sent.traceparent, sent["x-tenant"], sent.tracestate]).toEqual([
      TRACEPARENT,
      "acme",
      undefined,
    ]);

    const streamed = await postJson(
      `${configured.server.url}/v1/chat/completions`,
      { ...chat, stream: true },
      clientHeaders,
    );
    expect(sseEvents(streamed.json).at(-1)).toBe("[DONE]");
    sent = lastHeaders(configured.upstream, "/v1/chat/completions");
    expect(sent["x-tenant"]).toBe("acme");
    expect(sent.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);

    const embedded = await postJson(
      `${configured.server.url}/v1/embeddings`,
      { input: "hello" },
      clientHeaders,
    );
    expect(embedded.status).toBe(200);
    expect(lastHeaders(configured.upstream, "/v1/embeddings")["x-tenant"]).toBe("acme");
  });

  it.each([
    ["Authorization"],
    ["cookie"],
    ["content-length"],
    ["x-modelscout-route"],
    ["bad header"],
  ])("refuses to forward %s", (name) => {
    expect(() =>
      parseRoutesConfig({
        models: [{ id: "echo", kind: "echo" }],
        routes: [{ name: "r", targets: { "text-generation": { candidates: ["echo"] } } }],
        server: { forward_headers: [name] },
      }),
    ).toThrow(/server\.forward_headers(\[0\]|\.0)/);
  });
});
