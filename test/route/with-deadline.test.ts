import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { DeadlineExceeded, withDeadline } from "../../src/route/with-deadline.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("withDeadline", () => {
  it("returns the work's result and leaves no listener on the caller's signal", async () => {
    const caller = new AbortController();
    let seen: AbortSignal | undefined;
    const result = await withDeadline(
      async (signal) => {
        seen = signal;
        return 42;
      },
      1000,
      caller.signal,
    );
    expect(result).toBe(42);
    expect(seen?.aborted).toBe(false);
    expect(getEventListeners(caller.signal, "abort")).toHaveLength(0);
  });

  it("rejects with DeadlineExceeded at the deadline and aborts the work's signal", async () => {
    let seen: AbortSignal | undefined;
    const late = withDeadline((signal) => {
      seen = signal;
      return sleep(200).then(() => "late");
    }, 20);
    await expect(late).rejects.toBeInstanceOf(DeadlineExceeded);
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBeInstanceOf(DeadlineExceeded);
  });

  it("rejects with the caller's reason when the caller aborts, and passes the abort on", async () => {
    const caller = new AbortController();
    let seen: AbortSignal | undefined;
    const running = withDeadline(
      (signal) => {
        seen = signal;
        return new Promise<never>(() => {});
      },
      1000,
      caller.signal,
    );
    const reason = new Error("client closed");
    caller.abort(reason);
    await expect(running).rejects.toBe(reason);
    expect(seen?.reason).toBe(reason);
    expect(getEventListeners(caller.signal, "abort")).toHaveLength(0);
  });

  it("does not start the work when the caller has already aborted", async () => {
    const caller = new AbortController();
    caller.abort(new Error("gone"));
    let started = false;
    await expect(
      withDeadline(
        async () => {
          started = true;
        },
        1000,
        caller.signal,
      ),
    ).rejects.toThrow("gone");
    expect(started).toBe(false);
  });

  it("turns a synchronous throw and a rejection of the work into its rejection", async () => {
    await expect(
      withDeadline(() => {
        throw new Error("sync");
      }, 1000),
    ).rejects.toThrow("sync");
    await expect(
      withDeadline(async () => Promise.reject(new Error("async")), 1000),
    ).rejects.toThrow("async");
  });
});
