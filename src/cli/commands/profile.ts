/**
 * @module
 * `modelscout profile <model-id>`: runs a model (a catalog or Hub id, or a `local:` folder) on
 * this machine with a built-in sample of its task, measures cold load, warm latency,
 * throughput and peak memory, prints them and stores them in the catalog as measured figures
 * for `local` (and for any `--hardware` profiles this machine stands for), which then win
 * over estimates; a `local:` folder's figures are printed only.
 */
import { defineCommand } from "citty";
import { createBackend } from "../../backends/create-backend.js";
import { httpBackendProvider } from "../../backends/http/http-backend-provider.js";
import { DEFAULT_LOAD_TIMEOUT_MS } from "../../backends/isolated/isolated-backend.js";
import { isolatedProvider } from "../../backends/isolated/isolated-provider.js";
import type { BackendProvider } from "../../backends/model-backend.js";
import { npmBackendProvider } from "../../backends/npm/npm-backend-provider.js";
import type { ModelProgressEvent } from "../../backends/transformers-js/transformers-backend.js";
import { createTransformersBackendProvider } from "../../backends/transformers-js/transformers-backend-provider.js";
import {
  parseTransformersModelId,
  transformersVariants,
} from "../../backends/transformers-js/transformers-variants.js";
import type { CatalogStore } from "../../catalog/catalog-store.js";
import type { ModelRecord } from "../../catalog/model-record.js";
import {
  isLocalModelId,
  localModelRecordForId,
  resolveLocalModelId,
} from "../../catalog/sources/local-models.js";
import { suggestableModelIds } from "../../catalog/suggestable-ids.js";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import { LOCAL_HARDWARE_ID } from "../../hardware/local-machine-profile.js";
import { resolveHardware } from "../../hardware/resolve-hardware.js";
import { type ModelProfile, profileModel } from "../../profile/profile-model.js";
import { recordProfile } from "../../profile/record-profile.js";
import { sampleInputs } from "../../profile/sample-inputs.js";
import { candidateIdResolver } from "../../select/resolve-candidate-id.js";
import { closestMatch } from "../../text/closest-match.js";
import { formatBytes, formatMs, formatTable } from "../../text/format-table.js";
import { integerOption, printJson } from "../cli-options.js";
import { openCatalog } from "../open-catalog.js";

function batchSizesOption(value: string | undefined): number[] {
  if (value === undefined || value.trim() === "") return [1];
  return value.split(",").map((part) => {
    const size = Number(part.trim());
    if (!Number.isInteger(size) || size <= 0) {
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        `--batch takes positive whole numbers separated by commas, e.g. 1,8,32 (got "${value}").`,
      );
    }
    return size;
  });
}

/**
 * The model to profile: a catalog record, a quantised variant of one (`owner/name@q8`) made
 * on the fly, a `local:` folder read in place, or a Hub id fetched from the Hub or
 * `HF_ENDPOINT` into the catalog, as `select` resolves its listed candidates.
 */
async function resolveModel(store: CatalogStore, id: string): Promise<ModelRecord> {
  const stored = await store.getModel(id);
  if (stored !== null) return stored;
  if (isLocalModelId(id)) return localModelRecordForId(resolveLocalModelId(id, process.cwd()));
  const { repositoryId, dtype } = parseTransformersModelId(id);
  if (dtype !== null) {
    const base = await store.getModel(repositoryId);
    if (base !== null) return transformersVariants(base, [dtype])[0] as ModelRecord;
  }
  const suggestion = closestMatch(id, await suggestableModelIds(store));
  const notInCatalog = `No model "${id}" in the catalog.${suggestion ? ` Did you mean "${suggestion}"?` : ""}`;
  let fetched: ModelRecord | null;
  try {
    fetched = await candidateIdResolver(store)(id, process.cwd());
  } catch (error) {
    if (!ModelScoutError.isInstance(error) || error.code !== "HUB_REQUEST_FAILED") throw error;
    throw new ModelScoutError("NOT_FOUND", `${notInCatalog} ${error.message}`, {
      cause: error,
      details: { model: id },
    });
  }
  if (fetched !== null) return fetched;
  throw new ModelScoutError(
    "NOT_FOUND",
    `${notInCatalog} Search with \`modelscout catalog search\`, add models from the Hub or a mirror (HF_ENDPOINT) with \`modelscout catalog sync\`, or profile a model folder of your own as local:./path.`,
    { details: { model: id } },
  );
}

/** One line per file on a terminal, redrawn in place; nothing when stderr is not a TTY. */
function progressPrinter(): (event: ModelProgressEvent) => void {
  const interactive = process.stderr.isTTY === true;
  return (event) => {
    if (event.status === "progress" && interactive && event.totalBytes) {
      const width = 30;
      const done = Math.round(((event.percent ?? 0) / 100) * width);
      process.stderr.write(
        `\r${event.file ?? ""} [${"#".repeat(done)}${" ".repeat(width - done)}] ${formatBytes(event.loadedBytes ?? 0)} / ${formatBytes(event.totalBytes)}`,
      );
    } else if (event.status === "done" && interactive) {
      process.stderr.write("\n");
    } else if (event.status === "download" && !interactive) {
      const verb = isLocalModelId(event.modelId) ? "Reading" : "Fetching";
      process.stderr.write(`${verb} ${event.file ?? "a file"} of ${event.modelId}\n`);
    }
  };
}

