/**
 * @module
 * `modelscout requests [--since 24h] [--route R] [--json]`: what the routing server's request
 * log says of a window, per route and model (requests, errors, latency, feedback, tokens,
 * cost; `route/request-log-summary.ts`); `modelscout requests show <id> [--json]`: one request
 * with its decision and feedback, as text (`render-logged-request.ts`) or JSON; `modelscout requests session <id>`: a session's requests in order
 * (`x-modelscout-session`, ADR 0054); `modelscout requests export --task T`: the labelled
 * requests of a task as sample data for `modelscout select` (`route/request-log-export.ts`,
 * ADR 0056). Reads the state database, beside a running server too.
 */
import { renameSync, writeFileSync } from "node:fs";
import { defineCommand } from "citty";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import { exportedJsonl, exportRequestLog } from "../../route/request-log-export.js";
import { summarizeRequestLog } from "../../route/request-log-summary.js";
import { renderRequestLogSummary, sinceTime } from "../../route/request-log-summary-text.js";
import { ROUTING_COMPONENT, ROUTING_MIGRATIONS, RoutingStore } from "../../route/routing-store.js";
import { loggedDecisionBody } from "../../server/decision-wire.js";
import { migrateComponent, openStateDatabase } from "../../state/state-database.js";
import { resolveTask } from "../../tasks/resolve-task.js";
import { formatMs, formatTable, formatUtcSeconds } from "../../text/format-table.js";
import { integerOption, printJson, STATE_ARG } from "../cli-options.js";
import { renderLoggedRequest } from "../render-logged-request.js";

function openLog(state: string | undefined) {
  const database = openStateDatabase({ path: state, mustExist: true });
  migrateComponent(database, ROUTING_COMPONENT, ROUTING_MIGRATIONS);
  return database;
}

const show = defineCommand({
  meta: { name: "show", description: "Show one logged request, its decision and its feedback" },
  args: {
    id: { type: "positional", required: true, description: "Request id (req_...)" },
    json: { type: "boolean", description: "Print JSON" },
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
      const decision = row.decision === null ? null : loggedDecisionBody(row.decision);
      const feedback = store.feedbackFor(row.id);
      if (args.json === true) printJson({ ...row, decision, feedback });
      else process.stdout.write(renderLoggedRequest(row, decision, feedback));
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
          { header: "at", value: (row) => formatUtcSeconds(row.createdAt) },
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
    const from = sinceTime(args.since, now);
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
      process.stdout.write(
        renderRequestLogSummary(result, {
          from,
          ...(args.route !== undefined && { route: args.route }),
        }),
      );
    } finally {
      database.close();
    }
  },
});

