/**
 * The decision feed folds each finished selection decision into the alert engine once, even
 * with two servers on one state file (ADR 0060): here two connections to one file, each with
 * its own alert engine and feed, as two `modelscout serve` processes have. The race is made
 * to happen, not hoped for: the first feed's clock, read between its unlocked read of what
 * is waiting and its locked write, runs the second feed's whole poll.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createAlertEngine } from "../../../src/monitor/alert-engine.js";
import { exampleAlertRules } from "../../../src/monitor/example-alert-rules.js";
import { createReviewQueue } from "../../../src/monitor/review-queue.js";
import type { SelectionDecision } from "../../../src/select/decision.js";
import { DecisionStore } from "../../../src/select/decision-store.js";
import { createDecisionFeed } from "../../../src/server/admin/decision-feed.js";
import { openStateDatabase, type StateDatabase } from "../../../src/state/state-database.js";
import { selectionDecision } from "../../monitor/selection-decision.js";

const opened: StateDatabase[] = [];
afterEach(() => {
  for (const database of opened.splice(0)) if (database.open) database.close();
});

/** One server's side: its connection, review queue, alert engine and feed. */
function server(path: string, now?: () => Date) {
  const database = openStateDatabase({ path });
  opened.push(database);
  const reviewQueue = createReviewQueue(database);
  const engine = createAlertEngine({
    database,
    rules: exampleAlertRules(),
    reviewQueue,
    log: () => {},
  });
  const feed = createDecisionFeed({ database, engine, ...(now !== undefined && { now }) });
  return { database, engine, reviewQueue, feed };
}

/** Stores three finished selections where one model wins with falling accuracy (11.1 % drop). */
function storeDroppingStreak(path: string): string[] {
  const database = openStateDatabase({ path });
  opened.push(database);
  const store = DecisionStore.open({ database });
  const ids = [0.9, 0.85, 0.8].map((quality, index) => {
    const decision = selectionDecision({
      at: `2026-03-01T10:0${index}:00.000Z`,
      winner: "acme/bert-zh",
      qualities: { "acme/bert-zh": quality, "other/model": 0.6 },
    });
    store.save(decision, null);
    return decision.id;
  });
  return ids;
}

const freshPath = () => join(mkdtempSync(join(tmpdir(), "ms-feed-")), "state.db");

describe("decision feed on a shared state file", () => {
  it("folds decisions in once when another server's feed runs between its read and its write", () => {
    const path = freshPath();
    const ids = storeDroppingStreak(path);
    const other = server(path);
    let otherPoll: ReturnType<typeof other.feed.poll> | undefined;
    const first = server(path, () => {
      // Called once the first feed has read what is waiting, before it takes the write lock.
      otherPoll ??= other.feed.poll();
      return new Date("2026-03-01T11:00:00.000Z");
    });

    const firstPoll = first.feed.poll();

    expect(otherPoll?.fed.map((entry) => entry.decision.id)).toEqual(ids);
    expect(otherPoll?.alerts.map((alert) => alert.ruleId)).toEqual(["review-on-drop"]);
    // The first feed had read all three as waiting; under the lock it found them fed.
    expect(firstPoll).toEqual({ fed: [], alerts: [] });
    expect(first.engine.listAlerts()).toHaveLength(1);
    expect(first.reviewQueue.list().total).toBe(1);
    const marks = first.database
      .prepare("SELECT COUNT(*) AS n FROM monitor_fed_decisions")
      .get() as { n: number };
    expect(marks.n).toBe(3);
    // Nothing is left for either feed.
    expect(first.feed.poll().fed).toEqual([]);
    expect(other.feed.poll().fed).toEqual([]);
  });

  it("feeds only what is finished and not fed, among the newest, however many were fed", async () => {
    const path = freshPath();
    const one = server(path);
    const store = DecisionStore.open({ database: one.database });
    const save = (minute: number, status: "completed" | "running" = "completed") => {
      const decision = {
        ...selectionDecision({
          at: `2026-03-01T10:${String(minute).padStart(2, "0")}:00.000Z`,
          winner: "acme/bert-zh",
          qualities: { "acme/bert-zh": 0.9 },
        }),
        status,
      };
      store.save(decision, null);
      return decision.id;
    };
    const old = Array.from({ length: 30 }, (_, minute) => save(minute));
    expect(one.feed.poll().fed.map((entry) => entry.decision.id)).toEqual(old);
    const running = save(40, "running");
    expect(await one.feed.pollAhead()).toEqual({ fed: [], alerts: [] });
    const finished = save(41);
    expect((await one.feed.pollAhead()).fed.map((entry) => entry.decision.id)).toEqual([finished]);
    store.save({ ...(store.get(running) as SelectionDecision), status: "completed" }, null);
    expect(one.feed.poll().fed.map((entry) => entry.decision.id)).toEqual([running]);
    expect(one.feed.poll().fed).toEqual([]);
  });

  it("leaves a later server nothing to fold once one server has fed the decisions", () => {
    const path = freshPath();
    const ids = storeDroppingStreak(path);
    const one = server(path);
    const two = server(path);

    const fed = one.feed.poll();
    expect(fed.fed.map((entry) => entry.decision.id)).toEqual(ids);
    expect(fed.alerts).toHaveLength(1);
    expect(two.feed.poll()).toEqual({ fed: [], alerts: [] });
    expect(two.engine.listAlerts()).toHaveLength(1);
  });
});
