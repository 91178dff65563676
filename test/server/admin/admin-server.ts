/**
 * A real routing server with monitoring and the admin side, on 127.0.0.1 port 0, with its
 * state in a fresh temporary MODELSCOUT_HOME: two routes of `echo` models (no model loading,
 * so it starts in milliseconds), one of them `bandit` with the real Thompson learner on the
 * same state database, and alert rules given by the test.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AlertLogEntry } from "../../../src/monitor/alert-engine.js";
import type { AlertRule } from "../../../src/monitor/alert-rules.js";
import { parseAlertRules } from "../../../src/monitor/alert-rules.js";
import type { RedactionConfig } from "../../../src/privacy/redaction-config.js";
import { ThompsonRouteLearner } from "../../../src/route/learning/thompson-route-learner.js";
import type { RouteLearner } from "../../../src/route/route-learner.js";
import { parseRoutesConfig, type RoutesConfigInput } from "../../../src/route/routes-config.js";
import {
  type AdminExtension,
  createAdminExtension,
} from "../../../src/server/admin/admin-extension.js";
import type { ServerMonitoring } from "../../../src/server/admin/server-monitoring.js";
import {
  type RoutingServer,
  startRoutingServer,
} from "../../../src/server/start-routing-server.js";

export const ECHO_ROUTES: RoutesConfigInput = {
  version: 1,
  default_route: "support",
  models: [
    { id: "echo:alpha", kind: "echo", template: "alpha answers: {{input}}" },
    { id: "echo:beta", kind: "echo", template: "beta answers: {{input}}" },
  ],
  routes: [
    {
      name: "support",
      description: "bandit between two echo models",
      targets: {
        "text-generation": { policy: "bandit", candidates: ["echo:alpha", "echo:beta"] },
      },
    },
    {
      name: "sales",
      targets: {
        "text-generation": { policy: "fallback", candidates: ["echo:beta", "echo:alpha"] },
      },
    },
  ],
};

/** Feedback on a model's last 3 answers averaging below 0.72 (20% under 0.9) opens a review. */
export function feedbackDropRule(extra: Record<string, unknown>[] = []): AlertRule[] {
  return parseAlertRules(
    {
      rules: [
        {
          id: "feedback-drop",
          description: "mean reward of the last 3 feedbacks more than 20% below 0.9",
          conditions: [
            {
              type: "accuracy_drop",
              source: "feedback",
              reference: "baseline",
              baseline_value: 0.9,
              current_window: 3,
              min_drop_percent: 20,
            },
          ],
          actions: [
            { type: "review", proposed_action: "demote" },
            { type: "log", level: "warn" },
            ...extra,
          ],
        },
      ],
    },
    "test rules",
  );
}

export interface AdminTestServer {
  server: RoutingServer;
  admin: AdminExtension;
  monitoring: ServerMonitoring;
  learner: RouteLearner;
  home: string;
  logs: AlertLogEntry[];
  url(path: string): string;
  close(): Promise<void>;
}

export async function startAdminTestServer(
  options: {
    token?: string | null;
    rules?: readonly AlertRule[];
    routes?: RoutesConfigInput;
    redaction?: RedactionConfig;
    host?: string;
    learner?: (
      database: import("../../../src/state/state-database.js").StateDatabase,
    ) => RouteLearner;
    fetch?: typeof fetch;
  } = {},
): Promise<AdminTestServer> {
  const home = mkdtempSync(join(tmpdir(), "ms-admin-"));
  const env = { ...process.env, MODELSCOUT_HOME: home };
  const logs: AlertLogEntry[] = [];
  const admin = createAdminExtension({
    token: options.token ?? null,
    ...(options.rules !== undefined && { rules: options.rules }),
    ...(options.redaction !== undefined && { redaction: options.redaction }),
    ...(options.fetch !== undefined && { fetch: options.fetch }),
    env,
    log: (entry) => logs.push(entry),
    batchIntervalMs: 20,
    decisionPollIntervalMs: 0,
    eventsCoalesceMs: 20,
    webhookRetry: { baseDelayMs: 10, maxDelayMs: 50 },
  });
  let learner: RouteLearner | undefined;
  const server = await startRoutingServer({
    config: parseRoutesConfig(options.routes ?? ECHO_ROUTES, "test routes"),
    port: 0,
    host: options.host ?? "127.0.0.1",
    env,
    logFlushIntervalMs: 5,
    createLearner: (database) => {
      learner = options.learner?.(database) ?? new ThompsonRouteLearner({ database });
      return learner;
    },
    extend: (parts) => admin.extend(parts),
  });
  const monitoring = admin.monitoring as ServerMonitoring;
  return {
    server,
    admin,
    monitoring,
    learner: learner as RouteLearner,
    home,
    logs,
    url: (path) => `${server.url}${path}`,
    close: () => server.close(),
  };
}
