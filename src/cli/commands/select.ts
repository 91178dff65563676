/**
 * @module
 * `modelscout select <spec> [--json] [--report out.html]`, or `--request "..."` for a
 * natural-language request turned into a spec (shown before it runs). Progress goes to
 * stderr, the ranked table and the winner to stdout; the decision is stored in the state
 * database either way. Ctrl-C stops probing, stores the run as aborted and exits 130. A run
 * that ends without a winner (every candidate failed, broke an SLO or went unprobed) exits 4,
 * as one whose filters leave no candidate does, so `select ... && deploy` stops there.
 * `--check` stops before the first model is loaded and prints what a run would probe
 * (`planSelection`, ADR 0096), storing nothing.
 */
import { defineCommand } from "citty";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import type { SelectionDecision } from "../../select/decision.js";
import {
  renderDecisionReport,
  renderDecisionText,
} from "../../select/report/render-decision-report.js";
import { renderSelectionPlan } from "../../select/report/render-selection-plan.js";
import { selectionJson } from "../../select/report/selection-json.js";
import {
  planSelection,
  type RunSelectionOptions,
  runSelection,
  type SelectionProgress,
} from "../../select/run-selection.js";
import { requestLlm, selectionInput } from "../../select/selection-input.js";
import { SelectionResources } from "../../select/selection-resources.js";
import { parseTaskSpec } from "../../select/task-spec.js";
import { integerOption, printJson } from "../cli-options.js";
import { describeError, EXIT_CODES } from "../exit-code.js";
import { openCatalog } from "../open-catalog.js";
import { checkReportFile, writeReportFile } from "../report-file.js";

function progressPrinter(quiet: boolean): (event: SelectionProgress) => void {
  const interactive = process.stderr.isTTY === true;
  let lastLine = 0;
  return (event) => {
    if (quiet) return;
    switch (event.phase) {
      case "filtered":
        process.stderr.write(
          `${event.candidates} candidate${event.candidates === 1 ? "" : "s"} passed the filters; ${event.probing === 0 ? "no sample data, so ranking them by prior" : `probing ${event.probing}`}.\n`,
        );
        return;
      case "files":
        process.stderr.write(`looking up the ONNX files of ${event.id}...\n`);
        return;
      case "loading":
        process.stderr.write(`[${event.index}/${event.of}] loading ${event.id}...\n`);
        return;
      case "failed":
        process.stderr.write(
          `${interactive ? "\r\u001b[2K" : ""}  failed: ${event.id}: ${event.message}\n`,
        );
        return;
      case "probing": {
        const now = performance.now();
        if (now - lastLine < (interactive ? 100 : 2000)) return;
        lastLine = now;
        const line = `probing: ${event.spentProbes}/${event.maxProbes} model calls, leader ${event.leaderId ?? "-"}`;
        process.stderr.write(interactive ? `\r\u001b[2K${line}` : `${line}\n`);
        return;
      }
      case "scored":
        if (interactive) process.stderr.write("\r\u001b[2K");
        return;
      default:
        return;
    }
  };
}

