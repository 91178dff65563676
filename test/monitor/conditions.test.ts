/**
 * The windowed and drift conditions through the alert engine (in-memory state database),
 * on seeded synthetic streams: they must fire on the shift and stay quiet on the noise.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createAlertEngine } from "../../src/monitor/alert-engine.js";
import { parseAlertRules } from "../../src/monitor/alert-rules.js";
import { eventTimeMs } from "../../src/monitor/conditions/alert-condition.js";
import {
  cusumStart,
  cusumStep,
  type DetectorOptions,
  pageHinkleyStart,
  pageHinkleyStep,
} from "../../src/monitor/conditions/change-detectors.js";
import { createCondition } from "../../src/monitor/conditions/create-condition.js";
import {
  BLOCK_PAIRS,
  SampleWindow,
  type WindowOptions,
} from "../../src/monitor/conditions/sliding-window.js";
import {
  type FeedbackEvent,
  type MonitorEvent,
  type RequestEvent,
  subjectFromKey,
  subjectKey,
} from "../../src/monitor/monitor-event.js";
import { seededRandom } from "../../src/select/strategies/seeded-random.js";
import { PendingEvents } from "../../src/server/admin/pending-events.js";
import { requestEvent } from "../../src/server/admin/server-monitoring.js";
import { openStateDatabase, type StateDatabase } from "../../src/state/state-database.js";
import { requestLogRow } from "../support/request-log-row.js";

const opened: StateDatabase[] = [];
afterEach(() => {
  for (const database of opened.splice(0)) database.close();
});

function engineFor(conditions: unknown[], extra: Record<string, unknown> = {}) {
  const database = openStateDatabase({ path: ":memory:" });
  opened.push(database);
  const rules = parseAlertRules({
    rules: [{ id: "r", conditions, actions: [{ type: "log" }], ...extra }],
  });
  return createAlertEngine({ database, rules, log: () => {} });
}

const at = (second: number) =>
  new Date(Date.UTC(2026, 2, 1, 10, 0, 0) + second * 1000).toISOString();

function request(second: number, latencyMs: number, failed = false, modelId = "m"): RequestEvent {
  return {
    kind: "request",
    at: at(second),
    route: "support",
    modelId,
    latencyMs,
    status: failed ? 503 : 200,
  };
}

describe("latency_p95", () => {
  it("fires once when the window's p95 passes the SLO, and again only after it recovered", () => {
    const engine = engineFor([
      { type: "latency_p95", slo_ms: 300, window: { events: 100 }, min_events: 20 },
    ]);
    const random = seededRandom(1).next;
    const fast = Array.from({ length: 100 }, (_, index) => request(index, 100 + random() * 150));
    expect(engine.processBatch(fast)).toEqual([]);
    // 6 slow requests in 100: the 95th value is now slow.
    const slow = Array.from({ length: 6 }, (_, index) => request(100 + index, 800));
    const fired = engine.processBatch(slow);
    expect(fired).toHaveLength(1);
    expect(fired[0]?.evidence.conditions[0]).toMatchObject({
      p95LatencyMs: 800,
      sloMs: 300,
      requests: 100,
    });
    expect(fired[0]?.firedAt).toBe(at(105));
    // Still slow: no second alert. Fast again, then slow again: a new alert.
    expect(engine.processBatch([request(106, 900)])).toEqual([]);
    const recover = Array.from({ length: 100 }, (_, index) => request(200 + index, 120));
    expect(engine.processBatch(recover)).toEqual([]);
    const slowAgain = Array.from({ length: 6 }, (_, index) => request(400 + index, 700));
    expect(engine.processBatch(slowAgain)).toHaveLength(1);
  });

  it("judges nothing below min_events, and a time window forgets old requests", () => {
    const engine = engineFor([
      { type: "latency_p95", slo_ms: 300, window: { seconds: 60 }, min_events: 5 },
    ]);
    expect(engine.processBatch([1, 2, 3, 4].map((second) => request(second, 1000)))).toEqual([]);
    expect(engine.process(request(5, 1000))).toHaveLength(1);
    // 10 minutes later the slow ones are out of the window: 5 fast requests, no longer holding.
    expect(
      engine.processBatch([600, 601, 602, 603, 604].map((second) => request(second, 50))),
    ).toEqual([]);
    // The first slow one makes the p95 of 6 requests slow again (the old ones are not counted).
    const fired = engine.processBatch([605, 606].map((second) => request(second, 900)));
    expect(fired).toHaveLength(1);
    expect(fired[0]?.firedAt).toBe(at(605));
    expect(fired[0]?.evidence.conditions[0]).toMatchObject({ requests: 6, p95LatencyMs: 900 });
  });

  it("keeps models apart", () => {
    const engine = engineFor([{ type: "latency_p95", slo_ms: 300, min_events: 5 }]);
    const mixed = [1, 2, 3, 4, 5].flatMap((second) => [
      request(second, 1000, false, "slow-model"),
      request(second, 10, false, "fast-model"),
    ]);
    const fired = engine.processBatch(mixed);
    expect(fired.map((alert) => alert.modelId)).toEqual(["slow-model"]);
  });
});

describe("error_rate", () => {
  it("fires above the threshold, counting 5xx and error codes, not 4xx", () => {
    const engine = engineFor([
      { type: "error_rate", max_error_percent: 10, window: { events: 50 }, min_events: 50 },
    ]);
    const events: MonitorEvent[] = Array.from({ length: 50 }, (_, index) => ({
      ...request(index, 100),
      status: index % 10 === 0 ? 404 : 200,
    }));
    expect(engine.processBatch(events)).toEqual([]);
    // 5 of the last 50 failed = 10%: not above.
    const five = Array.from({ length: 5 }, (_, index) => request(50 + index, 100, true));
    expect(engine.processBatch(five)).toEqual([]);
    const sixth: RequestEvent = {
      ...request(56, 100),
      status: undefined,
      error: "BACKEND_TIMEOUT",
    };
    const fired = engine.process(sixth);
    expect(fired).toHaveLength(1);
    expect(fired[0]?.evidence.conditions[0]).toMatchObject({
      errorPercent: 12,
      failedRequests: 6,
      requests: 50,
      maxErrorPercent: 10,
    });
  });
});

describe("cost_per_request", () => {
  it("fires when the mean cost of the window's priced answers passes the limit", () => {
    const engine = engineFor([
      { type: "cost_per_request", max_usd: 0.002, window: { events: 10 }, min_events: 10 },
    ]);
    const priced = (second: number, costUsd: number): RequestEvent => ({
      ...request(second, 100),
      costUsd,
    });
    // Answers without a cost (no price declared) never count.
    expect(engine.processBatch(Array.from({ length: 30 }, (_, i) => request(i, 100)))).toEqual([]);
    // Ten at $0.001: a mean of $0.001, under the limit.
    expect(
      engine.processBatch(Array.from({ length: 10 }, (_, i) => priced(30 + i, 0.001))),
    ).toEqual([]);
    // A dearer model's answers: the fourth brings the last ten's mean to $0.0022, and it fires
    // once (the fifth, at $0.0025, is the same alert still holding).
    const dearer = Array.from({ length: 5 }, (_, i) => priced(40 + i, 0.004));
    const fired = engine.processBatch(dearer);
    expect(fired).toHaveLength(1);
    expect(fired[0]?.evidence.conditions[0]).toMatchObject({
      type: "cost_per_request",
      answers: 10,
      maxUsd: 0.002,
      meanCostUsd: expect.closeTo(0.0022, 10),
      totalCostUsd: expect.closeTo(0.022, 10),
    });
    expect(fired[0]?.summary).toContain("$0.0022 per answer over the last 10");
  });

  it("counts what classifying each request cost too, with include_classification", () => {
    const rule = (include: boolean) =>
      engineFor([
        {
          type: "cost_per_request",
          max_usd: 0.002,
          include_classification: include,
          window: { events: 10 },
          min_events: 10,
        },
      ]);
    // An answer at $0.0015 behind an LLM classifier at $0.001, and some requests whose answer
    // had no price but whose classification had one.
    const events: RequestEvent[] = Array.from({ length: 12 }, (_, i) => ({
      ...request(i, 100),
      ...(i % 3 !== 0 && { costUsd: 0.0015 }),
      classificationCostUsd: 0.001,
    }));
    // The answers alone: eight priced, at $0.0015, under the limit and under min_events.
    expect(rule(false).processBatch(events)).toEqual([]);
    // With classification: twelve priced requests, the last ten's mean
    // (7 x $0.0025 + 3 x $0.001) / 10 = $0.00205, over the limit.
    const fired = rule(true).processBatch(events);
    expect(fired).toHaveLength(1);
    expect(fired[0]?.evidence.conditions[0]).toMatchObject({
      type: "cost_per_request",
      answers: 10,
      includeClassification: true,
      meanCostUsd: expect.closeTo(0.00205, 10),
    });
    expect(fired[0]?.summary).toContain("per request, classification included");
    // Requests with neither cost never count.
    expect(rule(true).processBatch(Array.from({ length: 30 }, (_, i) => request(i, 100)))).toEqual(
      [],
    );
  });

  it("reads a logged row's classification cost into its request event", () => {
    const row = requestLogRow("req_classified", {
      route: "delivery",
      model: "m",
      costUsd: null,
      classificationTokens: 40,
      classificationCostUsd: 0.00003,
    });
    expect(requestEvent(row)).toMatchObject({ classificationCostUsd: 0.00003 });
    expect(requestEvent(row)).not.toHaveProperty("costUsd");
    // A row no model step priced (or logged before routing migration 7) has none.
    const plain = requestEvent(requestLogRow("req_plain", { model: "m", costUsd: 0.001 }));
    expect(plain).toMatchObject({ costUsd: 0.001 });
    expect(plain).not.toHaveProperty("classificationCostUsd");
  });

  it("keeps the cost of a request queued as numbers", () => {
    const queue = new PendingEvents();
    const event: RequestEvent = {
      ...request(1, 12),
      costUsd: 0.00042,
      classificationCostUsd: 0.00007,
    };
    queue.push(event);
    queue.push(request(2, 13));
    const [first, second] = queue.take() as RequestEvent[];
    expect(first?.costUsd).toBe(0.00042);
    expect(first?.classificationCostUsd).toBe(0.00007);
    expect(second && "costUsd" in second).toBe(false);
    expect(second && "classificationCostUsd" in second).toBe(false);
  });
});

/** Applies `takeBlocks`' changes to stored blocks, as the engine's rows take them. */
function applyBlocks(changes: [string, unknown][], blocks: Map<string, unknown>): void {
  for (const [name, block] of changes) {
    if (block === undefined) {
      expect(blocks.delete(name), `block ${name} deleted before it was written`).toBe(true);
    } else {
      blocks.set(name, JSON.parse(JSON.stringify(block)));
    }
  }
}

