/**
 * @module
 * The task spec: what a user tells ModelScout about the job (task, input constraints,
 * target hardware, objectives, SLOs, candidates, sample data, metric, budget, privacy).
 * Parsed with zod at the edge into a normalised `TaskSpec`; every error names the field and
 * what was expected. The JSON Schema users validate against is generated from the same zod
 * schema (`taskSpecJsonSchema`, printed by `modelscout schema task`).
 */
import { z } from "zod";
import {
  defaultEndpointId,
  endpointModelRecord,
  modelPriceSchema,
} from "../backends/http/endpoint-model-record.js";
import { normaliseLanguage } from "../catalog/languages.js";
import type { ModelRecord } from "../catalog/model-record.js";
import { describeIssue, dottedPath } from "../config/zod-issues.js";
import { errorMessage } from "../errors/error-message.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { problemsMessage } from "../errors/problems-message.js";
import type { HardwareProfile } from "../hardware/hardware-profiles.js";
import { resolveHardware } from "../hardware/resolve-hardware.js";
import { resolveTask, type TaskId } from "../tasks/resolve-task.js";
import { METRIC_NAMES, metricProblem } from "./metrics/metric-registry.js";
import { MAX_SAMPLE_ITEMS } from "./sample-data.js";

/** Whether `TextDecoder` knows the label (`gb18030`, `gbk`, `big5`, `shift_jis`...). */
function isTextEncoding(label: string): boolean {
  try {
    new TextDecoder(label);
    return true;
  } catch {
    return false;
  }
}

const positiveInteger = (what: string) =>
  z
    .number({
      error: (issue) => `${what} must be a positive integer (got ${describe(issue.input)})`,
    })
    .int({ error: (issue) => `${what} must be a positive integer (got ${describe(issue.input)})` })
    .positive({
      error: (issue) => `${what} must be a positive integer (got ${describe(issue.input)})`,
    });

const nonNegative = (what: string) =>
  z
    .number({ error: (issue) => `${what} must be a number >= 0 (got ${describe(issue.input)})` })
    .nonnegative({
      error: (issue) => `${what} must be a number >= 0 (got ${describe(issue.input)})`,
    });

function describe(value: unknown): string {
  return value === undefined ? "nothing" : JSON.stringify(value);
}

const servedModelFields = {
  id: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe(
      "The id the candidate goes by in the run and its decision. Default `endpoint:<api_model>@<host>` (`@hf-inference` without `base_url`). A routes config's `decision:` reference to a winner declared here serves it as declared here, unless the config's `models` declare that id themselves.",
    ),
  api_model: z.string().min(1).describe("The name the server expects in `model`."),
  task: z
    .string()
    .min(1)
    .optional()
    .describe(
      "The task the model serves (pipeline tag or alias). Default: the spec's `task_type`.",
    ),
  api_key_env: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name")
    .optional()
    .describe(
      "Environment variable holding the API key (the key itself never goes in the spec). Without it, no key is sent (Hugging Face Inference: `HF_TOKEN`).",
    ),
  labels: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .describe(
      "For a classification task (of text or images): the labels a prompted chat model picks among. Default: the spec's `labels`, else the labels of the sample data.",
    ),
  max_tokens: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe("Most tokens per answer; the server's default when absent."),
  temperature: z
    .number()
    .min(0)
    .max(2)
    .optional()
    .describe("Sampling temperature, 0 to 2; the server's default when absent."),
  price: modelPriceSchema
    .optional()
    .describe(
      "What the server charges, in US dollars per million tokens: with the token counts its answers report (OpenAI's `usage`), each probe's cost, which `objectives.cost` weighs. Without it, the model's cost is unknown and counts as the worst.",
    ),
};

/** A model behind a server, probed as a listed candidate (`candidates.models`). */
const servedModelSchema = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z
        .literal("openai")
        .describe(
          "`openai`: any OpenAI-compatible server: vLLM, TGI, Ollama, llama.cpp, LiteLLM, OpenAI.",
        ),
      base_url: z.url().describe("The API root, e.g. `http://127.0.0.1:8000/v1`."),
      ...servedModelFields,
    })
    .strict()
    .describe("A model behind an OpenAI-compatible server."),
  z
    .object({
      kind: z
        .literal("hf-inference")
        .describe(
          "`hf-inference`: Hugging Face Inference Providers, or a dedicated endpoint when `base_url` is set.",
        ),
      base_url: z
        .url()
        .optional()
        .describe("A dedicated endpoint (an Inference Endpoint, TGI) instead of the router."),
      inference_provider: z
        .string()
        .min(1)
        .optional()
        .describe(
          "Which Inference Provider serves it, without `base_url`. Default `hf-inference`.",
        ),
      ...servedModelFields,
    })
    .strict()
    .describe("A model behind Hugging Face Inference Providers or a dedicated endpoint."),
]);

