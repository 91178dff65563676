import { describe, expect, it } from "vitest";
import { CircuitBreaker } from "../../src/route/circuit-breaker.js";

describe("circuit breaker", () => {
  it("opens after N consecutive failures, lets one trial through after the cool-down, and closes on success", () => {
    let nowMs = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 3, coolDownMs: 1000, now: () => nowMs });
    breaker.recordFailure("a");
    breaker.recordFailure("b");
    breaker.recordSuccess(); // resets the count
    breaker.recordFailure("c");
    breaker.recordFailure("d");
    expect(breaker.state).toBe("closed");
    breaker.recordFailure("e");
    expect(breaker.snapshot()).toEqual({
      state: "open",
      consecutiveFailures: 3,
      retryAtMs: 1000,
      lastError: "e",
    });
    expect(breaker.tryAcquire()).toBe(false);
    nowMs = 999;
    expect(breaker.wouldAllow()).toBe(false);
    nowMs = 1000;
    expect(breaker.state).toBe("half-open");
    expect(breaker.wouldAllow()).toBe(true);
    expect(breaker.tryAcquire()).toBe(true);
    // Only one trial at a time.
    expect(breaker.tryAcquire()).toBe(false);
    expect(breaker.wouldAllow()).toBe(false);
    breaker.recordSuccess();
    expect(breaker.state).toBe("closed");
    expect(breaker.tryAcquire()).toBe(true);
  });

  it("reopens for a full cool-down when the trial fails, and frees the trial on release", () => {
    let nowMs = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 1, coolDownMs: 500, now: () => nowMs });
    breaker.recordFailure("down");
    nowMs = 600;
    expect(breaker.tryAcquire()).toBe(true);
    breaker.recordFailure("still down");
    expect(breaker.snapshot()).toMatchObject({ state: "open", retryAtMs: 1100 });
    nowMs = 1100;
    expect(breaker.tryAcquire()).toBe(true);
    breaker.release(); // the client went away: the backend was not judged
    expect(breaker.tryAcquire()).toBe(true);
  });
});
