/**
 * `RoutesInService`: which of the learner's (route, model) pairs a routes config has it choose
 * among, and its stored form, which `modelscout learner standings` reads back (ADR 0083).
 */
import { describe, expect, it } from "vitest";
import { RoutesInService } from "../../../src/route/learning/routes-in-service.js";
import { parseRoutesConfig } from "../../../src/route/routes-config.js";

const config = parseRoutesConfig({
  default_route: "desk",
  models: [
    { id: "echo:a", kind: "echo", template: "a: {{input}}" },
    { id: "echo:b", kind: "echo", template: "b: {{input}}" },
    { id: "echo:c", kind: "echo", template: "c: {{input}}" },
  ],
  routes: [
    {
      name: "desk",
      targets: { "text-generation": { policy: "bandit", candidates: ["echo:a", "echo:b"] } },
    },
    // The learner does not choose on these targets, but it learns from their feedback, and
    // they serve traffic: in service like the bandit's.
    { name: "care", targets: { "text-generation": { policy: "fixed", candidates: ["echo:a"] } } },
    {
      name: "sales",
      targets: {
        "text-generation": { policy: "fallback", candidates: ["echo:b", "echo:a"] },
        summarization: { policy: "weighted", candidates: ["echo:a", "echo:c"] },
      },
    },
  ],
});

describe("RoutesInService", () => {
  it("has each target's candidates, whatever its policy, keyed as the learner keys its routes", () => {
    const inService = RoutesInService.of(config);
    expect(inService.has("desk/text-generation", "echo:b")).toBe(true);
    expect(inService.standingOf("desk/text-generation", "echo:a")).toBe("in service");
    expect(inService.standingOf("desk/text-generation", "echo:c")).toBe("model removed");
    expect(inService.standingOf("care/text-generation", "echo:a")).toBe("in service");
    expect(inService.standingOf("care/text-generation", "echo:b")).toBe("model removed");
    expect(inService.standingOf("sales/text-generation", "echo:b")).toBe("in service");
    expect(inService.standingOf("sales/summarization", "echo:c")).toBe("in service");
    expect(inService.has("sales/summarization", "echo:b")).toBe(false);
    expect(inService.standingOf("gone/text-generation", "echo:a")).toBe("route removed");
    expect(inService.recordedAt).toBeNull();
    // Asked at every scrape: made once per config.
    expect(RoutesInService.of(config)).toBe(inService);
  });

  it("reads back what it stored, and nothing from text that is not a record", () => {
    const stored = RoutesInService.of(config).toJson(new Date("2026-12-04T07:00:00.000Z"));
    const read = RoutesInService.parse(stored);
    expect(read?.recordedAt).toBe("2026-12-04T07:00:00.000Z");
    expect([...(read?.routes ?? new Map())]).toEqual([
      ["desk/text-generation", new Set(["echo:a", "echo:b"])],
      ["care/text-generation", new Set(["echo:a"])],
      ["sales/text-generation", new Set(["echo:a", "echo:b"])],
      ["sales/summarization", new Set(["echo:a", "echo:c"])],
    ]);
    expect(RoutesInService.parse("{not json")).toBeUndefined();
    expect(RoutesInService.parse('{"routes": []}')).toBeUndefined();
  });
});
