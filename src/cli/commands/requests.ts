/**
 * @module
 * `modelscout requests [--since 24h] [--route R] [--json]`: what the routing server's request
 * log says of a window, per route and model (requests, errors, latency, feedback, tokens,
 * cost; `route/request-log-summary.ts`); `modelscout requests show <id>`: one request with its
 * decision and feedback; `modelscout requests session <id>`: a session's requests in order
 * (`x-modelscout-session`, ADR 0054). Reads the state database, beside a running server too.
 */
import { defineCommand } from "citty";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import { summarizeRequestLog } from "../../route/request-log-summary.js";
import { ROUTING_COMPONENT, ROUTING_MIGRATIONS, RoutingStore } from "../../route/routing-store.js";
import { loggedDecisionBody } from "../../server/decision-wire.js";
import { migrateComponent, openStateDatabase } from "../../state/state-database.js";
import { integerOption, printJson, STATE_ARG } from "../cli-options.js";
import { formatCount, formatMs, formatTable, formatUsd } from "../format-table.js";

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `--since`: a duration back from now (`30m`, `24h`, `7d`) or an ISO time. */
export function sinceOption(value: string | undefined, nowMs: number): string {
  const text = value ?? "24h";
  const duration = /^(\d+(?:\.\d+)?)([mhd])$/.exec(text);
  if (duration !== null) {
    const amount = Number(duration[1]) * UNIT_MS[duration[2] as keyof typeof UNIT_MS];
    return new Date(nowMs - amount).toISOString();
  }
  const at = Date.parse(text);
  if (/^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(at)) return new Date(at).toISOString();
  throw new ModelScoutError(
    "INVALID_ARGUMENT",
    `--since must be a duration such as 30m, 24h or 7d, or an ISO time such as 2026-12-01T00:00:00Z (got "${text}").`,
  );
}

function openLog(state: string | undefined) {
  const database = openStateDatabase(state === undefined ? {} : { path: state });
  migrateComponent(database, ROUTING_COMPONENT, ROUTING_MIGRATIONS);
  return database;
}

const show = defineCommand({
  meta: { name: "show", description: "Show one logged request, its decision and its feedback" },
  args: {
    id: { type: "positional", required: true, description: "Request id (req_...)" },
    state: STATE_ARG,
  },
  run({ args }) {
    const database = openLog(args.state);
    try {
      const store = new RoutingStore(database, { writer: "main-thread" });
      const row = store.findRequest(args.id);
      if (row === null) {
        throw new ModelScoutError(
          "NOT_FOUND",
          `No request ${args.id} in this state database (the request log keeps server.log_retention_days, 30 by default; \`modelscout requests\` sums what it has).`,
          { details: { id: args.id } },
        );
      }
      printJson({
        ...row,
        decision: row.decision === null ? null : loggedDecisionBody(row.decision),
        feedback: store.feedbackFor(row.id),
      });
      store.close();
    } finally {
      database.close();
    }
  },
});

