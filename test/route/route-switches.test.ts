import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RouteSwitches } from "../../src/route/route-switches.js";
import { openStateDatabase } from "../../src/state/state-database.js";

const change = {
  route: "complaint",
  fromModel: "npm:sentiment",
  toModel: "npm:vader-sentiment",
  reviewItemId: "rev_1",
  actor: "ana",
  reason: "accuracy dropped 12%",
};

describe("RouteSwitches", () => {
  it("puts the new model in the old one's place, for the route or one of its tasks", () => {
    const switches = new RouteSwitches(openStateDatabase({ path: ":memory:" }));
    switches.set(change);
    expect(
      switches.apply("complaint", "complaint/text-classification", ["npm:sentiment", "x"]),
    ).toEqual({
      order: ["npm:vader-sentiment", "x"],
      note: "npm:sentiment switched to npm:vader-sentiment by ana",
    });
    // Already a candidate: it moves into the old model's place, no duplicate.
    expect(
      switches.apply("complaint", "complaint/text-classification", [
        "x",
        "npm:sentiment",
        "npm:vader-sentiment",
      ]).order,
    ).toEqual(["x", "npm:vader-sentiment"]);
    // Other routes and orders without the old model are untouched.
    expect(switches.apply("delivery", "delivery/text-generation", ["npm:sentiment"])).toEqual({
      order: ["npm:sentiment"],
      note: null,
    });
    switches.set({ ...change, route: "delivery/text-generation", fromModel: "a", toModel: "b" });
    expect(switches.apply("delivery", "delivery/text-generation", ["a", "c"]).order).toEqual([
      "b",
      "c",
    ]);
    expect(switches.apply("delivery", "delivery/chat", ["a", "c"]).order).toEqual(["a", "c"]);
  });

  it("reads a switch another server on the same state file approved when it syncs", () => {
    const path = join(mkdtempSync(join(tmpdir(), "ms-switch-")), "state.db");
    const [here, there] = [openStateDatabase({ path }), openStateDatabase({ path })];
    try {
      const mine = new RouteSwitches(here);
      new RouteSwitches(there).set(change);
      expect(mine.list()).toEqual([]);
      mine.sync();
      expect(mine.apply("complaint", "complaint/x", ["npm:sentiment"]).order).toEqual([
        change.toModel,
      ]);
    } finally {
      here.close();
      there.close();
    }
  });

  it("survives a restart, and reverting restores the configured order", () => {
    const path = join(mkdtempSync(join(tmpdir(), "ms-switch-")), "state.db");
    const first = openStateDatabase({ path });
    new RouteSwitches(first).set(change);
    first.close();
    const database = openStateDatabase({ path });
    const switches = new RouteSwitches(database);
    expect(switches.list()).toMatchObject([{ ...change }]);
    expect(switches.revert("complaint", "npm:sentiment")).toBe(true);
    expect(switches.apply("complaint", "complaint/x", ["npm:sentiment"]).order).toEqual([
      "npm:sentiment",
    ]);
    expect(() => switches.set({ ...change, toModel: change.fromModel })).toThrow(
      /two different models/,
    );
    database.close();
  });
});
