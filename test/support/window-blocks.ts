/**
 * Two engines folding in turn into one state (SQLite file or PostgreSQL schema), with a
 * window that spans several of its stored blocks (ADR 0094): each engine reloads the other's
 * blocks, adds its own and deletes the dropped ones. The stored rows are then read back
 * through a fresh condition, which must hold exactly the window's last requests.
 */
import { parseAlertRules } from "../../src/monitor/alert-rules.js";
import type { ConditionEvaluation } from "../../src/monitor/conditions/alert-condition.js";
import { createCondition } from "../../src/monitor/conditions/create-condition.js";
import type { RequestEvent } from "../../src/monitor/monitor-event.js";
import type { StateDatabase } from "../../src/state/state-database.js";

const CONDITION = {
  type: "error_rate",
  max_error_percent: 50,
  min_events: 600,
  window: { events: 600 },
} as const;

/** Never fires: a quarter of the requests fail. */
export const WINDOW_BLOCKS_RULES = parseAlertRules({
  rules: [{ id: "errors", conditions: [CONDITION], actions: [{ type: "log" }] }],
});

/** Every fourth request fails. */
function answer(index: number): RequestEvent {
  return {
    kind: "request",
    at: new Date(Date.UTC(2026, 2, 1, 10, 0, 0) + index * 10).toISOString(),
    route: "support",
    modelId: "m",
    latencyMs: 100,
    status: index % 4 === 0 ? 503 : 200,
  };
}

type Fold = (events: RequestEvent[]) => unknown;

/**
 * 2,000 requests in batches of 70 to 330, the two folds taking turns; then the stored rows,
 * and the window read back from them.
 */
export async function foldAcrossBlocks(
  folds: readonly [Fold, Fold],
  database: StateDatabase,
): Promise<{ rows: number; evaluation: ConditionEvaluation }> {
  const sizes = [250, 70, 330, 256, 129, 300];
  let sent = 0;
  for (let turn = 0; sent < 2_000; turn++) {
    const size = Math.min(sizes[turn % sizes.length] as number, 2_000 - sent);
    const events = Array.from({ length: size }, (_, index) => answer(sent + index));
    await folds[turn % 2]?.(events);
    sent += size;
  }
  const stored = database
    .prepare(
      "SELECT state_key, state_json FROM monitor_condition_state WHERE rule_id = ? AND condition_index = 0",
    )
    .all("errors") as { state_key: string; state_json: string }[];
  const condition = createCondition(CONDITION);
  condition.state.load(stored.map((row) => [row.state_key, JSON.parse(row.state_json)]));
  return {
    rows: stored.length,
    evaluation: condition.evaluate({ route: "support", modelId: "m" }),
  };
}
