import { getEventListeners } from "node:events";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CancelSource } from "../../src/backends/cancellation.js";
import { type BoundedRun, DeadlineExceeded, withDeadline } from "../../src/route/with-deadline.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A work that never settles and hands its signal to `keep`. */
const hangingWork =
  (keep: (signal: AbortSignal) => void) =>
  ({ signal }: BoundedRun): Promise<never> => {
    keep(signal);
    return new Promise<never>(() => {});
  };

describe("withDeadline", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("returns the work's result and leaves no listener on the caller's signal", async () => {
    const caller = new AbortController();
    let seen: AbortSignal | undefined;
    const result = await withDeadline(
      async ({ signal }) => {
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
    const late = withDeadline(({ signal }) => {
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
      hangingWork((signal) => {
        seen = signal;
      }),
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

  it("clears its deadline timer however the work settles", async () => {
    vi.useFakeTimers();
    await expect(withDeadline(async () => "ok", 1000)).resolves.toBe("ok");
    expect(vi.getTimerCount()).toBe(0);
    await expect(withDeadline(() => Promise.reject(new Error("no")), 1000)).rejects.toThrow("no");
    expect(vi.getTimerCount()).toBe(0);
    await expect(
      withDeadline(() => {
        throw new Error("sync");
      }, 1000),
    ).rejects.toThrow("sync");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("hands the work a signal only built when read, aborted by then if the run was", async () => {
    let run: BoundedRun | undefined;
    const late = withDeadline((given) => {
      run = given;
      return sleep(200).then(() => "late");
    }, 10);
    await expect(late).rejects.toBeInstanceOf(DeadlineExceeded);
    expect(run?.signal.aborted).toBe(true);
    expect(run?.signal.reason).toBeInstanceOf(DeadlineExceeded);
  });

  it("takes a caller's cancellation that is not an AbortSignal", async () => {
    const caller = new CancelSource();
    const running = withDeadline(() => new Promise<never>(() => {}), 1000, caller);
    const reason = new Error("client closed");
    caller.abort(reason);
    await expect(running).rejects.toBe(reason);
    await expect(withDeadline(async () => 1, 1000, caller)).rejects.toBe(reason);
  });

  it("clears its deadline timer when the caller aborts", async () => {
    vi.useFakeTimers();
    const caller = new AbortController();
    const running = withDeadline(() => new Promise<never>(() => {}), 1000, caller.signal);
    expect(vi.getTimerCount()).toBe(1);
    caller.abort(new Error("client closed"));
    await expect(running).rejects.toThrow("client closed");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("leaves the work's signal alone once the work has settled", async () => {
    const caller = new AbortController();
    let seen: AbortSignal | undefined;
    await withDeadline(
      async ({ signal }) => {
        seen = signal;
        return 1;
      },
      20,
      caller.signal,
    );
    caller.abort(new Error("too late"));
    await sleep(50);
    expect(seen?.aborted).toBe(false);
  });

  it("after the deadline, drops its listener on the caller's signal and ignores a later abort", async () => {
    const caller = new AbortController();
    let seen: AbortSignal | undefined;
    const running = withDeadline(
      hangingWork((signal) => {
        seen = signal;
      }),
      10,
      caller.signal,
    );
    await expect(running).rejects.toBeInstanceOf(DeadlineExceeded);
    expect(getEventListeners(caller.signal, "abort")).toHaveLength(0);
    caller.abort(new Error("client closed"));
    expect(seen?.reason).toBeInstanceOf(DeadlineExceeded);
  });

  it("rejects with DeadlineExceeded or the caller's reason even if the work at once rejects with its own error", async () => {
    const ownError = ({ signal }: BoundedRun) =>
      new Promise<never>((_, reject) => {
        signal.addEventListener("abort", () => reject(new Error("work's own error")));
      });
    await expect(withDeadline(ownError, 10)).rejects.toBeInstanceOf(DeadlineExceeded);
    const caller = new AbortController();
    const running = withDeadline(ownError, 1000, caller.signal);
    const reason = new Error("client closed");
    caller.abort(reason);
    await expect(running).rejects.toBe(reason);
  });

  it("leaves no unhandled rejection when the work rejects after losing", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const rejectLater = () => sleep(30).then(() => Promise.reject(new Error("late failure")));
      await expect(withDeadline(rejectLater, 10)).rejects.toBeInstanceOf(DeadlineExceeded);
      const caller = new AbortController();
      const running = withDeadline(rejectLater, 1000, caller.signal);
      caller.abort(new Error("client closed"));
      await expect(running).rejects.toThrow("client closed");
      await sleep(60);
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});