export default defineCommand({
  meta: {
    name: "select",
    description: "Pick the best model for a task spec by probing candidates on your sample data",
  },
  args: {
    spec: { type: "positional", required: false, description: "Task spec file (JSON or YAML)" },
    request: {
      type: "string",
      description:
        'A request in plain words instead of a spec, e.g. "classify Chinese reviews as positive or negative on a Raspberry Pi 5"',
    },
    data: {
      type: "string",
      description:
        "The sample data file (JSONL or CSV of text and label): with --request, or in place of the spec's data block (e.g. what `modelscout requests export` wrote)",
    },
    "llm-endpoint": {
      type: "string",
      description:
        "With --request: an OpenAI-compatible base URL to turn the request into a spec (rules otherwise)",
    },
    "llm-model": { type: "string", description: "With --llm-endpoint: the model name" },
    json: { type: "boolean", description: "Print the decision as JSON" },
    report: { type: "string", description: "Write an HTML report to this file" },
    seed: { type: "string", description: "Seed for the item order (default 1)" },
    "timeout-ms": {
      type: "string",
      description: "Longest one model call may take (runs models in child processes)",
    },
    "in-process": {
      type: "boolean",
      description: "Run every model in this process (no isolation)",
    },
    quiet: { type: "boolean", description: "No progress on stderr" },
    check: {
      type: "boolean",
      description:
        "Check the spec and its data and show what a run would probe, loading no model and storing nothing",
    },
  },
  async run({ args }) {
    if (args.check === true && args.report !== undefined) {
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        "--check runs no model, so there is no decision to report: leave out --report, or --check.",
      );
    }
    if (args.spec === undefined && args.request === undefined) {
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        'Give a task spec file (modelscout select examples/english-sentiment/task.json) or --request "what you need".',
      );
    }
    // Before the run, which can take minutes: a report it cannot write is a typo found late.
    if (args.report !== undefined) await checkReportFile(args.report);
    const llm = requestLlm(process.env, {
      endpoint: args["llm-endpoint"],
      model: args["llm-model"],
    });
    const input = await selectionInput({
      ...(args.spec !== undefined && { specPath: args.spec }),
      ...(args.request !== undefined && { request: args.request }),
      ...(args.data !== undefined && { dataPath: args.data }),
      ...(args.request !== undefined && llm !== undefined && { llm }),
      names: { specPath: "a spec file", request: "--request" },
    });
    if (input.madeSpec !== undefined) {
      process.stderr.write(
        `Spec made from the request:\n${JSON.stringify(input.madeSpec, null, 2)}\n${input.notes
          .map((note) => `  - ${note}`)
          .join("\n")}\n`,
      );
    }
    const spec = parseTaskSpec(input.specInput);
    // With --data the spec's data block is not the file's description: say what applies.
    const dataHints =
      args.data === undefined
        ? undefined
        : args.spec !== undefined
          ? {
              columns: `--data replaced the spec's whole data block (its columns and label_map describe its own file), so inputs are read from "text" and labels from "label"; to read other columns, set data.path and data.columns.input (and .label) in ${args.spec} instead of passing --data`,
              skip: `or set data.path and "on_malformed_row": "skip" in ${args.spec}'s data block instead of passing --data`,
            }
          : {
              columns: `--data files are read with inputs in "text" (or the one column named sentence, review, content, 评论, 文本...) and labels in "label" (or target, class, sentiment, 标签, 类别...): rename the column, or write a task spec whose data block names it (data.columns.input; \`modelscout schema task\` describes the fields)`,
              skip: `or write a task spec with "on_malformed_row": "skip" in its data block to leave them out`,
            };
    const timeoutMs = integerOption("timeout-ms", args["timeout-ms"]);
    const seed = integerOption("seed", args.seed);
    const controller = new AbortController();
    const onInterrupt = () => {
      if (controller.signal.aborted) process.exit(130);
      process.stderr.write(
        "\nInterrupted: stopping after the current call (Ctrl-C again to quit at once).\n",
      );
      controller.abort();
    };
    process.on("SIGINT", onInterrupt);
    const resources = SelectionResources.open(await openCatalog());
    const runOptions: RunSelectionOptions = {
      ...resources.runOptions(
        input,
        { inProcess: args["in-process"] === true, ...(timeoutMs !== undefined && { timeoutMs }) },
        spec,
      ),
      onProgress: progressPrinter(args.quiet === true || args.json === true || args.check === true),
      signal: controller.signal,
      ...(seed !== undefined && { seed }),
      ...(dataHints !== undefined && { dataHints }),
    };
    let decision: SelectionDecision;
    try {
      if (args.check === true) {
        const plan = await planSelection(runOptions);
        if (args.json === true) printJson({ check: true, ...plan });
        else process.stdout.write(renderSelectionPlan(plan, input.specSource));
        return;
      }
      decision = await runSelection(runOptions);
    } catch (error) {
      const partial = (error as { decision?: SelectionDecision }).decision;
      if (partial !== undefined && args.report !== undefined) {
        // The error that ended the run is the one to exit with; the report's is said too.
        await writeReportFile(args.report, renderDecisionReport(partial), partial.id).catch(
          (reportError: unknown) => process.stderr.write(`${describeError(reportError)}\n`),
        );
      }
      if (partial !== undefined) {
        process.stderr.write(
          `Decision ${partial.id} stored as ${partial.status} (modelscout decisions show ${partial.id}).\n`,
        );
      }
      throw error;
    } finally {
      process.off("SIGINT", onInterrupt);
      await resources.close();
    }
    // A report that cannot be written (its folder removed during the run, a full disk) is
    // said after the results, which are stored and printed all the same.
    let reportFailure: unknown;
    if (args.report !== undefined) {
      try {
        await writeReportFile(args.report, renderDecisionReport(decision), decision.id);
      } catch (error) {
        reportFailure = error;
      }
    }
    const reportNote =
      args.report === undefined || reportFailure !== undefined ? "" : `; report: ${args.report}`;
    if (decision.winner === null) process.exitCode = EXIT_CODES.NO_CANDIDATES;
    if (args.json === true) printJson(selectionJson(decision));
    else {
      process.stdout.write(`${renderDecisionText(decision)}\n`);
      process.stdout.write(
        `\nDecision ${decision.id} stored (modelscout decisions show ${decision.id})${reportNote}.\n`,
      );
    }
    if (reportFailure !== undefined) throw reportFailure;
  },
});
