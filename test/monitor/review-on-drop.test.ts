/**
 * End to end, the rule the issue ships: "a model selected 3 times in a row whose accuracy
 * dropped by more than 10% goes to human review", read from its JSON file, run by the alert
 * engine over real selection decisions, with the state and the review queue in a state.db on
 * disk that is closed and reopened between steps like a restarting server.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type AlertLogEntry, createAlertEngine } from "../../src/monitor/alert-engine.js";
import { exampleAlertRules } from "../../src/monitor/example-alert-rules.js";
import { decisionEvent } from "../../src/monitor/monitor-event.js";
import { createReviewQueue } from "../../src/monitor/review-queue.js";
import type { RoutingChange, RoutingControl } from "../../src/monitor/routing-control.js";
import { openStateDatabase, type StateDatabase } from "../../src/state/state-database.js";
import { selectionDecision } from "./selection-decision.js";

const opened: StateDatabase[] = [];
afterEach(() => {
  for (const database of opened.splice(0)) if (database.open) database.close();
});

function start(path: string, routingControl?: RoutingControl) {
  const database = openStateDatabase({ path });
  opened.push(database);
  const logs: AlertLogEntry[] = [];
  const reviewQueue = createReviewQueue(database, {
    ...(routingControl !== undefined && { routingControl }),
  });
  const engine = createAlertEngine({
    database,
    rules: exampleAlertRules(),
    reviewQueue,
    log: (entry) => logs.push(entry),
  });
  return { database, engine, reviewQueue, logs };
}

/** The element at `index`, failing the test when there is none. */
function nth<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new Error(`expected an element at ${index} of ${items.length}`);
  return item;
}

const freshPath = () => join(mkdtempSync(join(tmpdir(), "ms-monitor-")), "state.db");

/** Decisions on one task where `model` wins each time with the given qualities. */
function streak(model: string, qualities: number[], startMinute = 0) {
  return qualities.map((quality, index) =>
    decisionEvent(
      selectionDecision({
        at: `2026-03-01T10:${String(startMinute + index).padStart(2, "0")}:00.000Z`,
        winner: model,
        qualities: { [model]: quality, "other/model": 0.6 },
      }),
    ),
  );
}

