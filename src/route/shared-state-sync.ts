/**
 * @module
 * Keeps a server's memory in step with the other servers writing the same state file (ADR
 * 0060): every `intervalMs` (1 s by default) the learner reads the outcomes and decisions the
 * others wrote (`RouteLearner.sync`) and the route switches are read again. A failed read
 * (the file locked past its busy timeout, say) is reported once per distinct message and
 * tried again at the next tick; the server goes on serving what it last read. On PostgreSQL
 * the timer's reads are awaited, not blocking the event loop (`syncAhead`, ADR 0070).
 */
import { errorMessage } from "../errors/error-message.js";
import type { RouteLearner } from "./route-learner.js";
import type { RouteSwitches } from "./route-switches.js";

export interface SharedStateSyncOptions {
  learner: RouteLearner | undefined;
  switches: RouteSwitches;
  /** Default 1000. */
  intervalMs?: number;
  onError?: (message: string) => void;
}

export interface SharedStateSync {
  /** One sync now, as the timer does; returns the (route, model) pairs the learner read again. */
  runOnce(): number;
  /** Why the last sync failed, or null when it succeeded (or none ran yet). */
  readonly lastError: string | null;
  stop(): void;
}

export const SHARED_STATE_SYNC_MS = 1000;

export function startSharedStateSync(options: SharedStateSyncOptions): SharedStateSync {
  let lastError: string | null = null;
  const report = (error: unknown) => {
    const message = `could not read what other servers wrote to the state database: ${errorMessage(error)}`;
    if (message !== lastError) options.onError?.(message);
    lastError = message;
  };
  const runOnce = () => {
    try {
      options.switches.sync();
      const pairs = options.learner?.sync?.() ?? 0;
      lastError = null;
      return pairs;
    } catch (error) {
      report(error);
      return 0;
    }
  };
  // The timer's sync: awaited reads where the learner and the switches offer them (on
  // PostgreSQL they do not block the server, ADR 0070); one at a time.
  let running = false;
  let stopped = false;
  const runAhead = async () => {
    if (running) return;
    running = true;
    try {
      await options.switches.syncAhead();
      const learner = options.learner;
      if (learner?.syncAhead !== undefined) await learner.syncAhead();
      else learner?.sync?.();
      lastError = null;
    } catch (error) {
      // A read still out when the server stopped fails as its database closes: not news.
      if (!stopped) report(error);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(
    () => void runAhead(),
    options.intervalMs ?? SHARED_STATE_SYNC_MS,
  ).unref();
  return {
    runOnce,
    get lastError() {
      return lastError;
    },
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}