/**
 * Why a `local:` folder's figures are not stored: select reads the folder afresh each run,
 * and a catalog record of it would stand in for the folder's own files.
 */
const LOCAL_NOT_STORED =
  "Not stored: a local: folder is read afresh on each run, so stored figures would go stale; select measures it on your data.";

function render(profile: ModelProfile, storedFor: readonly string[]): string {
  const table = formatTable(profile.batches, [
    { header: "batch", value: (row) => String(row.batchSize), align: "right" },
    { header: "p50/item", value: (row) => formatMs(row.itemLatencyMs.p50), align: "right" },
    { header: "p95/item", value: (row) => formatMs(row.itemLatencyMs.p95), align: "right" },
    { header: "p50/batch", value: (row) => formatMs(row.batchLatencyMs.p50), align: "right" },
    { header: "p95/batch", value: (row) => formatMs(row.batchLatencyMs.p95), align: "right" },
    {
      header: "items/s",
      value: (row) => row.throughputPerSecond.toFixed(row.throughputPerSecond < 100 ? 1 : 0),
      align: "right",
    },
  ]);
  return [
    `${profile.modelId} (${profile.provider}, ${profile.task}${profile.dtype ? `, ${profile.dtype}` : ""}) on ${profile.machine.name}`,
    `cold load: ${formatMs(profile.coldLoadMs)}   peak memory: ${formatBytes(profile.peakMemoryBytes)} (${profile.memoryScope === "model-process" ? "model process" : "this process"})`,
    table,
    storedFor.length === 0
      ? LOCAL_NOT_STORED
      : `Stored as measured figures for ${storedFor.join(", ")}.`,
  ].join("\n");
}

export default defineCommand({
  meta: {
    name: "profile",
    description: "Measure a model's load time, latency, throughput and memory on this machine",
  },
  args: {
    id: {
      type: "positional",
      description:
        "Catalog or Hub model id (a `@q8` suffix picks a variant), or a model folder as local:./path",
      required: true,
    },
    batch: { type: "string", description: "Batch sizes to measure, e.g. 1,8,32 (default 1)" },
    runs: { type: "string", description: "Timed runs per batch size (default 10)" },
    warmup: { type: "string", description: "Untimed warm-up runs per batch size (default 2)" },
    hardware: {
      type: "string",
      description:
        "Also store the figures for these hardware profiles (comma-separated), e.g. cpu-laptop",
    },
    "timeout-ms": {
      type: "string",
      description: "Longest one batch may run before the model is stopped (default 60000)",
    },
    "load-timeout-ms": {
      type: "string",
      description:
        "Longest the model may take to download and load before it is stopped (default 600000)",
    },
    "in-process": {
      type: "boolean",
      description: "Run the model in this process instead of a child process",
    },
    json: { type: "boolean", description: "Print JSON" },
  },
  async run({ args }) {
    const batchSizes = batchSizesOption(args.batch);
    const runs = integerOption("runs", args.runs) ?? 10;
    const warmupRuns = args.warmup === "0" ? 0 : (integerOption("warmup", args.warmup) ?? 2);
    const runTimeoutMs = integerOption("timeout-ms", args["timeout-ms"]);
    const loadTimeoutMs = integerOption("load-timeout-ms", args["load-timeout-ms"]);
    const timeouts = {
      ...(runTimeoutMs !== undefined && { runTimeoutMs }),
      ...(loadTimeoutMs !== undefined && { loadTimeoutMs }),
    };
    const extraHardware = (args.hardware ?? "")
      .split(",")
      .map((name) => name.trim())
      .filter((name) => name !== "")
      .map((name) => resolveHardware(name).id);
    const hardwareIds = [LOCAL_HARDWARE_ID, ...new Set(extraHardware)];
    const isolated = args["in-process"] !== true;

    const store = await openCatalog();
    try {
      const model = await resolveModel(store, args.id);
      const inputs = sampleInputs(model.task);
      const transformers = createTransformersBackendProvider({
        isolated: isolated ? timeouts : false,
        onProgress: progressPrinter(),
      });
      const providers: BackendProvider[] = [
        transformers,
        isolated ? isolatedProvider(npmBackendProvider, timeouts) : npmBackendProvider,
        // Endpoint models run remotely: what is measured is latency as seen from here.
        httpBackendProvider,
      ];
      const backend = createBackend(model, providers);
      // Downloading and loading can take minutes with nothing else to show on a pipe.
      if (isolated) {
        process.stderr.write(
          `Loading ${model.id} (at most ${Math.round((loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS) / 1000)} s: --load-timeout-ms)...\n`,
        );
      }
      let profile: ModelProfile;
      try {
        profile = await profileModel({ backend, inputs, batchSizes, warmupRuns, runs });
      } finally {
        await backend.unload();
      }
      const storedFor = isLocalModelId(model.id) ? [] : hardwareIds;
      if (storedFor.length > 0) await recordProfile(store, model, profile, storedFor);
      if (args.json) {
        printJson({ profile, storedFor });
        return;
      }
      process.stdout.write(`${render(profile, storedFor)}\n`);
    } finally {
      await store.close();
    }
  },
});
