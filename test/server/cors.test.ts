/**
 * `server.cors_origins` (ADR 0063): web pages of the listed origins may call `/v1` from a
 * browser. Checked on the wire (preflights, the headers of routed and Hono-served answers, a
 * refused origin, the admin side never opened, a reload changing the list) and in Debian's
 * headless Chromium, which enforces CORS itself: a page of an allowed origin reads a chat
 * answer and its decision headers with an API key, and a page of another origin cannot.
 */
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRoutesConfig, type RoutesConfigInput } from "../../src/route/routes-config.js";
import { type RoutingServer, startRoutingServer } from "../../src/server/start-routing-server.js";
import { type Chromium, launchChromium } from "../dashboard/chromium.js";
import { type FakeOpenAIServer, startFakeOpenAIServer } from "../support/fake-openai-server.js";

const KEY = "sk-cors-test-0123456789";

/** A server that serves one page, for the browser to load as a site of its own origin. */
const pages: Server = createServer((_incoming, outgoing) => {
  outgoing.writeHead(200, { "content-type": "text/html" });
  outgoing.end("<!doctype html><title>shop</title><p>a page that calls the router</p>");
});
let pageOrigin = "";

const routes = (corsOrigins?: string[]): RoutesConfigInput => ({
  models: [{ id: "echo:desk", kind: "echo" }],
  routes: [{ name: "desk", targets: { chat: { candidates: ["echo:desk"] } } }],
  ...(corsOrigins !== undefined && { server: { cors_origins: corsOrigins } }),
});

let server: RoutingServer;

beforeAll(async () => {
  pages.listen(0, "127.0.0.1");
  await new Promise((resolve) => pages.once("listening", resolve));
  pageOrigin = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
  server = await startRoutingServer({
    config: parseRoutesConfig(routes([pageOrigin])),
    port: 0,
    databasePath: ":memory:",
    apiKeys: [KEY],
  });
});

