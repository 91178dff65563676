import { describe, expect, it } from "vitest";
import {
  type BreakerChange,
  CircuitBreaker,
  MAX_REST_MS,
} from "../../src/route/circuit-breaker.js";

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

  it("rests for a server's Retry-After whatever the count, at least the cool-down when the count trips, at most MAX_REST_MS", () => {
    let nowMs = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 3, coolDownMs: 1000, now: () => nowMs });
    breaker.recordFailure("HTTP 429", 5000);
    expect(breaker.snapshot()).toMatchObject({ state: "open", retryAtMs: 5000 });
    nowMs = 4999;
    expect(breaker.wouldAllow()).toBe(false);
    nowMs = 5000;
    expect(breaker.tryAcquire()).toBe(true); // the trial
    breaker.recordSuccess();
    // A short Retry-After on the failure that trips the count: the cool-down wins.
    breaker.recordFailure("a");
    breaker.recordFailure("b");
    breaker.recordFailure("HTTP 503", 10);
    expect(breaker.snapshot().retryAtMs).toBe(6000);
    breaker.recordSuccess();
    // Retry-After: 0 (or none) does not open it; an absurd one is capped.
    breaker.recordFailure("HTTP 429", 0);
    expect(breaker.state).toBe("closed");
    breaker.recordFailure("HTTP 429", 10 * 24 * 3_600_000);
    expect(breaker.snapshot().retryAtMs).toBe(nowMs + MAX_REST_MS);
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

  it("is held open by failed health checks, trial calls included, until they pass", () => {
    let nowMs = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 3, coolDownMs: 1000, now: () => nowMs });
    breaker.recordFailure("a");
    breaker.markUnhealthy("HTTP 503");
    expect(breaker.tryAcquire()).toBe(false);
    expect(breaker.snapshot()).toEqual({
      state: "open",
      consecutiveFailures: 1,
      retryAtMs: null,
      lastError: "health check: HTTP 503",
      unhealthy: true,
    });
    nowMs = 60_000; // long past any cool-down: still no trial call
    expect(breaker.wouldAllow()).toBe(false);
    breaker.markHealthy();
    // As the calls left it: closed, with its one failure still counted.
    expect(breaker.snapshot()).toEqual({
      state: "closed",
      consecutiveFailures: 1,
      retryAtMs: null,
      lastError: "a",
    });
    expect(breaker.tryAcquire()).toBe(true);
  });

  it("stays open after passing health checks when calls opened it", () => {
    let nowMs = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 1, coolDownMs: 1000, now: () => nowMs });
    breaker.recordFailure("HTTP 500 on every chat");
    breaker.markUnhealthy("timeout");
    breaker.markHealthy();
    expect(breaker.state).toBe("open");
    nowMs = 1000;
    expect(breaker.state).toBe("half-open");
  });

  it("tells of its own openings and closings, and a breaker that adopts them follows without telling on", () => {
    let nowMs = 0;
    const told: BreakerChange[] = [];
    const options = { failureThreshold: 2, coolDownMs: 1000, now: () => nowMs };
    const first = new CircuitBreaker({ ...options, onChange: (change) => told.push(change) });
    const echoed: BreakerChange[] = [];
    const second = new CircuitBreaker({ ...options, onChange: (change) => echoed.push(change) });
    first.recordFailure("a");
    first.recordSuccess(); // a success while closed closes nothing
    expect(told).toEqual([]);
    // A server's Retry-After opens it at once: told with until when and why.
    first.recordFailure("HTTP 429", 30_000);
    expect(told).toEqual([{ kind: "opened", untilMs: 30_000, reason: "HTTP 429" }]);
    nowMs = 10;
    second.adopt(told[0] as BreakerChange);
    expect(second.snapshot()).toEqual({
      state: "open",
      consecutiveFailures: 0,
      retryAtMs: 30_000,
      lastError: "HTTP 429",
    });
    expect(second.tryAcquire()).toBe(false);
    // An opening that ends sooner than this one's does not shorten it; one already over is ignored.
    second.adopt({ kind: "opened", untilMs: 20_000, reason: "timeout" });
    expect(second.snapshot().retryAtMs).toBe(30_000);
    second.adopt({ kind: "opened", untilMs: 5, reason: "old news" });
    expect(second.snapshot().retryAtMs).toBe(30_000);
    // The first's trial passes after the rest: told, and the second closes too.
    nowMs = 30_000;
    expect(first.tryAcquire()).toBe(true);
    first.recordSuccess();
    expect(told.at(-1)).toEqual({ kind: "closed" });
    second.adopt({ kind: "closed" });
    expect(second.state).toBe("closed");
    expect(second.tryAcquire()).toBe(true);
    // What the second adopted, it did not tell on.
    expect(echoed).toEqual([]);
    // Failures that trip the count are told with the cool-down's end.
    second.recordFailure("b");
    second.recordFailure("c");
    expect(echoed).toEqual([{ kind: "opened", untilMs: 31_000, reason: "c" }]);
    // What its calls hold open it can tell again (for a server that starts later); not once over.
    expect(second.currentOpening()).toEqual({ kind: "opened", untilMs: 31_000, reason: "c" });
    nowMs = 31_000;
    expect(second.currentOpening()).toBeNull();
    // An adopted opening is capped at MAX_REST_MS from now, as a Retry-After is.
    first.adopt({ kind: "opened", untilMs: nowMs + 10 * MAX_REST_MS, reason: "far" });
    expect(first.snapshot().retryAtMs).toBe(nowMs + MAX_REST_MS);
  });
});
