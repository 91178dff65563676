/**
 * A request-log row as the routing server writes it, for tests that put rows in the log
 * directly: a chat routed to `delivery`/`small` and answered 200 five minutes ago, with
 * `fields` in place of the defaults.
 */
import type { RequestLogRow } from "../../src/route/routing-store.js";

export function requestLogRow(id: string, fields: Partial<RequestLogRow> = {}): RequestLogRow {
  return {
    id,
    createdAt: new Date(Date.now() - 5 * 60_000).toISOString(),
    endpoint: "chat.completions",
    task: "text-generation",
    requested: "auto",
    route: "delivery",
    model: "small",
    reason: "rules",
    status: 200,
    latencyMs: 10,
    modelLatencyMs: 8,
    errorCode: null,
    domain: null,
    inputText: null,
    outputText: null,
    outputLabel: null,
    promptTokens: null,
    completionTokens: null,
    costUsd: null,
    session: null,
    decision: null,
    ...fields,
  };
}
