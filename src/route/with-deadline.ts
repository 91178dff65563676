/**
 * @module
 * Bounds one piece of model work in time. The work gets an `AbortSignal` that fires at the
 * deadline or when the caller's signal does, and the result is raced against that signal,
 * because not every backend listens to it (an in-process lexicon lookup cannot be
 * interrupted; an isolated child is killed). A timeout rejects with `DeadlineExceeded`, a
 * caller's abort with the caller's reason, so the router can tell the two apart.
 */

export class DeadlineExceeded extends Error {
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = "DeadlineExceeded";
    this.timeoutMs = timeoutMs;
  }
}

export async function withDeadline<T>(
  work: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number,
  callerSignal?: AbortSignal,
): Promise<T> {
  callerSignal?.throwIfAborted();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onCallerAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new DeadlineExceeded(timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
    if (callerSignal !== undefined) {
      onCallerAbort = () => {
        controller.abort(callerSignal.reason);
        reject(callerSignal.reason);
      };
      callerSignal.addEventListener("abort", onCallerAbort, { once: true });
    }
  });
  // The losing side of the race must not become an unhandled rejection.
  stopped.catch(() => {});
  try {
    const running = work(controller.signal);
    running.catch(() => {});
    return await Promise.race([running, stopped]);
  } finally {
    clearTimeout(timer);
    if (onCallerAbort !== undefined) callerSignal?.removeEventListener("abort", onCallerAbort);
  }
}
