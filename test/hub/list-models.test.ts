import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type HubRetryEvent, parseRetryAfterMs } from "../../src/hub/hub-request.js";
import {
  HUB_MODEL_EXPAND_FIELDS,
  type HubModelPage,
  type ListModelsOptions,
  listModels,
  onEndpoint,
} from "../../src/hub/list-models.js";
import { parseLinkHeader } from "../../src/hub/parse-link-header.js";
import {
  type FakeHub,
  generateHubModels,
  loadHubFixtures,
  startFakeHubServer,
} from "../support/fake-hub-server.js";
import { failure } from "../support/hub-test-support.js";

const FAST_RETRY = { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 5 };
const TOKEN = "hf_testtoken0123456789abcdef";

async function collect(options: ListModelsOptions): Promise<HubModelPage[]> {
  const pages: HubModelPage[] = [];
  for await (const page of listModels(options)) pages.push(page);
  return pages;
}

let hub: FakeHub;

beforeEach(async () => {
  hub = await startFakeHubServer({ models: generateHubModels(25) });
});

afterEach(async () => {
  await hub.close();
});

describe("listModels", () => {
  it("follows Link rel=next across pages and yields every model once, newest first", async () => {
    const pages = await collect({ endpoint: hub.url, pageSize: 10, retry: FAST_RETRY });
    expect(pages.map((page) => page.models.length)).toEqual([10, 10, 5]);
    const ids = pages.flatMap((page) => page.models.map((model) => model.id));
    expect(new Set(ids).size).toBe(25);
    const dates = pages.flatMap((page) => page.models.map((model) => model.lastModified ?? ""));
    expect([...dates].sort().reverse()).toEqual(dates);
    expect(pages[0]?.nextUrl).toContain("cursor=");
    expect(pages[1]?.url).toBe(pages[0]?.nextUrl);
    expect(pages[2]?.nextUrl).toBeNull();
  });

  it("asks for the expand fields, the sort and the filters on the first request", async () => {
    await collect({
      endpoint: hub.url,
      task: "text-classification",
      search: "model",
      author: "gen-org-1",
      pageSize: 5,
      retry: FAST_RETRY,
    });
    const first = hub.modelRequests()[0];
    expect(first?.query.getAll("expand")).toEqual([...HUB_MODEL_EXPAND_FIELDS]);
    expect(first?.query.get("pipeline_tag")).toBe("text-classification");
    expect(first?.query.get("search")).toBe("model");
    expect(first?.query.get("author")).toBe("gen-org-1");
    expect(first?.query.get("sort")).toBe("lastModified");
    expect(first?.query.get("direction")).toBe("-1");
    expect(first?.query.get("limit")).toBe("5");
  });

  it("returns the recorded-shape fields it expanded", async () => {
    hub.setModels(loadHubFixtures());
    const [page] = await collect({ endpoint: hub.url, retry: FAST_RETRY });
    const distilbert = page?.models.find((model) => model.id.startsWith("distilbert/"));
    expect(distilbert?.safetensors?.total).toBe(66955010);
    expect(distilbert?.cardData?.language).toBe("en");
    expect(distilbert?.library_name).toBe("transformers");
  });

  it("stops after `limit` models and asks for no more than it needs", async () => {
    const pages = await collect({ endpoint: hub.url, pageSize: 10, limit: 13, retry: FAST_RETRY });
    expect(pages.flatMap((page) => page.models)).toHaveLength(13);
    expect(hub.modelRequests().map((request) => request.query.get("limit"))).toEqual(["10", "3"]);
  });

  it("pages through a mirror that passes on the Hub's own next-page links", async () => {
    // hf-mirror.com answers with Link: <https://huggingface.co/api/models?...cursor=...>.
    await hub.close();
    hub = await startFakeHubServer({
      models: generateHubModels(25),
      requiredToken: TOKEN,
      linkBase: "https://huggingface.co",
    });
    const pages = await collect({
      endpoint: hub.url,
      token: TOKEN,
      pageSize: 10,
      retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 },
    });
    expect(pages.flatMap((page) => page.models)).toHaveLength(25);
    expect(pages[0]?.nextUrl).toMatch(new RegExp(`^${hub.url}/api/models\\?.*cursor=`));
    // Every page from the mirror, with the token: the link was read on the endpoint.
    expect(hub.modelRequests()).toHaveLength(3);
    expect(
      hub.modelRequests().every((request) => request.authorization === `Bearer ${TOKEN}`),
    ).toBe(true);
  });

  it("pages through a mirror behind a path prefix that links to its root", async () => {
    await hub.close();
    // Links `</api/models?...>`: root-relative, without the mirror's /hf prefix.
    hub = await startFakeHubServer({
      models: generateHubModels(25),
      pathPrefix: "/hf",
      linkBase: "",
    });
    expect(hub.url).toMatch(/\/hf$/);
    const pages = await collect({ endpoint: hub.url, pageSize: 10, retry: FAST_RETRY });
    expect(pages.flatMap((page) => page.models)).toHaveLength(25);
    expect(pages[1]?.url.startsWith(`${hub.url}/api/models?`)).toBe(true);
    // A resume URL stored by an older version, on the Hub's host, is read on the endpoint too.
    const resumed = await collect({
      endpoint: hub.url,
      startUrl: (pages[0]?.nextUrl ?? "").replace(hub.url, "https://huggingface.co"),
      pageSize: 10,
      retry: FAST_RETRY,
    });
    expect(resumed.flatMap((page) => page.models)).toHaveLength(15);
  });

  it("reads only Hub API links on the endpoint", () => {
    const endpoint = "https://hf-mirror.com/";
    expect(onEndpoint("https://huggingface.co/api/models?cursor=x", endpoint)).toBe(
      "https://hf-mirror.com/api/models?cursor=x",
    );
    expect(onEndpoint("https://hf-mirror.com/api/models?cursor=x", endpoint)).toBe(
      "https://hf-mirror.com/api/models?cursor=x",
    );
    expect(onEndpoint("https://other.example/page/2", endpoint)).toBe(
      "https://other.example/page/2",
    );
  });

  it("sends the token as a bearer credential", async () => {
    await hub.close();
    hub = await startFakeHubServer({ models: generateHubModels(3), requiredToken: TOKEN });
    const pages = await collect({ endpoint: hub.url, token: TOKEN, retry: FAST_RETRY });
    expect(pages[0]?.models).toHaveLength(3);
    expect(hub.modelRequests()[0]?.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("fails at once on 401 with a token hint and without the token in the message", async () => {
    await hub.close();
    hub = await startFakeHubServer({ models: generateHubModels(3), requiredToken: "hf_other" });
    const error = await failure(collect({ endpoint: hub.url, token: TOKEN, retry: FAST_RETRY }));
    expect(error.code).toBe("HUB_REQUEST_FAILED");
    expect(error.isRetryable).toBe(false);
    expect(error.message).toContain("HTTP 401");
    expect(error.message).toContain("HF_TOKEN");
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain(TOKEN);
    expect(hub.modelRequests()).toHaveLength(1);
  });

  it("honours Retry-After on 429, capped by maxDelayMs, then succeeds", async () => {
    hub.script({ kind: "status", status: 429, retryAfter: "3" });
    const retries: HubRetryEvent[] = [];
    const pages = await collect({
      endpoint: hub.url,
      retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 20 },
      onRetry: (event) => retries.push(event),
    });
    expect(pages[0]?.models).toHaveLength(25);
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatchObject({ status: 429, retryAfterMs: 3000, delayMs: 20, attempt: 1 });
  });

  it("waits what Retry-After says rather than its own backoff", async () => {
    hub.script({ kind: "status", status: 429, retryAfter: "0" });
    const retries: HubRetryEvent[] = [];
    // A backoff of a minute would time the test out: success proves Retry-After won.
    await collect({
      endpoint: hub.url,
      retry: { maxRetries: 1, baseDelayMs: 60_000, maxDelayMs: 60_000 },
      onRetry: (event) => retries.push(event),
    });
    expect(retries[0]?.delayMs).toBe(0);
  });

  it("retries 503 and a reset connection with backoff", async () => {
    hub.script({ kind: "status", status: 503 }, { kind: "reset" });
    const retries: HubRetryEvent[] = [];
    const pages = await collect({
      endpoint: hub.url,
      retry: FAST_RETRY,
      onRetry: (event) => retries.push(event),
    });
    expect(pages[0]?.models).toHaveLength(25);
    expect(retries.map((event) => event.status ?? event.reason)).toEqual([503, expect.any(String)]);
    expect(hub.modelRequests()).toHaveLength(3);
  });

  it("retries a page slower than the request timeout", async () => {
    hub.script({ kind: "slow", delayMs: 2_000 });
    const retries: HubRetryEvent[] = [];
    const pages = await collect({
      endpoint: hub.url,
      retry: FAST_RETRY,
      requestTimeoutMs: 200,
      onRetry: (event) => retries.push(event),
    });
    expect(pages[0]?.models).toHaveLength(25);
    expect(retries[0]?.reason).toContain("timeout");
  });

  it("gives up after maxRetries with a retryable HUB_REQUEST_FAILED", async () => {
    hub.script(
      { kind: "status", status: 503 },
      { kind: "status", status: 503 },
      { kind: "status", status: 503 },
      { kind: "status", status: 503 },
    );
    const error = await failure(collect({ endpoint: hub.url, token: TOKEN, retry: FAST_RETRY }));
    expect(error.code).toBe("HUB_REQUEST_FAILED");
    expect(error.isRetryable).toBe(true);
    expect(error.message).toContain("after 4 tries");
    expect(error.message).toContain("HTTP 503");
    expect(error.message).not.toContain(TOKEN);
    expect(hub.modelRequests()).toHaveLength(4);
  });

  it("says an endpoint on a port fetch blocks is a setting to fix, not a Hub to wait for", async () => {
    // Port 9 (discard) is on fetch's list of blocked ports: no request is ever sent.
    const error = await failure(collect({ endpoint: "http://127.0.0.1:9", retry: FAST_RETRY }));
    expect(error.code).toBe("HUB_REQUEST_FAILED");
    expect(error.isRetryable).toBe(false);
    expect(error.message).toContain("Node's fetch refuses to call http://127.0.0.1:9/api/models");
    expect(error.message).toContain("bad port");
    expect(error.message).toContain("Check HF_ENDPOINT");
    expect(error.message).not.toContain("try again later");
  });

  it("does not retry other 4xx answers", async () => {
    const error = await failure(
      collect({ endpoint: hub.url, expand: ["nonsense"], retry: FAST_RETRY }),
    );
    expect(error.code).toBe("HUB_REQUEST_FAILED");
    expect(error.message).toContain("HTTP 400");
    expect(error.message).toContain("Invalid expand values: nonsense");
    expect(hub.modelRequests()).toHaveLength(1);
  });

  it("rejects a page that is not JSON, naming the URL", async () => {
    hub.script({ kind: "ok" }, { kind: "malformed-json" });
    const error = await failure(collect({ endpoint: hub.url, pageSize: 10, retry: FAST_RETRY }));
    expect(error.code).toBe("HUB_RESPONSE_INVALID");
    expect(error.message).toContain("not valid JSON");
    expect(error.message).toContain(`${hub.url}/api/models?`);
    expect(error.message).toContain("cursor=");
  });

  it("rejects a body that is not an array, and an entry without id", async () => {
    hub.script({ kind: "not-an-array" });
    const notArray = await failure(collect({ endpoint: hub.url, retry: FAST_RETRY }));
    expect(notArray.code).toBe("HUB_RESPONSE_INVALID");
    expect(notArray.message).toContain("expected a JSON array of models, got object");

    hub.script({ kind: "entry-without-id" });
    const noId = await failure(collect({ endpoint: hub.url, pageSize: 10, retry: FAST_RETRY }));
    expect(noId.code).toBe("HUB_RESPONSE_INVALID");
    expect(noId.message).toContain('entry 9 has no "id"');
  });

  it("stops at once when the caller aborts, without retrying", async () => {
    hub.script({ kind: "slow", delayMs: 1_000 });
    const controller = new AbortController();
    const pending = collect({ endpoint: hub.url, signal: controller.signal, retry: FAST_RETRY });
    setTimeout(() => controller.abort(new Error("stopped by test")), 50);
    await expect(pending).rejects.toThrow("stopped by test");
    expect(hub.modelRequests()).toHaveLength(1);
  });

  it("resumes from a saved next URL", async () => {
    const [first] = await collect({
      endpoint: hub.url,
      pageSize: 10,
      limit: 10,
      retry: FAST_RETRY,
    });
    const rest = await collect({
      endpoint: hub.url,
      startUrl: first?.nextUrl ?? "",
      retry: FAST_RETRY,
    });
    const ids = [...(first?.models ?? []), ...rest.flatMap((page) => page.models)].map(
      (model) => model.id,
    );
    expect(new Set(ids).size).toBe(25);
  });
});

describe("parseRetryAfterMs", () => {
  it("reads delay-seconds and HTTP dates", () => {
    const now = Date.parse("2025-01-01T00:00:00Z");
    expect(parseRetryAfterMs("7", now)).toBe(7000);
    expect(parseRetryAfterMs("Wed, 01 Jan 2025 00:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfterMs("Tue, 31 Dec 2024 23:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfterMs("soon", now)).toBeUndefined();
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
  });
});

describe("parseLinkHeader", () => {
  it("reads several links, unquoted rel and relative targets", () => {
    const links = parseLinkHeader(
      '<https://hub.example/api/models?cursor=abc%3D>; rel="next", </api/models?page=1>; rel=first',
      "https://hub.example/api/models",
    );
    expect(links.get("next")).toBe("https://hub.example/api/models?cursor=abc%3D");
    expect(links.get("first")).toBe("https://hub.example/api/models?page=1");
  });
});
