/**
 * @module
 * `modelscout bench cascade --data file.jsonl --first A --second B`: how a cascade of two
 * labelling models would do on labelled data at each `min_confidence` (ADR 0057), to choose
 * the threshold on what a route's users actually send (`modelscout requests export`,
 * ADR 0056). The work is `route/cascade-sweep.ts`; this reads the file, parses flags and
 * prints.
 */
import { dirname, resolve } from "node:path";
import { defineCommand } from "citty";
import { isLocalModelId, localModelRecordForId } from "../../catalog/sources/local-models.js";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import type { CascadeSweepRow } from "../../route/cascade-math.js";
import { sweepCascade } from "../../route/cascade-sweep.js";
import { loadSampleData } from "../../select/sample-data.js";
import { resolveTask } from "../../tasks/resolve-task.js";
import { formatTable } from "../../text/format-table.js";
import { printJson } from "../cli-options.js";

function thresholdsOption(value: string | undefined): number[] | undefined {
  if (value === undefined || value === "") return undefined;
  const thresholds = value.split(",").map((part) => Number(part.trim()));
  if (thresholds.some((t) => !(t > 0 && t <= 1))) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `--thresholds takes scores above 0 and at most 1, comma-separated (got "${value}").`,
    );
  }
  return thresholds;
}

const percent = (share: number) => `${(100 * share).toFixed(1)}%`;

export default defineCommand({
  meta: {
    name: "cascade",
    description:
      "A two-model cascade (min_confidence) on labelled data: accuracy, share handed on and time at each threshold",
  },
  args: {
    data: {
      type: "string",
      required: true,
      description:
        "Labelled JSONL or CSV (text, label), e.g. what `modelscout requests export` wrote",
    },
    first: { type: "string", required: true, description: "The model asked first (the fast one)" },
    second: {
      type: "string",
      required: true,
      description: "The model its unsure answers go to",
    },
    task: { type: "string", description: "The labelling task (default text-classification)" },
    thresholds: {
      type: "string",
      description: "min_confidence values to try (default 0.5 to 0.95 by 0.05)",
    },
    json: { type: "boolean", description: "Print JSON" },
  },
  async run({ args }) {
    const path = resolve(args.data);
    const data = await loadSampleData(
      {
        path,
        format: null,
        inputColumn: "text",
        inputColumnDefaulted: true,
        labelColumn: "label",
        labelColumnDefaulted: true,
        labelMap: {},
        onMalformedRow: "fail",
      },
      // No task spec to set data.on_malformed_row in: the file is what to fix.
      { skipHint: "" },
    );
    const items = data.items.flatMap((item) =>
      item.label === null ? [] : [{ input: item.input, label: item.label }],
    );
    const thresholds = thresholdsOption(args.thresholds);
    const sweep = await sweepCascade({
      items,
      first: args.first,
      second: args.second,
      ...(args.task !== undefined && { task: resolveTask(args.task) }),
      ...(thresholds !== undefined && { thresholds }),
      // `local:` folders, relative ones from the data's folder.
      lookupModel: async (id) =>
        isLocalModelId(id) ? localModelRecordForId(id, { baseDirectory: dirname(path) }) : null,
    });
    if (args.json === true) {
      printJson(sweep);
      return;
    }
    const name = (row: CascadeSweepRow) =>
      row.setup === "cascade"
        ? "cascade"
        : `${row.setup === "first" ? sweep.first : sweep.second} alone`;
    process.stdout.write(
      `${sweep.items} labelled items${data.items.length > items.length ? ` (${data.items.length - items.length} without a label left out)` : ""}; ${sweep.first} first, ${sweep.second} for what it is unsure of:\n${formatTable(
        sweep.rows,
        [
          { header: "setup", value: name, maxWidth: 48 },
          {
            header: "min_confidence",
            value: (row) => (row.minConfidence === null ? "-" : String(row.minConfidence)),
            align: "right",
          },
          { header: "accuracy", value: (row) => percent(row.accuracy), align: "right" },
          { header: "handed on", value: (row) => percent(row.handedOn), align: "right" },
          { header: "ms/item", value: (row) => row.meanModelMs.toFixed(3), align: "right" },
          {
            header: "vs better alone",
            value: (row) =>
              row.versusBetterAlone === undefined
                ? ""
                : `+${row.versusBetterAlone.gained} -${row.versusBetterAlone.lost} p=${row.versusBetterAlone.p.toFixed(3)}`,
            align: "right",
          },
        ],
      )}\n`,
    );
    const best = sweep.best;
    const better = sweep.betterAlone === "first" ? sweep.first : sweep.second;
    const versus = best.versusBetterAlone;
    const tried = sweep.rows.length - 2;
    process.stdout.write(
      versus !== undefined && versus.gained > versus.lost && versus.p * tried < 0.05
        ? `Best: min_confidence ${best.minConfidence}, ${percent(best.accuracy)} against ${better} alone; p = ${versus.p.toFixed(3)} (${(versus.p * tried).toFixed(3)} after Bonferroni over the ${tried} thresholds tried).\n`
        : `No threshold is clearly better than ${better} alone on these ${sweep.items} items (best: min_confidence ${best.minConfidence}, ${percent(best.accuracy)}${versus === undefined ? "" : `, +${versus.gained} -${versus.lost}, p = ${versus.p.toFixed(3)} before Bonferroni over ${tried}`}).\n`,
    );
  },
});