/** A window's stored rows as the engine keeps them: its range, and its blocks by name. */
function storeOf(window: SampleWindow, blocks = new Map<string, unknown>()) {
  applyBlocks(window.takeBlocks(), blocks);
  return { range: JSON.parse(JSON.stringify(window.encode())), blocks };
}

describe("window state", () => {
  it("round-trips through its stored blocks and survives a restart", () => {
    const samples: [number, number][] = [
      [Date.parse(at(1)), 123.456789],
      [Date.parse(at(2)), 0],
      [Date.parse(at(3)), 1e-9],
    ];
    const window = SampleWindow.empty();
    for (const [timeMs, value] of samples) window.push(timeMs, value, { events: 10 });
    const { range, blocks } = storeOf(window);
    expect(SampleWindow.decode(range, blocks).pairs()).toEqual(samples);
    expect(SampleWindow.decode(storeOf(SampleWindow.empty()).range).pairs()).toEqual([]);
    // A block is the pairs' float64 values in order, base64, as whole windows were stored
    // before ADR 0094; a window stored that way still loads, and writes its blocks next time.
    const legacy = Buffer.from(new Float64Array(samples.flat()).buffer).toString("base64");
    expect(blocks.get("0")).toEqual({ from: 0, pairs: legacy });
    const loaded = SampleWindow.decode(legacy);
    expect(loaded.pairs()).toEqual(samples);
    const again = storeOf(loaded);
    expect(SampleWindow.decode(again.range, again.blocks).pairs()).toEqual(samples);

    const path = join(mkdtempSync(join(tmpdir(), "ms-window-")), "state.db");
    const condition = { type: "error_rate", max_error_percent: 50, min_events: 4 };
    const rules = parseAlertRules({
      rules: [{ id: "e", conditions: [condition], actions: [{ type: "log" }] }],
    });
    const first = openStateDatabase({ path });
    createAlertEngine({ database: first, rules, log: () => {} }).processBatch([
      request(1, 10, true),
      request(2, 10, true),
      request(3, 10, false),
    ]);
    first.close();
    const second = openStateDatabase({ path });
    opened.push(second);
    const fired = createAlertEngine({ database: second, rules, log: () => {} }).process(
      request(4, 10, true),
    );
    expect(fired[0]?.evidence.conditions[0]).toMatchObject({ failedRequests: 3, requests: 4 });
  });

  it("writes only the blocks that gained samples, and deletes those that lost them all", () => {
    const random = seededRandom(7).next;
    // The most blocks a fold of 500 samples writes: 500 span three of 256; of a window of
    // 100, the last 100 span two at most.
    const cases: [WindowOptions, number][] = [
      [{ events: 10_000 }, 3],
      [{ events: 100 }, 2],
      [{ seconds: 3 }, 3],
    ];
    for (const [options, mostWritten] of cases) {
      let window = SampleWindow.empty();
      const blocks = new Map<string, unknown>();
      let time = 0;
      let largestWrite = 0;
      for (let fold = 0; fold < 60; fold++) {
        // 500 samples a fold (5,000 requests/s, a fold every 100 ms), now and then far more.
        const count = fold % 20 === 19 ? 12_000 : 500;
        for (let index = 0; index < count; index++) {
          time += 0.2;
          window.push(time, random(), options);
        }
        const changes = window.takeBlocks();
        const written = changes.filter(([, block]) => block !== undefined).length;
        if (count === 500) largestWrite = Math.max(largestWrite, written);
        applyBlocks(changes, blocks);
        expect(window.takeBlocks()).toEqual([]);
        const reloaded = SampleWindow.decode(JSON.parse(JSON.stringify(window.encode())), blocks);
        expect(reloaded.pairs()).toEqual(window.pairs());
        // No block is kept whose pairs have all been dropped.
        expect(blocks.size).toBeLessThanOrEqual(Math.ceil(window.length / BLOCK_PAIRS) + 1);
        // Now and then a restart: the window goes on from what was stored.
        if (fold % 7 === 6) window = reloaded;
      }
      expect([options, largestWrite]).toEqual([options, mostWritten]);
    }
  });

  it("says the state database was changed when a block is missing", () => {
    const window = SampleWindow.empty();
    for (let index = 0; index < 600; index++) window.push(index, index, { events: 1_000 });
    const { range, blocks } = storeOf(window);
    blocks.delete("1");
    expect(() => SampleWindow.decode(range, blocks)).toThrow(
      expect.objectContaining({
        code: "STORE_CORRUPT",
        message: expect.stringContaining("hold 344 of its 600 samples"),
      }),
    );
  });
});

