import { describe, expect, it } from "vitest";
import {
  CancelSource,
  cancelSignalOf,
  RunCancellation,
  throwIfRunAborted,
} from "../../src/backends/cancellation.js";
import { countAbortControllers } from "../support/count-abort-controllers.js";

describe("CancelSource", () => {
  it("runs each listener once, in order, at the first abort, and keeps that reason", () => {
    const source = new CancelSource();
    const calls: string[] = [];
    source.addEventListener("abort", () => calls.push(`a:${String(source.reason)}`));
    source.addEventListener("abort", () => calls.push("b"), { once: true });
    expect(source.aborted).toBe(false);
    expect(() => source.throwIfAborted()).not.toThrow();
    source.abort("first");
    source.abort("second");
    expect(calls).toEqual(["a:first", "b"]);
    expect(source.aborted).toBe(true);
    expect(source.reason).toBe("first");
    expect(() => source.throwIfAborted()).toThrow("first");
  });

  it("does not run a removed listener, nor one added after the abort", () => {
    const source = new CancelSource();
    const calls: string[] = [];
    const removed = () => calls.push("removed");
    source.addEventListener("abort", removed);
    source.addEventListener("abort", () => calls.push("kept"));
    source.removeEventListener("abort", removed);
    source.removeEventListener("abort", () => {}); // unknown: a no-op
    source.abort(new Error("gone"));
    source.addEventListener("abort", () => calls.push("late"));
    expect(calls).toEqual(["kept"]);
  });

  it("aborts with an AbortError when given no reason, as AbortController does", () => {
    const source = new CancelSource();
    source.abort();
    expect(source.reason).toBeInstanceOf(DOMException);
    expect((source.reason as DOMException).name).toBe("AbortError");
  });
});

describe("RunCancellation", () => {
  it("builds its AbortSignal on first read, and that signal follows a later abort", () => {
    const run = new RunCancellation();
    const signal = run.signal;
    expect(run.signal).toBe(signal);
    expect(signal.aborted).toBe(false);
    const reason = new Error("deadline");
    run.abort(reason);
    run.abort(new Error("ignored"));
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);
  });

  it("gives an already-aborted signal when first read after the abort", () => {
    const run = new RunCancellation();
    run.abort("client left");
    expect(run.aborted).toBe(true);
    expect(run.signal.aborted).toBe(true);
    expect(run.signal.reason).toBe("client left");
  });
});

describe("RunCancellation as a CancelSignal", () => {
  it("tells its listeners of the abort, and cancelSignalOf hands it on without building a signal", async () => {
    const run = new RunCancellation();
    const heard: unknown[] = [];
    const built = await countAbortControllers(() => {
      const signal = cancelSignalOf(run);
      expect(signal).toBe(run);
      signal?.addEventListener("abort", () => heard.push(signal.reason));
      run.abort("deadline");
    });
    expect(built).toBe(0);
    expect(heard).toEqual(["deadline"]);
    const controller = new AbortController();
    expect(cancelSignalOf({ signal: controller.signal })).toBe(controller.signal);
    expect(cancelSignalOf(undefined)).toBeUndefined();
  });
});

describe("throwIfRunAborted", () => {
  it("checks a RunCancellation without building its signal", async () => {
    const built = await countAbortControllers(() => {
      const run = new RunCancellation();
      expect(() => throwIfRunAborted(run)).not.toThrow();
      run.abort(new Error("deadline"));
      expect(() => throwIfRunAborted(run)).toThrow("deadline");
    });
    expect(built).toBe(0);
  });

  it("checks plain RunOptions by their signal, and accepts none", () => {
    const controller = new AbortController();
    expect(() => throwIfRunAborted({ signal: controller.signal })).not.toThrow();
    controller.abort(new Error("stop"));
    expect(() => throwIfRunAborted({ signal: controller.signal })).toThrow("stop");
    expect(() => throwIfRunAborted({})).not.toThrow();
    expect(() => throwIfRunAborted(undefined)).not.toThrow();
  });
});
