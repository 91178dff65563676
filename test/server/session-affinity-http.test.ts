/**
 * Session affinity over HTTP: the `x-modelscout-session` header keeps a conversation's turns
 * on the route and model of its last answered request, through the chat and Responses
 * endpoints alike, and across a reload of the routes config.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { type RoutingServer, startRoutingServer } from "../../src/server/start-routing-server.js";

const routes = (productModel: string) => ({
  default_route: "product",
  classification: [
    {
      kind: "rules",
      rules: [
        { route: "complaint", keywords: ["broken", "refund"] },
        { route: "delivery", keywords: ["parcel", "delivery"] },
      ],
    },
  ],
  models: [
    { id: "echo:delivery", kind: "echo" },
    { id: "echo:complaint", kind: "echo" },
    { id: productModel, kind: "echo" },
  ],
  routes: [
    { name: "delivery", targets: { chat: { candidates: ["echo:delivery"] } } },
    { name: "complaint", targets: { chat: { candidates: ["echo:complaint"] } } },
    { name: "product", targets: { chat: { candidates: [productModel] } } },
  ],
});

let server: RoutingServer;

beforeAll(async () => {
  server = await startRoutingServer({
    config: parseRoutesConfig(routes("echo:product")),
    port: 0,
    databasePath: ":memory:",
  });
});

afterAll(async () => {
  await server?.close();
});

async function chat(text: string, session?: string) {
  const response = await fetch(`${server.url}/v1/chat/completions`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(session !== undefined && { "x-modelscout-session": session }),
    },
    body: JSON.stringify({ model: "auto", messages: [{ role: "user", content: text }] }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { modelscout: { route: string; model: string } };
  return {
    route: body.modelscout.route,
    model: body.modelscout.model,
    reason: response.headers.get("x-modelscout-reason") ?? "",
  };
}

describe("x-modelscout-session", () => {
  it("keeps a conversation on its route, over chat and the Responses API, and across a reload", async () => {
    expect(await chat("where is my parcel?", "conv-1")).toMatchObject({ route: "delivery" });
    const followUp = await chat("it came broken", "conv-1");
    expect(followUp).toMatchObject({ route: "delivery", model: "echo:delivery" });
    expect(followUp.reason).toContain("the session's route");
    expect(await chat("it came broken")).toMatchObject({ route: "complaint" });

    // The Responses API is the same kind of request (auto, text generation): same session.
    const responses = await fetch(`${server.url}/v1/responses`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-modelscout-session": "conv-1" },
      body: JSON.stringify({ model: "auto", input: "I want a refund" }),
    });
    expect(responses.status).toBe(200);
    expect(((await responses.json()) as { modelscout: { route: string } }).modelscout.route).toBe(
      "delivery",
    );

    // A reload keeps the sessions whose route and model the new config still has.
    await chat("what sizes are there?", "conv-2");
    await server.reload(parseRoutesConfig(routes("echo:product-2")));
    expect(await chat("I want a refund", "conv-1")).toMatchObject({ route: "delivery" });
    // conv-2's model is gone: its words decide again.
    expect(await chat("I want a refund", "conv-2")).toMatchObject({ route: "complaint" });
  });

  it("refuses a session id or a domain longer than 256 characters, naming the header", async () => {
    for (const header of ["x-modelscout-session", "x-modelscout-domain"]) {
      const response = await fetch(`${server.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", [header]: "x".repeat(257) },
        body: JSON.stringify({ model: "auto", messages: [{ role: "user", content: "hello" }] }),
      });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { param: string; message: string } };
      expect(body.error.param).toBe(header);
      expect(body.error.message).toContain("at most 256 characters (got 257)");
    }
    // 256 is still a name.
    expect(await chat("where is my parcel?", "s".repeat(256))).toMatchObject({ route: "delivery" });
  });
});
