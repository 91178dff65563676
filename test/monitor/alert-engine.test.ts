/**
 * The alert engine's plumbing: webhooks through the outbox to a real HTTP server (retries with
 * backoff, at-least-once after a crash), state kept or reset by rule fingerprint, and a failed
 * transaction leaving neither the database nor memory half-updated.
 */
import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createAlertEngine, WEBHOOK_CLAIM_MARGIN_MS } from "../../src/monitor/alert-engine.js";
import { parseAlertRules } from "../../src/monitor/alert-rules.js";
import type { RequestEvent } from "../../src/monitor/monitor-event.js";
import { createReviewQueue } from "../../src/monitor/review-queue.js";
import { openStateDatabase, type StateDatabase } from "../../src/state/state-database.js";
import { foldAcrossBlocks, WINDOW_BLOCKS_RULES } from "../support/window-blocks.js";

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const task of cleanup.splice(0).reverse()) await task();
});

function database(path = ":memory:"): StateDatabase {
  const opened = openStateDatabase({ path });
  cleanup.push(() => opened.open && opened.close());
  return opened;
}

interface Hook {
  url: string;
  bodies: unknown[];
  statuses: number[];
}

/** A webhook receiver answering with `statuses` in turn (then 200). */
async function startHook(statuses: number[]): Promise<Hook> {
  const hook: Hook = { url: "", bodies: [], statuses: [] };
  const server: Server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      const status = statuses.shift() ?? 200;
      hook.statuses.push(status);
      hook.bodies.push({
        contentType: request.headers["content-type"],
        auth: request.headers["x-token"],
        body: JSON.parse(body),
      });
      response
        .writeHead(status, { "content-type": "text/plain" })
        .end(status === 200 ? "ok" : "no");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  cleanup.push(() => new Promise((resolve) => server.close(resolve)));
  hook.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return hook;
}

/** A webhook receiver that holds its answers (200) until `release()`. */
async function startHeldHook() {
  const alertIds: string[] = [];
  const waiting: (() => void)[] = [];
  let released = false;
  let received: () => void = () => {};
  const receivedOnce = new Promise<void>((resolve) => {
    received = resolve;
  });
  const server: Server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      alertIds.push(JSON.parse(body).alert.id);
      const answer = () => response.writeHead(200).end("ok");
      if (released) answer();
      else waiting.push(answer);
      received();
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  cleanup.push(() => new Promise((resolve) => server.close(resolve)));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    alertIds,
    received: receivedOnce,
    release() {
      released = true;
      for (const answer of waiting.splice(0)) answer();
    },
  };
}

const slow = (second: number, modelId = "m"): RequestEvent => ({
  kind: "request",
  at: new Date(Date.UTC(2026, 2, 1, 10, 0, second)).toISOString(),
  route: "support",
  modelId,
  latencyMs: 900,
  status: 200,
});

function rules(url: string, extra: Record<string, unknown> = {}) {
  return parseAlertRules({
    rules: [
      {
        id: "slow",
        description: "p95 over 300 ms",
        conditions: [{ type: "latency_p95", slo_ms: 300, min_events: 2 }],
        actions: [{ type: "webhook", url, headers: { "x-token": "t0k" }, max_retries: 3 }],
        ...extra,
      },
    ],
  });
}

describe("webhook action", () => {
  it("POSTs the alert as JSON, retrying 503s with backoff until delivered", async () => {
    const hook = await startHook([503, 503]);
    const engine = createAlertEngine({ database: database(), rules: rules(hook.url) });
    const [alert] = engine.processBatch([slow(1), slow(2)]);
    const report = await engine.deliverWebhooks({ retry: { baseDelayMs: 5, maxDelayMs: 20 } });
    expect(report).toEqual({ delivered: 1, failed: [] });
    expect(hook.statuses).toEqual([503, 503, 200]);
    expect(hook.bodies[2]).toEqual({
      contentType: "application/json",
      auth: "t0k",
      body: { alert, rule: { id: "slow", description: "p95 over 300 ms" } },
    });
    expect(await engine.deliverWebhooks()).toEqual({ delivered: 0, failed: [] }); // nothing left
  });

  it("gives up on a 4xx at once and reports it", async () => {
    const hook = await startHook([400]);
    const engine = createAlertEngine({ database: database(), rules: rules(hook.url) });
    const [alert] = engine.processBatch([slow(1), slow(2)]);
    const report = await engine.deliverWebhooks({ retry: { baseDelayMs: 5 } });
    expect(report).toEqual({
      delivered: 0,
      failed: [{ alertId: alert?.id, url: hook.url, attempts: 1, error: "HTTP 400: no" }],
    });
  });

  it("delivers after a restart what was queued before it (at least once)", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "ms-engine-")), "state.db");
    const hook = await startHook([]);
    const first = database(path);
    createAlertEngine({ database: first, rules: rules(hook.url) }).processBatch([slow(1), slow(2)]);
    first.close(); // "crash" before delivering
    const engine = createAlertEngine({ database: database(path), rules: rules(hook.url) });
    expect(await engine.deliverWebhooks()).toEqual({ delivered: 1, failed: [] });
    expect(hook.bodies).toHaveLength(1);
  });
});

