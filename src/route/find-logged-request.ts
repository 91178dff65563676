/**
 * @module
 * Finding a logged request by id when several servers share one state file (ADR 0060): the
 * request may have been answered by another server a moment ago, its row still in that
 * server's queue.
 */
import { requestIdTimeMs } from "./router.js";
import type { RequestLogRow, RoutingStore } from "./routing-store.js";

/** How long after its id's time a request not yet in the log is waited for (ADR 0060). */
export const PEER_LOG_WAIT_MS = 1000;
const PEER_LOG_POLL_MS = 20;

/**
 * The logged request `id`, or null. A request another server on the same state file answered
 * a moment ago may still be in that server's queue (written within its `flushIntervalMs`,
 * 20 ms by default, ADR 0060): for an id `newRequestId` made, the log is read again every
 * 20 ms until `PEER_LOG_WAIT_MS` past the id's time (or past now, for an id from a clock
 * ahead), then it is not found. Any other id is answered at once.
 */
export async function findLoggedRequest(
  store: RoutingStore,
  id: string,
): Promise<RequestLogRow | null> {
  const found = await store.lookupRequest(id);
  const issuedMs = requestIdTimeMs(id);
  if (found !== null || issuedMs === null) return found;
  const waitUntil = Math.min(issuedMs, Date.now()) + PEER_LOG_WAIT_MS;
  while (Date.now() < waitUntil) {
    await new Promise((resolve) => setTimeout(resolve, PEER_LOG_POLL_MS));
    const row = await store.lookupRequest(id);
    if (row !== null) return row;
  }
  return null;
}
