/**
 * @module
 * The selection pipeline, the core behind `modelscout select`: hard filters over the catalog
 * (`candidate-pool.ts`), priors (`priors.ts`), then probing the best candidates on the user's
 * sample data within the budget (budgeted racing, `strategies/budgeted-selection.ts`), then
 * metrics (`evaluate-outputs.ts`), utilities, SLOs and the Pareto front
 * (`score-candidates.ts`), and a `SelectionDecision` that explains itself.
 *
 * Failure handling: a candidate that cannot load or fails on an item is recorded as `failed`
 * with its error and the race goes on without it; the budget's wall time and an abort signal
 * (Ctrl-C) stop probing between items and the decision keeps what was measured, marked
 * `completed` (time budget) or `aborted` (signal). With a `DecisionStore`, the record is
 * written when the run starts, every few seconds while probing, and at the end.
 *
 * Latency: every probe is timed around `doRun` on this machine. When the spec targets other
 * hardware, the catalog's figure for that hardware (measured there, else the roofline
 * estimate) is reported instead, labelled as such; with no figure for the target, this
 * machine's measurement is used and the note says so.
 */
import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import { cpus, platform } from "node:os";
import { basename, dirname, isAbsolute, resolve } from "node:path";
import { namesOneOfItsLabels } from "../backends/http/openai-compatible-backend.js";
import type { ModelArtifact } from "../backends/model-artifact.js";
import type {
  BackendInput,
  BackendOutput,
  BackendProvider,
  ModelBackend,
} from "../backends/model-backend.js";
import type { CatalogStore } from "../catalog/catalog-store.js";
import type { ModelRecord } from "../catalog/model-record.js";
import { errorMessage } from "../errors/error-message.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { LOCAL_HARDWARE_ID } from "../hardware/local-machine-profile.js";
import { audioInputFromFile } from "../media/audio-input.js";
import { isAudioType, isImageType, sniffMediaType } from "../media/sniff-media-type.js";
import { EXPECTED_OUTPUT_KIND } from "../route/task-output-kind.js";
import { compatibleTasks, isTaskId } from "../tasks/resolve-task.js";
import { taskInputKind } from "../tasks/task-input-kind.js";
import { VERSION } from "../version.js";
import { baselineWarning } from "./baseline-warning.js";
import {
  buildCandidatePool,
  type CandidatePool,
  filterByLabels,
  noCandidatesError,
  type PoolCandidate,
} from "./candidate-pool.js";
import type { CandidateOutcome, SelectionDecision } from "./decision.js";
import { type DecisionStore, newDecisionId } from "./decision-store.js";
import {
  type CandidateEvaluation,
  createEvaluator,
  type SelectionEvaluator,
} from "./evaluate-outputs.js";
import { explainEliminated } from "./explain-eliminated.js";
import { type CandidateFilesLookup, lookUpProbingCut } from "./look-up-candidate-files.js";
import { matchLabels } from "./match-labels.js";
import { isMetricName, METRICS } from "./metrics/metric-registry.js";
import { computePriors, type FeedbackEvidence, type Prior } from "./priors.js";
import { costPer1kItemsUsd } from "./probe-cost.js";
import {
  loadSampleData,
  MAX_SAMPLE_ITEMS,
  type SampleData,
  type SampleItem,
} from "./sample-data.js";
import { scoreCandidates } from "./score-candidates.js";
import { budgetedSelection } from "./strategies/budgeted-selection.js";
import { gapSelection } from "./strategies/gap-selection.js";
import { naiveSelection } from "./strategies/naive-selection.js";
import { cascadeSentence, suggestCascade } from "./suggest-cascade.js";
import type { TaskSpec } from "./task-spec.js";

export { MAX_SAMPLE_ITEMS };

const SAVE_EVERY_MS = 2000;
/** Tasks whose outputs are labels the data's labels must match. */
const LABELLED_CLASSIFICATION_TASKS = new Set([
  "text-classification",
  "token-classification",
  "image-classification",
  "audio-classification",
]);

export type SelectionProgress =
  | { phase: "filtered"; candidates: number; probing: number }
  /** Looking up the files of a candidate in the cut whose listing named none. */
  | { phase: "files"; id: string }
  | { phase: "loading"; id: string; index: number; of: number }
  | { phase: "loaded"; id: string; loadMs: number }
  | { phase: "failed"; id: string; message: string }
  | { phase: "probing"; spentProbes: number; maxProbes: number; leaderId: string | null }
  | { phase: "scored"; winnerId: string | null };

export interface RunSelectionOptions {
  spec: TaskSpec;
  /**
   * What the sample data's errors tell the user to do when the data did not come from the
   * spec's own data block (the CLI's `--data`): name the input column, leave malformed rows
   * out. Default: the task spec's `data.columns.input` and `data.on_malformed_row`.
   */
  dataHints?: { columns?: string; skip?: string };
  /** The spec as written, kept in the record. */
  specInput: unknown;
  /** Where the spec came from, for the record (`examples/x/task.json`, `request: "..."`). */
  specSource: string;
  /** Folder the spec's relative paths (data, `local:` models) are resolved against. */
  baseDirectory: string;
  catalog: CatalogStore;
  /** Backend providers in order of preference. */
  providers: readonly BackendProvider[];
  decisions?: DecisionStore;
  /** Quality per model id from routing feedback, folded into the priors. */
  feedback?: ReadonlyMap<string, FeedbackEvidence>;
  /** Resolves ids the catalog does not hold (`local:` model folders). */
  resolveExtraId?: (id: string, baseDirectory: string) => Promise<ModelRecord | null>;
  /**
   * Looks up the `onnx/` files of a candidate in the probing cut whose listing named none
   * (`hubFilesLookup` asks `HF_ENDPOINT`); what it finds is stored in the catalog. Absent:
   * such candidates are probed with their files unknown, and the explanation says so.
   */
  lookUpFiles?: CandidateFilesLookup;
  onProgress?: (event: SelectionProgress) => void;
  signal?: AbortSignal;
  seed?: number;
  now?: () => Date;
}

class StopProbing extends Error {
  constructor(readonly why: "time" | "abort") {
    super(why);
  }
}

/** A candidate that passed the filters, with its prior. */
interface RankedCandidate {
  candidate: PoolCandidate;
  prior: Prior;
}

interface ProbedCandidate {
  entry: RankedCandidate;
  backend: ModelBackend | null;
  loadMs: number | null;
  /** What the backend said it loaded (`LoadResult.artifact`), for the record. */
  artifact: ModelArtifact | null;
  failed: { code: string; message: string } | null;
  labelMapping: Record<string, string>;
  labelExplanation: string | null;
  /** Data labels no model label was found for: every item with one is scored wrong. */
  unmappedLabels: string[];
  /**
   * The model declared no labels before loading (a Hub model: the Hub's listing has no
   * `id2label`, or a language identifier), so its label set is read from its answers.
   */
  labelsFromOutput: boolean;
  /** The labels its answers have scored so far, when `labelsFromOutput`. */
  seenLabels: Set<string>;
  /** Output and latency per item index, for items probed. */
  outputs: Map<number, BackendOutput>;
  latenciesMs: number[];
  outcomes: number[];
  /** Sum of `outcomes`, kept as they come so the progress leader costs O(arms) per probe. */
  outcomeSum: number;
}