describe("subject keys", () => {
  it("are the route and model joined, read back by subjectFromKey, however many there are", () => {
    expect(subjectKey({ route: "support", modelId: "m" })).toBe("support\u0000m");
    // Past the keys kept (10,000), keys are made afresh: still the same text.
    for (let index = 0; index < 10_050; index++) {
      const subject = { route: `r${index % 7}`, modelId: `model-${index}` };
      const key = subjectKey(subject);
      expect(subjectFromKey(key)).toEqual(subject);
      expect(subjectKey({ ...subject })).toBe(key);
    }
    expect(subjectKey({ route: "support", modelId: "m" })).toBe("support\u0000m");
  });
});

describe("a window's samples", () => {
  it("keeps the last `events`, oldest first, and hands back each one it drops", () => {
    const window = SampleWindow.empty();
    const dropped: number[] = [];
    for (let index = 0; index < 25_000; index++) {
      window.push(index, index * 2, { events: 10_000 }, (value) => dropped.push(value));
      if (index === 9_999) expect(dropped).toEqual([]);
    }
    expect(window.length).toBe(10_000);
    expect(window.values()).toEqual(Array.from({ length: 10_000 }, (_, i) => (15_000 + i) * 2));
    expect(dropped).toEqual(Array.from({ length: 15_000 }, (_, i) => i * 2));
    // Stored from the middle of its array, decoded and pushed on: the same window.
    const stored = storeOf(window);
    const again = SampleWindow.decode(stored.range, stored.blocks);
    expect(again.pairs()).toEqual(window.pairs());
    again.push(25_000, 50_000, { events: 10_000 });
    expect(again.values().slice(0, 1).concat(again.values().slice(-1))).toEqual([30_002, 50_000]);
  });

  it("drops samples older than `seconds` before the newest, and caps a time window", () => {
    const window = SampleWindow.empty();
    const dropped: number[] = [];
    for (const second of [0, 1, 2, 3]) window.push(second * 1000, second, { seconds: 2 });
    expect(window.values()).toEqual([1, 2, 3]);
    window.push(10_000, 10, { seconds: 2 }, (value) => dropped.push(value));
    expect([window.values(), dropped]).toEqual([[10], [1, 2, 3]]);
    const capped = SampleWindow.empty();
    for (let index = 0; index < 10_005; index++) capped.push(index, index, { seconds: 3600 });
    expect([capped.length, capped.values()[0]]).toEqual([10_000, 5]);
  });
});

