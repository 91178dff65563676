import { describe, expect, it } from "vitest";
import { mapWithConcurrency } from "../../../src/backends/http/map-with-concurrency.js";

describe("mapWithConcurrency", () => {
  it("keeps the order of the items and never runs more than the limit at once", async () => {
    let running = 0;
    let most = 0;
    const delays = [30, 5, 20, 1, 10, 15, 2];
    const results = await mapWithConcurrency(delays, 3, async (delay, index) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, delay));
      running -= 1;
      return `${index}:${delay}`;
    });
    expect(results).toEqual(delays.map((delay, index) => `${index}:${delay}`));
    expect(most).toBe(3);
  });

  it("runs a single item and an empty list", async () => {
    expect(await mapWithConcurrency(["a"], 4, async (item, index) => `${item}${index}`)).toEqual([
      "a0",
    ]);
    expect(await mapWithConcurrency([], 4, async () => 1)).toEqual([]);
  });

  it("rejects with the first failure", async () => {
    await expect(
      mapWithConcurrency([1, 2, 3], 2, async (item) => {
        if (item === 2) throw new Error("item 2 failed");
        return item;
      }),
    ).rejects.toThrow("item 2 failed");
  });
});