describe("engines of two servers on one state file (ADR 0060)", () => {
  it("fold both servers' events into one state and fire once for them", () => {
    const path = join(mkdtempSync(join(tmpdir(), "ms-engine-")), "state.db");
    const log = () => {};
    const shared = parseAlertRules({
      rules: [
        {
          id: "slow",
          conditions: [{ type: "latency_p95", slo_ms: 300, min_events: 4 }],
          actions: [{ type: "log" }],
        },
      ],
    });
    const [here, there] = [database(path), database(path)].map((opened) =>
      createAlertEngine({ database: opened, rules: shared, log }),
    ) as [ReturnType<typeof createAlertEngine>, ReturnType<typeof createAlertEngine>];
    // Two slow answers on each server: four in all, the rule's minimum.
    expect(here.processBatch([slow(1)])).toEqual([]);
    expect(there.processBatch([slow(2)])).toEqual([]);
    expect(here.processBatch([slow(3)])).toEqual([]);
    const fired = there.processBatch([slow(4)]);
    expect(fired).toHaveLength(1);
    expect(fired[0]?.evidence.conditions[0]).toMatchObject({ type: "latency_p95" });
    // The other server sees the rule firing and does not fire it again.
    expect(here.processBatch([slow(5)])).toEqual([]);
    expect(there.listAlerts()).toHaveLength(1);
  });
});

describe("a window over several stored blocks (ADR 0094)", () => {
  it("is the same window after two engines on one state file folded it in turn", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "ms-blocks-")), "state.db");
    const [here, there] = [database(path), database(path)].map((opened) =>
      createAlertEngine({ database: opened, rules: WINDOW_BLOCKS_RULES, log: () => {} }),
    ) as [ReturnType<typeof createAlertEngine>, ReturnType<typeof createAlertEngine>];
    const { rows, evaluation } = await foldAcrossBlocks(
      [(events) => here.processBatch(events), (events) => there.processBatch(events)],
      database(path),
    );
    // Requests 1,400-1,999: 150 failed. A range and the three blocks of 256 holding them.
    expect(evaluation.evidence).toMatchObject({ failedRequests: 150, requests: 600 });
    expect(rows).toBe(4);
  });

  it("loads a window stored whole, as before blocks, and goes on from it", () => {
    const path = join(mkdtempSync(join(tmpdir(), "ms-blocks-")), "state.db");
    const errorRules = parseAlertRules({
      rules: [
        {
          id: "errors",
          conditions: [{ type: "error_rate", max_error_percent: 50, min_events: 4 }],
          actions: [{ type: "log" }],
        },
      ],
    });
    const first = database(path);
    createAlertEngine({ database: first, rules: errorRules, log: () => {} }).processBatch([
      slow(1),
    ]);
    // The row as it was written before ADR 0094: the pairs of two failed requests, whole.
    const pairs = [Date.parse(slow(1).at), 1, Date.parse(slow(2).at), 1];
    first.exec("DELETE FROM monitor_condition_state WHERE state_key LIKE char(1) || '%'");
    first.prepare("UPDATE monitor_condition_state SET state_json = ? WHERE rule_id = 'errors'").run(
      JSON.stringify({
        errors: 2,
        samples: Buffer.from(new Float64Array(pairs).buffer).toString("base64"),
      }),
    );
    first.close();
    const failed = (second: number): RequestEvent => ({ ...slow(second), status: 503 });
    const engine = createAlertEngine({
      database: database(path),
      rules: errorRules,
      log: () => {},
    });
    expect(engine.process(failed(3))).toEqual([]);
    const fired = engine.process(slow(4));
    expect(fired[0]?.evidence.conditions[0]).toMatchObject({ failedRequests: 3, requests: 4 });
  });
});

