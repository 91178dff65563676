import { describe, expect, it } from "vitest";
import { splitBatchUsage } from "../../../src/backends/http/split-batch-usage.js";

const total = (shares: { promptTokens: number }[]) =>
  shares.reduce((sum, share) => sum + share.promptTokens, 0);

describe("a batch's tokens shared among its inputs", () => {
  it("in proportion to their lengths, in whole tokens that add up to the batch's", () => {
    const shares = splitBatchUsage({ promptTokens: 10, completionTokens: 0 }, [
      "where is my parcel",
      "hi",
      "a refund for the broken kettle, please",
    ]);
    // 18, 2 and 38 characters of 58: 3.10, 0.34 and 6.55 tokens; the one left goes to 6.55.
    expect(shares.map((share) => share.promptTokens)).toEqual([3, 0, 7]);
    expect(total(shares)).toBe(10);
    expect(shares.every((share) => share.completionTokens === 0)).toBe(true);
  });

  it("gives the tokens left by rounding to the largest fractions, the earlier input on ties", () => {
    const shares = splitBatchUsage({ promptTokens: 5, completionTokens: 1 }, ["ab", "cd", "ef"]);
    expect(shares.map((share) => share.promptTokens)).toEqual([2, 2, 1]);
    expect(shares.map((share) => share.completionTokens)).toEqual([1, 0, 0]);
  });

  it("shares equally among empty inputs, and keeps a lone input's count whole", () => {
    expect(
      splitBatchUsage({ promptTokens: 4, completionTokens: 0 }, ["", ""]).map(
        (share) => share.promptTokens,
      ),
    ).toEqual([2, 2]);
    expect(splitBatchUsage({ promptTokens: 7, completionTokens: 0 }, ["x"])).toEqual([
      { promptTokens: 7, completionTokens: 0 },
    ]);
  });
});
