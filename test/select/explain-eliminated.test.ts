import { describe, expect, it } from "vitest";
import type { CandidateOutcome } from "../../src/select/decision.js";
import { explainEliminated } from "../../src/select/explain-eliminated.js";

const outcome = (
  id: string,
  status: CandidateOutcome["status"],
  probes: number,
  eliminatedAtRound?: number,
) =>
  ({
    id,
    status,
    probes,
    ...(eliminatedAtRound !== undefined && { eliminatedAtRound }),
  }) as CandidateOutcome;

describe("explainEliminated", () => {
  it("calls a candidate dropped with items unprobed early, and one dropped at the end below", () => {
    const lines = explainEliminated(
      [
        outcome("npm:winner", "winner", 40),
        outcome("npm:weak", "eliminated", 12, 2),
        outcome("npm:close", "eliminated", 40, 3),
      ],
      40,
    );
    expect(lines).toEqual([
      "Dropped early as clearly worse on quality, compared item by item with the leader: npm:weak (after round 2, 12 of 40 items).",
      "Below the leader on quality over all 40 items, compared item by item: npm:close.",
    ]);
  });

  it("says nothing when racing dropped none", () => {
    expect(explainEliminated([outcome("npm:winner", "winner", 40)], 40)).toEqual([]);
  });
});