describe("accuracy_drop on feedback", () => {
  const feedback = (index: number, correct: boolean): FeedbackEvent => ({
    kind: "feedback",
    at: at(index),
    route: "support",
    modelId: "m",
    correct,
  });

  it("compares the trailing window with the one before it", () => {
    const engine = engineFor([
      {
        type: "accuracy_drop",
        source: "feedback",
        reference: "trailing_window",
        reference_window: 50,
        current_window: 50,
        min_drop_percent: 15,
      },
    ]);
    // 90% right for 100 items, then 70% right: (0.9 - 0.7) / 0.9 = 22% once the window is all new.
    const good = Array.from({ length: 100 }, (_, index) => feedback(index, index % 10 !== 0));
    expect(engine.processBatch(good)).toEqual([]);
    const worse = Array.from({ length: 50 }, (_, index) => feedback(100 + index, index % 10 >= 3));
    const fired = engine.processBatch(worse);
    expect(fired).toHaveLength(1);
    const evidence = fired[0]?.evidence.conditions[0];
    expect(evidence?.dropPercent).toBeGreaterThan(15);
    expect(evidence?.referenceValue).toBeCloseTo(0.9, 1);
  });

  it("compares with a fixed baseline", () => {
    const engine = engineFor([
      {
        type: "accuracy_drop",
        source: "feedback",
        reference: "baseline",
        baseline_value: 0.8,
        current_window: 10,
        min_drop_percent: 10,
      },
    ]);
    const fired = engine.processBatch(
      Array.from({ length: 10 }, (_, index) => feedback(index, index < 7)),
    );
    expect(fired).toHaveLength(1);
    expect(fired[0]?.evidence.conditions[0]).toMatchObject({
      referenceValue: 0.8,
      latestValue: 0.7,
      dropPercent: 12.5,
    });
  });
});