type ServedModelInput = z.infer<typeof servedModelSchema>;

export const taskSpecSchema = z
  .object({
    $schema: z
      .string()
      .optional()
      .describe(
        "The JSON Schema this file follows, for editors; ignored by ModelScout. The schema ships in the package as `schemas/task-spec.json` (`node_modules/modelscout/schemas/task-spec.json`), and `modelscout schema task` prints it.",
      ),
    task_type: z
      .string({ error: "task_type is required: a pipeline tag such as text-classification" })
      .min(1)
      .describe(
        "Pipeline tag or alias: `text-classification`, `text_generation`, `sentiment`, `embeddings`. `language-identification` (or `langid`) is text classification by language-identification models only.",
      ),
    input_constraints: z
      .object({
        max_length: positiveInteger("input_constraints.max_length")
          .optional()
          .describe("Longest input to expect, in tokens."),
        language: z
          .string()
          .min(1)
          .optional()
          .describe("Language of the inputs: ISO code (`zh`, `en`) or name (`Chinese`)."),
      })
      .strict()
      .optional()
      .describe("What the inputs are like."),
    hardware: z
      .string()
      .min(1)
      .optional()
      .describe("Target hardware profile or alias: `NVIDIA_A100`, `t4`, `rpi5`, `local`."),
    objectives: z
      .object({
        quality: nonNegative("objectives.quality")
          .optional()
          .describe("Weight of quality: the metric measured on the sample data."),
        latency: nonNegative("objectives.latency")
          .optional()
          .describe("Weight of speed: latency per item, lower is better."),
        memory: nonNegative("objectives.memory")
          .optional()
          .describe("Weight of a small memory footprint."),
        cost: nonNegative("objectives.cost")
          .optional()
          .describe(
            "Weight of a low cost per item: what a model behind a server costs at the `price` its `candidates.models` entry declares, from the tokens its answers report. Models that run here cost nothing per call; a served model without a price, or whose server reports no tokens, counts as the worst. When no candidate has a cost figure the weight changes no ranking, and the decision's explanation says so.",
          ),
      })
      .strict()
      .optional()
      .describe(
        "Relative weights of what makes a candidate good; normalised to sum to 1, at least one above 0. Default: quality 0.7, latency 0.3. Given, they replace the defaults as a whole: a weight not named is 0.",
      ),
    slo: z
      .object({
        max_p95_latency_ms: nonNegative("slo.max_p95_latency_ms")
          .optional()
          .describe(
            "Highest p95 latency per item, in milliseconds: by the catalog's figure for the target `hardware` (when given), and as measured on the sample data.",
          ),
        max_memory_gb: nonNegative("slo.max_memory_gb")
          .optional()
          .describe("Most memory a candidate may need, in gigabytes (10^9 bytes)."),
      })
      .strict()
      .optional()
      .describe("Hard limits: a candidate over any of them is not selectable."),
    candidates: z
      .object({
        ids: z
          .array(z.string().min(1))
          .optional()
          .describe(
            "Models to consider, always probed: catalog ids, or a model folder as `local:./path` (relative to the spec's folder).",
          ),
        models: z
          .array(servedModelSchema)
          .max(64)
          .optional()
          .describe(
            "Models behind servers to probe, always, beside the ids: an OpenAI-compatible server (vLLM, TGI, Ollama, llama.cpp, LiteLLM, OpenAI) or Hugging Face Inference. One on a loopback `base_url` counts as local under `privacy: local-only`; any other is remote.",
          ),
        query: z
          .object({
            license: z
              .string()
              .min(1)
              .optional()
              .describe(
                "Only models under this licence (e.g. `apache-2.0`; case does not matter).",
              ),
            source: z
              .enum(["hub", "npm", "endpoint", "local"])
              .optional()
              .describe(
                "Only catalog models from this source: `hub` (the Hugging Face Hub), `npm` (packaged models), `endpoint` (models behind servers), `local` (model folders).",
              ),
            limit: positiveInteger("candidates.query.limit")
              .optional()
              .describe("How many candidates to probe on the data (best priors first). Default 8."),
          })
          .strict()
          .optional()
          .describe(
            "Search the catalog for models of the task (the most downloaded, the best scored, those that ship in npm packages, which run here with nothing to download, and the most downloaded Hub models that transformers.js runs). Searched when no `ids` are given, and beside them when given.",
          ),
      })
      .strict()
      .optional()
      .describe(
        "Where candidates come from: a catalog query, explicit ids, or both. Default: the catalog.",
      ),
    data: z
      .object({
        path: z
          .string()
          .min(1)
          .describe(
            `The JSONL or CSV file; a relative path is resolved against the spec's folder. Every row is read and checked; a file of more than ${MAX_SAMPLE_ITEMS.toLocaleString("en")} usable rows is probed on a seeded random sample of that many, drawn from the whole file.`,
          ),
        format: z
          .enum(["jsonl", "csv"])
          .optional()
          .describe("`jsonl` or `csv`. Default: from the file's extension."),
        columns: z
          .object({
            input: z
              .string()
              .min(1)
              .optional()
              .describe(
                "The field that holds the input. Default `text`; a file without a `text` field is read from its one field named as inputs usually are (`sentence`, `review`, `content`, `comment`, `question`, `评论`, `文本`, `内容`...), else from its one other text field besides the label's; the decision says which. For an image or audio task it holds file paths, relative to the data file: PNG, JPEG, GIF, WebP, BMP or TIFF pictures, or WAV, MP3, FLAC, Ogg, MP4 or WebM recordings, each checked before any model runs.",
              ),
            label: z
              .string()
              .min(1)
              .optional()
              .describe(
                "The field that holds the label. Default `label`; a file without a `label` field is read from its one field named as labels usually are (`target`, `class`, `category`, `sentiment`, `标签`, `类别`...); the decision says which.",
              ),
          })
          .strict()
          .optional()
          .describe("Which fields hold the input and the label (default `text` and `label`)."),
        encoding: z
          .string()
          .min(1)
          .refine(isTextEncoding, {
            error: (issue) =>
              `data.encoding must be a text encoding such as utf-8, gb18030, gbk, big5, shift_jis, euc-kr or utf-16le (got ${describe(issue.input)})`,
          })
          .optional()
          .describe(
            "The file's character encoding when it is not UTF-8, as a WHATWG encoding label: `gb18030` (or `gbk`) for a CSV that Excel saved in Chinese, `big5`, `shift_jis`, `euc-kr`, `utf-16le`. Default: UTF-8 (a byte order mark is skipped, and a UTF-16 one read as such); a file that is not UTF-8 stops the run, naming the line.",
          ),
        label_map: z
          .record(z.string(), z.string())
          .optional()
          .describe('Maps the data\'s labels to the models\' labels, e.g. {"1": "positive"}.'),
        on_malformed_row: z
          .enum(["fail", "skip"], {
            error: (issue) =>
              `data.on_malformed_row must be "fail" or "skip" (got ${describe(issue.input)})`,
          })
          .optional()
          .describe(
            "What a malformed row (not JSON, no input field, an input that is not a string) does: `fail` (default) stops before anything runs, listing the bad lines; `skip` leaves those rows out, and the decision counts them (`data.skippedRows`).",
          ),
      })
      .strict()
      .optional()
      .describe("The user's sample data: JSONL or CSV of inputs with optional labels."),
    labels: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe(
        'The classes a classifier must tell apart (`["positive", "negative"]`), when there is no labelled data to say so: classifiers that predict none of them are filtered out.',
      ),
    metric: z
      .string()
      .min(1)
      .optional()
      .describe(
        `Metric name (${METRIC_NAMES.join(", ")}); it must apply to the task. Default per task: accuracy for classifiers, knn_accuracy for embeddings, token_f1 for generation, cer for OCR, wer for speech, agreement without labels.`,
      ),
    budget: z
      .object({
        max_probes: positiveInteger("budget.max_probes")
          .optional()
          .describe(
            "Most probes (one candidate run on one sample item) to spend. Default: every candidate on every item.",
          ),
        max_seconds: nonNegative("budget.max_seconds")
          .optional()
          .describe("Longest the probing may take, in seconds. Default: no limit."),
      })
      .strict()
      .optional()
      .describe("Limits on probing the candidates on the sample data."),
    privacy: z
      .enum(["local-only", "allow-remote"])
      .optional()
      .describe(
        "`local-only` forbids remote backends: no input leaves the machine. Default `allow-remote`.",
      ),
  })
  .strict()
  .describe(
    "ModelScout task spec (`modelscout select <spec>`): what the job is: task, input constraints, target hardware, objectives, SLOs, candidates, sample data, metric, budget and privacy.",
  );

