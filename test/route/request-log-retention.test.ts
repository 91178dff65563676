/**
 * The request log's retention (`server.log_retention_days`, ADR 0047): rows past it are
 * deleted with their learned feedback, in chunks, while a row whose feedback the learner has
 * not taken is kept, and so is everything newer. On a state database file (the worker thread)
 * and in memory (the main thread), with the routing store writing as the server does.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  type RequestLogRetention,
  SELECT_PRUNABLE_SQL,
  startRequestLogRetention,
} from "../../src/route/request-log-retention.js";
import { type RequestLogRow, RoutingStore } from "../../src/route/routing-store.js";
import { openStateDatabase, type StateDatabase } from "../../src/state/state-database.js";

const NOW = Date.parse("2026-12-01T12:00:00.000Z");
const DAY = 86_400_000;

function row(id: string, ageDays: number): RequestLogRow {
  return {
    id,
    createdAt: new Date(NOW - ageDays * DAY).toISOString(),
    endpoint: "chat.completions",
    task: "text-generation",
    requested: "auto",
    route: "delivery",
    model: "echo:a",
    reason: "test",
    status: 200,
    latencyMs: 1,
    modelLatencyMs: 0.5,
    errorCode: null,
    domain: null,
    inputText: "where is my parcel",
    outputText: "on its way",
    outputLabel: null,
    promptTokens: null,
    completionTokens: null,
    costUsd: null,
    decision: null,
  };
}

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

function open(where: "file" | "memory"): { database: StateDatabase; store: RoutingStore } {
  const database =
    where === "file"
      ? openStateDatabase({ path: join(mkdtempSync(join(tmpdir(), "ms-retention-")), "state.db") })
      : openStateDatabase({ path: ":memory:" });
  const store = new RoutingStore(database);
  cleanup.push(() => {
    store.close();
    database.close();
  });
  return { database, store };
}

function retain(database: StateDatabase, days: number): RequestLogRetention {
  const retention = startRequestLogRetention(database, {
    days,
    now: () => NOW,
    chunkRows: 100,
    pauseMs: 0,
    firstAfterMs: 3_600_000, // only the test's own prune() runs
  });
  cleanup.push(() => retention.stop());
  return retention;
}

const count = (database: StateDatabase, table: string): number =>
  (database.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

describe.each(["file", "memory"] as const)("request log retention (%s database)", (where) => {
  it("deletes rows past the retention with their learned feedback, keeping feedback not yet learned", async () => {
    const { database, store } = open(where);
    // 350 old rows (several chunks of 100), three of them with feedback; 20 recent ones.
    for (let index = 0; index < 350; index += 1)
      store.logRequest(row(`old-${index}`, 31 + (index % 5)));
    for (let index = 0; index < 20; index += 1) store.logRequest(row(`new-${index}`, index % 29));
    store.flush();
    const feedback = (requestId: string) =>
      store.recordFeedback({
        requestId,
        createdAt: new Date(NOW).toISOString(),
        rating: 5,
        correct: null,
        label: null,
        latencyMs: null,
        reward: 1,
      });
    store.markFeedbackApplied(feedback("old-1"), null);
    store.markFeedbackApplied(feedback("old-2"), null);
    feedback("old-3"); // not applied: the learner has not taken it
    store.markFeedbackApplied(feedback("new-0"), null);

    const result = await retain(database, 30).prune();
    expect(result).toMatchObject({ requests: 349, feedback: 2 });
    // Chunks of 100 rows: four that delete, and one that finds nothing left.
    expect(result.chunks).toBe(5);
    expect(store.findRequest("old-1")).toBeNull();
    expect(store.findRequest("old-0")).toBeNull();
    expect(store.findRequest("old-3")?.id).toBe("old-3");
    expect(store.unappliedFeedback().map((item) => item.requestId)).toEqual(["old-3"]);
    expect(store.findRequest("new-0")?.id).toBe("new-0");
    expect(count(database, "routing_requests")).toBe(21);
    expect(count(database, "routing_feedback")).toBe(2);

    // Once its feedback is learned, the last old row goes too.
    store.markFeedbackApplied(store.unappliedFeedback()[0]?.id as number, null);
    expect(await retain(database, 30).prune()).toMatchObject({ requests: 1, feedback: 1 });
    expect(count(database, "routing_requests")).toBe(20);
  });

  it("keeps every row with a retention of 0", async () => {
    const { database, store } = open(where);
    store.logRequest(row("ancient", 3650));
    store.flush();
    expect(await retain(database, 0).prune()).toMatchObject({ requests: 0, feedback: 0 });
    expect(store.findRequest("ancient")?.id).toBe("ancient");
  });
});

describe("the prune's row selection", () => {
  it("walks the created_at index and checks feedback by request id, on the real schema", () => {
    const { database } = open("memory");
    const plan = (
      database.prepare(`EXPLAIN QUERY PLAN ${SELECT_PRUNABLE_SQL}`).all("2026-01-01", 100) as {
        detail: string;
      }[]
    ).map((step) => step.detail);
    // No sort of every old row, and not the partial index of unapplied feedback (read whole
    // for each row, as SQLite's planner chose before the index was pinned).
    expect(plan).toEqual([
      "SEARCH r USING INDEX routing_requests_created_at (created_at<?)",
      "CORRELATED SCALAR SUBQUERY 1",
      "SEARCH f USING INDEX routing_feedback_request (request_id=?)",
    ]);
  });
});

describe("stopping the pruner", () => {
  it("ends a prune in progress quietly when the server closes", async () => {
    const { database, store } = open("file");
    for (let index = 0; index < 2000; index += 1) store.logRequest(row(`old-${index}`, 40));
    store.flush();
    const retention = startRequestLogRetention(database, {
      days: 30,
      now: () => NOW,
      chunkRows: 10,
      pauseMs: 20,
      firstAfterMs: 3_600_000,
    });
    const pruning = retention.prune();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await retention.stop();
    // Cut short, not failed: the timer's prune would otherwise report an error at every close.
    await expect(pruning).resolves.toMatchObject({ requests: 0 });
    const left = (
      database.prepare("SELECT count(*) AS n FROM routing_requests").get() as { n: number }
    ).n;
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThan(2000);
  });
});