function errorInfo(error: unknown): { code: string; message: string } {
  if (ModelScoutError.isInstance(error)) return { code: error.code, message: error.message };
  return {
    code: "BACKEND_CRASHED",
    message: errorMessage(error),
  };
}

function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** A sample item's file path, relative to its data file (or the spec's folder). */
function itemPath(item: SampleItem, data: SampleData, baseDirectory: string): string {
  return isAbsolute(item.input)
    ? item.input
    : resolve(dirname(data.path) || baseDirectory, item.input);
}

/** How the errors about a sample file name it and say what the input column must hold. */
const SAMPLE_FILES = {
  audio: {
    noun: "Sample recording",
    files: "audio files",
    isKind: isAudioType,
    notKind: "is not audio",
    formats: "WAV, MP3, FLAC, Ogg, MP4 or WebM",
  },
  image: {
    noun: "Sample image",
    files: "image files",
    isKind: isImageType,
    notKind: "is not an image",
    formats: "PNG, JPEG, GIF, WebP, BMP or TIFF",
  },
} as const;

/**
 * A sample file's bytes, or its first `headBytes` of them, with an error that says what the
 * data's input column must hold when the file cannot be read.
 */
function readSampleFile(path: string, kind: MediaKind, headBytes?: number): Uint8Array {
  try {
    if (headBytes === undefined) return readFileSync(path);
    const head = Buffer.alloc(headBytes);
    const descriptor = openSync(path, "r");
    try {
      return head.subarray(0, readSync(descriptor, head, 0, headBytes, 0));
    } finally {
      closeSync(descriptor);
    }
  } catch (error) {
    const { noun, files } = SAMPLE_FILES[kind];
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `${noun} ${path} cannot be read: the data's input column holds paths to ${files}, relative to the data file.`,
      { cause: error, details: { path } },
    );
  }
}

type MediaKind = keyof typeof SAMPLE_FILES;

/** Fails, naming the file, unless a sample file starts like a recording or an image. */
function checkMediaSample(path: string, kind: MediaKind): void {
  const type = sniffMediaType(readSampleFile(path, kind, 64));
  const { noun, isKind, notKind, formats } = SAMPLE_FILES[kind];
  if (type === null || !isKind(type)) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `${noun} ${path} ${notKind}${type === null ? "" : ` (it looks like ${type})`}: the data's input column must point at ${formats} files.`,
      { details: { path } },
    );
  }
}

/**
 * A recording of the sample data as a model input (`media/audio-input.ts`): WAV decoded,
 * other formats as files for models behind speech servers.
 */
function audioSample(path: string): BackendInput {
  return audioInputFromFile(
    readSampleFile(path, "audio"),
    `Sample recording ${path}`,
    basename(path),
  ).input;
}

function toBackendInput(
  task: string,
  item: SampleItem,
  data: SampleData,
  baseDirectory: string,
): BackendInput {
  const kind = isTaskId(task) ? taskInputKind(task) : "text";
  if (kind === "audio") return audioSample(itemPath(item, data, baseDirectory));
  if (kind === "image") return { image: itemPath(item, data, baseDirectory) };
  return task === "zero-shot-classification"
    ? { text: item.input, candidateLabels: data.labels }
    : item.input;
}

/**
 * `spec` with the data's labels given to each classifier behind a chat server that declares
 * none (in its `candidates.models` entry or the spec's `labels`): such a model names one of
 * the labels it is told, and with none it could answer nothing, while the data says what the
 * answers should be.
 */
function withDataLabels(spec: TaskSpec, data: SampleData | null): TaskSpec {
  if (data === null || !data.hasLabels) return spec;
  const needs = (model: ModelRecord) =>
    (model.extra as { protocol?: unknown }).protocol === "openai" &&
    namesOneOfItsLabels(model.task) &&
    !Array.isArray((model.extra as { labels?: unknown }).labels);
  if (!spec.candidates.models.some(needs)) return spec;
  return {
    ...spec,
    candidates: {
      ...spec.candidates,
      models: spec.candidates.models.map((model) =>
        needs(model) ? { ...model, extra: { ...model.extra, labels: [...data.labels] } } : model,
      ),
    },
  };
}

/** A decision record for a run of `options` starting at `started`: nothing done yet. */
function newDecision(options: RunSelectionOptions, started: Date): SelectionDecision {
  const { spec } = options;
  return {
    id: newDecisionId(started),
    createdAt: started.toISOString(),
    finishedAt: null,
    status: "running",
    specInput: options.specInput,
    specSource: options.specSource,
    resolved: {
      task: spec.task,
      language: spec.language,
      maxLengthTokens: spec.maxLengthTokens,
      hardware: spec.hardware?.id ?? null,
      objectives: spec.objectives,
      slo: spec.slo,
      privacy: spec.privacy,
      maxProbes: spec.budget.maxProbes,
      maxSeconds: spec.budget.maxSeconds,
    },
    // Until the data picks a metric; a run without data keeps ranking by prior.
    metric: { name: "prior", proxy: false, description: "" },
    data: { path: null, items: 0, labelled: false, skippedRows: 0, labelMapping: null },
    filters: [],
    candidates: [],
    winner: null,
    paretoFront: [],
    spentProbes: 0,
    exhaustiveProbes: 0,
    stopReason: null,
    explanation: [],
    latencyNote: "",
    elapsedMs: 0,
    environment: {
      modelscoutVersion: VERSION,
      node: process.version,
      platform: `${platform()} ${process.arch}`,
      cpu: cpus()[0]?.model ?? "unknown",
    },
  };
}

/** Runs a selection and returns (and, with a store, saves) its decision record. */
export async function runSelection(options: RunSelectionOptions): Promise<SelectionDecision> {
  const now = options.now ?? (() => new Date());
  const startedMs = performance.now();
  const decision = newDecision(options, now());
  const save = () => {
    decision.elapsedMs = Math.round(performance.now() - startedMs);
    options.decisions?.save(decision);
  };
  save();
  const probed: ProbedCandidate[] = [];
  try {
    await select(options, decision, probed, save);
  } catch (error) {
    const info = errorInfo(error);
    decision.status =
      error instanceof StopProbing || info.code === "ABORTED"
        ? "aborted"
        : info.code === "NO_CANDIDATES"
          ? "no-candidates"
          : "failed";
    decision.error = info;
    if (decision.status === "aborted" && decision.stopReason === null) {
      decision.stopReason = "interrupted";
    }
    if (decision.explanation.length === 0) decision.explanation.push(info.message);
    throw Object.assign(error as object, { decision });
  } finally {
    decision.finishedAt = now().toISOString();
    save();
    await Promise.allSettled(probed.map((candidate) => candidate.backend?.unload()));
  }
  return decision;
}