export type TaskSpecInput = z.input<typeof taskSpecSchema>;

export interface TaskSpec {
  task: TaskId;
  /**
   * A catalog tag every candidate must carry (or declare labels that show it), when the
   * task_type names a narrower job than its pipeline tag: `language-identification` runs as
   * text-classification, but a sentiment lexicon is no answer to it.
   */
  modelTag: string | null;
  maxLengthTokens: number | null;
  language: string | null;
  hardware: HardwareProfile | null;
  objectives: { quality: number; latency: number; memory: number; cost: number };
  slo: { maxP95LatencyMs: number | null; maxMemoryGb: number | null };
  candidates: {
    ids: string[];
    /** `candidates.models`: models behind servers, as catalog records (`source: endpoint`). */
    models: ModelRecord[];
    /** Search the catalog too: no ids or models were given, or a `query` was given beside them. */
    searchCatalog: boolean;
    license: string | null;
    source: string | null;
    limit: number;
  };
  data: {
    path: string;
    format: "jsonl" | "csv" | null;
    inputColumn: string;
    /**
     * True when `columns.input` was not given: a file without a `text` column is read from the
     * column `guessDataColumns` finds (one named as inputs are, or the one other text column).
     */
    inputColumnDefaulted: boolean;
    labelColumn: string;
    /** True when `columns.label` was not given: a file without a `label` column may name it otherwise. */
    labelColumnDefaulted: boolean;
    labelMap: Record<string, string>;
    /** What a malformed row does: stop the run (`fail`, the default) or leave the row out. */
    onMalformedRow: "fail" | "skip";
    /** The file's encoding (a WHATWG label) when it is not UTF-8; absent: UTF-8. */
    encoding?: string;
  } | null;
  /** Classes the spec names (`labels`); empty when it names none. */
  labels: string[];
  metric: string | null;
  budget: { maxProbes: number | null; maxSeconds: number | null };
  privacy: "local-only" | "allow-remote";
}

