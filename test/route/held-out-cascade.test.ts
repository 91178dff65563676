/**
 * `heldOutCascade`: a cascade judged on items its threshold was not picked on. On items made
 * so that each half's best threshold is wrong for the other half, the in-sample best looks
 * as good as the better model alone while the held-out figure shows the loss.
 */
import { describe, expect, it } from "vitest";
import { type CascadeAnswer, cascadeRows, heldOutCascade } from "../../src/route/cascade-math.js";

const answer = (score: number, right: boolean): CascadeAnswer => ({ score, right, ms: 0 });

describe("heldOutCascade", () => {
  it("tries each half's best threshold on the other half", () => {
    // Even items: the first model is unsure (0.55) exactly where it is wrong and the second
    // right; odd items: unsure where it is right and the second wrong.
    const first = [
      answer(0.55, false),
      answer(0.55, true),
      answer(0.55, false),
      answer(0.55, true),
      answer(0.95, true),
      answer(0.95, true),
      answer(0.95, true),
      answer(0.95, true),
    ];
    const second = [true, false, true, false, false, true, true, true].map((right) =>
      answer(0.9, right),
    );
    const thresholds = [0.5, 0.6];
    // In sample, both thresholds get 6 of 8: as good as the first model alone.
    expect(cascadeRows(first, second, thresholds).best.accuracy).toBe(0.75);
    expect(heldOutCascade(first, second, thresholds)).toEqual({
      // The even half hands its unsure items on (0.6), the odd half keeps them (0.5).
      thresholds: [0.6, 0.5],
      // Each applied to the other half: 4 of 8, two lost against the first model alone.
      accuracy: 0.5,
      versusBetterAlone: { gained: 0, lost: 2, p: 0.5 },
    });
  });

  it("agrees with the in-sample figure when the threshold is right for every item", () => {
    const first = Array.from({ length: 20 }, (_, index) =>
      index < 15 ? answer(0.95, true) : answer(0.6, false),
    );
    const second = Array.from({ length: 20 }, () => answer(0.9, true));
    const held = heldOutCascade(first, second, [0.5, 0.7, 0.9]);
    expect(held).toMatchObject({ thresholds: [0.7, 0.7], accuracy: 1 });
    expect(held?.versusBetterAlone).toMatchObject({ gained: 0, lost: 0 });
    expect(heldOutCascade(first.slice(0, 1), second.slice(0, 1), [0.5])).toBeNull();
  });
});