/** A candidate a run would rank (and, with sample data, load and probe), as a check shows it. */
export interface PlannedCandidate {
  id: string;
  /** The backend that would run it; null when none here can (it would be recorded as failed). */
  provider: string | null;
  prior: number;
  priorSources: string[];
  /** Named in `candidates.ids` or `candidates.models`: probed whatever its prior. */
  listed: boolean;
  latencyMsP50: number | null;
  latencyKind: CandidateOutcome["latencyKind"];
  memoryBytes: number | null;
}

/**
 * What a selection of a spec would do, settled as a run settles it but with no model loaded
 * and no decision stored (`modelscout select --check`): the data and metric, the filters, and
 * the candidates it would probe, or, without sample data, rank by prior.
 */
export interface SelectionPlan {
  /** The spec as a run would use it: aliases resolved, weights normalised. */
  resolved: SelectionDecision["resolved"];
  metric: SelectionDecision["metric"];
  /** Null without sample data. */
  data: SelectionDecision["data"] | null;
  filters: SelectionDecision["filters"];
  /** With sample data, the ones a run would probe, in probing order; without, all of them by prior. */
  candidates: PlannedCandidate[];
  /** Candidates that passed the filters below the probing cut (the catalog search's `limit`). */
  notProbed: PlannedCandidate[];
  /** Listed ids that could not be resolved (a run records them as failed). */
  unresolved: { id: string; error: { code: string; message: string } }[];
  /** Model calls a run would make at most: every candidate on every item, or the budget's cap. */
  maxProbes: number;
  exhaustiveProbes: number;
  maxSeconds: number | null;
  /** What looking up the candidates' files found (a Hub listing that named no files). */
  notes: string[];
}

/**
 * Checks what a selection of `options.spec` would do without doing it: reads the sample data,
 * applies the filters and cuts the pool exactly as `runSelection` does (the cut's unknown
 * files looked up too, as a run would), then stops before the first model is loaded. Nothing
 * is stored in `options.decisions`. Throws what a run would throw before loading (a missing
 * data file, malformed rows, `NO_CANDIDATES`).
 */
export async function planSelection(options: RunSelectionOptions): Promise<SelectionPlan> {
  const decision = newDecision(options, (options.now ?? (() => new Date()))());
  const prepared = await prepareSelection(options, decision, () => {});
  const planned = ({ candidate, prior }: RankedCandidate): PlannedCandidate => ({
    id: candidate.model.id,
    provider: candidate.provider?.provider ?? null,
    prior: prior.value,
    priorSources: prior.sources,
    listed: candidate.listed,
    latencyMsP50: candidate.targetLatency?.latencyMs ?? null,
    latencyKind: candidate.targetLatency?.kind ?? null,
    memoryBytes: candidate.memoryBytes,
  });
  const items = prepared.data?.items.length ?? 0;
  const probing = prepared.data === null ? [] : prepared.toProbe;
  const exhaustiveProbes = probing.length * items;
  return {
    resolved: decision.resolved,
    metric:
      prepared.data === null
        ? {
            name: "prior",
            proxy: false,
            description:
              "No sample data: nothing would be measured, and candidates are ranked by their prior.",
          }
        : decision.metric,
    data: prepared.data === null ? null : decision.data,
    filters: decision.filters,
    candidates: (prepared.data === null ? prepared.order : prepared.toProbe).map(planned),
    notProbed: prepared.data === null ? [] : prepared.notProbed.map(planned),
    unresolved: prepared.pool.unresolved,
    maxProbes: Math.min(options.spec.budget.maxProbes ?? exhaustiveProbes, exhaustiveProbes),
    exhaustiveProbes,
    maxSeconds: options.spec.budget.maxSeconds,
    notes: prepared.filesNotes,
  };
}

function throwIfSelectionAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new ModelScoutError(
      "ABORTED",
      "Selection interrupted; the decision keeps what was measured.",
    );
  }
}

/** What a selection has settled before it loads a model: the data, the metric, the pool, the cut. */
interface PreparedSelection {
  data: SampleData | null;
  evaluator: SelectionEvaluator | null;
  pool: CandidatePool;
  /** Every candidate that passed the filters, best prior first. */
  order: RankedCandidate[];
  /** The candidates to load and probe (with sample data), and the rest. */
  toProbe: RankedCandidate[];
  notProbed: RankedCandidate[];
  filesNotes: string[];
}

/**
 * The steps before any model is loaded: reads and checks the sample data, picks the metric,
 * applies the hard filters, ranks the pool by prior and cuts it (looking up the cut's unknown
 * files). Records what it settled in `decision`; throws `NO_CANDIDATES` when the filters leave
 * none. A run and a check (`planSelection`) share it, so a check says what a run would do.
 */