describe("webhooks of two servers on one state file (ADR 0060)", () => {
  it("sends each once when both engines deliver at the same time", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "ms-engine-")), "state.db");
    const held = await startHeldHook();
    const [here, there] = [database(path), database(path)].map((opened) =>
      createAlertEngine({ database: opened, rules: rules(held.url) }),
    ) as [ReturnType<typeof createAlertEngine>, ReturnType<typeof createAlertEngine>];
    const [alert] = here.processBatch([slow(1), slow(2)]);
    const delivering = here.deliverWebhooks();
    await held.received; // the first server's POST is at the receiver, unanswered
    expect(await there.deliverWebhooks()).toEqual({ delivered: 0, failed: [] });
    held.release();
    expect(await delivering).toEqual({ delivered: 1, failed: [] });
    expect(held.alertIds).toEqual([alert?.id]);
    expect(await there.deliverWebhooks()).toEqual({ delivered: 0, failed: [] });
  });

  it("sends again what a server claimed and never finished, once its claim runs out", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "ms-engine-")), "state.db");
    const hook = await startHook([]);
    const start = Date.UTC(2026, 2, 1, 11);
    let clock = start;
    const now = () => new Date(clock);
    // The first server's POST never comes back: it died while sending.
    let gone = false;
    let abandon: (() => void) | undefined;
    const hung: typeof fetch = () =>
      new Promise((_resolve, reject) => {
        if (gone) reject(new Error("process gone"));
        abandon = () => {
          gone = true;
          reject(new Error("process gone"));
        };
      });
    const dying = createAlertEngine({
      database: database(path),
      rules: rules(hook.url),
      fetch: hung,
      now,
    });
    const [alert] = dying.processBatch([slow(1), slow(2)]);
    const abandoned = dying.deliverWebhooks({ retry: { baseDelayMs: 5, maxDelayMs: 20 } });
    const other = createAlertEngine({ database: database(path), rules: rules(hook.url), now });
    const retry = { baseDelayMs: 5, maxDelayMs: 20 };

    // The claim lasts the delivery's longest (4 attempts of the default timeout and the
    // waits between them) plus the margin; until then the other server leaves it.
    clock = start + WEBHOOK_CLAIM_MARGIN_MS;
    expect(await other.deliverWebhooks({ retry })).toEqual({ delivered: 0, failed: [] });
    expect(hook.bodies).toEqual([]);
    clock = start + 24 * 60 * 60 * 1000;
    expect(await other.deliverWebhooks({ retry })).toEqual({ delivered: 1, failed: [] });
    expect(hook.bodies).toHaveLength(1);
    expect((hook.bodies[0] as { body: { alert: { id: string } } }).body.alert.id).toBe(alert?.id);

    abandon?.();
    await abandoned; // its failure is recorded after the other's delivery; nothing is sent again
    expect(await other.deliverWebhooks({ retry })).toEqual({ delivered: 0, failed: [] });
  });
});

