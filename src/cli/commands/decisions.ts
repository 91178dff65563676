/**
 * @module
 * `modelscout decisions` lists stored selection decisions; `modelscout decisions show <id>`
 * prints one (table and explanation, `--json` for the whole record, `--report` for HTML).
 */
import { defineCommand } from "citty";
import { DecisionStore } from "../../select/decision-store.js";
import {
  renderDecisionReport,
  renderDecisionText,
} from "../../select/report/render-decision-report.js";
import { resolveTask } from "../../tasks/resolve-task.js";
import { formatTable, formatUtcSeconds } from "../../text/format-table.js";
import { integerOption, printJson } from "../cli-options.js";
import { checkReportFile, writeReportFile } from "../report-file.js";

const show = defineCommand({
  meta: { name: "show", description: "Show one stored decision" },
  args: {
    id: { type: "positional", required: true, description: "Decision id (dec_...)" },
    json: { type: "boolean", description: "Print the whole decision record as JSON" },
    report: { type: "string", description: "Write an HTML report to this file" },
  },
  async run({ args }) {
    if (args.report !== undefined) await checkReportFile(args.report);
    const store = DecisionStore.open();
    try {
      const decision = store.require(args.id);
      // The decision is printed even when its report cannot be written; the error follows.
      let reportFailure: unknown;
      if (args.report !== undefined) {
        try {
          await writeReportFile(args.report, renderDecisionReport(decision));
        } catch (error) {
          reportFailure = error;
        }
      }
      if (args.json === true) printJson(decision);
      else process.stdout.write(`${renderDecisionText(decision)}\n`);
      if (reportFailure !== undefined) throw reportFailure;
    } finally {
      store.close();
    }
  },
});

const list = defineCommand({
  meta: { name: "list", description: "List stored decisions, newest first" },
  args: {
    task: {
      type: "string",
      description: "Only decisions for this task (pipeline tag or alias, e.g. sentiment)",
    },
    limit: { type: "string", description: "How many (default 20)" },
    json: { type: "boolean", description: "Print JSON" },
  },
  run({ args }) {
    // Decisions are stored under the pipeline tag the spec resolved to (sentiment is
    // text-classification), so the filter resolves the name the same way.
    const task = args.task === undefined ? undefined : resolveTask(args.task);
    const store = DecisionStore.open();
    try {
      const limit = integerOption("limit", args.limit) ?? 20;
      // One more than shown says whether there are more, without counting them all.
      const read = store.list({ limit: limit + 1, ...(task !== undefined && { task }) });
      const rows = read.slice(0, limit);
      const more = read.length > limit;
      if (args.json === true) {
        printJson(rows);
        return;
      }
      if (rows.length === 0) {
        process.stdout.write(
          task === undefined
            ? "No decisions yet: run `modelscout select <spec>`.\n"
            : `No decisions for ${task} yet: run \`modelscout select <spec>\`, or list every task's with \`modelscout decisions\`.\n`,
        );
        return;
      }
      process.stdout.write(
        `${formatTable(rows, [
          { header: "id", value: (row) => row.id },
          { header: "created", value: (row) => formatUtcSeconds(row.createdAt) },
          { header: "status", value: (row) => row.status },
          { header: "task", value: (row) => row.task },
          { header: "lang", value: (row) => row.language ?? "-" },
          // Whole, to be copied: the last column, so a long id widens nothing after it.
          { header: "winner", value: (row) => row.winnerId ?? "-" },
        ])}\n${more ? `The newest ${limit} are shown; there are more (--limit N shows more).\n` : ""}`,
      );
    } finally {
      store.close();
    }
  },
});

export default defineCommand({
  meta: { name: "decisions", description: "List and show stored selection decisions" },
  args: list.args ?? {},
  subCommands: { list, show },
  run(context) {
    // `modelscout decisions` alone lists; citty runs this only when no subcommand matched.
    if (context.rawArgs[0] === "show" || context.rawArgs[0] === "list") return;
    return list.run?.(context as never);
  },
});