const session = defineCommand({
  meta: {
    name: "session",
    description: "A session's requests in order: route, model, status, latency and the input",
  },
  args: {
    id: { type: "positional", required: true, description: "The x-modelscout-session value" },
    limit: { type: "string", description: "At most this many, oldest first (default 200)" },
    json: { type: "boolean", description: "Print JSON" },
    state: STATE_ARG,
  },
  run({ args }) {
    const limit = integerOption("limit", args.limit) ?? 200;
    const database = openLog(args.state);
    try {
      const store = new RoutingStore(database, { writer: "main-thread" });
      const rows = store.sessionRequests(args.id, limit);
      store.close();
      if (args.json === true) {
        printJson(
          rows.map((row) => ({
            ...row,
            decision: row.decision === null ? null : loggedDecisionBody(row.decision),
          })),
        );
        return;
      }
      if (rows.length === 0) {
        process.stdout.write(
          `No request named session ${args.id} in this state database (the request log keeps server.log_retention_days, 30 by default).\n`,
        );
        return;
      }
      process.stdout.write(
        `${formatTable(rows, [
          { header: "at", value: (row) => row.createdAt.replace("T", " ").slice(0, 19) },
          { header: "id", value: (row) => row.id },
          { header: "route", value: (row) => row.route ?? "-", maxWidth: 24 },
          { header: "model", value: (row) => row.model ?? "-", maxWidth: 40 },
          { header: "status", value: (row) => String(row.status), align: "right" },
          { header: "latency", value: (row) => formatMs(row.latencyMs), align: "right" },
          {
            header: "input",
            value: (row) => (row.inputText ?? "").replace(/\s+/g, " "),
            maxWidth: 60,
          },
        ])}\nTimes are UTC; inputs as the log keeps them (redacted, server.log_text_chars); \`modelscout requests show <id>\` gives one request whole.\n`,
      );
    } finally {
      database.close();
    }
  },
});

const summary = defineCommand({
  meta: {
    name: "summary",
    description: "Requests, errors, latency, feedback, tokens and cost per route and model",
  },
  args: {
    since: {
      type: "string",
      description: "From when: 30m, 24h (default), 7d, or an ISO time",
    },
    route: { type: "string", description: "Only this route" },
    json: { type: "boolean", description: "Print JSON" },
    state: STATE_ARG,
  },
  run({ args }) {
    const now = Date.now();
    const from = sinceOption(args.since, now);
    const database = openLog(args.state);
    try {
      const result = summarizeRequestLog(database, {
        from,
        to: new Date(now + 1).toISOString(),
        ...(args.route !== undefined && { route: args.route }),
      });
      if (args.json === true) {
        printJson(result);
        return;
      }
      const window = `since ${from.replace("T", " ").slice(0, 19)} UTC`;
      if (result.routes.length === 0) {
        process.stdout.write(
          `No routed requests ${window}${args.route === undefined ? "" : ` on route ${args.route}`}${result.unrouted > 0 ? ` (${result.unrouted} refused before routing)` : ""}.\n`,
        );
        return;
      }
      process.stdout.write(
        `Routed requests ${window}${result.unrouted > 0 ? `; ${result.unrouted} more refused before routing` : ""}:\n${formatTable(
          result.routes,
          [
            { header: "route", value: (row) => row.route, maxWidth: 24 },
            { header: "model", value: (row) => row.model, maxWidth: 48 },
            { header: "requests", value: (row) => formatCount(row.requests), align: "right" },
            { header: "errors", value: (row) => formatCount(row.errors), align: "right" },
            {
              header: "p50",
              value: (row) => (row.latencyP50Ms === null ? "-" : formatMs(row.latencyP50Ms)),
              align: "right",
            },
            {
              header: "p95",
              value: (row) => (row.latencyP95Ms === null ? "-" : formatMs(row.latencyP95Ms)),
              align: "right",
            },
            { header: "feedback", value: (row) => formatCount(row.feedback), align: "right" },
            {
              header: "reward",
              value: (row) => (row.meanReward === null ? "-" : row.meanReward.toFixed(2)),
              align: "right",
            },
            { header: "tokens", value: (row) => formatCount(row.tokens), align: "right" },
            { header: "cost", value: (row) => formatUsd(row.costUsd), align: "right" },
          ],
        )}\n`,
      );
    } finally {
      database.close();
    }
  },
});

export default defineCommand({
  meta: {
    name: "requests",
    description: "What the routing server's request log says: per route and model, or one request",
  },
  args: summary.args ?? {},
  subCommands: { summary, show, session },
  run(context) {
    // `modelscout requests` alone summarises; citty runs this only when no subcommand matched.
    const sub = context.rawArgs[0];
    if (sub === "show" || sub === "summary" || sub === "session") return;
    return summary.run?.(context as never);
  },
});
