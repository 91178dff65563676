/**
 * @module
 * Cancellation on the routing hot path without an `AbortSignal` per request.
 *
 * On Node.js 20 every `AbortSignal` survives the young-generation GC: a loop that builds one
 * per iteration and drops it promotes all of them to the old generation (`--trace-gc-nvp`:
 * 100 % of the signals' bytes promoted; a plain `EventTarget` or `AbortController` whose
 * signal is never read promotes nothing). The routing server built two per request (the
 * client's and the deadline's), and at 5,000 requests/s they were half of the bytes each
 * scavenge copied and promoted, which set the length of its pauses (docs/benchmarks.md).
 *
 * So the router's own plumbing uses two cheaper pieces, and a real signal is built only where
 * a backend asks for one:
 * - `CancelSignal`: what the router reads of its caller's cancellation. An `AbortSignal` is
 *   one; `CancelSource` is one that is not an `EventTarget` (the `node:http` front's client
 *   disconnect).
 * - `RunCancellation`: the `RunOptions` `withDeadline` hands to the work. Its `signal` is an
 *   `AbortSignal` built on first read (already aborted if the run was), so a backend that
 *   passes it on (`fetch`, a child process) gets a real one. A backend that only checks for
 *   an abort uses `throwIfRunAborted`, and one that only listens for it (outbound HTTP calls)
 *   `cancelSignalOf`; neither builds anything.
 */
import type { CancelSignal } from "../http/cancel-signal.js";
import type { RunOptions } from "./model-backend.js";

export type { CancelSignal };

/**
 * A `CancelSignal` and its trigger in one plain object. Listeners run once, in the order they
 * were added, at the first `abort`; later aborts do nothing. `once` is accepted and implied.
 */
export class CancelSource implements CancelSignal {
  #aborted = false;
  #reason: unknown;
  #listeners: (() => void)[] | undefined;

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  throwIfAborted(): void {
    if (this.#aborted) throw this.#reason;
  }

  addEventListener(_type: "abort", listener: () => void, _options?: { once?: boolean }): void {
    if (this.#aborted) return; // as EventTarget: an abort that has happened does not replay
    if (this.#listeners === undefined) this.#listeners = [listener];
    else this.#listeners.push(listener);
  }

  removeEventListener(_type: "abort", listener: () => void): void {
    const index = this.#listeners?.indexOf(listener) ?? -1;
    if (index >= 0) this.#listeners?.splice(index, 1);
  }

  abort(reason: unknown = abortError()): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (listeners === undefined) return;
    for (const listener of listeners) listener();
  }
}

/**
 * The `RunOptions` of one bounded run: `signal` is an `AbortSignal` built when first read, and
 * aborted with the run's reason (now, if the run has already been aborted).
 */
export class RunCancellation extends CancelSource implements RunOptions {
  #controller: AbortController | undefined;
  /** The client's headers to pass on (`RunOptions.headers`), set by the router. */
  headers: Readonly<Record<string, string>> | undefined = undefined;

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.aborted) this.#controller.abort(this.reason);
    }
    return this.#controller.signal;
  }

  override abort(reason?: unknown): void {
    if (this.aborted) return;
    super.abort(reason);
    this.#controller?.abort(this.reason);
  }
}

/**
 * The run's cancellation for work that only listens for it (an HTTP call that destroys its
 * socket on abort): the `RunCancellation` itself when the router gave one, so no
 * `AbortSignal` is built, else `options.signal`.
 */
export function cancelSignalOf(options: RunOptions | undefined): CancelSignal | undefined {
  return options instanceof RunCancellation ? options : options?.signal;
}

/**
 * Throws the abort reason if this run has been cancelled; for backends that check and do not
 * pass a signal on. Builds no `AbortSignal` when the router gave a `RunCancellation`.
 */
export function throwIfRunAborted(options: RunOptions | undefined): void {
  if (options instanceof RunCancellation) options.throwIfAborted();
  else options?.signal?.throwIfAborted();
}

function abortError(): Error {
  return new DOMException("This operation was aborted", "AbortError");
}

/**
 * `work`, or the signal's reason as soon as it aborts (at once if it has); the work itself goes
 * on, for whoever else waits for it (a model's load shared by concurrent calls).
 */
export function untilAborted<Value>(
  work: Promise<Value>,
  signal: AbortSignal | undefined,
): Promise<Value> {
  if (signal === undefined) return work;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<Value>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