const exportCommand = defineCommand({
  meta: {
    name: "export",
    description:
      "A task's requests, labelled by their feedback, as JSONL sample data for `modelscout select`",
  },
  args: {
    task: {
      type: "string",
      required: true,
      description: "The task of the requests (/v1/tasks/<task>), e.g. text-classification",
    },
    route: { type: "string", description: "Only requests routed to this route" },
    domain: {
      type: "string",
      description:
        "Only requests of this domain (x-modelscout-domain, or the language a target's language step named)",
    },
    since: {
      type: "string",
      description: "From when: 30m, 24h, 7d, or an ISO time (default: all the log keeps)",
    },
    limit: { type: "string", description: "At most this many items, the most recent" },
    unlabelled: {
      type: "boolean",
      description: "Also requests without a label, as items whose label is null",
    },
    "log-text-chars": {
      type: "string",
      description:
        "The server's server.log_text_chars (default 2000): texts that long may have been cut and are left out",
    },
    out: { type: "string", description: "Write the JSONL to this file (default: stdout)" },
    state: STATE_ARG,
  },
  run({ args }) {
    const task = resolveTask(args.task);
    const limit = integerOption("limit", args.limit);
    const logTextChars = integerOption("log-text-chars", args["log-text-chars"]) ?? 2000;
    const from = args.since === undefined ? undefined : sinceTime(args.since, Date.now());
    const database = openLog(args.state);
    let result: ReturnType<typeof exportRequestLog>;
    try {
      // Flushes nothing: a running server's queued rows are its own; they land within ~20 ms.
      result = exportRequestLog(database, {
        task,
        logTextChars,
        ...(args.route !== undefined && { route: args.route }),
        ...(args.domain !== undefined && { domain: args.domain }),
        ...(from !== undefined && { from }),
        ...(limit !== undefined && { limit }),
        ...(args.unlabelled === true && { includeUnlabelled: true }),
      });
    } finally {
      database.close();
    }
    const { items, left } = result;
    const scope = `${task}${args.route === undefined ? "" : ` on route ${args.route}`}${args.domain === undefined ? "" : ` in domain ${args.domain}`}${from === undefined ? "" : ` since ${formatUtcSeconds(from)} UTC`}`;
    // Chat, completions and responses requests are never exported: the log keeps a chat's
    // last user message, not the conversation, so it is no input to select on.
    const otherEndpoints =
      result.otherEndpoints === 0
        ? ""
        : ` ${result.otherEndpoints} request${result.otherEndpoints === 1 ? "" : "s"} of ${scope} came through the chat, completions or responses endpoints, which are never exported: the log keeps a chat's last user message, not the conversation. Only /v1/tasks/${task} requests are.`;
    if (items.length === 0) {
      throw new ModelScoutError(
        "NOT_FOUND",
        `No ${args.unlabelled === true ? "" : "labelled "}requests of ${scope} in this state database (${result.read} read from /v1/tasks/${task}; ${describeLeft(left)}).${otherEndpoints === "" ? ` Feedback with a label or "correct" labels a request: POST /v1/feedback.` : otherEndpoints}`,
        { details: { task, read: result.read, left, otherEndpoints: result.otherEndpoints } },
      );
    }
    const jsonl = exportedJsonl(items);
    if (args.out === undefined) process.stdout.write(jsonl);
    else {
      // Whole or not at all: a reader never sees half a file, and an old file is kept until then.
      const partial = `${args.out}.partial`;
      writeFileSync(partial, jsonl);
      renameSync(partial, args.out);
    }
    const byLabel = items.filter((item) => item.label_from === "label").length;
    const byCorrect = items.filter((item) => item.label_from === "correct").length;
    const unlabelled = items.length - byLabel - byCorrect;
    process.stderr.write(
      `Exported ${items.length} requests of ${scope}${args.out === undefined ? "" : ` to ${args.out}`}: ${byLabel} labelled by feedback's label, ${byCorrect} by an answer feedback called correct${unlabelled > 0 ? `, ${unlabelled} without a label` : ""}.\n` +
        `Left out: ${describeLeft(left)}.${otherEndpoints}\n` +
        (left.wrongWithoutLabel > 0 && args.unlabelled !== true
          ? `Warning: ${left.wrongWithoutLabel} answers that feedback called wrong gave no label, so they are left out; the export keeps the served model's successes and not these failures, which favours it in a new selection. Ask clients to send the right label with "correct": false.\n`
          : "") +
        `Texts are as the log keeps them: redacted, at most server.log_text_chars. Choose again on them with \`modelscout select <spec> --data ${args.out ?? "<file>.jsonl"}\`, or try a cascade with \`modelscout bench cascade --data ${args.out ?? "<file>.jsonl"} --first <model> --second <model>\`.\n`,
    );
  },
});

function describeLeft(left: ReturnType<typeof exportRequestLog>["left"]): string {
  const parts = [
    [left.unlabelled, "without a label"],
    [left.wrongWithoutLabel, "called wrong without a label"],
    [left.noText, "with no logged text"],
    [left.possiblyCut, "as long as the log keeps (possibly cut)"],
    [
      left.duplicates,
      `repeating another's input${left.conflicting > 0 ? ` (${left.conflicting} with another label)` : ""}`,
    ],
    [left.pastLimit, "past --limit"],
  ] as const;
  const said = parts.filter(([count]) => count > 0).map(([count, what]) => `${count} ${what}`);
  return said.length === 0 ? "none" : said.join(", ");
}

export default defineCommand({
  meta: {
    name: "requests",
    description: "What the routing server's request log says: per route and model, or one request",
  },
  args: summary.args ?? {},
  subCommands: { summary, show, session, export: exportCommand },
  run(context) {
    // `modelscout requests` alone summarises; citty runs this only when no subcommand matched.
    const sub = context.rawArgs[0];
    if (sub === "show" || sub === "summary" || sub === "session" || sub === "export") return;
    return summary.run?.(context as never);
  },
});