async function prepareSelection(
  options: RunSelectionOptions,
  decision: SelectionDecision,
  save: () => void,
): Promise<PreparedSelection> {
  const { spec, signal } = options;
  const throwIfAborted = () => throwIfSelectionAborted(signal);

  // Sample data first: a missing file fails before anything else, and its labels filter the pool.
  const data =
    spec.data === null
      ? null
      : await loadSampleData(spec.data, {
          baseDirectory: options.baseDirectory,
          maxRows: MAX_SAMPLE_ITEMS,
          ...(options.dataHints?.columns !== undefined && {
            columnsHint: options.dataHints.columns,
          }),
          ...(options.dataHints?.skip !== undefined && { skipHint: options.dataHints.skip }),
        });
  // Recordings and pictures are checked before any model runs: a file that is not one is the
  // data's fault, and would otherwise be charged to every candidate in turn.
  const inputKind = isTaskId(spec.task) ? taskInputKind(spec.task) : "text";
  if (data !== null && inputKind !== "text") {
    for (const item of data.items) {
      checkMediaSample(itemPath(item, data, options.baseDirectory), inputKind);
    }
  }
  const evaluator: SelectionEvaluator | null =
    data === null
      ? null
      : createEvaluator({ task: spec.task, metric: spec.metric, hasLabels: data.hasLabels });
  if (data !== null && evaluator !== null) {
    decision.data = {
      path: data.path,
      sha256: data.sha256,
      items: data.items.length,
      ...(data.rows > data.items.length && { rowsInFile: data.rows }),
      labelled: data.hasLabels,
      skippedRows: data.skipped.length,
      ...(data.guessedInputColumn !== undefined && { inputColumn: data.guessedInputColumn }),
      ...(data.guessedLabelColumn !== undefined && { labelColumn: data.guessedLabelColumn }),
      labelMapping: null,
    };
    decision.metric = evaluator.metric;
  }
  save();

  // 1. Hard filters.
  let pool = await buildCandidatePool({
    spec: withDataLabels(spec, data),
    catalog: options.catalog,
    providers: options.providers,
    willProbe: spec.data !== null,
    ...(options.resolveExtraId !== undefined && {
      resolveExtraId: (id: string) =>
        (options.resolveExtraId as NonNullable<RunSelectionOptions["resolveExtraId"]>)(
          id,
          options.baseDirectory,
        ),
    }),
  }).catch((error: unknown) => {
    // NO_CANDIDATES carries the funnel, so the stored decision shows what emptied the pool.
    if (ModelScoutError.isInstance(error) && Array.isArray(error.details.filters)) {
      decision.filters = error.details.filters as SelectionDecision["filters"];
    }
    throw error;
  });
  decision.filters = pool.filters;
  // The classes to answer: the labelled data's, else the ones the spec names.
  const wantedLabels = data?.hasLabels === true ? data.labels : spec.labels;
  if (wantedLabels.length > 0 && LABELLED_CLASSIFICATION_TASKS.has(spec.task)) {
    try {
      pool = filterByLabels(
        pool,
        wantedLabels,
        spec.data?.labelMap ?? {},
        compatibleTasks(spec.task),
        data?.hasLabels === true ? "data" : "spec",
      );
      decision.filters = pool.filters;
    } catch (error) {
      // As above: the stored decision shows the labels step that emptied the pool.
      if (ModelScoutError.isInstance(error) && Array.isArray(error.details.filters)) {
        decision.filters = error.details.filters as SelectionDecision["filters"];
      }
      throw error;
    }
  }

  // 2. Priors and the probing cut.
  const pastWins = options.decisions?.pastWins(spec.task, spec.language) ?? new Map();
  const priors = computePriors(
    pool.candidates.map((candidate) => candidate.model),
    pastWins,
    options.feedback,
  );
  const order = pool.candidates
    .map((candidate, index): RankedCandidate => ({ candidate, prior: priors[index] as Prior }))
    // At equal priors, a model a backend here can run goes first: without sample data the
    // order is the ranking, and a tie is no reason to recommend one ModelScout cannot run.
    .sort(
      (a, b) =>
        b.prior.value - a.prior.value ||
        Number(b.candidate.provider !== null) - Number(a.candidate.provider !== null),
    );
  // Listed ids are all probed; a catalog search adds its `limit` best priors.
  const isListed = (entry: RankedCandidate) => entry.candidate.listed;
  const searched = order.filter((entry) => !isListed(entry));
  const extra = spec.candidates.searchCatalog ? spec.candidates.limit : 0;
  let toProbe = [...order.filter(isListed), ...searched.slice(0, extra)];
  let notProbed = searched.slice(extra);
  let filesNotes: string[] = [];
  if (data !== null) {
    // Only what will be run needs its files: the cut's unknown ones are looked up first.
    const cut = await lookUpProbingCut({
      listed: order.filter(isListed),
      searched,
      limit: extra,
      poolSize: pool.candidates.length,
      lookUp: options.lookUpFiles,
      catalog: options.catalog,
      providers: options.providers,
      privacy: spec.privacy,
      onLookUp: (id) => options.onProgress?.({ phase: "files", id }),
    });
    ({ toProbe, notProbed } = cut);
    filesNotes = cut.notes;
    if (cut.step !== null) {
      decision.filters = [...decision.filters, cut.step];
      if (cut.step.after === 0) {
        throw noCandidatesError(
          decision.filters,
          !spec.candidates.searchCatalog,
          compatibleTasks(spec.task),
        );
      }
    }
    throwIfAborted();
  }
  return { data, evaluator, pool, order, toProbe, notProbed, filesNotes };
}