describe("drift detectors", () => {
  const options: DetectorOptions = { sign: 1, delta: 5, threshold: 200, warmup: 30 };

  function firstAlarm<S>(
    values: number[],
    start: () => S,
    step: (state: S, value: number, detector: typeof options) => { state: S; alarm: boolean },
    detector = options,
  ): number | null {
    let state = start();
    for (const [index, value] of values.entries()) {
      const result = step(state, value, detector);
      if (result.alarm) return index;
      state = result.state;
    }
    return null;
  }

  const random = seededRandom(3).next;
  const noise = () => (random() - 0.5) * 40; // +-20 ms
  const stable = Array.from({ length: 500 }, () => 100 + noise());
  const shifted = [...stable.slice(0, 300), ...Array.from({ length: 200 }, () => 160 + noise())];

  it("Page-Hinkley: quiet on noise, alarms within a few observations of a +60 ms shift", () => {
    expect(firstAlarm(stable, pageHinkleyStart, pageHinkleyStep)).toBeNull();
    const index = firstAlarm(shifted, pageHinkleyStart, pageHinkleyStep);
    expect(index).not.toBeNull();
    expect(index as number).toBeGreaterThanOrEqual(300);
    expect(index as number).toBeLessThan(310);
  });

  it("CUSUM: quiet on noise, alarms within a few observations of the shift, and sees decreases", () => {
    expect(firstAlarm(stable, cusumStart, cusumStep)).toBeNull();
    const index = firstAlarm(shifted, cusumStart, cusumStep);
    expect(index as number).toBeGreaterThanOrEqual(300);
    expect(index as number).toBeLessThan(310);
    const dropped = [...stable.slice(0, 300), ...Array.from({ length: 200 }, () => 40 + noise())];
    expect(firstAlarm(dropped, cusumStart, cusumStep)).toBeNull(); // sign +1 watches increases
    const down = firstAlarm(dropped, cusumStart, cusumStep, { ...options, sign: -1 });
    expect(down as number).toBeGreaterThanOrEqual(300);
  });

  it("drift rule fires once per shift, on the reward stream, through the engine", () => {
    const engine = engineFor([
      {
        type: "drift",
        metric: "reward",
        method: "cusum",
        direction: "decrease",
        delta: 0.05,
        threshold: 2,
        warmup: 50,
      },
    ]);
    const rewards = Array.from({ length: 400 }, (_, index) => {
      const level = index < 200 ? 0.85 : 0.55;
      return Math.min(1, Math.max(0, level + (random() - 0.5) * 0.2));
    });
    const fired = engine.processBatch(
      rewards.map((reward, index) => ({
        kind: "feedback" as const,
        at: at(index),
        route: "support",
        modelId: "m",
        reward,
      })),
    );
    expect(fired).toHaveLength(1);
    const firedIndex = (Date.parse(fired[0]?.firedAt ?? "") - Date.parse(at(0))) / 1000;
    expect(firedIndex).toBeGreaterThanOrEqual(200);
    expect(firedIndex).toBeLessThan(215);
    expect(fired[0]?.evidence.conditions[0]).toMatchObject({ method: "cusum", metric: "reward" });
  });
});

