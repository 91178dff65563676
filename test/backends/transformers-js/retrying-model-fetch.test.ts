import { describe, expect, it } from "vitest";
import { retryingModelFetch } from "../../../src/backends/transformers-js/retrying-model-fetch.js";

const policy = { maxRetries: 2, baseDelayMs: 100, maxDelayMs: 1_000 };

function scripted(answers: (number | Error)[]) {
  const calls: string[] = [];
  const fetchImpl = (async (input: Parameters<typeof fetch>[0]) => {
    calls.push(String(input));
    const next = answers.shift() ?? 200;
    if (next instanceof Error) throw next;
    return new Response(`status ${next}`, {
      status: next,
      headers: next === 503 ? { "retry-after": "0" } : {},
    });
  }) as typeof fetch;
  return { calls, fetchImpl };
}

describe("retryingModelFetch", () => {
  it("sends again after a 502, a dropped connection and a 503 with Retry-After, then gives the answer", async () => {
    const waits: number[] = [];
    const { calls, fetchImpl } = scripted([502, new TypeError("fetch failed"), 200]);
    const retrying = retryingModelFetch({
      fetch: fetchImpl,
      policy,
      sleep: async (delayMs) => void waits.push(delayMs),
      random: () => 1,
    });
    const response = await retrying("http://mirror/a/b/resolve/main/onnx/model.onnx");
    expect(response.status).toBe(200);
    expect(calls).toHaveLength(3);
    expect(waits).toEqual([100, 200]);
    const withRetryAfter = scripted([503, 200]);
    const waited: number[] = [];
    await retryingModelFetch({
      fetch: withRetryAfter.fetchImpl,
      policy,
      sleep: async (delayMs) => void waited.push(delayMs),
    })("http://mirror/x");
    expect(waited).toEqual([0]);
  });

  it("hands over the last failing answer once the retries are spent, and never retries a 404", async () => {
    const failing = scripted([502, 502, 502, 502]);
    const last = await retryingModelFetch({
      fetch: failing.fetchImpl,
      policy,
      sleep: async () => {},
    })("http://mirror/x");
    expect(last.status).toBe(502);
    expect(failing.calls).toHaveLength(3);
    const missing = scripted([404]);
    const answer = await retryingModelFetch({
      fetch: missing.fetchImpl,
      policy,
      sleep: async () => {},
    })("http://mirror/x");
    expect(answer.status).toBe(404);
    expect(missing.calls).toHaveLength(1);
  });

  it("sends the token to the endpoint's origin only, and keeps an Authorization already set", async () => {
    const seen: (string | null)[] = [];
    const fetchImpl = (async (_input: Parameters<typeof fetch>[0], init?: RequestInit) => {
      seen.push(new Headers(init?.headers).get("authorization"));
      return new Response("ok");
    }) as typeof fetch;
    const retrying = retryingModelFetch({
      fetch: fetchImpl,
      tokenOrigin: "http://mirror.internal:8080",
      token: () => "hf_secret",
    });
    await retrying("http://mirror.internal:8080/org/model/resolve/main/config.json");
    await retrying("https://cdn.example.com/org/model/blob");
    await retrying("http://mirror.internal:8080/x", { headers: { authorization: "Bearer other" } });
    expect(seen).toEqual(["Bearer hf_secret", null, "Bearer other"]);
  });
});