/**
 * Task names that narrow their pipeline tag to the models carrying a catalog tag. Keys are
 * normalised as `resolveTask` normalises (lower case, hyphens).
 */
const TASK_MODEL_TAGS: Readonly<Record<string, string>> = {
  "language-identification": "language-identification",
  langid: "language-identification",
  语种识别: "language-identification",
  语言识别: "language-identification",
};

/** The catalog tag a task_type narrows to (`language-identification`), or null. */
export function taskModelTag(taskType: string): string | null {
  const normalised = taskType
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, "-");
  return TASK_MODEL_TAGS[normalised] ?? null;
}

/** Candidates probed on the sample data when `candidates.query.limit` is not given. */
export const DEFAULT_PROBED_CANDIDATES = 8;

export const DEFAULT_OBJECTIVES = { quality: 0.7, latency: 0.3, memory: 0, cost: 0 } as const;

/**
 * A problem the schema cannot see (a name it takes as any text, two served models under one
 * id, a metric for another task): the field, what is wrong, and the error that said so.
 */
interface NameProblem {
  field: string;
  message: string;
  cause?: unknown;
}

function thrownProblem(field: string, error: unknown): NameProblem {
  return { field, message: errorMessage(error), cause: error };
}

/**
 * The names a spec gives that the schema takes as any text (the task, the language, the
 * hardware), resolved; for each that does not resolve, a problem. Read from the input as it
 * is, so a spec the schema refuses still has its names checked in the same error (an empty
 * name is the schema's to report).
 */
