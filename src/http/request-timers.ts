/**
 * @module
 * Clearing the timers a request starts and nearly always clears before they fire: the
 * routed request's deadline (`route/with-deadline.ts`), an HTTP attempt's timeout
 * (`undici-request.ts`), a streamed answer's idle timer.
 *
 * Node.js keeps one list of timers per duration. When the last ref'd timer of a list is
 * cleared, Node deletes the list, and the next `setTimeout` of that duration builds a new one,
 * inserts it in its priority queue and re-arms the event loop's timer. A server with a
 * request or two in flight at a time paid that for every request and every one of its
 * timers. A timer that is unref'd when it is cleared leaves its list in place (Node keeps
 * unref'd lists because "they are incredibly likely to come from http and be recreated
 * shortly after"); the empty list goes at its own expiry. Until it is cleared the timer stays
 * ref'd, so it keeps the process alive as before (a model that never answers still times
 * out in a one-shot command).
 */

/** `clearTimeout(timer)`, leaving the timer list of its duration for the next request. */
export function clearRequestTimer(timer: NodeJS.Timeout | undefined): void {
  if (timer === undefined) return;
  timer.unref();
  clearTimeout(timer);
}