async function select(
  options: RunSelectionOptions,
  decision: SelectionDecision,
  probed: ProbedCandidate[],
  save: () => void,
): Promise<void> {
  const { spec, signal } = options;
  const throwIfAborted = () => throwIfSelectionAborted(signal);
  const { data, evaluator, pool, order, toProbe, notProbed, filesNotes } = await prepareSelection(
    options,
    decision,
    save,
  );
  options.onProgress?.({
    phase: "filtered",
    candidates: pool.candidates.length,
    probing: data === null ? 0 : toProbe.length,
  });

  const baseOutcome = (
    { candidate, prior }: RankedCandidate,
    status: CandidateOutcome["status"],
  ): CandidateOutcome => ({
    ...blankOutcome(candidate.model.id, status),
    provider: candidate.provider?.provider ?? null,
    prior: prior.value,
    priorSources: prior.sources,
    latencyMsP50: candidate.targetLatency?.latencyMs ?? null,
    latencyKind: candidate.targetLatency?.kind ?? null,
    memoryBytes: candidate.memoryBytes,
  });
  const unresolvedOutcomes = pool.unresolved.map(
    (entry): CandidateOutcome => ({ ...blankOutcome(entry.id, "failed"), error: entry.error }),
  );

  // Without sample data there is nothing to probe: rank by priors and say so.
  if (data === null || evaluator === null) {
    // Not a proxy: `proxy` marks agreement on unlabelled data, and there is no data at all.
    decision.metric = {
      name: "prior",
      proxy: false,
      description:
        "No sample data was given, so nothing was measured: candidates are ranked by their prior (published evaluation scores, popularity, earlier decisions).",
    };
    decision.candidates = [
      ...order.map((entry, index) => ({
        ...baseOutcome(entry, index === 0 ? "winner" : "not-probed"),
        score: entry.prior.value,
      })),
      ...unresolvedOutcomes,
    ];
    const first = order[0] as RankedCandidate;
    decision.winner = { id: first.candidate.model.id };
    decision.status = "completed";
    decision.latencyNote = latencyNote(spec, false);
    decision.explanation = [
      `${first.candidate.model.id} has the highest prior of ${order.length} candidate${order.length === 1 ? "" : "s"} that passed the filters${first.prior.sources.length === 0 ? "" : ` (${first.prior.sources.join(", ")})`}.`,
      runnableSentence(first, order),
      "Nothing was measured: add data.path (a JSONL or CSV sample of your inputs, with labels if you have them) to probe the candidates on your own data.",
    ];
    return;
  }

  // 4. Load the candidates to probe; failures are recorded and skipped.
  for (const [index, entry] of toProbe.entries()) {
    throwIfAborted();
    const { candidate } = entry;
    options.onProgress?.({
      phase: "loading",
      id: candidate.model.id,
      index: index + 1,
      of: toProbe.length,
    });
    const record: ProbedCandidate = {
      entry,
      backend: null,
      loadMs: null,
      artifact: null,
      failed: null,
      labelMapping: {},
      labelExplanation: null,
      unmappedLabels: [],
      labelsFromOutput: false,
      seenLabels: new Set(),
      outputs: new Map(),
      latenciesMs: [],
      outcomes: [],
      outcomeSum: 0,
    };
    probed.push(record);
    try {
      if (candidate.provider === null) {
        throw new ModelScoutError("NOT_FOUND", `No backend here can run ${candidate.model.id}.`);
      }
      const backend = candidate.provider.create(candidate.model);
      record.backend = backend;
      const description = backend.describe();
      if (spec.privacy === "local-only" && !description.local) {
        throw new ModelScoutError(
          "INVALID_ARGUMENT",
          `${candidate.model.id} runs remotely, which privacy: local-only forbids.`,
        );
      }
      const loaded = await backend.load(signal === undefined ? {} : { signal });
      record.loadMs = loaded.loadMs;
      record.artifact = loaded.artifact ?? null;
      if (data.hasLabels && description.labels !== undefined && description.labels.length > 0) {
        const match = matchLabels(
          data.labels.filter((label) => spec.data?.labelMap[label] === undefined),
          [...description.labels],
        );
        record.labelMapping = { ...match.mapping, ...(spec.data?.labelMap ?? {}) };
        record.labelExplanation = match.explanation;
        record.unmappedLabels = match.unmatched;
      } else {
        record.labelMapping = { ...(spec.data?.labelMap ?? {}) };
        record.labelsFromOutput = data.hasLabels && LABELLED_CLASSIFICATION_TASKS.has(spec.task);
      }
      options.onProgress?.({ phase: "loaded", id: candidate.model.id, loadMs: loaded.loadMs });
    } catch (error) {
      if (signal?.aborted) throwIfAborted();
      record.failed = errorInfo(error);
      options.onProgress?.({
        phase: "failed",
        id: candidate.model.id,
        message: record.failed.message,
      });
    }
  }
  save();

  // 5. Probe: budgeted racing over the candidates that loaded.
  const arms = probed.filter((candidate) => candidate.failed === null);
  const maxProbes = Math.min(
    spec.budget.maxProbes ?? Number.POSITIVE_INFINITY,
    arms.length * data.items.length,
  );
  decision.exhaustiveProbes = arms.length * data.items.length;
  const deadline =
    spec.budget.maxSeconds === null
      ? Number.POSITIVE_INFINITY
      : performance.now() + spec.budget.maxSeconds * 1000;
  let spent = 0;
  let lastSave = performance.now();
  let stoppedBy: "time" | null = null;
  const runOne = async (arm: ProbedCandidate, itemIndex: number): Promise<BackendOutput | null> => {
    const cached = arm.outputs.get(itemIndex);
    if (cached !== undefined) return cached;
    if (arm.failed !== null || arm.backend === null) return null;
    if (signal?.aborted) throw new StopProbing("abort");
    if (performance.now() > deadline) throw new StopProbing("time");
    const item = data.items[itemIndex] as SampleItem;
    const started = performance.now();
    try {
      const [output] = await arm.backend.doRun(
        [toBackendInput(spec.task, item, data, options.baseDirectory)],
        signal === undefined ? {} : { signal },
      );
      arm.latenciesMs.push(performance.now() - started);
      spent++;
      if (output === undefined)
        throw new ModelScoutError(
          "BACKEND_RESPONSE_INVALID",
          `${arm.entry.candidate.model.id} returned no output for line ${item.line}.`,
        );
      if (arm.labelsFromOutput) {
        learnLabelsFromOutput(arm, output, data.labels, spec.data?.labelMap ?? {});
      }
      arm.outputs.set(itemIndex, output);
      return output;
    } catch (error) {
      if (signal?.aborted) throw new StopProbing("abort");
      const info = errorInfo(error);
      arm.failed = { code: info.code, message: `on line ${item.line}: ${info.message}` };
      options.onProgress?.({
        phase: "failed",
        id: arm.entry.candidate.model.id,
        message: arm.failed.message,
      });
      return null;
    } finally {
      if (performance.now() - lastSave > SAVE_EVERY_MS) {
        lastSave = performance.now();
        snapshotCandidates();
        save();
      }
    }
  };
  const snapshotCandidates = () => {
    decision.spentProbes = spent;
    decision.candidates = [
      ...probed.map((candidate) => ({
        ...baseOutcome(candidate.entry, candidate.failed === null ? "selectable" : "failed"),
        probes: candidate.outputs.size,
        ...(candidate.artifact !== null && { artifact: candidate.artifact }),
      })),
      ...notProbed.map((entry) => baseOutcome(entry, "not-probed")),
      ...unresolvedOutcomes,
    ];
  };

  let race: Awaited<ReturnType<typeof budgetedSelection>> | null = null;
  const seed = options.seed ?? 1;
  // 6. Metrics, latency, scoring: at the end, and of what was measured when interrupted.
  const measure = () => {
    const targetIsLocal = spec.hardware === null || spec.hardware.id === LOCAL_HARDWARE_ID;
    const evaluations = new Map<ProbedCandidate, CandidateEvaluation>();
    for (const candidate of probed) {
      if (candidate.outputs.size === 0) continue;
      const itemIndexes = [...candidate.outputs.keys()];
      evaluations.set(
        candidate,
        evaluator.evaluate({
          items: itemIndexes.map((index) => data.items[index] as SampleItem),
          outputs: itemIndexes.map((index) => candidate.outputs.get(index) as BackendOutput),
          labelMapping: candidate.labelMapping,
          outcomes: candidate.outcomes,
          others: probed
            .filter((other) => other !== candidate)
            .map((other) => itemIndexes.map((index) => other.outputs.get(index) ?? null)),
        }),
      );
    }
    const outcomes: CandidateOutcome[] = probed.map((candidate) => {
      const evaluation = evaluations.get(candidate);
      const measuredP50 = percentile(candidate.latenciesMs, 50);
      const measuredP95 = percentile(candidate.latenciesMs, 95);
      const useTarget = !targetIsLocal && candidate.entry.candidate.targetLatency !== null;
      const raceArm = race === null ? undefined : race.perArm[arms.indexOf(candidate)];
      const outcome: CandidateOutcome = {
        ...baseOutcome(candidate.entry, candidate.failed !== null ? "failed" : "selectable"),
        quality: evaluation?.quality ?? null,
        qualityCi: evaluation?.qualityCi ?? null,
        metrics: evaluation?.metrics ?? {},
        ...(evaluation?.perClassRecall !== undefined && {
          perClassRecall: evaluation.perClassRecall,
        }),
        latencyMsP50: useTarget
          ? (candidate.entry.candidate.targetLatency?.latencyMs ?? null)
          : measuredP50,
        latencyMsP95: useTarget
          ? (candidate.entry.candidate.targetLatency?.latencyMs ?? null)
          : measuredP95,
        latencyKind: useTarget
          ? (candidate.entry.candidate.targetLatency?.kind ?? null)
          : measuredP50 === null
            ? null
            : "measured",
        loadMs: candidate.loadMs === null ? null : Math.round(candidate.loadMs),
        costPer1kItemsUsd: costPer1kItemsUsd(
          candidate.entry.candidate.model,
          candidate.backend?.describe().local ?? true,
          candidate.outputs.values(),
        ),
        probes: candidate.outputs.size,
        ...(raceArm?.eliminatedAtRound !== undefined && {
          eliminatedAtRound: raceArm.eliminatedAtRound,
        }),
        ...(candidate.failed !== null && { error: candidate.failed }),
        ...(candidate.artifact !== null && { artifact: candidate.artifact }),
      };
      // Raced out before its first probe (a short budget spent on better priors).
      if (outcome.status !== "failed" && candidate.outputs.size === 0)
        outcome.status = "not-probed";
      else if (outcome.status !== "failed" && raceArm?.eliminatedAtRound !== undefined)
        outcome.status = "eliminated";
      return outcome;
    });
    const scorable = outcomes.filter(
      (outcome) => outcome.status !== "failed" && outcome.quality !== null,
    );
    const scored = scoreCandidates(
      scorable.map((outcome) => ({
        id: outcome.id,
        quality: outcome.quality,
        latencyMsP50: outcome.latencyMsP50,
        latencyMsP95: outcome.latencyMsP95,
        memoryBytes: outcome.memoryBytes,
        costPer1kItemsUsd: outcome.costPer1kItemsUsd,
      })),
      spec.objectives,
      spec.slo,
    );
    for (const [index, result] of scored.entries()) {
      const outcome = scorable[index] as CandidateOutcome;
      outcome.utilities = result.utilities;
      outcome.score = result.score;
      outcome.onParetoFront = result.onParetoFront;
      outcome.sloViolations = result.sloViolations;
      if (result.sloViolations.length > 0) outcome.status = "slo-violated";
    }
    return { outcomes, scored, scorable };
  };
  if (arms.length > 0 && data.items.length > 0) {
    try {
      // One candidate has nobody to race: measure it on as many items as the budget allows.
      // With a probe budget of 10% of exhaustive or more, gap-based allocation spends it all
      // on the undecided pairs and picked an epsilon-good model more often than racing
      // (docs/benchmarks.md: 94.4% vs 93.6% at 15%); racing stops early and is better below 10%.
      const strategy =
        arms.length === 1
          ? naiveSelection
          : spec.budget.maxProbes !== null && maxProbes >= 0.1 * decision.exhaustiveProbes
            ? gapSelection
            : budgetedSelection;
      decision.strategy =
        strategy === naiveSelection ? "naive" : strategy === gapSelection ? "gap" : "racing";
      decision.seeds = { sample: data.sampleSeed, strategy: seed };
      race = await strategy(
        {
          armCount: arms.length,
          itemCount: data.items.length,
          probe: async (armIndex, itemIndex) => {
            const arm = arms[armIndex] as ProbedCandidate;
            const output = await runOne(arm, itemIndex);
            if (output === null) return 0;
            const outcome = await evaluator.itemOutcome({
              item: data.items[itemIndex] as SampleItem,
              itemIndex,
              output,
              labelMapping: arm.labelMapping,
              previous: arm.outputs,
              items: data.items,
              // The agreement proxy compares with the other candidates on the same item.
              others: async () => {
                const outputs: BackendOutput[] = [];
                for (const other of arms) {
                  if (other === arm) continue;
                  const result = await runOne(other, itemIndex);
                  if (result !== null) outputs.push(result);
                }
                return outputs;
              },
            });
            arm.outcomes.push(outcome);
            arm.outcomeSum += outcome;
            const leader = arms.reduce<ProbedCandidate | null>((best, candidate) => {
              const mean = meanOutcome(candidate);
              return best === null || mean > meanOutcome(best) ? candidate : best;
            }, null);
            options.onProgress?.({
              phase: "probing",
              spentProbes: spent,
              maxProbes: Number.isFinite(maxProbes) ? maxProbes : decision.exhaustiveProbes,
              leaderId: leader?.entry.candidate.model.id ?? null,
            });
            return outcome;
          },
        },
        {
          maxProbes,
          seed,
          // Priors choose which arms to race when the budget is short and break exact ties;
          // the strategy combines them with data only when they agree with it (0011).
          ...(arms.length > 1 && {
            priors: arms.map((arm) => arm.entry.prior.value),
          }),
        },
      );
      decision.stopReason = race.stopReason;
    } catch (error) {
      if (!(error instanceof StopProbing)) throw error;
      if (error.why === "abort") {
        // What each candidate scored on the items it answered, as at a normal end; no winner.
        decision.spentProbes = spent;
        const measured = measure();
        decision.candidates = [
          ...[...measured.outcomes].sort((a, b) => statusRank(a) - statusRank(b) || byMerit(a, b)),
          ...notProbed.map((entry) => baseOutcome(entry, "not-probed")),
          ...unresolvedOutcomes,
        ];
        decision.paretoFront = measured.scored
          .filter((result) => result.onParetoFront)
          .map((result) => result.id);
        decision.data.labelMapping = labelMappingSummary(probed);
        const mismatches = labelMismatches(probed);
        if (mismatches.length > 0) decision.data.labelMismatches = mismatches;
        decision.latencyNote = latencyNote(spec, true);
        decision.stopReason = "interrupted";
        throw new ModelScoutError(
          "ABORTED",
          "Selection interrupted; the decision keeps what was measured so far.",
        );
      }
      stoppedBy = "time";
      decision.stopReason = "time-budget";
    }
  }
  decision.spentProbes = spent;

  const { outcomes, scored, scorable } = measure();
  const eligible = scorable.filter((outcome) => outcome.status !== "slo-violated");
  // Eliminated candidates keep their score: they lost on quality, but the weights may still favour them.
  const winner = [...eligible].sort(byMerit)[0] ?? null;
  if (winner !== null) winner.status = "winner";
  const ranked = [...outcomes].sort((a, b) => statusRank(a) - statusRank(b) || byMerit(a, b));
  decision.candidates = [
    ...ranked,
    ...notProbed.map((entry) => baseOutcome(entry, "not-probed")),
    ...unresolvedOutcomes,
  ];
  decision.paretoFront = scored.filter((result) => result.onParetoFront).map((result) => result.id);
  decision.winner = winner === null ? null : { id: winner.id };
  decision.data.labelMapping = labelMappingSummary(probed);
  const mismatches = labelMismatches(probed);
  if (mismatches.length > 0) decision.data.labelMismatches = mismatches;
  decision.latencyNote = latencyNote(spec, true);
  decision.explanation = [...explain(decision, winner, stoppedBy, data), ...filesNotes];
  if (winner !== null && data.hasLabels && EXPECTED_OUTPUT_KIND[spec.task] === "labels") {
    const cascade = suggestCascade(
      winner.id,
      probed.flatMap((candidate, index) => {
        const outcome = outcomes[index] as CandidateOutcome;
        return outcome.status === "failed" || outcome.status === "slo-violated"
          ? []
          : [
              {
                id: outcome.id,
                quality: outcome.quality,
                latencyMsP50: outcome.latencyMsP50,
                outputs: candidate.outputs,
                labelMapping: candidate.labelMapping,
              },
            ];
      }),
      data.items,
    );
    if (cascade !== null) {
      decision.cascade = cascade;
      decision.explanation.push(cascadeSentence(cascade));
    }
  }
  decision.status = winner === null ? "failed" : "completed";
  if (winner === null) {
    decision.error = { code: "NO_CANDIDATES", message: noWinnerReason(decision, stoppedBy) };
  }
  options.onProgress?.({ phase: "scored", winnerId: winner?.id ?? null });
}

