/**
 * The server queues for the alert engine only the events some rule reads: with the shipped
 * rule (selection decisions only) a request or a feedback is counted for `/metrics` and told
 * to the dashboard, and costs no fold; a rule on requests gets every request, and rules
 * replaced while serving decide from then on.
 */
import { afterEach, describe, expect, it } from "vitest";
import { parseAlertRules } from "../../../src/monitor/alert-rules.js";
import { exampleAlertRules } from "../../../src/monitor/example-alert-rules.js";
import {
  createServerMonitoring,
  type ServerMonitoring,
} from "../../../src/server/admin/server-monitoring.js";
import { openStateDatabase, type StateDatabase } from "../../../src/state/state-database.js";
import { feedbackInput } from "../../support/feedback-input.js";
import { requestLogRow } from "../../support/request-log-row.js";

const SLOW = parseAlertRules({
  rules: [
    {
      id: "slow",
      conditions: [{ type: "latency_p95", slo_ms: 100, min_events: 2, window: { events: 2 } }],
      actions: [{ type: "log" }],
    },
  ],
});

const opened: { database: StateDatabase; monitoring: ServerMonitoring }[] = [];
afterEach(async () => {
  for (const { database, monitoring } of opened.splice(0)) {
    await monitoring.close();
    database.close();
  }
});

function monitoringWith(rules: typeof SLOW, alerts: string[] = []) {
  const database = openStateDatabase({ path: ":memory:" });
  const monitoring = createServerMonitoring({
    database,
    rules,
    log: (entry) => alerts.push(entry.alert.ruleId),
    batchIntervalMs: 60_000,
    decisionPollIntervalMs: 0,
  });
  opened.push({ database, monitoring });
  return monitoring;
}

const slowRow = (id: string) => requestLogRow(id, { latencyMs: 900 });
const feedback = feedbackInput("req_1");

describe("the server's monitoring queue", () => {
  it("queues nothing for the shipped rule, which reads selection decisions only", () => {
    const monitoring = monitoringWith(exampleAlertRules());
    const changes: string[] = [];
    monitoring.onChange((kind) => changes.push(kind));
    monitoring.requestLogged(slowRow("req_1"), null);
    monitoring.feedbackStored(feedback, slowRow("req_1"));
    expect(monitoring.queued).toBe(0);
    // Still counted and told.
    expect(changes).toEqual(["request", "feedback"]);
    expect(monitoring.metrics.render()).toMatch(/modelscout_requests_total\{[^}]*\} 1\n/);
  });

  it("queues every request for a rule on requests, which then fires", () => {
    const alerts: string[] = [];
    const monitoring = monitoringWith(SLOW, alerts);
    monitoring.requestLogged(slowRow("req_1"), null);
    monitoring.feedbackStored(feedback, slowRow("req_1"));
    monitoring.requestLogged(slowRow("req_2"), null);
    expect(monitoring.queued).toBe(2);
    expect(monitoring.flush().map((alert) => alert.ruleId)).toEqual(["slow"]);
    expect(alerts).toEqual(["slow"]);
  });

  it("follows the rules in service: requests queued once a rule reading them replaces the shipped one", () => {
    const alerts: string[] = [];
    const monitoring = monitoringWith(exampleAlertRules(), alerts);
    monitoring.requestLogged(slowRow("req_1"), null);
    monitoring.useRules(SLOW);
    expect(monitoring.queued).toBe(0);
    monitoring.requestLogged(slowRow("req_2"), null);
    expect(monitoring.queued).toBe(1);
    // The window holds one request: the one before the new rules was never folded.
    expect(monitoring.flush()).toEqual([]);
    monitoring.requestLogged(slowRow("req_3"), null);
    expect(monitoring.flush().map((alert) => alert.ruleId)).toEqual(["slow"]);
  });
});