afterAll(async () => {
  await server?.close();
  pages.close();
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** `method` on `path` of `base` (the server with the page's origin listed, unless told). */
function call(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
  base = server.url,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const outgoing = request(`${base}${path}`, { method, headers }, (incoming) => {
      let text = "";
      incoming.setEncoding("utf8").on("data", (chunk: string) => {
        text += chunk;
      });
      incoming.on("end", () =>
        resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, text }),
      );
    });
    outgoing.on("error", reject);
    outgoing.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const preflight = (origin: string, path = "/v1/chat/completions") =>
  call("OPTIONS", path, {
    origin,
    "access-control-request-method": "POST",
    "access-control-request-headers": "authorization,content-type,x-stainless-os",
  });

const chat = (origin: string) =>
  call(
    "POST",
    "/v1/chat/completions",
    { origin, authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    { model: "auto", messages: [{ role: "user", content: "where is my parcel?" }] },
  );

describe("CORS on the wire", () => {
  it("answers an allowed origin's preflight with what it asked for", async () => {
    const reply = await preflight(pageOrigin);
    expect(reply.status).toBe(204);
    expect(reply.headers).toMatchObject({
      "access-control-allow-origin": pageOrigin,
      "access-control-allow-methods": "GET, POST",
      "access-control-allow-headers": "authorization,content-type,x-stainless-os",
      "access-control-max-age": "600",
      vary: "Origin",
    });
    expect(reply.headers["access-control-allow-credentials"]).toBeUndefined();
  });

  it("refuses another origin's preflight, naming the setting", async () => {
    const reply = await preflight("https://elsewhere.example");
    expect(reply.status).toBe(403);
    expect(reply.headers["access-control-allow-origin"]).toBeUndefined();
    expect(JSON.parse(reply.text)).toMatchObject({
      error: { code: "origin_not_allowed", message: expect.stringContaining("cors_origins") },
    });
  });

  it("lets an allowed origin read a routed answer and its decision headers", async () => {
    const reply = await chat(pageOrigin);
    expect(reply.status).toBe(200);
    expect(reply.headers["access-control-allow-origin"]).toBe(pageOrigin);
    expect(reply.headers["access-control-expose-headers"]).toBe(
      "x-modelscout-request-id, x-modelscout-route, x-modelscout-model, x-modelscout-reason, x-modelscout-batch",
    );
    expect(reply.headers["x-modelscout-route"]).toBe("desk");
    // And an answer the Hono app serves (GET /v1/models), and a refusal (a wrong key).
    const models = await call("GET", "/v1/models", {
      origin: pageOrigin,
      authorization: `Bearer ${KEY}`,
    });
    expect(models.status).toBe(200);
    expect(models.headers["access-control-allow-origin"]).toBe(pageOrigin);
    const refused = await call("GET", "/v1/models", { origin: pageOrigin });
    expect(refused.status).toBe(401);
    expect(refused.headers["access-control-allow-origin"]).toBe(pageOrigin);
  });

  it("refuses another origin's request, which a browser may send without a preflight", async () => {
    const reply = await chat("https://elsewhere.example");
    expect(reply.status).toBe(403);
    expect(reply.headers["access-control-allow-origin"]).toBeUndefined();
    expect(reply.headers.vary).toBe("Origin");
    expect(JSON.parse(reply.text)).toMatchObject({
      error: { code: "origin_not_allowed", message: expect.stringContaining("cors_origins") },
    });
  });

  it("never opens the admin side, metrics or health to another origin", async () => {
    for (const path of ["/admin/api/decisions", "/metrics", "/health"]) {
      const ask = await preflight(pageOrigin, path);
      expect(ask.status, path).not.toBe(204);
      expect(ask.headers["access-control-allow-origin"], path).toBeUndefined();
      const get = await call("GET", path, { origin: pageOrigin });
      expect(get.headers["access-control-allow-origin"], path).toBeUndefined();
    }
  });

  it("takes a new list on reload: '*' for any page, none for none", async () => {
    try {
      await server.reload(parseRoutesConfig(routes(["*"])));
      const any = await preflight("https://elsewhere.example");
      expect(any.status).toBe(204);
      expect(any.headers["access-control-allow-origin"]).toBe("*");
      expect((await chat("https://elsewhere.example")).headers["access-control-allow-origin"]).toBe(
        "*",
      );
      await server.reload(parseRoutesConfig(routes()));
      const none = await preflight(pageOrigin);
      expect(none.status).not.toBe(204);
      expect(none.headers["access-control-allow-origin"]).toBeUndefined();
      const refused = await chat(pageOrigin);
      expect(refused.status).toBe(403);
      expect(refused.headers["access-control-allow-origin"]).toBeUndefined();
    } finally {
      await server.reload(parseRoutesConfig(routes([pageOrigin])));
    }
  });

  it("refuses an entry that is not an origin", () => {
    expect(() => parseRoutesConfig(routes(["https://app.example.com/"]))).toThrow(
      /server\.cors_origins\[0\]: must be "\*" or an origin/,
    );
    expect(() => parseRoutesConfig(routes(["app.example.com"]))).toThrow(/cors_origins\[0\]/);
    expect(parseRoutesConfig(routes(["http://localhost:3000"])).server.corsOrigins).toEqual([
      "http://localhost:3000",
    ]);
  });
});

describe("CORS in a browser", () => {
  let chromium: Chromium;

  beforeAll(async () => {
    chromium = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await chromium?.close();
  });

  /** What a page loaded from `origin` gets when its script asks the router for a chat answer. */
  async function askFromPage(origin: string): Promise<unknown> {
    const page = await chromium.context.newPage();
    try {
      await page.goto(`${origin}/`);
      return await page.evaluate(
        async ({ url, key }) => {
          try {
            const response = await fetch(`${url}/v1/chat/completions`, {
              method: "POST",
              headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
              body: JSON.stringify({
                model: "auto",
                messages: [{ role: "user", content: "where is my parcel?" }],
              }),
            });
            const body = (await response.json()) as { choices: { message: { content: string } }[] };
            return {
              status: response.status,
              route: response.headers.get("x-modelscout-route"),
              content: body.choices[0]?.message.content,
            };
          } catch (error) {
            return { blocked: String(error) };
          }
        },
        { url: server.url, key: KEY },
      );
    } finally {
      await page.close();
    }
  }

  it("lets a page of an allowed origin read the answer, and blocks another origin's page", async () => {
    expect(await askFromPage(pageOrigin)).toEqual({
      status: 200,
      route: "desk",
      content: "where is my parcel?",
    });
    // The same page server by another name: another origin, not in the list.
    const other = pageOrigin.replace("127.0.0.1", "localhost");
    expect(await askFromPage(other)).toEqual({
      blocked: expect.stringContaining("Failed to fetch"),
    });
  }, 60_000);
});

/**
 * A server without API keys, as on a developer's machine, whose model is a server that counts
 * its calls: a page of any site the user visits could otherwise make it spend them.
 */
describe("a keyless server and pages of other sites", () => {
  let upstream: FakeOpenAIServer;
  let keyless: RoutingServer;
  let chromium: Chromium;

  beforeAll(async () => {
    upstream = await startFakeOpenAIServer();
    keyless = await startRoutingServer({
      config: parseRoutesConfig({
        models: [
          {
            id: "paid",
            kind: "openai",
            base_url: `${upstream.url}/v1`,
            api_model: "m",
            health_check: false,
          },
        ],
        routes: [{ name: "desk", targets: { chat: { candidates: ["paid"] } } }],
      }),
      port: 0,
      databasePath: ":memory:",
    });
    chromium = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await chromium?.close();
    await keyless?.close();
    await upstream?.close();
  });

  const ask = { model: "auto", messages: [{ role: "user", content: "where is my parcel?" }] };

  const post = (path: string, headers: Record<string, string>, body: unknown) =>
    call("POST", path, headers, body, keyless.url);

  it("refuses a simple cross-site request before any model is called", async () => {
    const before = upstream.requests.length;
    const chat = await post(
      "/v1/chat/completions",
      { origin: "https://elsewhere.example", "content-type": "text/plain;charset=UTF-8" },
      ask,
    );
    expect(chat.status).toBe(403);
    const feedback = await post(
      "/v1/feedback",
      { origin: "null", "content-type": "application/x-www-form-urlencoded" },
      { request_id: "req_x", rating: 1 },
    );
    expect(feedback.status).toBe(403);
    expect(upstream.requests.length).toBe(before);
    // A client outside a browser sends no Origin; a page of the server's own origin sends its own.
    expect(
      (await post("/v1/chat/completions", { "content-type": "application/json" }, ask)).status,
    ).toBe(200);
    const own = await post(
      "/v1/chat/completions",
      { origin: keyless.url, "content-type": "application/json" },
      ask,
    );
    expect(own.status).toBe(200);
    expect(upstream.requests.length).toBe(before + 2);
  });

  it("in Chromium: another site's page cannot make it call a model; its own page can", async () => {
    const before = upstream.requests.length;
    const page = await chromium.context.newPage();
    try {
      // No preflight: a text/plain body without custom headers, the answer opaque to the page.
      await page.goto(`${pageOrigin}/`);
      const sent = await page.evaluate(
        async ({ url, body }) => {
          const response = await fetch(`${url}/v1/chat/completions`, {
            method: "POST",
            mode: "no-cors",
            body,
          });
          return response.type;
        },
        { url: keyless.url, body: JSON.stringify(ask) },
      );
      expect(sent).toBe("opaque");
      expect(upstream.requests.length).toBe(before);
      // A page the router itself serves (its 404 page will do) sends its own origin.
      await page.goto(`${keyless.url}/nothing-here`);
      const own = await page.evaluate(
        async ({ url, body }) => {
          const response = await fetch(`${url}/v1/chat/completions`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body,
          });
          return response.status;
        },
        { url: keyless.url, body: JSON.stringify(ask) },
      );
      expect(own).toBe(200);
      expect(upstream.requests.length).toBe(before + 1);
    } finally {
      await page.close();
    }
  }, 60_000);
});
