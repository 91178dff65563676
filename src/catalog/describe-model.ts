/**
 * @module
 * Everything the catalog knows about one model, as `catalog show` and the agent tools'
 * `show_model` give it: the record (for a Hub model whose listing named no files, those files
 * looked up on `HF_ENDPOINT` first, as selection would, and stored), whether a backend here
 * runs it and why not, and its fit and latency on every hardware profile; and that as text.
 */

import type { BackendProvider } from "../backends/model-backend.js";
import { type RunsHere, runsHere } from "../backends/why-not-run-here.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { type HardwareRow, hardwareSummary } from "../hardware/hardware-summary.js";
import { listHardwareProfiles } from "../hardware/resolve-hardware.js";
import { hubEndpoint } from "../hub/hub-endpoint.js";
import { hubFilesLookup } from "../select/look-up-candidate-files.js";
import { closestMatch } from "../text/closest-match.js";
import { formatBytes, formatCount, formatMs, formatTable } from "../text/format-table.js";
import type { CatalogStore } from "./catalog-store.js";
import { DTYPES, type ModelRecord, weightBytes } from "./model-record.js";
import { onnxFilesState } from "./resolve-onnx-variants.js";
import { storeOnnxFiles } from "./store-onnx-files.js";
import { suggestableModelIds } from "./suggestable-ids.js";

/** The eval results the text lists, the first ones (an MTEB model has hundreds). */
export const LISTED_EVAL_RESULTS = 40;

export interface ModelDescription {
  model: ModelRecord;
  /** The backend here that would run it (asked only), or why none would. */
  runsHere: RunsHere;
  hardware: HardwareRow[];
  /** Null unless its files were unknown and looked up. */
  files: FilesLookup | null;
}

/**
 * The catalog's record of `id`; NOT_FOUND with the closest known id ("did you mean") and
 * `howToFind`, the shell's way to look ids up, when it has none.
 */
export async function requireModel(
  store: CatalogStore,
  id: string,
  howToFind: string,
): Promise<ModelRecord> {
  const model = await store.getModel(id);
  if (model !== null) return model;
  const suggestion = closestMatch(id, await suggestableModelIds(store));
  throw new ModelScoutError(
    "NOT_FOUND",
    `No model "${id}" in the catalog.${suggestion === undefined ? "" : ` Did you mean "${suggestion}"?`} ${howToFind}`,
  );
}

/**
 * Describes `model`; `providers` are asked only whether they would take it (the backends
 * selection uses, `selectionProviders`).
 */
export async function describeModel(
  store: CatalogStore,
  model: ModelRecord,
  providers: readonly BackendProvider[],
): Promise<ModelDescription> {
  const { record, files } = await completeFiles(store, model);
  return {
    model: record,
    runsHere: runsHere(record, providers),
    hardware: hardwareSummary(record, listHardwareProfiles()),
    files,
  };
}

/** What was done about a Hub model whose listing named no files. */
export interface FilesLookup {
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

/** The description as text: the fields, the first 40 eval results, a table of the hardware profiles. */
export function renderModelDescription({
  model,
  runsHere: here,
  hardware,
  files,
}: ModelDescription): string {
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
    const shown = model.evalResults.slice(0, LISTED_EVAL_RESULTS);
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
