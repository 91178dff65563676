import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { ModelScoutError } from "../../src/errors/modelscout-error.js";
import { createReviewQueue, type OpenReviewItemInput } from "../../src/monitor/review-queue.js";
import type { RoutingControl } from "../../src/monitor/routing-control.js";
import { openStateDatabase } from "../../src/state/state-database.js";

function setup(routingControl?: RoutingControl) {
  const database = openStateDatabase({ path: ":memory:" });
  let tick = 0;
  const now = () => new Date(Date.UTC(2026, 2, 1, 9, 0, tick++));
  const queue = createReviewQueue(database, { now, ...(routingControl && { routingControl }) });
  return { database, queue };
}

const input = (overrides: Partial<OpenReviewItemInput> = {}): OpenReviewItemInput => ({
  ruleId: "review-on-drop",
  route: "support-zh",
  modelId: "acme/bert-zh",
  summary: "quality 0.80 is 11.1% below 0.90",
  evidence: { dropPercent: 11.11 },
  proposedAction: { kind: "demote", route: "support-zh", modelId: "acme/bert-zh" },
  actor: "rule:review-on-drop",
  ...overrides,
});

function recordingControl() {
  const calls: string[] = [];
  const control: RoutingControl = {
    demote: (change) => calls.push(`demote ${change.route} ${change.modelId} by ${change.actor}`),
    reinstate: (change) => calls.push(`reinstate ${change.route} ${change.modelId}`),
    changeRoute: (change) =>
      calls.push(`switch ${change.route} ${change.modelId} -> ${change.toModelId}`),
  };
  return { calls, control };
}

function codeOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (ModelScoutError.isInstance(error)) return error.code;
    throw error;
  }
  throw new Error("expected an error");
}