function resolveNames(input: unknown): {
  task?: TaskId;
  language: string | null;
  hardware: HardwareProfile | null;
  problems: NameProblem[];
} {
  const spec = (typeof input === "object" && input !== null ? input : {}) as Record<
    string,
    unknown
  >;
  const problems: NameProblem[] = [];
  let task: TaskId | undefined;
  if (typeof spec.task_type === "string" && spec.task_type !== "") {
    try {
      task = resolveTask(spec.task_type);
    } catch (error) {
      problems.push(thrownProblem("task_type", error));
    }
  }
  let language: string | null = null;
  const constraints = spec.input_constraints;
  const languageInput =
    typeof constraints === "object" && constraints !== null
      ? (constraints as Record<string, unknown>).language
      : undefined;
  if (typeof languageInput === "string" && languageInput !== "") {
    language = normaliseLanguage(languageInput);
    if (language === null) {
      problems.push({
        field: "input_constraints.language",
        message: `unknown language "${languageInput}"; use an ISO code such as zh or en, or a name such as Chinese`,
      });
    }
  }
  let hardware: HardwareProfile | null = null;
  if (typeof spec.hardware === "string" && spec.hardware !== "") {
    try {
      hardware = resolveHardware(spec.hardware);
    } catch (error) {
      problems.push(thrownProblem("hardware", error));
    }
  }
  return { ...(task !== undefined && { task }), language, hardware, problems };
}

/**
 * Validates and normalises a task spec (aliases resolved, weights summing to 1). A spec with
 * problems fails with one error that lists every problem of its fields, names, served models
 * and metric, a line each when there are several (`details.fields` names their fields,
 * `details.issues` has the schema's as zod gives them; one problem found by a resolver is the
 * error's `cause`). Whether the metric needs labels the data lacks is known only once the
 * data is read (`resolveMetric` at selection).
 */
export function parseTaskSpec(input: unknown): TaskSpec {
  const parsed = taskSpecSchema.safeParse(input, { reportInput: true });
  const names = resolveNames(input);
  const fields: string[] = [];
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = dottedPath(issue.path);
      fields.push(field);
      problems.push(describeIssue(issue, field, taskSpecSchema));
    }
  }
  const spec = parsed.data;
  const found = [
    ...names.problems,
    ...(spec === undefined
      ? []
      : servedModelProblems(spec.candidates?.models ?? [], spec.candidates?.ids ?? [])),
    ...(spec?.metric === undefined || names.task === undefined
      ? []
      : metricProblems(names.task, spec.metric)),
  ];
  for (const problem of found) {
    fields.push(problem.field);
    problems.push(`${problem.field}: ${problem.message}`);
  }
  const weights = {
    ...DEFAULT_OBJECTIVES,
    ...(spec?.objectives === undefined ? {} : zeroFilled(spec.objectives)),
  };
  const total = weights.quality + weights.latency + weights.memory + weights.cost;
  if (total <= 0) {
    fields.push("objectives");
    problems.push("objectives: at least one weight must be above 0");
  }
  if (spec === undefined || names.task === undefined || problems.length > 0) {
    const cause = problems.length === 1 ? found[0]?.cause : undefined;
    throw new ModelScoutError("INVALID_ARGUMENT", problemsMessage("Task spec", problems), {
      ...(cause !== undefined && { cause }),
      details: {
        fields,
        ...(!parsed.success && { issues: parsed.error.issues }),
        // One problem: its field, as an error about one field has always said.
        ...(fields.length === 1 && { field: fields[0] }),
      },
    });
  }
  const { task, language, hardware } = names;
  return {
    task,
    modelTag: taskModelTag(spec.task_type),
    maxLengthTokens: spec.input_constraints?.max_length ?? null,
    language,
    hardware,
    objectives: {
      quality: weights.quality / total,
      latency: weights.latency / total,
      memory: weights.memory / total,
      cost: weights.cost / total,
    },
    slo: {
      maxP95LatencyMs: spec.slo?.max_p95_latency_ms ?? null,
      maxMemoryGb: spec.slo?.max_memory_gb ?? null,
    },
    candidates: {
      ids: spec.candidates?.ids ?? [],
      models: servedModels(spec.candidates?.models ?? [], { task, labels: spec.labels }),
      searchCatalog:
        ((spec.candidates?.ids ?? []).length === 0 &&
          (spec.candidates?.models ?? []).length === 0) ||
        spec.candidates?.query !== undefined,
      license: spec.candidates?.query?.license?.toLowerCase() ?? null,
      source: spec.candidates?.query?.source ?? null,
      limit: spec.candidates?.query?.limit ?? DEFAULT_PROBED_CANDIDATES,
    },
    data:
      spec.data === undefined
        ? null
        : {
            path: spec.data.path,
            format: spec.data.format ?? null,
            inputColumn: spec.data.columns?.input ?? "text",
            inputColumnDefaulted: spec.data.columns?.input === undefined,
            labelColumn: spec.data.columns?.label ?? "label",
            labelColumnDefaulted: spec.data.columns?.label === undefined,
            labelMap: spec.data.label_map ?? {},
            onMalformedRow: spec.data.on_malformed_row ?? "fail",
            ...(spec.data.encoding !== undefined && { encoding: spec.data.encoding }),
          },
    labels: spec.labels ?? [],
    metric: spec.metric ?? null,
    budget: {
      maxProbes: spec.budget?.max_probes ?? null,
      maxSeconds: spec.budget?.max_seconds ?? null,
    },
    privacy: spec.privacy ?? "allow-remote",
  };
}

