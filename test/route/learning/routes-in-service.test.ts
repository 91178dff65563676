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
  ],
  routes: [
    {
      name: "desk",
      targets: { "text-generation": { policy: "bandit", candidates: ["echo:a", "echo:b"] } },
    },
    // The learner does not choose on a fixed target: its standings there route nothing.
    { name: "care", targets: { "text-generation": { policy: "fixed", candidates: ["echo:a"] } } },
  ],
});

describe("RoutesInService", () => {
  it("has each bandit target's candidates, keyed as the learner keys its routes", () => {
    const inService = RoutesInService.of(config);
    expect(inService.has("desk/text-generation", "echo:b")).toBe(true);
    expect(inService.standingOf("desk/text-generation", "echo:a")).toBe("in service");
    expect(inService.standingOf("desk/text-generation", "echo:c")).toBe("model removed");
    expect(inService.standingOf("care/text-generation", "echo:a")).toBe("route removed");
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
    ]);
    expect(RoutesInService.parse("{not json")).toBeUndefined();
    expect(RoutesInService.parse('{"routes": []}')).toBeUndefined();
  });
});