describe("review queue", () => {
  it("opens one item per rule, route and model, folding repeated firings into it", () => {
    const { queue } = setup();
    const first = queue.open(input());
    expect(first.created).toBe(true);
    const again = queue.open(input({ evidence: { dropPercent: 14 } }));
    expect(again).toMatchObject({ created: false, item: { id: first.item.id, occurrences: 2 } });
    expect(queue.get(first.item.id)?.evidence).toEqual({ dropPercent: 14 });
    expect(queue.open(input({ modelId: "other/model" })).created).toBe(true);
    expect(queue.open(input({ ruleId: null, actor: "ops" })).created).toBe(true);
    expect(queue.open(input({ ruleId: null, actor: "ops" })).created).toBe(true); // by hand: no folding
    expect(queue.countOpen()).toBe(4);
    expect(queue.audit({ itemId: first.item.id }).map((entry) => entry.action)).toEqual([
      "opened",
      "refired",
    ]);
  });

  it("approves a demotion through the routing control and rejects without touching routing", () => {
    const { calls, control } = recordingControl();
    const { queue } = setup(control);
    const demotion = queue.open(input()).item;
    const other = queue.open(input({ modelId: "other/model" })).item;
    const approved = queue.approve(demotion.id, { actor: "li.wei", comment: "agreed" });
    expect(approved).toMatchObject({
      status: "approved",
      decidedBy: "li.wei",
      decisionComment: "agreed",
      decidedAt: "2026-03-01T09:00:02.000Z",
    });
    const rejected = queue.reject(other.id, { actor: "ana", comment: "noise" });
    expect(rejected.status).toBe("rejected");
    expect(calls).toEqual(["demote support-zh acme/bert-zh by li.wei"]);
    expect(queue.countOpen()).toBe(0);
    // After a decision the rule opens a new item rather than refreshing the decided one.
    expect(queue.open(input()).created).toBe(true);
  });

  it("route changes need a target, given by the rule or at approval; reinstatements call reinstate", () => {
    const { calls, control } = recordingControl();
    const { queue } = setup(control);
    const change = queue.open(
      input({
        proposedAction: {
          kind: "change_route",
          route: "support-zh",
          fromModelId: "acme/bert-zh",
          toModelId: null,
        },
      }),
    ).item;
    expect(() => queue.approve(change.id, { actor: "li.wei" })).toThrow(/without a target model/);
    expect(queue.get(change.id)?.status).toBe("open");
    const approved = queue.approve(change.id, { actor: "li.wei", toModelId: "acme/roberta-zh" });
    expect(approved.proposedAction).toMatchObject({ toModelId: "acme/roberta-zh" });
    const reinstate = queue.open(
      input({
        ruleId: null,
        actor: "ops",
        proposedAction: { kind: "reinstate", route: "support-zh", modelId: "acme/bert-zh" },
      }),
    ).item;
    queue.approve(reinstate.id, { actor: "ops" });
    expect(calls).toEqual([
      "switch support-zh acme/bert-zh -> acme/roberta-zh",
      "reinstate support-zh acme/bert-zh",
    ]);
  });

  it("leaves the item open and audits the attempt when the routing change fails", () => {
    const control: RoutingControl = {
      demote: () => {
        throw new Error("learner is read-only");
      },
      reinstate: () => {},
    };
    const { queue } = setup(control);
    const item = queue.open(input()).item;
    expect(() => queue.approve(item.id, { actor: "li.wei" })).toThrow(
      /routing change failed, so the item stays open: learner is read-only/,
    );
    expect(queue.get(item.id)?.status).toBe("open");
    expect(queue.audit({ itemId: item.id }).map((entry) => [entry.action, entry.details])).toEqual([
      ["opened", { proposedAction: item.proposedAction }],
      ["action_failed", { error: "learner is read-only" }],
    ]);
  });

  it("refuses a second decision, unknown items, empty actors, and approvals with no routing control", () => {
    const { calls, control } = recordingControl();
    const { queue } = setup(control);
    const item = queue.open(input()).item;
    queue.reject(item.id, { actor: "ana" });
    expect(() => queue.approve(item.id, { actor: "li.wei" })).toThrow(/already rejected by ana/);
    expect(codeOf(() => queue.approve("rev_missing", { actor: "li.wei" }))).toBe("NOT_FOUND");
    expect(() => queue.reject(queue.open(input()).item.id, { actor: " " })).toThrow(
      /actor must be/,
    );
    expect(calls).toEqual([]);

    const bare = setup().queue;
    const demotion = bare.open(input()).item;
    expect(() => bare.approve(demotion.id, { actor: "li.wei" })).toThrow(
      /no routing control is configured/,
    );
    expect(bare.reject(demotion.id, { actor: "li.wei" }).status).toBe("rejected");
  });

  it("keeps the audit trail append-only and redacts comments", () => {
    const { database, queue } = setup(recordingControl().control);
    const item = queue.open(input()).item;
    queue.approve(item.id, { actor: "li.wei", comment: "called the customer at 13812345678" });
    expect(queue.get(item.id)?.decisionComment).toBe("called the customer at [PHONE]");
    expect(queue.audit({ itemId: item.id }).at(-1)).toMatchObject({
      actor: "li.wei",
      action: "approved",
      comment: "called the customer at [PHONE]",
      at: "2026-03-01T09:00:01.000Z",
    });
    expect(() => database.prepare("UPDATE review_audit SET actor = 'mallory'").run()).toThrow(
      /append-only/,
    );
    expect(() => database.prepare("DELETE FROM review_audit").run()).toThrow(/append-only/);
    expect(() => database.prepare("DELETE FROM review_items").run()).toThrow(/kept/);
  });

  it("lists with filters, newest first, with a total for paging", () => {
    const { queue } = setup(recordingControl().control);
    const a = queue.open(input({ route: "r1", modelId: "a" })).item;
    const b = queue.open(input({ route: "r1", modelId: "b" })).item;
    const c = queue.open(input({ route: "r2", modelId: "a", ruleId: "latency" })).item;
    queue.approve(b.id, { actor: "x" });
    expect(queue.list().items.map((item) => item.id)).toEqual([c.id, b.id, a.id]);
    expect(queue.list({ status: "open" }).items.map((item) => item.id)).toEqual([c.id, a.id]);
    expect(queue.list({ status: ["approved", "rejected"] }).total).toBe(1);
    expect(queue.list({ route: "r1", modelId: "a" }).items.map((item) => item.id)).toEqual([a.id]);
    expect(queue.list({ ruleId: "latency" }).items.map((item) => item.id)).toEqual([c.id]);
    expect(queue.list({ createdFrom: b.createdAt }).total).toBe(2);
    expect(queue.list({ createdBefore: b.createdAt }).items.map((item) => item.id)).toEqual([a.id]);
    const page = queue.list({ limit: 1, offset: 1 });
    expect(page).toMatchObject({ total: 3, items: [{ id: b.id }] });
    expect(queue.audit({ limit: 2 }).map((entry) => entry.action)).toEqual(["opened", "approved"]);
  });

  it("decides an item while another connection writes to the database", () => {
    // The server's request-log writer commits on its own connection at any moment. A decision
    // reads the item and then writes; begun deferred, its read would not upgrade to a write
    // after such a commit (SQLITE_BUSY, with no busy wait), and the approval failed.
    const path = join(mkdtempSync(join(tmpdir(), "ms-review-")), "state.db");
    const database = openStateDatabase({ path });
    const other = new Database(path, { timeout: 0 });
    other.exec("CREATE TABLE IF NOT EXISTS elsewhere (n INTEGER)");
    const otherWrites: string[] = [];
    const control: RoutingControl = {
      demote: () => {
        try {
          other.prepare("INSERT INTO elsewhere (n) VALUES (1)").run();
          otherWrites.push("committed");
        } catch (error) {
          otherWrites.push((error as { code?: string }).code ?? String(error));
        }
      },
      reinstate: () => {},
    };
    const queue = createReviewQueue(database, { routingControl: control });
    const { item } = queue.open(input());
    const approved = queue.approve(item.id, { actor: "alice" });
    expect(approved.status).toBe("approved");
    // The decision held the write lock: the other connection had to wait its turn.
    expect(otherWrites).toEqual(["SQLITE_BUSY"]);
    other.close();
    database.close();
  });
});