describe("rule options", () => {
  it("match narrows routes and models; cooldown holds back a quick re-fire", () => {
    const engine = engineFor(
      [{ type: "latency_p95", slo_ms: 100, min_events: 1, window: { events: 1 } }],
      {
        match: { routes: ["support"], models: ["m"] },
        cooldown_seconds: 60,
      },
    );
    expect(engine.process({ ...request(0, 500), route: "other" })).toEqual([]);
    expect(engine.process(request(0, 500, false, "n"))).toEqual([]);
    expect(engine.process(request(1, 500))).toHaveLength(1);
    expect(engine.process(request(2, 50))).toEqual([]);
    expect(engine.process(request(3, 500))).toEqual([]); // within 60 s of the last firing
    expect(engine.process(request(70, 500))).toHaveLength(1);
  });
});

describe("what each condition reads", () => {
  // One condition of each type and source; the server queues only the kinds they declare.
  const conditions = parseAlertRules({
    rules: [
      {
        id: "every",
        conditions: [
          { type: "consecutive_selections", count: 2 },
          { type: "accuracy_drop", min_drop_percent: 10 },
          {
            type: "accuracy_drop",
            source: "feedback",
            reference: "baseline",
            baseline_value: 0.9,
            current_window: 1,
            min_drop_percent: 10,
          },
          { type: "latency_p95", slo_ms: 100, min_events: 1, window: { events: 5 } },
          { type: "error_rate", max_error_percent: 10, min_events: 1, window: { events: 5 } },
          { type: "cost_per_request", max_usd: 0.01, min_events: 1, window: { events: 5 } },
          { type: "drift", metric: "latency_ms", direction: "increase", delta: 0.1, threshold: 1 },
          { type: "drift", metric: "reward", direction: "decrease", delta: 0.1, threshold: 1 },
          { type: "drift", metric: "quality", direction: "decrease", delta: 0.1, threshold: 1 },
        ],
        actions: [{ type: "log" }],
      },
    ],
  })[0]?.conditions;
  const events: Record<MonitorEvent["kind"], MonitorEvent> = {
    decision: {
      kind: "decision",
      at: at(0),
      decisionId: "d1",
      route: "support",
      task: "text-classification",
      winnerId: "m",
      candidates: [{ modelId: "m", quality: 0.5 }],
    },
    request: { ...request(0, 500, true), costUsd: 0.5 },
    feedback: { kind: "feedback", at: at(0), route: "support", modelId: "m", reward: 0.1 },
  };

  it.each(
    (conditions ?? []).map((condition) => [
      `${condition.type}${"source" in condition ? ` (${condition.source})` : ""}${"metric" in condition ? ` (${condition.metric})` : ""}`,
      condition,
    ]),
  )("%s changes on the kinds it declares and on no other", (_, condition) => {
    const runtime = createCondition(condition as Parameters<typeof createCondition>[0]);
    expect(runtime.reads.length).toBeGreaterThan(0);
    for (const kind of ["decision", "request", "feedback"] as const) {
      const touched: string[] = [];
      runtime.update(
        events[kind],
        (subject) => touched.push(subject.modelId),
        eventTimeMs(events[kind].at),
      );
      const changed = runtime.state.takeDirty();
      if (runtime.reads.includes(kind)) {
        expect([kind, touched]).toEqual([kind, ["m"]]);
        expect(changed.length).toBeGreaterThan(0);
      } else {
        expect([kind, touched, changed]).toEqual([kind, [], []]);
      }
    }
  });

  it("the engine reads a kind when one of its enabled rules' conditions does", () => {
    const engine = engineFor([{ type: "consecutive_selections", count: 3 }]);
    expect(["decision", "request", "feedback"].map((kind) => engine.reads(kind as never))).toEqual([
      true,
      false,
      false,
    ]);
    const both = engineFor([
      { type: "consecutive_selections", count: 3 },
      { type: "error_rate", max_error_percent: 10, min_events: 1, window: { events: 5 } },
    ]);
    expect(both.reads("request")).toBe(true);
    expect(both.reads("feedback")).toBe(false);
  });
});
