/**
 * API keys on the OpenAI-compatible API (`MODELSCOUT_API_KEYS`): every `/v1` endpoint, on
 * both HTTP fronts (Node's for the routed endpoints, Hono's for the rest), refuses a request
 * without a key or with a wrong one with OpenAI's 401, before it reaches a model or the
 * request log; probes stay open; a server without keys is open as before.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { createApiAccess, resolveApiKeySource, resolveApiKeys } from "../../src/server/api-keys.js";
import { createRoutingApp } from "../../src/server/create-routing-app.js";
import { type RoutingServer, startRoutingServer } from "../../src/server/start-routing-server.js";

const KEYS = ["sk-modelscout-first-0123456789", "sk-modelscout-second-abcdefghij"];

const config = parseRoutesConfig({
  models: [
    { id: "echo:desk", kind: "echo", template: "desk: {{input}}" },
    { id: "builtin:ngrams", kind: "hashed-ngrams" },
  ],
  routes: [
    {
      name: "desk",
      targets: {
        "text-generation": { policy: "fixed", candidates: ["echo:desk"] },
        "feature-extraction": { policy: "fixed", candidates: ["builtin:ngrams"] },
      },
    },
  ],
});

let server: RoutingServer;

beforeAll(async () => {
  server = await startRoutingServer({
    config,
    port: 0,
    apiKeys: KEYS,
    databasePath: join(mkdtempSync(join(tmpdir(), "ms-api-keys-")), "state.db"),
  });
});

afterAll(async () => {
  await server?.close();
});

const chatBody = JSON.stringify({ model: "desk", messages: [{ role: "user", content: "hi" }] });

function call(path: string, init: { method?: string; body?: string; key?: string } = {}) {
  return fetch(`${server.url}${path}`, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers: {
      "content-type": "application/json",
      ...(init.key !== undefined && { authorization: `Bearer ${init.key}` }),
    },
    ...(init.body !== undefined && { body: init.body }),
  });
}

function loggedRequests(): number {
  server.store.flush();
  return (
    server.database.prepare("SELECT COUNT(*) AS n FROM routing_requests").get() as { n: number }
  ).n;
}

describe("API keys", () => {
  it("refuses a chat without a key or with a wrong one, before the model and the log", async () => {
    const before = loggedRequests();
    for (const key of [undefined, "sk-not-one-of-the-keys-000000", `${KEYS[0]}x`]) {
      const response = await call("/v1/chat/completions", { body: chatBody, key });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toContain("Bearer");
      const body = (await response.json()) as { error: Record<string, unknown> };
      expect(body.error).toMatchObject({ type: "invalid_request_error", code: "invalid_api_key" });
      expect(String(body.error.message)).toContain("MODELSCOUT_API_KEYS");
      expect(response.headers.get("x-modelscout-request-id")).toBeNull();
    }
    expect(loggedRequests()).toBe(before);
  });

  it("serves a request with any of the keys", async () => {
    for (const key of KEYS) {
      const response = await call("/v1/chat/completions", { body: chatBody, key });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { choices: { message: { content: string } }[] };
      expect(body.choices[0]?.message.content).toBe("desk: hi");
    }
  });

  it.each([
    ["POST", "/v1/responses", JSON.stringify({ model: "desk", input: "hi" })],
    ["POST", "/v1/embeddings", JSON.stringify({ model: "desk", input: "hi" })],
    ["POST", "/v1/tasks/text-generation", JSON.stringify({ model: "desk", input: "hi" })],
    ["POST", "/v1/feedback", JSON.stringify({ request_id: "req_x", correct: true })],
    ["GET", "/v1/models", undefined],
    ["GET", "/v1/models/desk", undefined],
    ["GET", "/v1/requests/req_x", undefined],
  ])("guards %s %s", async (method, path, body) => {
    const refused = await call(path, { method, ...(body !== undefined && { body }) });
    expect(refused.status).toBe(401);
    const allowed = await call(path, {
      method,
      ...(body !== undefined && { body }),
      key: KEYS[1],
    });
    expect(allowed.status).not.toBe(401);
  });

  it("leaves the health probes open", async () => {
    expect((await call("/health")).status).toBe(200);
    expect((await call("/ready")).status).toBe(200);
  });

  it("rotates its keys without a restart, on both fronts, and refuses to drop them all", async () => {
    const rotated = "sk-modelscout-rotated-9876543210";
    try {
      server.useApiKeys([KEYS[1] as string, rotated]);
      const chat = (key: string) => call("/v1/chat/completions", { body: chatBody, key });
      expect((await chat(KEYS[0] as string)).status).toBe(401);
      expect((await call("/v1/models", { key: KEYS[0] })).status).toBe(401);
      for (const key of [KEYS[1] as string, rotated]) {
        expect((await chat(key)).status).toBe(200);
        expect((await call("/v1/models", { key })).status).toBe(200);
      }
      // No keys, or a short one: refused, and the keys in force stay.
      expect(() => server.useApiKeys([])).toThrow(/No API keys: that would refuse every request/);
      expect(() => server.useApiKeys(["short"])).toThrow(/is 5 characters/);
      expect((await chat(rotated)).status).toBe(200);
      expect((await chat("short")).status).toBe(401);
    } finally {
      server.useApiKeys(KEYS);
    }
  });

  it("cannot start requiring keys by a rotation: an open server stays open", async () => {
    const open = await startRoutingServer({
      config,
      port: 0,
      databasePath: join(mkdtempSync(join(tmpdir(), "ms-api-keys-open-")), "state.db"),
    });
    try {
      expect(() => open.useApiKeys(KEYS)).toThrow(/started without API keys/);
      const response = await fetch(`${open.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: chatBody,
      });
      expect(response.status).toBe(200);
    } finally {
      await open.close();
    }
  });

  it("guards the Hono app the same way, and leaves a server without keys open", async () => {
    const guarded = createRoutingApp({
      router: server.router,
      store: server.store,
      apiKeys: KEYS,
    });
    const post = (app: typeof guarded, key?: string) =>
      app.request("/v1/chat/completions", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(key !== undefined && { authorization: `Bearer ${key}` }),
        },
        body: chatBody,
      });
    expect((await post(guarded)).status).toBe(401);
    expect((await post(guarded, KEYS[0])).status).toBe(200);
    const open = createRoutingApp({ router: server.router, store: server.store });
    expect((await post(open)).status).toBe(200);
  });
});

describe("API key settings", () => {
  it("reads comma-separated keys from MODELSCOUT_API_KEYS, ignoring blanks", () => {
    expect(resolveApiKeys({ MODELSCOUT_API_KEYS: ` ${KEYS[0]}, ,${KEYS[1]} ` })).toEqual(KEYS);
    expect(resolveApiKeys({})).toEqual([]);
  });

  it("refuses a key too short to be safe, naming the variable", () => {
    expect(() => createApiAccess(["short"])).toThrow(
      /MODELSCOUT_API_KEYS \(or MODELSCOUT_API_KEYS_FILE\) is 5 characters/,
    );
  });

  it("reads keys from MODELSCOUT_API_KEYS_FILE, one per line, skipping blanks and comments", () => {
    const directory = mkdtempSync(join(tmpdir(), "ms-api-keys-file-"));
    const file = join(directory, "keys");
    writeFileSync(file, `# rotated 2026-12-02\r\n${KEYS[0]}\r\n\n  ${KEYS[1]}  \n`);
    expect(resolveApiKeySource({ MODELSCOUT_API_KEYS_FILE: file })).toEqual({ keys: KEYS, file });
    expect(resolveApiKeySource({ MODELSCOUT_API_KEYS: KEYS[0] })).toEqual({
      keys: [KEYS[0]],
      file: null,
    });
    expect(() =>
      resolveApiKeySource({ MODELSCOUT_API_KEYS_FILE: file, MODELSCOUT_API_KEYS: KEYS[0] }),
    ).toThrow(/Both MODELSCOUT_API_KEYS and MODELSCOUT_API_KEYS_FILE are set; set one/);
    const empty = join(directory, "empty");
    writeFileSync(empty, "# no keys yet\n\n");
    expect(() => resolveApiKeySource({ MODELSCOUT_API_KEYS_FILE: empty })).toThrow(
      /MODELSCOUT_API_KEYS_FILE: .*empty holds no key/,
    );
    expect(() =>
      resolveApiKeySource({ MODELSCOUT_API_KEYS_FILE: join(directory, "missing") }),
    ).toThrow(/MODELSCOUT_API_KEYS_FILE: .*missing cannot be read \(ENOENT/);
  });
});
