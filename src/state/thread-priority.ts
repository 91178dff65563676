/**
 * @module
 * Runs a background writer thread under Linux's `SCHED_IDLE`, so that when the routing
 * server's event loop wakes up it takes the CPU from the writer at once instead of waiting
 * for the writer's time slice to end.
 *
 * Why: on a 2-core machine, with the request-log writer committing a batch every 20 ms,
 * `perf sched timehist` showed the router's main thread runnable but waiting 1-4.6 ms for a
 * CPU while another of its threads ran, and skipping the writer's inserts removed most of the
 * requests slower than 1 ms. Under `SCHED_IDLE` those fell by about half at 5,000 requests/s
 * and the p99 from 1.08-2.53 ms to 0.69-1.03 ms (docs/benchmarks.md); `nice 19` did not move
 * it, since a nice thread is still only preempted on wake-up when the scheduler judges it has
 * run long enough.
 *
 * The cost is that an idle-class thread barely runs while every core is busy with normal
 * threads (a model inferring flat out, say). So whoever waits on the writer (`flush()`)
 * raises it back to the normal class when it has not answered within a few milliseconds, and
 * it goes back to idle a while later (`BackgroundThreadPriority`).
 *
 * Linux lets a thread leave `SCHED_IDLE` only with `CAP_SYS_NICE` or an `RLIMIT_NICE` of at
 * least 20 (`ulimit -e 20`); without either, `raise()` could not work, so the thread is never
 * lowered (`canRaise()`). Node.js has no `sched_setscheduler`, so this runs util-linux's
 * `chrt`; where there is no `chrt`, no `/proc` (not Linux) or it fails, the thread simply
 * keeps the normal class.
 */
import { execFile, execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** The CommonJS lines a worker runs first: publish its OS thread id in `workerData.threadCell`. */
export const PUBLISH_THREAD_ID_SOURCE = `
if (require("node:worker_threads").workerData.threadCell) {
  try {
    const tid = Number(require("node:fs").readlinkSync("/proc/thread-self").split("/").pop());
    Atomics.store(new Int32Array(require("node:worker_threads").workerData.threadCell), 0, tid);
  } catch {}
}
`;

const CAP_SYS_NICE = 23n;

/**
 * Whether this process may move a thread from `SCHED_IDLE` back to the normal class:
 * `CAP_SYS_NICE` in its effective set, or a soft `RLIMIT_NICE` of 20 or more (the limit that
 * allows nice 0).
 */
export function canRaise(): boolean {
  try {
    const status = readFileSync("/proc/self/status", "utf8");
    const capabilities = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
    if (capabilities !== undefined && (BigInt(`0x${capabilities}`) >> CAP_SYS_NICE) & 1n) {
      return true;
    }
    const limits = readFileSync("/proc/self/limits", "utf8");
    const soft = /^Max nice priority\s+(\S+)/m.exec(limits)?.[1];
    return soft === "unlimited" || Number(soft) >= 20;
  } catch {
    return false;
  }
}

/** Linux scheduling policy numbers, as in `/proc/<pid>/task/<tid>/stat`. */
const SCHED_OTHER = 0;
const SCHED_IDLE = 5;

/** The scheduling policy of one of this process's threads, or null where it cannot be read. */
export function threadPolicy(tid: number): "normal" | "idle" | "other" | null {
  try {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start at field 3; policy is 41.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const policy = Number(fields[41 - 3]);
    return policy === SCHED_OTHER ? "normal" : policy === SCHED_IDLE ? "idle" : "other";
  } catch {
    return null;
  }
}

function chrtArgs(tid: number, policy: "idle" | "normal"): string[] {
  return [policy === "idle" ? "--idle" : "--other", "--pid", "0", String(tid)];
}

export interface BackgroundThreadPriorityOptions {
  /** `threadCell` handed to the worker in its `workerData` (see `PUBLISH_THREAD_ID_SOURCE`). */
  threadCell: SharedArrayBuffer;
  /** How long the thread stays in the normal class after `raise()`. */
  restoreAfterMs: number;
}

/**
 * The priority of one worker thread: `lower()` puts it in `SCHED_IDLE` (asynchronously, the
 * first time its thread id is known), `raise()` puts it back in the normal class at once
 * (synchronously: the caller is about to wait for it) until `restoreAfterMs` have passed.
 */
export class BackgroundThreadPriority {
  readonly #cell: Int32Array;
  readonly #restoreAfterMs: number;
  #state: "normal" | "lowering" | "idle" | "raised" | "unavailable" = "normal";
  #restoreTimer: NodeJS.Timeout | undefined;

  constructor(options: BackgroundThreadPriorityOptions) {
    this.#cell = new Int32Array(options.threadCell);
    this.#restoreAfterMs = options.restoreAfterMs;
  }

  static threadCell(): SharedArrayBuffer {
    return new SharedArrayBuffer(4);
  }

  /** The thread's OS id, once it has started (0 before). */
  get threadId(): number {
    return Atomics.load(this.#cell, 0);
  }

  /** What this object last asked for, or `unavailable` when `chrt` failed. */
  get state(): string {
    return this.#state;
  }

  /** Moves the thread to `SCHED_IDLE`, unless it was raised recently or cannot be moved. */
  lower(): void {
    const tid = this.threadId;
    if (this.#state !== "normal" || tid === 0) return;
    if (process.platform !== "linux" || !canRaise()) {
      this.#state = "unavailable";
      return;
    }
    this.#state = "lowering";
    execFile("chrt", chrtArgs(tid, "idle"), (error) => {
      if (error !== null) {
        if (this.#state === "lowering") this.#state = "unavailable";
        return;
      }
      if (this.#state === "lowering") this.#state = "idle";
      // Raised while this chrt ran: make sure the raise is what holds.
      else if (this.#state === "raised") this.#toNormalClass(tid);
    });
  }

  /** Moves the thread back to the normal class now, for `restoreAfterMs`. */
  raise(): void {
    if (this.#state !== "idle" && this.#state !== "lowering") return;
    const tid = this.threadId;
    this.#state = "raised";
    if (!this.#toNormalClass(tid)) {
      this.#state = "unavailable";
      return;
    }
    clearTimeout(this.#restoreTimer);
    this.#restoreTimer = setTimeout(() => {
      this.#restoreTimer = undefined;
      if (this.#state !== "raised") return;
      this.#state = "normal";
      this.lower();
    }, this.#restoreAfterMs).unref();
  }

  /** Stops the restore timer (the thread is ending). */
  close(): void {
    clearTimeout(this.#restoreTimer);
    this.#restoreTimer = undefined;
  }

  /** Synchronously, since whoever raises is about to wait for the thread. */
  #toNormalClass(tid: number): boolean {
    try {
      execFileSync("chrt", chrtArgs(tid, "normal"), { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  }
}
