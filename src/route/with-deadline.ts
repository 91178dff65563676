/**
 * @module
 * Bounds one piece of model work in time. The work gets `RunOptions` whose `signal` fires at
 * the deadline or when the caller's signal does, and the result does not wait for the work to
 * notice, because not every backend listens to it (an in-process lexicon lookup cannot be
 * interrupted; an isolated child is killed). A timeout rejects with `DeadlineExceeded`, a
 * caller's abort with the caller's reason, so the router can tell the two apart.
 *
 * This runs once per routed request and per model-backed classification step, so it is one
 * promise settled by whichever comes first (the work, the timer, the caller's abort) rather
 * than a race of several, and the work's `AbortSignal` is built only if the work reads it
 * (`RunCancellation`, `backends/cancellation.ts`: on Node.js 20 every signal survives the
 * young-generation GC, which lengthened the routing server's pauses).
 */
import { type CancelSignal, RunCancellation } from "../backends/cancellation.js";
import { clearRequestTimer } from "../http/request-timers.js";

export class DeadlineExceeded extends Error {
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = "DeadlineExceeded";
    this.timeoutMs = timeoutMs;
  }
}

const ONCE = { once: true } as const;

/**
 * The work's view of its run: pass it on as a backend's `RunOptions`. As a `CancelSignal` it
 * can be listened to without building an `AbortSignal`.
 */
export interface BoundedRun extends CancelSignal {
  /** Built on first read; aborted at the deadline or with the caller. */
  readonly signal: AbortSignal;
  /** The client's headers for the model's server (`RunOptions.headers`). */
  headers: Readonly<Record<string, string>> | undefined;
}

export function withDeadline<T>(
  work: (run: BoundedRun) => Promise<T>,
  timeoutMs: number,
  callerSignal?: CancelSignal,
): Promise<T> {
  if (callerSignal?.aborted) return Promise.reject(callerSignal.reason);
  return new Promise<T>((resolve, reject) => {
    const controller = new RunCancellation();
    // Whichever of the three comes first settles the promise and undoes the other two; a
    // later settle or abort is a no-op, and the work's late result or rejection is handled
    // by the `then` below, so it never goes unhandled.
    const onCallerAbort = () => {
      clearRequestTimer(timer);
      const reason = (callerSignal as CancelSignal).reason;
      controller.abort(reason);
      reject(reason);
    };
    const timer = setTimeout(() => {
      callerSignal?.removeEventListener("abort", onCallerAbort);
      const error = new DeadlineExceeded(timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
    callerSignal?.addEventListener("abort", onCallerAbort, ONCE);
    const stop = () => {
      clearRequestTimer(timer);
      callerSignal?.removeEventListener("abort", onCallerAbort);
    };
    let running: Promise<T>;
    try {
      running = work(controller);
    } catch (error) {
      stop();
      reject(error);
      return;
    }
    running.then(
      (value) => {
        stop();
        resolve(value);
      },
      (error: unknown) => {
        stop();
        reject(error);
      },
    );
  });
}
