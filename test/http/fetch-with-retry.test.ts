import { describe, expect, it } from "vitest";
import {
  backoffDelayMs,
  fetchWithRetry,
  parseRetryAfterMs,
} from "../../src/http/fetch-with-retry.js";
import { runHttpTransportContract } from "./http-transport.contract.js";

describe("parseRetryAfterMs and backoffDelayMs", () => {
  it("reads delay-seconds and HTTP dates, and ignores garbage", () => {
    expect(parseRetryAfterMs("2")).toBe(2000);
    expect(parseRetryAfterMs("0.5")).toBe(500);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfterMs("Thu, 01 Jan 2026 00:00:07 GMT", now)).toBe(7000);
    expect(parseRetryAfterMs("Wed, 31 Dec 2025 23:59:00 GMT", now)).toBe(0);
    expect(parseRetryAfterMs("soon")).toBeUndefined();
    expect(parseRetryAfterMs(null)).toBeUndefined();
  });

  it("doubles the ceiling per attempt, stays within [ceiling/2, ceiling] and under the cap", () => {
    const policy = { maxRetries: 5, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelayMs(1, policy, () => 0)).toBe(50);
    expect(backoffDelayMs(1, policy, () => 1)).toBe(100);
    expect(backoffDelayMs(3, policy, () => 1)).toBe(400);
    expect(backoffDelayMs(10, policy, () => 1)).toBe(1000);
  });
});

describe("fetchWithRetry: an address fetch refuses", () => {
  it("is not retried: the same call fails the same way every time", async () => {
    for (const [url, reason] of [
      ["http://127.0.0.1:1/api/models", "bad port"],
      ["ftp://127.0.0.1/api/models", "unknown scheme"],
    ] as const) {
      const retries: string[] = [];
      const outcome = await fetchWithRetry(
        url,
        {},
        {
          retry: { maxRetries: 5, baseDelayMs: 1, maxDelayMs: 1 },
          onRetry: (retry) => retries.push(retry.reason),
        },
      );
      expect(outcome).toMatchObject({ kind: "network", reason, attempts: 1 });
      expect(retries).toEqual([]);
    }
  });
});

runHttpTransportContract("fetchWithRetry", fetchWithRetry);