describe("example rule review-on-drop", () => {
  it("opens a review item with the evidence when the third win in a row is >10% below the first", () => {
    const { engine, reviewQueue, logs } = start(freshPath());
    const events = streak("acme/bert-zh", [0.9, 0.85, 0.8]); // (0.90 - 0.80) / 0.90 = 11.1%
    expect(engine.process(nth(events, 0))).toEqual([]);
    expect(engine.process(nth(events, 1))).toEqual([]);
    const fired = engine.process(nth(events, 2));

    expect(fired).toHaveLength(1);
    const alert = nth(fired, 0);
    expect(alert).toMatchObject({
      ruleId: "review-on-drop",
      route: "task:text-classification",
      modelId: "acme/bert-zh",
      firedAt: "2026-03-01T10:02:00.000Z",
    });
    const [streakEvidence, dropEvidence] = alert.evidence.conditions;
    expect(streakEvidence).toMatchObject({
      type: "consecutive_selections",
      streakLength: 3,
      requiredCount: 3,
      decisionIds: events.map((event) => event.decisionId),
    });
    expect(dropEvidence).toMatchObject({
      type: "accuracy_drop",
      reference: "streak_start",
      referenceValue: 0.9,
      latestValue: 0.8,
      dropPercent: 11.11,
      minDropPercent: 10,
      streakQualities: [0.9, 0.85, 0.8],
      referenceDecisionId: nth(events, 0).decisionId,
      latestDecisionId: nth(events, 2).decisionId,
    });

    const { items, total } = reviewQueue.list({ status: "open" });
    expect(total).toBe(1);
    expect(items[0]).toMatchObject({
      id: alert.reviewItemId,
      ruleId: "review-on-drop",
      route: "task:text-classification",
      modelId: "acme/bert-zh",
      status: "open",
      createdBy: "rule:review-on-drop",
      proposedAction: {
        kind: "demote",
        route: "task:text-classification",
        modelId: "acme/bert-zh",
      },
      evidence: { alertId: alert.id, conditions: alert.evidence.conditions },
    });
    expect(nth(items, 0).summary).toContain("11.1% below the streak's first decision 0.9");
    expect(logs.map((entry) => entry.level)).toEqual(["warn"]);
    expect(engine.listAlerts()[0]).toEqual(alert);
  });

  it("does not fire on a 9% drop, nor on two wins in a row however steep", () => {
    const { engine, reviewQueue } = start(freshPath());
    const ninePercentDrop = streak("acme/bert-zh", [0.9, 0.86, 0.819]); // 9.0%
    expect(engine.processBatch(ninePercentDrop)).toEqual([]);

    const other = start(freshPath());
    const twoInARow = streak("acme/bert-zh", [0.9, 0.5]);
    const brokenByAnotherWinner = decisionEvent(
      selectionDecision({
        at: "2026-03-01T10:05:00.000Z",
        winner: "other/model",
        qualities: { "acme/bert-zh": 0.4, "other/model": 0.6 },
      }),
    );
    expect(other.engine.processBatch([...twoInARow, brokenByAnotherWinner])).toEqual([]);
    expect(reviewQueue.countOpen()).toBe(0);
    expect(other.reviewQueue.countOpen()).toBe(0);
  });

  it("fires when a longer streak crosses 10% later, measured from the streak's first win", () => {
    const { engine } = start(freshPath());
    const events = streak("acme/bert-zh", [0.9, 0.88, 0.85, 0.8]);
    const fired = engine.processBatch(events);
    expect(fired.map((alert) => alert.firedAt)).toEqual(["2026-03-01T10:03:00.000Z"]);
    expect(nth(fired, 0).evidence.conditions[0]).toMatchObject({ streakLength: 4 });
  });

  it("keeps the streak across a restart, and does not fire again after one", () => {
    const path = freshPath();
    const events = streak("acme/bert-zh", [0.9, 0.85, 0.8, 0.75, 0.7]);
    const first = start(path);
    expect(first.engine.processBatch(events.slice(0, 2))).toEqual([]);
    first.database.close();

    const second = start(path); // remembers two wins
    expect(second.engine.process(nth(events, 2))).toHaveLength(1);
    second.database.close();

    const third = start(path); // remembers it already fired for this streak
    expect(third.engine.processBatch(events.slice(3))).toEqual([]);
    expect(third.reviewQueue.list().total).toBe(1);

    // A new streak after another model won is a new episode.
    const interruption = decisionEvent(
      selectionDecision({
        at: "2026-03-01T11:00:00.000Z",
        winner: "other/model",
        qualities: { "acme/bert-zh": 0.7, "other/model": 0.72 },
      }),
    );
    expect(third.engine.process(interruption)).toEqual([]);
    const again = third.engine.processBatch(streak("acme/bert-zh", [0.8, 0.75, 0.7], 30));
    expect(again).toHaveLength(1);
    // Still open, so the firing folds into the same review item.
    expect(third.reviewQueue.list().total).toBe(1);
    expect(third.reviewQueue.get(String(nth(again, 0).reviewItemId))?.occurrences).toBe(2);
  });

  it("approving the item demotes the model through the routing control, with an audit trail", () => {
    const demotions: RoutingChange[] = [];
    const control: RoutingControl = {
      demote: (change) => demotions.push(change),
      reinstate: () => {
        throw new Error("not expected");
      },
    };
    const { engine, reviewQueue } = start(freshPath(), control);
    const [alert] = engine.processBatch(streak("acme/bert-zh", [0.9, 0.85, 0.8]));
    const approved = reviewQueue.approve(String(alert?.reviewItemId), {
      actor: "li.wei",
      comment: "confirmed on the weekly sample",
    });
    expect(approved).toMatchObject({ status: "approved", decidedBy: "li.wei" });
    expect(demotions).toEqual([
      {
        route: "task:text-classification",
        modelId: "acme/bert-zh",
        reviewItemId: alert?.reviewItemId,
        actor: "li.wei",
        reason: expect.stringContaining("confirmed on the weekly sample"),
      },
    ]);
    expect(
      reviewQueue.audit({ itemId: approved.id }).map((entry) => [entry.actor, entry.action]),
    ).toEqual([
      ["rule:review-on-drop", "opened"],
      ["li.wei", "approved"],
    ]);
  });
});
