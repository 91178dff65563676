/**
 * A classification step's model call goes through the router's circuit breaker and
 * `max_in_flight` cap for that model (ADR 0035), as a routed call does: a classifier that
 * hangs opens its breaker after `failure_threshold` timeouts, and from then on every request
 * passes over the step at once instead of waiting for its timeout; one that health checks
 * found down, or that has its cap of calls running, is passed over the same way. The model
 * server is real HTTP (`gated-openai-server.ts`: it answers only when the test says).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRouter, type Router } from "../../src/route/router.js";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { type GatedUpstream, startGatedUpstream, until } from "../support/gated-openai-server.js";

let upstream: GatedUpstream;
let router: Router;
const ALL = new Set(["shipping", "other"]);

beforeAll(async () => {
  upstream = await startGatedUpstream();
  const judge = (id: string, cap?: number) => ({
    id,
    kind: "openai" as const,
    base_url: `${upstream.url}/v1`,
    api_model: id,
    task: "text-classification",
    health_check: false,
    ...(cap !== undefined && { max_in_flight: cap }),
  });
  router = await createRouter({
    config: parseRoutesConfig({
      default_route: "other",
      server: { circuit_breaker: { failure_threshold: 2, cool_down_ms: 600_000 } },
      classification: [
        { kind: "classifier", model: "hung-judge", timeout_ms: 150 },
        { kind: "classifier", model: "busy-judge", timeout_ms: 5_000 },
      ],
      models: [{ id: "echo:a", kind: "echo" }, judge("hung-judge"), judge("busy-judge", 1)],
      routes: ["shipping", "other"].map((name) => ({
        name,
        targets: { chat: { candidates: ["echo:a"] } },
      })),
    }),
  });
  await router.warmUp();
});

afterAll(async () => {
  await router?.registry.close();
  await upstream?.close();
});

describe("classification steps and the model's breaker and max_in_flight", () => {
  it("opens a hanging classifier's breaker after its timeouts, then passes over it without calling it", async () => {
    // The busy judge is made to pass at once here: it is the subject of the next test.
    router.breaker("busy-judge")?.markUnhealthy("not under test here");
    for (let round = 1; round <= 2; round += 1) {
      const startedAt = performance.now();
      const trace = await router.classifier.classify("where is my parcel", ALL);
      expect(performance.now() - startedAt).toBeGreaterThanOrEqual(140);
      expect(trace).toMatchObject({ route: "other", usedDefault: true });
      expect(trace.steps[0]?.detail).toMatch(/^failed: /);
      expect(upstream.heldOf("hung-judge")).toBe(round);
    }
    expect(router.breaker("hung-judge")?.snapshot()).toMatchObject({
      state: "open",
      consecutiveFailures: 2,
    });

    // Skipped without a call, so without waiting for the step's timeout.
    const trace = await router.classifier.classify("where is my parcel", ALL);
    expect(trace.steps.map((step) => step.detail)).toEqual([
      "skipped: hung-judge's circuit breaker is open",
      "skipped: busy-judge's circuit breaker is open",
    ]);
    expect(trace.route).toBe("other");
    // Never called a third time, and its in-flight count is back to zero.
    expect(upstream.heldOf("hung-judge")).toBe(2);
    expect(router.health().models["hung-judge"]?.load?.inFlight).toBe(0);
  });

  it("passes over a classifier that has its max_in_flight of calls running, and calls it again once one ends", async () => {
    router.breaker("busy-judge")?.markHealthy();
    const first = router.classifier.classify("where is my parcel", ALL);
    await until(() => upstream.heldOf("busy-judge") === 1, "the first call to reach busy-judge");
    expect(router.health().models["busy-judge"]?.load?.inFlight).toBe(1);

    const second = await router.classifier.classify("where is my parcel", ALL);
    expect(second.steps[1]?.detail).toBe(
      "skipped: busy-judge has its max_in_flight of 1 calls running",
    );
    expect(upstream.heldOf("busy-judge")).toBe(1);

    upstream.release("busy-judge", "shipping");
    const answered = await first;
    expect(answered.route).toBe("shipping");
    expect(answered.steps[1]?.detail).toMatch(/^label shipping/);
    expect(router.health().models["busy-judge"]?.load?.inFlight).toBe(0);
    expect(router.breaker("busy-judge")?.snapshot().consecutiveFailures).toBe(0);

    const third = router.classifier.classify("where is my parcel", ALL);
    await until(() => upstream.heldOf("busy-judge") === 1, "the next call to reach busy-judge");
    upstream.release("busy-judge", "shipping");
    expect((await third).route).toBe("shipping");
  });
});

describe("a nearest-neighbour step and its embedding model's breaker", () => {
  it("passes over the step while the embedding model's breaker is open, and uses it again once closed", async () => {
    const local = await createRouter({
      config: parseRoutesConfig({
        default_route: "other",
        classification: [
          {
            kind: "nearest-neighbour",
            model: "ngrams",
            examples: { shipping: ["where is my parcel"], other: ["what are your opening hours"] },
            k: 1,
          },
        ],
        models: [
          { id: "echo:a", kind: "echo" },
          { id: "ngrams", kind: "hashed-ngrams", dimensions: 256 },
        ],
        routes: ["shipping", "other"].map((name) => ({
          name,
          targets: { chat: { candidates: ["echo:a"] } },
        })),
      }),
    });
    try {
      await local.warmUp();
      expect((await local.classifier.classify("where is my parcel", ALL)).route).toBe("shipping");

      local.breaker("ngrams")?.markUnhealthy("down, say the health checks");
      const skipped = await local.classifier.classify("where is my parcel", ALL);
      expect(skipped).toMatchObject({ route: "other", usedDefault: true });
      expect(skipped.steps[0]?.detail).toBe("skipped: ngrams's circuit breaker is open");

      local.breaker("ngrams")?.markHealthy();
      expect((await local.classifier.classify("where is my parcel", ALL)).route).toBe("shipping");
      expect(local.health().models.ngrams?.load?.inFlight).toBe(0);
    } finally {
      await local.registry.close();
    }
  });
});
