/**
 * The follower of `decision:latest` references (`--follow-decisions`, ADR 0048), against a
 * real decision store in SQLite: what moves a reference, what it reloads, and what it does not
 * do again.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  DecisionFollower,
  type FollowOutcome,
  isLatestReference,
  movedReferences,
} from "../../src/route/decision-follower.js";
import { resolveDecisionReferences } from "../../src/route/decision-references.js";
import { parseRoutesConfig, type RoutesConfig } from "../../src/route/routes-config.js";
import { DecisionStore } from "../../src/select/decision-store.js";
import { openStateDatabase } from "../../src/state/state-database.js";
import { selectionDecision } from "../monitor/selection-decision.js";

/** A classifier named by the latest sentiment decision, and a chat route pinned to one. */
function source(pinned: string): RoutesConfig {
  return parseRoutesConfig({
    classification: [
      {
        kind: "classifier",
        model: "decision:latest:text-classification",
        labels: { negative: "complaint" },
      },
    ],
    models: [{ id: "echo:a", kind: "echo" }],
    routes: [
      {
        name: "complaint",
        targets: { chat: { policy: "fallback", candidates: [`decision:${pinned}`, "echo:a"] } },
      },
      { name: "other", targets: { chat: { policy: "fixed", candidates: ["echo:a"] } } },
    ],
    default_route: "other",
  });
}

function classifierOf(config: RoutesConfig): string | undefined {
  const step = config.classification[0];
  return step?.kind === "classifier" ? step.model : undefined;
}

