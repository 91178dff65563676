/** "Did you mean" suggestions: near typos suggested, far ones not. */
import { describe, expect, it } from "vitest";
import { closestMatch } from "../../src/text/closest-match.js";

describe("closestMatch", () => {
  it("suggests the name one edit away, or one the input begins", () => {
    expect(closestMatch("polcy", ["policy", "candidates"])).toBe("policy");
    expect(closestMatch("route", ["routes", "models"])).toBe("routes");
  });

  it("counts two neighbouring letters swapped as one edit, as short names need", () => {
    expect(closestMatch("levle", ["level", "type"])).toBe("level");
    expect(closestMatch("stesp", ["steps", "limits"])).toBe("steps");
  });

  it("suggests nothing for a name far from all of them", () => {
    expect(closestMatch("colour", ["name", "targets", "description"])).toBeUndefined();
    expect(closestMatch("level", ["level"])).toBe("level");
  });
});