/**
 * Whether the winner of a ranking by priors can be run here. Such a ranking keeps models no
 * backend here runs (a Hub model without ONNX weights is still the answer for a GPU server
 * that runs it with vLLM, and a "runnable" filter would drop most of them), but the user
 * must not take the winner for something `modelscout serve` can route to when it is not:
 * the sentence says so and names the best-ranked candidate that can be run here.
 */
function runnableSentence(first: RankedCandidate, order: readonly RankedCandidate[]): string {
  const { model, provider } = first.candidate;
  if (provider !== null) {
    return `${model.id} can be run here (${provider.provider} backend): sample data would probe it, and \`modelscout serve\` can route to it.`;
  }
  const runnable = order.find((entry) => entry.candidate.provider !== null);
  return `${model.id} cannot be run here (no backend for source ${model.source}, library ${model.library ?? "unknown"}): ModelScout can neither probe nor serve it. ${runnable === undefined ? "No candidate that passed the filters can be run here." : `The best-ranked candidate that can is ${runnable.candidate.model.id} (prior ${runnable.prior.value.toFixed(3)}).`}`;
}

/** A candidate with nothing known or measured yet. */
function blankOutcome(id: string, status: CandidateOutcome["status"]): CandidateOutcome {
  return {
    id,
    provider: null,
    status,
    prior: 0,
    priorSources: [],
    quality: null,
    qualityCi: null,
    metrics: {},
    latencyMsP50: null,
    latencyMsP95: null,
    latencyKind: null,
    loadMs: null,
    memoryBytes: null,
    costPer1kItemsUsd: null,
    utilities: { quality: null, latency: null, memory: null, cost: null },
    score: null,
    probes: 0,
    onParetoFront: false,
    sloViolations: [],
  };
}

