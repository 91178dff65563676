/**
 * The health checker's bookkeeping, with backends whose `doHealthCheck` answers as each test
 * says (the HTTP side of a check is tested with a real server in
 * `test/server/health-checks.test.ts`).
 */
import { describe, expect, it } from "vitest";
import { createEchoBackend } from "../../src/backends/builtin/echo-backend.js";
import type { ModelBackend } from "../../src/backends/model-backend.js";
import { CircuitBreaker } from "../../src/route/circuit-breaker.js";
import { HealthChecker, type HealthCheckSettings } from "../../src/route/health-checker.js";

/** An echo backend given a health check that fails while `down` says so. */
function checkedBackend(
  modelId: string,
  answers: { down: boolean; calls: number; delayMs?: number },
) {
  const backend = createEchoBackend({ modelId }) as ModelBackend;
  backend.doHealthCheck = async () => {
    answers.calls += 1;
    if (answers.delayMs !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, answers.delayMs));
    }
    if (answers.down) throw new Error("connect ECONNREFUSED");
  };
  return backend;
}

const SETTINGS: HealthCheckSettings = {
  intervalMs: 60_000,
  timeoutMs: 100,
  unhealthyThreshold: 2,
  healthyThreshold: 2,
};

const breaker = () => new CircuitBreaker({ failureThreshold: 5, coolDownMs: 30_000 });

describe("health checker", () => {
  it("holds a breaker open after the failures in a row it takes, and lets go after the passes", async () => {
    const answers = { down: true, calls: 0 };
    const held = breaker();
    const checker = new HealthChecker(
      [{ id: "remote", backend: checkedBackend("remote", answers), breaker: held }],
      SETTINGS,
      () => new Date("2026-11-30T04:00:00Z"),
    );
    await checker.checkNow();
    expect(checker.status().remote).toMatchObject({
      state: "unchecked",
      consecutiveFailures: 1,
      error: "connect ECONNREFUSED",
    });
    expect(held.tryAcquire()).toBe(true); // one failure is below the threshold
    await checker.checkNow();
    expect(checker.status().remote).toEqual({
      state: "unhealthy",
      checkedAt: "2026-11-30T04:00:00.000Z",
      error: "connect ECONNREFUSED",
      consecutiveFailures: 2,
      consecutivePasses: 0,
    });
    expect(held.tryAcquire()).toBe(false);
    answers.down = false;
    await checker.checkNow();
    expect(checker.status().remote?.state).toBe("unhealthy"); // one pass of two
    expect(held.tryAcquire()).toBe(false);
    await checker.checkNow();
    expect(checker.status().remote).toMatchObject({ state: "healthy", error: null });
    expect(held.tryAcquire()).toBe(true);
  });

  it("checks only models that can be asked, and never one twice at once", async () => {
    const answers = { down: false, calls: 0, delayMs: 30 };
    const checker = new HealthChecker(
      [
        { id: "remote", backend: checkedBackend("remote", answers), breaker: breaker() },
        { id: "local", backend: createEchoBackend({ modelId: "local" }), breaker: breaker() },
      ],
      SETTINGS,
    );
    expect(checker.checked).toEqual(["remote"]);
    await Promise.all([checker.checkNow(), checker.checkNow(), checker.checkNow()]);
    expect(answers.calls).toBe(1);
    expect(Object.keys(checker.status())).toEqual(["remote"]);
  });

  it("runs rounds on its interval once started, and no more after stop", async () => {
    const answers = { down: false, calls: 0 };
    const checker = new HealthChecker(
      [{ id: "remote", backend: checkedBackend("remote", answers), breaker: breaker() }],
      { ...SETTINGS, intervalMs: 20 },
    );
    checker.start();
    expect(answers.calls).toBe(0); // the first round waits one interval
    await new Promise((resolve) => setTimeout(resolve, 110));
    await checker.stop();
    const calls = answers.calls;
    expect(calls).toBeGreaterThanOrEqual(2);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(answers.calls).toBe(calls);
  });

  it("tells its listener of each change of verdict, and of nothing else", async () => {
    const answers = { down: false, calls: 0 };
    const changes: string[] = [];
    const checker = new HealthChecker(
      [{ id: "remote", backend: checkedBackend("remote", answers), breaker: breaker() }],
      SETTINGS,
      undefined,
      (id, health) => changes.push(`${id} ${health.state}`),
    );
    await checker.checkNow(); // unchecked -> healthy on the first pass
    await checker.checkNow();
    answers.down = true;
    await checker.checkNow(); // one failure of two: no change yet
    await checker.checkNow();
    await checker.checkNow();
    answers.down = false;
    await checker.checkNow();
    await checker.checkNow();
    expect(changes).toEqual(["remote healthy", "remote unhealthy", "remote healthy"]);
  });
});
