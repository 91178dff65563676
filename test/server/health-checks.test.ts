/**
 * Active health checks through the server: a model whose OpenAI-compatible server goes down
 * is found out by `GET /v1/models` between requests and skipped without a request being sent
 * to it; when the server is back, a passed check puts it back in service, again without
 * spending a request on it. `/ready` says what the checks saw.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { type RoutingServer, startRoutingServer } from "../../src/server/start-routing-server.js";
import { type FakeOpenAIServer, startFakeOpenAIServer } from "../support/fake-openai-server.js";
import {
  fallbackPairWithHealthChecks,
  getJson,
  type Json,
  postJson,
} from "./routing-test-support.js";

const INTERVAL_MS = 40;

let primary: FakeOpenAIServer;
let spare: FakeOpenAIServer;
let server: RoutingServer;

beforeAll(async () => {
  primary = await startFakeOpenAIServer();
  spare = await startFakeOpenAIServer();
  server = await startRoutingServer({
    config: parseRoutesConfig(
      fallbackPairWithHealthChecks(primary.url, spare.url, INTERVAL_MS, [
        {
          id: "unchecked",
          kind: "openai",
          base_url: `${spare.url}/v1`,
          api_model: "other",
          health_check: false,
        },
      ]),
    ),
    port: 0,
    databasePath: join(mkdtempSync(join(tmpdir(), "ms-health-")), "state.db"),
  });
});

afterAll(async () => {
  await server?.close();
  await primary?.close();
  await spare?.close();
});

const chatsTo = (upstream: FakeOpenAIServer) =>
  upstream.requests.filter((request) => request.path === "/v1/chat/completions").length;

const ask = () =>
  postJson(`${server.url}/v1/chat/completions`, {
    model: "support",
    messages: [{ role: "user", content: "where is my parcel" }],
  });

/** Waits until `/ready` shows `model` in `state`, or fails after 3 s. */
async function waitForHealth(model: string, state: string): Promise<Json> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const ready = await getJson(`${server.url}/ready`);
    const health = ready.json.models?.[model]?.health;
    if (health?.state === state) return ready.json;
    if (Date.now() > deadline)
      throw new Error(`${model} never became ${state}: ${JSON.stringify(health)}`);
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS / 2));
  }
}

describe("active health checks", () => {
  it("check only the models behind servers that did not opt out", async () => {
    const ready = await waitForHealth("primary", "healthy");
    expect(ready.models.spare.health.state).toBe("healthy");
    expect(ready.models.unchecked).not.toHaveProperty("health");
    const listings = (upstream: FakeOpenAIServer) =>
      upstream.requests.filter((request) => request.method === "GET").length;
    expect(listings(primary)).toBeGreaterThanOrEqual(2); // the load, then checks
  });

  it("skip a server that went down, without sending it a request, and take it back when it is up", async () => {
    expect((await ask()).json.modelscout.model).toBe("primary");

    primary.down = true;
    const down = await waitForHealth("primary", "unhealthy");
    expect(down.models.primary.health.error).toContain("503");
    expect(down.models.primary.breaker).toMatchObject({ state: "open", unhealthy: true });
    expect(down.models.primary.breaker.lastError).toMatch(/^health check: /);

    const before = chatsTo(primary);
    const answer = await ask();
    expect(answer.status).toBe(200);
    expect(answer.json.modelscout.model).toBe("spare");
    // The fallback chain starts past the held-open breaker.
    expect(answer.json.modelscout.order).toEqual(["spare", "primary"]);
    expect(answer.json.modelscout.reason).toContain("1 skipped (circuit open or at max_in_flight)");
    expect(answer.json.modelscout.attempts).toHaveLength(1);
    expect(chatsTo(primary)).toBe(before); // no request was spent on the dead server

    primary.down = false;
    await waitForHealth("primary", "healthy");
    const back = await ask();
    expect(back.json.modelscout.model).toBe("primary");
    expect(back.json.modelscout.attempts).toHaveLength(1);
  });
});
