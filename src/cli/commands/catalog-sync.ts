/**
 * @module
 * `modelscout catalog sync`: parses flags, calls `syncCatalog`, shows progress on stderr and
 * prints the summary on stdout (JSON with `--json`).
 */
import { defineCommand } from "citty";
import { type SyncSummary, syncCatalog } from "../../catalog/sync-catalog.js";
import { integerOption, printJson } from "../cli-options.js";
import { openCatalog } from "../open-catalog.js";
import { syncProgress } from "../sync-progress.js";

export default defineCommand({
  meta: {
    name: "sync",
    description:
      "Copy model metadata from the Hugging Face Hub (HF_ENDPOINT, HF_TOKEN) into the catalog; resumes after an interruption",
  },
  args: {
    task: { type: "string", description: "Only this pipeline tag or alias, e.g. sentiment" },
    search: { type: "string", description: "Only models whose id contains this text" },
    author: { type: "string", description: "Only models of this user or organisation" },
    tag: {
      type: "string",
      description: "Only models with these Hub tags, comma-separated (all of them), e.g. onnx",
    },
    onnx: {
      type: "boolean",
      description:
        "Only models the Hub tags onnx: the ones transformers.js runs here (same as --tag onnx)",
    },
    limit: { type: "string", description: "Stop after this many models" },
    "page-size": { type: "string", description: "Models per Hub request, 1-1000 (default 500)" },
    full: {
      type: "boolean",
      description: "Fetch every page even when the catalog is up to date (refreshes downloads)",
    },
    json: { type: "boolean", description: "Print the summary as JSON" },
  },
  async run({ args }) {
    const limit = integerOption("limit", args.limit);
    const pageSize = integerOption("page-size", args["page-size"]);
    const tags = [
      ...(args.tag ?? "").split(",").map((tag) => tag.trim()),
      ...(args.onnx === true ? ["onnx"] : []),
    ].filter((tag) => tag !== "");
    const store = await openCatalog();
    const progress = syncProgress(process.stderr);
    try {
      const summary = await syncCatalog({
        store,
        ...(args.task !== undefined && { task: args.task }),
        ...(args.search !== undefined && { search: args.search }),
        ...(args.author !== undefined && { author: args.author }),
        ...(tags.length > 0 && { tags }),
        ...(limit !== undefined && { limit }),
        ...(pageSize !== undefined && { pageSize }),
        ...(args.full === true && { full: true }),
        onEvent: progress.onEvent,
      });
      progress.finish();
      if (args.json) printJson(summary);
      else process.stdout.write(`${describeSummary(summary)}\n`);
    } finally {
      progress.finish();
      await store.close();
    }
  },
});

export function describeSummary(summary: SyncSummary): string {
  const count = (value: number) => value.toLocaleString("en-US");
  const seconds = (summary.durationMs / 1000).toFixed(1);
  const lines = [
    `Synced ${count(summary.fetched)} models from ${summary.endpoint} in ${count(summary.pages)} pages: ${count(summary.inserted)} new, ${count(summary.updated)} updated, ${count(summary.unchanged)} unchanged (${seconds} s).`,
  ];
  if (summary.resumed) lines.push("This run resumed an interrupted sync; the counts include it.");
  if (summary.stoppedEarly)
    lines.push("Stopped early: the rest of the Hub listing was already in the catalog.");
  if (summary.limitReached) lines.push("Stopped at --limit; run without it to sync the rest.");
  return lines.join("\n");
}
