/**
 * @module
 * `modelscout catalog show <id>`: everything the catalog knows about one model; for a Hub
 * model whose listing named no files, its `onnx/` files are looked up first (and stored).
 */
import { defineCommand } from "citty";
import { selectionProviders } from "../../backends/selection-providers.js";
import { type RunsHere, runsHere } from "../../backends/why-not-run-here.js";
import type { CatalogStore } from "../../catalog/catalog-store.js";
import { DTYPES, type ModelRecord, weightBytes } from "../../catalog/model-record.js";
import { onnxFilesState } from "../../catalog/resolve-onnx-variants.js";
import { storeOnnxFiles } from "../../catalog/store-onnx-files.js";
import { suggestableModelIds } from "../../catalog/suggestable-ids.js";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import { type HardwareRow, hardwareSummary } from "../../hardware/hardware-summary.js";
import { listHardwareProfiles } from "../../hardware/resolve-hardware.js";
import { hubEndpoint } from "../../hub/hub-endpoint.js";
import { hubFilesLookup } from "../../select/look-up-candidate-files.js";
import { closestMatch } from "../../text/closest-match.js";
import { printJson } from "../cli-options.js";
import { formatBytes, formatCount, formatMs, formatTable } from "../format-table.js";
import { openCatalog } from "../open-catalog.js";

export default defineCommand({
  meta: { name: "show", description: "Show everything known about one model" },
  args: {
    id: {
      type: "positional",
      description: "Model id, e.g. BAAI/bge-base-en-v1.5 or npm:sentiment",
      required: true,
    },
    json: { type: "boolean", description: "Print JSON" },
  },
  async run({ args }) {
    const store = await openCatalog();
    try {
      const model = await store.getModel(args.id);
      if (model === null) {
        const suggestion = closestMatch(args.id, await suggestableModelIds(store));
        throw new ModelScoutError(
          "NOT_FOUND",
          `No model "${args.id}" in the catalog.${suggestion ? ` Did you mean "${suggestion}"?` : ""} Search with \`modelscout catalog search\` or fetch it with \`modelscout catalog sync --search ${args.id}\`.`,
        );
      }
      const { record, files } = await completeFiles(store, model);
      const hardware = hardwareSummary(record, listHardwareProfiles());
      // The backends `select` uses, asked only whether they would take it.
      const here = runsHere(record, selectionProviders({ inProcess: true }));
      if (args.json) {
        printJson({ model: record, runsHere: here, hardware, ...(files !== null && { files }) });
        return;
      }
      process.stdout.write(`${renderModel(record, here, hardware, files)}\n`);
    } finally {
      await store.close();
    }
  },
});

/** What `catalog show` did about a model whose listing named no files. */
interface FilesLookup {
  /** `looked-up`: found and stored; `unknown`: the look-up failed, `reason` says why. */
  state: "looked-up" | "unknown";
  endpoint: string;
  reason?: string;
}

/**
 * A Hub model whose listing named no files (a mirror's sync) is looked up here, as selection
 * would, and what is found is stored; a look-up that fails (offline, unreachable) is said, not
 * thrown: the rest of what the catalog knows is still worth showing.
 */
async function completeFiles(
  store: CatalogStore,
  model: ModelRecord,
): Promise<{ record: ModelRecord; files: FilesLookup | null }> {
  if (model.source !== "hub" || onnxFilesState(model) !== "unknown") {
    return { record: model, files: null };
  }
  const endpoint = hubEndpoint();
  try {
    const found = await hubFilesLookup()(model.id);
    const record = await storeOnnxFiles(store, model, found);
    return { record, files: { state: "looked-up", endpoint } };
  } catch (error) {
    if (!ModelScoutError.isInstance(error) || error.code === "ABORTED") throw error;
    return { record: model, files: { state: "unknown", endpoint, reason: error.message } };
  }
}

function renderModel(
  model: ModelRecord,
  here: RunsHere,
  hardware: readonly HardwareRow[],
  files: FilesLookup | null,
): string {
  const lines: string[] = [];
  const field = (name: string, value: string) => lines.push(`${`${name}:`.padEnd(16)}${value}`);
  lines.push(model.id, "=".repeat(model.id.length));
  field("source", model.source);
  field("task", model.task ?? "?");
  field("library", model.library ?? "?");
  field("languages", model.languages.join(", ") || "-");
  field("licence", model.license ?? "?");
  field("datasets", model.datasets.join(", ") || "-");
  field("parameters", formatCount(model.params));
  field(
    "weights",
    DTYPES.map((dtype) => `${dtype} ${formatBytes(weightBytes(model, dtype))}`).join(", "),
  );
  field("context", model.contextLength === null ? "?" : `${model.contextLength} tokens`);
  field("downloads", formatCount(model.downloads));
  field("likes", formatCount(model.likes));
  field("last modified", model.lastModified ?? "?");
  field("score", model.score === null ? "-" : model.score.toFixed(2));
  field(
    "runs here",
    here.provider === null
      ? `no: ${here.reason}; select still ranks it by its priors, for hardware that runs it elsewhere`
      : `yes, with the ${here.provider} backend`,
  );
  if (model.tags.length > 0) field("tags", model.tags.slice(0, 20).join(", "));
  for (const [key, value] of Object.entries(model.extra))
    field(key, typeof value === "string" ? value : JSON.stringify(value));
  if (files?.state === "looked-up") {
    field("files", `looked up on ${files.endpoint} (the listing named none), now in the catalog`);
  } else if (files?.state === "unknown") {
    field(
      "files",
      `unknown: the listing named none and they could not be looked up on ${files.endpoint}: ${files.reason ?? "no reason given"}`,
    );
  }
  if (model.evalResults.length > 0) {
    const shown = model.evalResults.slice(0, 40);
    lines.push(
      "",
      `Eval results (${model.evalResults.length}${shown.length < model.evalResults.length ? `, first ${shown.length}` : ""}):`,
    );
    lines.push(
      formatTable(shown, [
        { header: "BENCHMARK", value: (result) => result.benchmark, maxWidth: 40 },
        { header: "METRIC", value: (result) => result.metric },
        {
          header: "VALUE",
          value: (result) =>
            result.scale === "fraction" ? result.value.toFixed(4) : result.value.toFixed(2),
          align: "right",
        },
        { header: "DOMAIN", value: (result) => result.domain ?? "-" },
        {
          header: "SOURCE",
          value: (result) => `${result.source}${result.verified ? " (verified)" : ""}`,
        },
      ]),
    );
  }
  lines.push("", "Hardware (default dtype per device; = measured, ~ roofline estimate):");
  lines.push(
    formatTable(hardware, [
      { header: "HARDWARE", value: (row) => row.hardware },
      { header: "DTYPE", value: (row) => row.dtype },
      { header: "FITS", value: (row) => (row.fits === null ? "?" : row.fits ? "yes" : "no") },
      {
        header: "LATENCY/ITEM",
        value: (row) =>
          row.latencyMs === null
            ? "?"
            : `${row.latencyKind === "measured" ? "=" : "~"}${formatMs(row.latencyMs)}`,
        align: "right",
      },
      { header: "FROM", value: (row) => row.latencySource, maxWidth: 50 },
    ]),
  );
  return lines.join("\n");
}