function meanOutcome(candidate: ProbedCandidate): number {
  const count = candidate.outcomes.length;
  return count === 0 ? 0 : candidate.outcomeSum / count;
}

const STATUS_ORDER: Record<CandidateOutcome["status"], number> = {
  winner: 0,
  selectable: 1,
  eliminated: 2,
  "slo-violated": 3,
  failed: 4,
  "not-probed": 5,
};

/** Score, then quality, then speed, then prior: ties on score go to the better measured model. */
function byMerit(a: CandidateOutcome, b: CandidateOutcome): number {
  return (
    (b.score ?? -1) - (a.score ?? -1) ||
    (b.quality ?? -1) - (a.quality ?? -1) ||
    (a.latencyMsP50 ?? Number.POSITIVE_INFINITY) - (b.latencyMsP50 ?? Number.POSITIVE_INFINITY) ||
    b.prior - a.prior
  );
}

function statusRank(outcome: CandidateOutcome): number {
  return STATUS_ORDER[outcome.status];
}

/**
 * Maps the data's labels onto a model's as its label set shows in its answers, exactly as a
 * label set declared before loading is: without it, data labelled 1/0 would be scored against
 * POSITIVE/NEGATIVE answers as wrong on every item. A transformers.js classifier scores every
 * label in each answer (\`top_k: null\`), but a language identifier names only its likeliest
 * few: the set is the union of the labels answers have named, and the mapping is made again
 * when an answer adds one, so a data label is called unmapped only if no answer named it.
 * An answer with a single label adds what it names too.
 */
function learnLabelsFromOutput(
  arm: ProbedCandidate,
  output: BackendOutput,
  dataLabels: readonly string[],
  labelMap: Readonly<Record<string, string>>,
): void {
  if (output.kind !== "labels") return;
  const before = arm.seenLabels.size;
  for (const entry of output.labels) arm.seenLabels.add(entry.label);
  if (arm.seenLabels.size === before || arm.seenLabels.size < 2) return;
  const match = matchLabels(
    dataLabels.filter((label) => labelMap[label] === undefined),
    [...arm.seenLabels],
  );
  arm.labelMapping = { ...match.mapping, ...labelMap };
  arm.labelExplanation = match.explanation;
  arm.unmappedLabels = match.unmatched;
}

/** One sentence per probed candidate some of whose data labels match none of its labels. */
function labelMismatches(probed: readonly ProbedCandidate[]): string[] {
  return probed
    .filter((candidate) => candidate.unmappedLabels.length > 0)
    .map(
      (candidate) =>
        `${candidate.entry.candidate.model.id}: ${candidate.labelExplanation ?? `could not map ${candidate.unmappedLabels.join(", ")}`} Items labelled so are scored wrong for it.`,
    );
}

function labelMappingSummary(probed: readonly ProbedCandidate[]): string | null {
  const lines = probed
    .filter((candidate) => candidate.labelExplanation !== null)
    .map((candidate) => `${candidate.entry.candidate.model.id}: ${candidate.labelExplanation}`);
  return lines.length === 0 ? null : lines.join("\n");
}

function latencyNote(spec: TaskSpec, probed: boolean): string {
  const target = spec.hardware;
  if (target === null || target.id === LOCAL_HARDWARE_ID) {
    return probed
      ? "Latency is measured on this machine: wall time of one item per call, p50 and p95 over the probed items (model load excluded)."
      : "No latency was measured (no sample data).";
  }
  return `Latency is for ${target.name}: the catalog's figure for it, measured there where a measurement exists, else a roofline estimate (labelled "estimated"); candidates without a figure for ${target.name} show this machine's measurement${probed ? "" : " (none: no sample data)"}.`;
}

/**
 * A candidate's figure on the spec's metric, as the user named it, in points with its 95 %
 * interval: an error rate as the rate (lower is better), though selection scores `1 − rate`.
 */
function formatMetric(metricName: string, outcome: CandidateOutcome): string {
  const points = (value: number) => (value * 100).toFixed(1);
  const ci = outcome.qualityCi;
  if (!isMetricName(metricName) || METRICS[metricName].higherIsBetter) {
    const interval = ci === null ? "" : ` (95% CI ${points(ci[0])}-${points(ci[1])})`;
    return `${metricName} ${points(outcome.quality ?? 0)}${interval}`;
  }
  // Quality is max(0, 1 − rate): past 100 the rate itself is in the candidate's metrics.
  const rate = outcome.metrics[metricName] ?? 1 - (outcome.quality ?? 0);
  const interval = ci === null ? "" : `; 95% CI ${points(1 - ci[1])}-${points(1 - ci[0])}`;
  return `${metricName} ${points(rate)} (lower is better${interval})`;
}

/** "your 200 items", or "5000 items sampled from your 11987 rows" when the file had more. */
function itemsWording(data: SampleData): string {
  return data.rows > data.items.length
    ? `${data.items.length} items sampled from your ${data.rows} rows`
    : `your ${data.items.length} items`;
}

