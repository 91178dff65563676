/**
 * @module
 * The one place a validated condition becomes its runtime.
 */
import type { AlertCondition } from "../alert-rules.js";
import { accuracyDrop } from "./accuracy-drop.js";
import type { ConditionRuntime } from "./alert-condition.js";
import { consecutiveSelections } from "./consecutive-selections.js";
import { costPerRequest } from "./cost-per-request.js";
import { drift } from "./drift.js";
import { errorRate } from "./error-rate.js";
import { latencyP95 } from "./latency-p95.js";

export function createCondition(condition: AlertCondition): ConditionRuntime {
  switch (condition.type) {
    case "consecutive_selections":
      return consecutiveSelections(condition);
    case "accuracy_drop":
      return accuracyDrop(condition);
    case "latency_p95":
      return latencyP95(condition);
    case "error_rate":
      return errorRate(condition);
    case "cost_per_request":
      return costPerRequest(condition);
    case "drift":
      return drift(condition);
  }
}