/** Objectives given explicitly replace the defaults as a whole (unnamed weights are 0). */
function zeroFilled(objectives: NonNullable<z.output<typeof taskSpecSchema>["objectives"]>) {
  return {
    quality: objectives.quality ?? 0,
    latency: objectives.latency ?? 0,
    memory: objectives.memory ?? 0,
    cost: objectives.cost ?? 0,
  };
}

/** The published JSON Schema of a task spec (draft 2020-12). */
export function taskSpecJsonSchema(): Record<string, unknown> {
  return {
    $id: "https://modelscout.dev/schemas/task-spec.json",
    title: "ModelScout task spec",
    ...(z.toJSONSchema(taskSpecSchema, { io: "input" }) as Record<string, unknown>),
  };
}

/**
 * What is wrong with `candidates.models`: a task name that does not resolve, and ids a
 * decision could not tell apart (two models under one id, or one that `candidates.ids` lists
 * too: a decision names its candidates by id).
 */
function servedModelProblems(
  models: readonly ServedModelInput[],
  ids: readonly string[],
): NameProblem[] {
  const problems: NameProblem[] = [];
  const seen = new Map<string, number>();
  for (const [index, model] of models.entries()) {
    if (model.task !== undefined) {
      try {
        resolveTask(model.task);
      } catch (error) {
        problems.push(thrownProblem(`candidates.models.${index}.task`, error));
      }
    }
    const id = servedModelId(model);
    const field = `candidates.models.${index}.id`;
    const earlier = seen.get(id);
    if (earlier !== undefined) {
      problems.push({
        field,
        message: `"${id}" is also candidates.models.${earlier}'s id${model.id === undefined ? " (the default, from api_model and the host)" : ""}: give each model an id of its own`,
      });
    } else if (ids.includes(id)) {
      problems.push({
        field,
        message: `"${id}" is listed in candidates.ids too: name it in one place`,
      });
    } else {
      seen.set(id, index);
    }
  }
  return problems;
}

/**
 * The metric's problem when no sample data could make it apply: a name that is no metric, or
 * a metric for another kind of task. (One that needs labels the data lacks is known only
 * once the data is read.)
 */
function metricProblems(task: TaskId, metric: string): NameProblem[] {
  const message = metricProblem(task, true, metric);
  return message === null ? [] : [{ field: "metric", message }];
}

function servedModelId(model: ServedModelInput): string {
  return (
    model.id ??
    defaultEndpointId({
      protocol: model.kind,
      apiModel: model.api_model,
      ...(model.base_url !== undefined && { baseUrl: model.base_url }),
    })
  );
}

/**
 * `candidates.models` as catalog records (`source: endpoint`, `backends/http/`): each with
 * the spec's task and labels unless it names its own, under its id or the default
 * `endpoint:<api_model>@<host>`. `servedModelProblems` has found none.
 */
function servedModels(
  models: readonly ServedModelInput[],
  defaults: { task: TaskId; labels: readonly string[] | undefined },
): ModelRecord[] {
  return models.map((model) => {
    const labels = model.labels ?? defaults.labels;
    return endpointModelRecord({
      protocol: model.kind,
      task: model.task === undefined ? defaults.task : resolveTask(model.task),
      apiModel: model.api_model,
      id: servedModelId(model),
      ...(model.base_url !== undefined && { baseUrl: model.base_url }),
      ...(model.api_key_env !== undefined && { apiKeyEnv: model.api_key_env }),
      ...(labels !== undefined && labels.length > 0 && { labels: [...labels] }),
      ...(model.max_tokens !== undefined && { maxTokens: model.max_tokens }),
      ...(model.temperature !== undefined && { temperature: model.temperature }),
      ...(model.price !== undefined && { price: model.price }),
      ...(model.kind === "hf-inference" &&
        model.inference_provider !== undefined && { inferenceProvider: model.inference_provider }),
    });
  });
}
