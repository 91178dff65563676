/**
 * @module
 * `modelscout catalog search`: parses flags, calls `searchCatalog`, prints a table or JSON.
 */
import { defineCommand } from "citty";
import {
  type CatalogSearchHit,
  type CatalogSearchOptions,
  searchCatalog,
} from "../../catalog/search-catalog.js";
import { formatBytes, formatCount, formatMs, formatTable } from "../../text/format-table.js";
import { integerOption, numberOption, printJson } from "../cli-options.js";
import { openCatalog } from "../open-catalog.js";

export default defineCommand({
  meta: {
    name: "search",
    description: "Search the model catalog by task, language, licence and hardware fit",
  },
  args: {
    task: {
      type: "string",
      description: "Pipeline tag or alias, e.g. text-classification, sentiment, embeddings",
    },
    lang: {
      type: "string",
      description: "Language the models declare: a code or name, e.g. zh, en, Chinese",
    },
    license: { type: "string", description: "Licence id, e.g. apache-2.0, mit" },
    source: { type: "string", description: "hub, npm, endpoint or local" },
    library: {
      type: "string",
      description:
        "Libraries, comma-separated, e.g. transformers.js,onnx (the ONNX models transformers.js runs here)",
    },
    onnx: {
      type: "boolean",
      description:
        "Only models with ONNX weights, which transformers.js runs here: conversions and repositories of any library the Hub tags onnx",
    },
    hardware: {
      type: "string",
      description:
        "Target hardware profile, e.g. a100, t4, rpi5, cpu-laptop (see: modelscout hardware list)",
    },
    dtype: {
      type: "string",
      description: "Weight format for fit and latency: fp32, fp16, bf16, int8, int4",
    },
    "max-memory-gb": {
      type: "string",
      description: "Memory budget in GB (weights plus runtime overhead)",
    },
    "max-latency-ms": { type: "string", description: "Latency bound per item on --hardware" },
    sort: {
      type: "string",
      description: "downloads (default), likes, score, latency or lastModified",
    },
    limit: { type: "string", description: "How many models to show (default 20)" },
    offset: { type: "string", description: "Skip this many results" },
    json: { type: "boolean", description: "Print JSON instead of a table" },
  },
  async run({ args }) {
    const options = {
      task: args.task,
      language: args.lang,
      license: args.license,
      source: args.source,
      library: args.library,
      onnx: args.onnx === true ? true : undefined,
      hardware: args.hardware,
      dtype: args.dtype,
      maxMemoryGb: numberOption("max-memory-gb", args["max-memory-gb"]),
      maxLatencyMs: numberOption("max-latency-ms", args["max-latency-ms"]),
      sort: args.sort,
      limit: integerOption("limit", args.limit),
      offset: numberOption("offset", args.offset),
    };
    const defined = Object.fromEntries(
      Object.entries(options).filter(([, value]) => value !== undefined),
    );
    const store = await openCatalog();
    try {
      const result = await searchCatalog(store, defined as CatalogSearchOptions);
      if (args.json) {
        printJson({ query: result.query, models: result.models, hasMore: result.hasMore });
        return;
      }
      if (result.models.length === 0) {
        // --lang keeps models that declare the language, where select also keeps those that
        // declare none (most LLMs): when that is what emptied the list, say so.
        const { language, ...others } = defined as CatalogSearchOptions;
        const withoutLanguage =
          language === undefined || result.query.offset > 0
            ? null
            : await searchCatalog(store, { ...others, limit: 1, offset: 0 });
        process.stdout.write(
          withoutLanguage !== null && withoutLanguage.models.length > 0
            ? `No models that match the other filters declare ${result.query.language}: --lang lists only models that declare the language, while select also keeps those that declare none and tests them on your data. Drop --lang to list them.\n`
            : `No models match. Loosen a filter, or sync more models with \`modelscout catalog sync${syncHint(args.task, args.onnx === true)}\`.\n`,
        );
        return;
      }
      process.stdout.write(`${renderSearchTable(result.models, result.query.hardware !== null)}\n`);
      const more = result.hasMore
        ? ` More match: use --limit or --offset ${result.query.offset + result.query.limit}.`
        : "";
      const hardwareNote =
        result.query.hardware === null
          ? ""
          : ` Fit and latency for ${result.query.hardware} at ${result.query.dtype}; latency marked ~ is a roofline estimate, = is measured; for text generation it covers a 128-token prompt and 128 generated tokens.`;
      // A bound keeps what it cannot judge, as select does (ADR 0086): say why a ? is listed.
      const unknownNote =
        result.query.maxLatencyMs !== null &&
        result.models.some((model) => model.latencyMs === null)
          ? ` Latency ? is unknown (no parameter count, no measurement): --max-latency-ms keeps such models, as select does, which measures them on your data.`
          : "";
      const found = `${result.models.length} model${result.models.length === 1 ? "" : "s"}.`;
      process.stdout.write(`${found}${hardwareNote}${unknownNote}${more}\n`);
    } finally {
      await store.close();
    }
  },
});

export function renderSearchTable(
  models: readonly CatalogSearchHit[],
  withHardware: boolean,
): string {
  return formatTable(models, [
    { header: "MODEL", value: (model) => model.id, maxWidth: 56 },
    { header: "SOURCE", value: (model) => model.source },
    { header: "TASK", value: (model) => model.task ?? "?", maxWidth: 22 },
    {
      header: "LANG",
      value: (model) =>
        model.languages.length > 3
          ? `${model.languages.slice(0, 3).join(",")},+${model.languages.length - 3}`
          : model.languages.join(",") || "-",
    },
    { header: "LICENCE", value: (model) => model.license ?? "?", maxWidth: 14 },
    { header: "PARAMS", value: (model) => formatCount(model.params), align: "right" },
    {
      header: "SCORE",
      value: (model) => (model.score === null ? "-" : model.score.toFixed(1)),
      align: "right",
    },
    { header: "DOWNLOADS", value: (model) => formatCount(model.downloads), align: "right" },
    ...(withHardware
      ? [
          {
            header: "MEMORY",
            value: (model: CatalogSearchHit) => formatBytes(model.memoryBytes),
            align: "right" as const,
          },
          {
            header: "FITS",
            value: (model: CatalogSearchHit) =>
              model.fits === null ? "?" : model.fits ? "yes" : "no",
          },
          {
            header: "LATENCY",
            value: (model: CatalogSearchHit) =>
              model.latencyMs === null
                ? "?"
                : `${model.latencyKind === "measured" ? "=" : "~"}${formatMs(model.latencyMs)}`,
            align: "right" as const,
          },
        ]
      : []),
  ]);
}

/** The sync that would bring what the search asked for: the task, and only ONNX models with --onnx. */
function syncHint(task: string | undefined, onnx: boolean): string {
  return `${task === undefined ? "" : ` --task ${task}`}${onnx ? " --onnx" : ""}`;
}