/** Why a run that probed its candidates has no winner, and what to change. */
function noWinnerReason(decision: SelectionDecision, stoppedBy: "time" | null): string {
  const waiting = decision.candidates.filter((candidate) => candidate.status === "not-probed");
  if (decision.spentProbes > 0 || waiting.length === 0) {
    return "Every probed candidate failed or broke an SLO; see each candidate's error.";
  }
  const { maxProbes, maxSeconds } = decision.resolved;
  return stoppedBy === "time"
    ? `The time budget (budget.max_seconds ${maxSeconds}) ran out before any candidate was probed: raise budget.max_seconds.`
    : `The probe budget (budget.max_probes ${maxProbes}) cannot probe the ${waiting.length} candidates on even one item each, so none was probed: raise budget.max_probes (a race takes tens of items per candidate).`;
}

/**
 * What the cost weight did, when it weighs anything: nothing, when the scored candidates' costs
 * are all unknown or all the same; otherwise which candidates' cost is unknown (counted as the
 * worst) and why.
 */
function explainCost(decision: SelectionDecision): string[] {
  const weight = decision.resolved.objectives.cost;
  if (weight <= 0) return [];
  const scored = decision.candidates.filter((candidate) => candidate.score !== null);
  const costs = scored.map((candidate) => candidate.costPer1kItemsUsd);
  const unknown = scored.filter((candidate) => candidate.costPer1kItemsUsd === null);
  const lines: string[] = [];
  if (scored.length > 0 && (unknown.length === scored.length || new Set(costs).size === 1)) {
    lines.push(
      `The cost weight (${weight.toFixed(2)} of the score) changed no ranking: ${unknown.length === scored.length ? "no candidate has a cost figure" : "every candidate costs the same"}, so the other weights decide. A cost comes from a price declared in candidates.models, with the tokens the server reports; models run here cost nothing per call.`,
    );
  } else if (unknown.length > 0) {
    lines.push(
      `Cost unknown, counted as the worst: ${unknown.map((candidate) => candidate.id).join(", ")} (a model behind a server needs a price in candidates.models, and its server must report the tokens of its answers).`,
    );
  }
  return lines;
}

/** `quality weight 0.70, latency 0.30`, with memory and cost when they weigh anything. */
function weightsWording(objectives: SelectionDecision["resolved"]["objectives"]): string {
  const parts = [
    `quality weight ${objectives.quality.toFixed(2)}`,
    `latency ${objectives.latency.toFixed(2)}`,
  ];
  if (objectives.memory > 0) parts.push(`memory ${objectives.memory.toFixed(2)}`);
  if (objectives.cost > 0) parts.push(`cost ${objectives.cost.toFixed(2)}`);
  return parts.join(", ");
}

function explain(
  decision: SelectionDecision,
  winner: CandidateOutcome | null,
  stoppedBy: "time" | null,
  data: SampleData,
): string[] {
  const lines: string[] = [];
  const candidates = decision.candidates;
  const probedCount = candidates.filter((candidate) => candidate.probes > 0).length;
  if (winner === null) {
    lines.push(`No candidate can be recommended. ${noWinnerReason(decision, stoppedBy)}`);
  } else {
    const latency =
      winner.latencyMsP50 === null
        ? "latency unknown"
        : `${winner.latencyMsP50 < 1 ? winner.latencyMsP50.toFixed(3) : winner.latencyMsP50.toFixed(1)} ms p50 (${winner.latencyKind})`;
    lines.push(
      `${winner.id} wins with ${formatMetric(decision.metric.name, winner)} on ${winner.probes} of ${itemsWording(data)}, ${latency}, score ${(winner.score ?? 0).toFixed(3)} (${weightsWording(decision.resolved.objectives)}).`,
    );
    const runnerUp = candidates.find(
      (candidate) =>
        candidate !== winner && candidate.score !== null && candidate.status !== "slo-violated",
    );
    if (runnerUp !== undefined && runnerUp.quality !== null && winner.quality !== null) {
      const gap = (winner.quality - runnerUp.quality) * 100;
      const intervals =
        winner.qualityCi === null || runnerUp.qualityCi === null
          ? ""
          : winner.qualityCi[0] <= runnerUp.qualityCi[1] &&
              runnerUp.qualityCi[0] <= winner.qualityCi[1]
            ? ", within the 95% intervals: on more data like yours the two may well swap places on quality"
            : ", outside the confidence intervals";
      lines.push(
        `Runner-up: ${runnerUp.id} (${formatMetric(decision.metric.name, runnerUp)}, score ${(runnerUp.score ?? 0).toFixed(3)}); quality gap ${gap >= 0 ? "+" : ""}${gap.toFixed(1)} points${intervals}.`,
      );
    }
  }
  lines.push(...explainCost(decision));
  lines.push(...explainEliminated(candidates, data.items.length));
  const violated = candidates.filter((candidate) => candidate.status === "slo-violated");
  for (const candidate of violated)
    lines.push(`${candidate.id} breaks the SLO: ${candidate.sloViolations.join("; ")}.`);
  const failed = candidates.filter((candidate) => candidate.status === "failed");
  if (failed.length > 0) {
    lines.push(
      `Failed and left out: ${failed.map((candidate) => `${candidate.id} (${candidate.error?.code ?? "error"})`).join(", ")}; each error says what to do.`,
    );
  }
  const budget =
    decision.exhaustiveProbes === 0
      ? ""
      : ` (${((decision.spentProbes / decision.exhaustiveProbes) * 100).toFixed(0)}% of the ${decision.exhaustiveProbes} an exhaustive evaluation would take)`;
  const why =
    stoppedBy === "time"
      ? "the time budget ran out"
      : decision.stopReason === "leader-clear"
        ? "the leader was clear"
        : decision.stopReason === "single-survivor"
          ? "one candidate was left"
          : decision.stopReason === "budget"
            ? "the probe budget was spent"
            : "every item was probed";
  const how =
    decision.strategy === "gap"
      ? " by gap-based allocation (probes go to the leader and its closest challenger)"
      : decision.strategy === "racing"
        ? " by racing (clearly worse candidates dropped each round)"
        : "";
  lines.push(
    `Probed ${probedCount} candidate${probedCount === 1 ? "" : "s"}${how} with ${decision.spentProbes} model calls${budget}; stopped because ${why}.`,
  );
  const notProbed = candidates.filter((candidate) => candidate.status === "not-probed").length;
  if (notProbed > 0 && probedCount > 0)
    lines.push(
      `${notProbed} more candidate${notProbed === 1 ? "" : "s"} passed the filters but ranked below the probing cut by prior.`,
    );
  if (decision.metric.proxy) lines.push(`Warning: ${decision.metric.description}`);
  const constant =
    winner === null
      ? null
      : baselineWarning(
          winner,
          decision.metric.name,
          data.items.map((item) => item.label),
        );
  if (constant !== null) lines.push(constant);
  return lines;
}