describe("a fold's commit (ADR 0095)", () => {
  it("has no fsync of its own for requests alone, keeps it otherwise, and syncs before a webhook goes out", async () => {
    const stored = database(join(mkdtempSync(join(tmpdir(), "ms-engine-")), "state.db"));
    // The level each transaction commits at: the connection's when it starts (SQLite refuses
    // to change it inside one). 1 is NORMAL, 2 FULL.
    const levels: number[] = [];
    const watched = new Proxy(stored, {
      get(target, key) {
        if (key === "transaction") {
          return (work: (...args: unknown[]) => unknown) =>
            target.transaction((...args: unknown[]) => {
              levels.push(target.pragma("synchronous", { simple: true }) as number);
              return work(...args);
            });
        }
        const value = Reflect.get(target, key);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const hook = await startHook([]);
    const engine = createAlertEngine({ database: watched, rules: rules(hook.url) });
    levels.length = 0; // the migrations' and the load's
    const rated = {
      kind: "feedback",
      at: new Date(Date.UTC(2026, 2, 1, 10, 0, 1)).toISOString(),
      route: "support",
      modelId: "m",
      reward: 1,
    } as const;
    expect(engine.processBatch([slow(1)])).toEqual([]);
    expect(engine.processBatch([rated])).toEqual([]);
    expect(engine.processBatch([rated, slow(2)])).toHaveLength(1);
    expect(await engine.processBatchLater([slow(3)])).toEqual([]);
    expect(levels).toEqual([1, 2, 2, 1]);
    // The alert a fold without an fsync queues is claimed by a commit with one, which syncs
    // the WAL, that fold's frames too, before it is sent.
    const [fired] = await engine.processBatchLater([slow(1, "other"), slow(2, "other")]);
    expect(levels.at(-1)).toBe(1);
    // Both alerts, "m"'s from the fold with feedback too.
    expect(await engine.deliverWebhooks()).toEqual({ delivered: 2, failed: [] });
    expect(levels.at(-1)).toBe(2);
    const sent = hook.bodies.map((body) => (body as { body: { alert: { id: string } } }).body);
    expect(sent.map(({ alert }) => alert.id)).toContain(fired?.id);
    expect(stored.pragma("synchronous", { simple: true })).toBe(2);
  });
});

describe("engine state", () => {
  it("keeps state when only actions change, and starts afresh when conditions change", () => {
    const path = join(mkdtempSync(join(tmpdir(), "ms-engine-")), "state.db");
    const log = () => {};
    const withLog = (conditions: unknown[]) =>
      parseAlertRules({ rules: [{ id: "slow", conditions, actions: [{ type: "log" }] }] });
    const condition = { type: "latency_p95", slo_ms: 300, min_events: 3 };

    const first = database(path);
    createAlertEngine({ database: first, rules: withLog([condition]), log }).processBatch([
      slow(1),
      slow(2),
    ]);
    first.close();

    const second = database(path);
    const kept = createAlertEngine({
      database: second,
      rules: parseAlertRules({
        rules: [
          { id: "slow", conditions: [condition], actions: [{ type: "log", level: "error" }] },
        ],
      }),
      log,
    });
    expect(kept.process(slow(3))).toHaveLength(1); // the third request completes the window
    second.close();

    const changed = createAlertEngine({
      database: database(path),
      rules: withLog([{ ...condition, slo_ms: 250 }]),
      log,
    });
    expect(changed.process(slow(4))).toEqual([]); // one request in a fresh window
    expect(changed.processBatch([slow(5), slow(6)])).toHaveLength(1);
    expect(changed.listAlerts({ ruleId: "slow" })).toHaveLength(2);
  });

  it("rolls back a batch whose action fails, in the database and in memory", () => {
    const db = database();
    const queue = createReviewQueue(db);
    const engine = createAlertEngine({
      database: db,
      reviewQueue: queue,
      rules: parseAlertRules({
        rules: [
          {
            id: "slow",
            conditions: [{ type: "latency_p95", slo_ms: 300, min_events: 2 }],
            actions: [{ type: "review" }],
          },
        ],
      }),
    });
    engine.process(slow(1));
    db.exec(
      "CREATE TEMP TRIGGER refuse BEFORE INSERT ON review_items BEGIN SELECT RAISE(ABORT, 'disk full'); END",
    );
    expect(() => engine.process(slow(2))).toThrow(/disk full/);
    expect(engine.listAlerts()).toEqual([]);
    db.exec("DROP TRIGGER refuse");
    // The failed event was not counted: one more request is needed, and then it fires once.
    const fired = engine.process(slow(3));
    expect(fired).toHaveLength(1);
    expect(fired[0]?.evidence.conditions[0]).toMatchObject({ requests: 2 });
    expect(queue.countOpen()).toBe(1);
  });

  it("refuses review actions without a review queue", () => {
    expect(() =>
      createAlertEngine({
        database: database(),
        rules: parseAlertRules({
          rules: [
            {
              id: "r",
              conditions: [{ type: "consecutive_selections", count: 2 }],
              actions: [{ type: "review" }],
            },
          ],
        }),
      }),
    ).toThrow(/need a review queue/);
  });
});