describe("following decision:latest references", () => {
  let directory: string;
  let store: DecisionStore;
  let day = 1;
  /** Saves a completed decision (or a failed one, with `winner: null`), one day after the last. */
  const decide = (winner: string | null, task = "text-classification") => {
    day += 1;
    const decision = selectionDecision({
      at: `2026-11-${String(day).padStart(2, "0")}T10:00:00.000Z`,
      winner,
      qualities: winner === null ? { "npm:afinn": null } : { [winner]: 0.8 },
      task,
    });
    store.save(decision, null);
    return decision.id;
  };

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), "ms-follower-"));
    store = DecisionStore.open({ path: join(directory, "state.db") });
    day = 1;
  });
  afterEach(() => {
    store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  /** A follower of `source(pinned)` as resolved now, recording what it reloads and reports. */
  function follower(
    pinned: string,
    reload?: (config: RoutesConfig) => Promise<"applied" | "busy">,
  ) {
    const config = source(pinned);
    const { resolved } = resolveDecisionReferences(config, store);
    const reloads: RoutesConfig[] = [];
    const reports: FollowOutcome[] = [];
    const instance = new DecisionFollower({
      source: config,
      resolved,
      decisions: store,
      intervalMs: 60_000,
      reload: async (next) => {
        reloads.push(next);
        return reload === undefined ? "applied" : reload(next);
      },
      report: (outcome) => reports.push(outcome),
    });
    return { instance, reloads, reports, config };
  }

  it("reloads with the new winner when a newer decision moves a latest reference, once", async () => {
    const first = decide("npm:vader-sentiment");
    const chat = decide("qwen-small", "text-generation");
    const { instance, reloads, reports } = follower(chat);
    expect(instance.followed.map((entry) => entry.reference)).toEqual([
      "decision:latest:text-classification",
    ]);

    expect(await instance.check()).toEqual({ kind: "unchanged" });
    // A newer selection for another task, and a failed one for this task, move nothing.
    decide("qwen-large", "text-generation");
    decide(null);
    expect(await instance.check()).toEqual({ kind: "unchanged" });
    expect(reloads).toEqual([]);

    const second = decide("npm:sentiment");
    const outcome = await instance.check();
    expect(outcome).toEqual({
      kind: "reloaded",
      moved: [
        {
          field: "classification[0].model",
          reference: "decision:latest:text-classification",
          from: { decisionId: first, model: "npm:vader-sentiment" },
          to: { decisionId: second, model: "npm:sentiment" },
        },
      ],
    });
    expect(reloads.map(classifierOf)).toEqual(["npm:sentiment"]);
    // The pinned reference stays on its decision, though a newer one exists for its task.
    expect(
      reloads[0]?.routes[0]?.targets.get("text-generation")?.candidates.map((c) => c.model),
    ).toEqual(["qwen-small", "echo:a"]);
    expect(reports).toEqual([outcome]);

    // Served now: checking again does nothing.
    expect(await instance.check()).toEqual({ kind: "unchanged" });
    expect(reloads).toHaveLength(1);
  });

  it("does not reload for a newer decision that picks the model already served", async () => {
    decide("npm:vader-sentiment");
    const chat = decide("qwen-small", "text-generation");
    const { instance, reloads, reports } = follower(chat);
    decide("npm:vader-sentiment");
    const outcome = await instance.check();
    expect(outcome.kind).toBe("same-models");
    expect(reloads).toEqual([]);
    expect(reports).toHaveLength(1);
    expect(await instance.check()).toEqual({ kind: "unchanged" });
  });

  it("reloads when a newer decision serves the same winner from another server", async () => {
    /** A decision whose winner is a model its task spec declared behind a server. */
    const servedFrom = (baseUrl: string) => {
      day += 1;
      const decision = selectionDecision({
        at: `2026-11-${String(day).padStart(2, "0")}T10:00:00.000Z`,
        winner: "served-sentiment",
        qualities: { "served-sentiment": 0.8 },
      });
      decision.specInput = {
        task_type: "text-classification",
        labels: ["negative", "positive"],
        candidates: {
          models: [
            { id: "served-sentiment", kind: "openai", base_url: baseUrl, api_model: "qwen" },
          ],
        },
      };
      store.save(decision, null);
      return decision.id;
    };
    servedFrom("http://10.0.0.1:8000/v1");
    const chat = decide("qwen-small", "text-generation");
    const { instance, reloads } = follower(chat);
    // The same server again: nothing to reload.
    servedFrom("http://10.0.0.1:8000/v1");
    expect((await instance.check()).kind).toBe("same-models");
    // The same id, served from elsewhere now: the config must follow it there.
    servedFrom("http://10.0.0.2:8000/v1");
    expect((await instance.check()).kind).toBe("reloaded");
    const declared = reloads[0]?.models.find((model) => model.id === "served-sentiment");
    expect(declared).toMatchObject({ kind: "openai", base_url: "http://10.0.0.2:8000/v1" });
  });

  it("does not retry a refused reload until another decision moves the reference", async () => {
    decide("npm:vader-sentiment");
    const chat = decide("qwen-small", "text-generation");
    let refuse = true;
    const { instance, reloads } = follower(chat, async () => {
      if (refuse) throw new Error("npm:broken did not build");
      return "applied";
    });
    decide("npm:broken");
    const refused = await instance.check();
    expect(refused.kind).toBe("refused");
    expect(refused.kind === "refused" && (refused.error as Error).message).toBe(
      "npm:broken did not build",
    );
    expect(await instance.check()).toEqual({ kind: "unchanged" });
    expect(reloads).toHaveLength(1);

    // A newer decision names the model still served: nothing to reload.
    decide("npm:vader-sentiment");
    expect((await instance.check()).kind).toBe("same-models");
    // Another new one is tried.
    refuse = false;
    decide("npm:sentiment");
    expect((await instance.check()).kind).toBe("reloaded");
    expect(reloads.map(classifierOf)).toEqual(["npm:broken", "npm:sentiment"]);
  });

  it("tries a move again when another reload was running", async () => {
    decide("npm:vader-sentiment");
    const chat = decide("qwen-small", "text-generation");
    let busy = true;
    const { instance, reloads } = follower(chat, async () => (busy ? "busy" : "applied"));
    decide("npm:sentiment");
    expect((await instance.check()).kind).toBe("busy");
    busy = false;
    expect((await instance.check()).kind).toBe("reloaded");
    expect(await instance.check()).toEqual({ kind: "unchanged" });
    expect(reloads).toHaveLength(2);
  });

  it("follows what a SIGHUP served instead of what it followed before", async () => {
    decide("npm:vader-sentiment");
    const chat = decide("qwen-small", "text-generation");
    const { instance, reloads } = follower(chat);
    // SIGHUP read a config that pins the classifier and follows the chat route's latest.
    const edited = parseRoutesConfig({
      classification: [
        { kind: "classifier", model: "npm:vader-sentiment", labels: { negative: "complaint" } },
      ],
      models: [{ id: "echo:a", kind: "echo" }],
      routes: [
        {
          name: "complaint",
          targets: {
            chat: { policy: "fallback", candidates: ["decision:latest:text-generation", "echo:a"] },
          },
        },
        { name: "other", targets: { chat: { policy: "fixed", candidates: ["echo:a"] } } },
      ],
      default_route: "other",
    });
    instance.follow(edited, resolveDecisionReferences(edited, store).resolved);
    decide("npm:sentiment"); // no longer followed
    expect(await instance.check()).toEqual({ kind: "unchanged" });
    decide("qwen-large", "text-generation");
    const outcome = await instance.check();
    expect(outcome.kind === "reloaded" && outcome.moved.map((entry) => entry.to.model)).toEqual([
      "qwen-large",
    ]);
    expect(classifierOf(reloads[0] as RoutesConfig)).toBe("npm:vader-sentiment");
  });

  it("reports a reference it cannot resolve once, and goes on when it can again", async () => {
    decide("npm:vader-sentiment");
    const chat = decide("qwen-small", "text-generation");
    const kept = store.get(chat);
    const { instance, reloads, reports } = follower(chat);
    // The pinned decision is deleted: every check fails to resolve, reported once.
    const database = openStateDatabase({ path: join(directory, "state.db") });
    database.prepare("DELETE FROM decisions WHERE id = ?").run(chat);
    for (let check = 0; check < 3; check += 1) {
      const outcome = await instance.check();
      expect(outcome.kind).toBe("unresolved");
      expect(outcome.kind === "unresolved" && (outcome.error as Error).message).toMatch(
        new RegExp(`decision:${chat}: no decision ${chat}`),
      );
    }
    expect(reports.map((outcome) => outcome.kind)).toEqual(["unresolved"]);
    // Back again: checks resolve, and a later failure is reported anew.
    store.save(kept as NonNullable<typeof kept>, null);
    expect(await instance.check()).toEqual({ kind: "unchanged" });
    database.prepare("DELETE FROM decisions WHERE id = ?").run(chat);
    expect((await instance.check()).kind).toBe("unresolved");
    expect(reports.map((outcome) => outcome.kind)).toEqual(["unresolved", "unresolved"]);
    expect(reloads).toEqual([]);
    database.close();
  });

  it("checks on its timer until stopped", async () => {
    decide("npm:vader-sentiment");
    const chat = decide("qwen-small", "text-generation");
    const config = source(chat);
    const seen: FollowOutcome[] = [];
    const instance = new DecisionFollower({
      source: config,
      resolved: resolveDecisionReferences(config, store).resolved,
      decisions: store,
      intervalMs: 20,
      reload: async () => "applied",
      report: (outcome) => seen.push(outcome),
    });
    instance.start();
    decide("npm:sentiment");
    await expect
      .poll(() => seen.map((outcome) => outcome.kind), { timeout: 5_000 })
      .toEqual(["reloaded"]);
    await instance.stop();
    decide("npm:afinn");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen).toHaveLength(1);
  });

  it("tells latest references from pinned ones, and moved ones by field", () => {
    expect(isLatestReference("decision:latest")).toBe(true);
    expect(isLatestReference("decision:latest:text-classification")).toBe(true);
    expect(isLatestReference("decision:latestish")).toBe(false);
    expect(isLatestReference("decision:dec_1")).toBe(false);
    const entry = (field: string, decisionId: string, model: string) => ({
      field,
      reference: "decision:latest",
      decisionId,
      model,
    });
    expect(
      movedReferences(
        [entry("a", "d1", "m1"), entry("b", "d2", "m2")],
        [entry("a", "d1", "m1"), entry("b", "d3", "m2")],
      ),
    ).toEqual([
      {
        field: "b",
        reference: "decision:latest",
        from: { decisionId: "d2", model: "m2" },
        to: { decisionId: "d3", model: "m2" },
      },
    ]);
  });

  it("refuses an interval that is not a positive number", () => {
    const config = source("dec_x");
    expect(
      () =>
        new DecisionFollower({
          source: config,
          resolved: [],
          decisions: store,
          intervalMs: 0,
          reload: async () => "applied",
        }),
    ).toThrow(/intervalMs must be a positive number/);
  });
});
