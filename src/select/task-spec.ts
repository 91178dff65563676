/**
 * @module
 * The task spec: what a user tells ModelScout about the job (task, input constraints,
 * target hardware, objectives, SLOs, candidates, sample data, metric, budget, privacy).
 * Parsed with zod at the edge into a normalised `TaskSpec`; every error names the field and
 * what was expected. The JSON Schema users validate against is generated from the same zod
 * schema (`taskSpecJsonSchema`, printed by `modelscout schema task`).
 */
import { z } from "zod";
import { normaliseLanguage } from "../catalog/languages.js";
import { errorMessage } from "../errors/error-message.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import type { HardwareProfile } from "../hardware/hardware-profiles.js";
import { resolveHardware } from "../hardware/resolve-hardware.js";
import { resolveTask, type TaskId } from "../tasks/resolve-task.js";

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

export const taskSpecSchema = z
  .object({
    /** Pipeline tag or alias: `text-classification`, `text_generation`, `sentiment`, `embeddings`. */
    task_type: z
      .string({ error: "task_type is required: a pipeline tag such as text-classification" })
      .min(1),
    input_constraints: z
      .object({
        /** Longest input to expect, in tokens. */
        max_length: positiveInteger("input_constraints.max_length").optional(),
        /** Language of the inputs: ISO code (`zh`, `en`) or name (`Chinese`). */
        language: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    /** Target hardware profile or alias: `NVIDIA_A100`, `t4`, `rpi5`, `local`. */
    hardware: z.string().min(1).optional(),
    /** Relative weights; normalised to sum to 1. Default: quality 0.7, latency 0.3. */
    objectives: z
      .object({
        quality: nonNegative("objectives.quality").optional(),
        latency: nonNegative("objectives.latency").optional(),
        memory: nonNegative("objectives.memory").optional(),
        cost: nonNegative("objectives.cost").optional(),
      })
      .strict()
      .optional(),
    /** Hard limits: a candidate over any of them is not selectable. */
    slo: z
      .object({
        max_p95_latency_ms: nonNegative("slo.max_p95_latency_ms").optional(),
        max_memory_gb: nonNegative("slo.max_memory_gb").optional(),
      })
      .strict()
      .optional(),
    /** Where candidates come from: a catalog query, explicit ids, or both. */
    candidates: z
      .object({
        ids: z.array(z.string().min(1)).optional(),
        query: z
          .object({
            license: z.string().min(1).optional(),
            source: z.enum(["hub", "npm", "endpoint", "local"]).optional(),
            /** How many candidates to probe on the data (best priors first). Default 8. */
            limit: positiveInteger("candidates.query.limit").optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    /** The user's sample data: JSONL or CSV of inputs with optional labels. */
    data: z
      .object({
        path: z.string().min(1),
        format: z.enum(["jsonl", "csv"]).optional(),
        /** Which fields hold the input and the label (default `text` and `label`). */
        columns: z
          .object({ input: z.string().min(1).optional(), label: z.string().min(1).optional() })
          .strict()
          .optional(),
        /** Maps the data's labels to the models' labels, e.g. {"1": "positive"}. */
        label_map: z.record(z.string(), z.string()).optional(),
      })
      .strict()
      .optional(),
    /**
     * The classes a classifier must tell apart (`["positive", "negative"]`), when there is no
     * labelled data to say so: classifiers that predict none of them are filtered out.
     */
    labels: z.array(z.string().min(1)).min(1).optional(),
    /** Metric name; default per task (accuracy for classification, ...). */
    metric: z.string().min(1).optional(),
    budget: z
      .object({
        max_probes: positiveInteger("budget.max_probes").optional(),
        max_seconds: nonNegative("budget.max_seconds").optional(),
      })
      .strict()
      .optional(),
    /** `local-only` forbids remote backends: no input leaves the machine. */
    privacy: z.enum(["local-only", "allow-remote"]).optional(),
  })
  .strict();

export type TaskSpecInput = z.input<typeof taskSpecSchema>;

export interface TaskSpec {
  task: TaskId;
  maxLengthTokens: number | null;
  language: string | null;
  hardware: HardwareProfile | null;
  objectives: { quality: number; latency: number; memory: number; cost: number };
  slo: { maxP95LatencyMs: number | null; maxMemoryGb: number | null };
  candidates: {
    ids: string[];
    /** Search the catalog too: no ids were given, or a `query` was given beside them. */
    searchCatalog: boolean;
    license: string | null;
    source: string | null;
    limit: number;
  };
  data: {
    path: string;
    format: "jsonl" | "csv" | null;
    inputColumn: string;
    labelColumn: string;
    labelMap: Record<string, string>;
  } | null;
  /** Classes the spec names (`labels`); empty when it names none. */
  labels: string[];
  metric: string | null;
  budget: { maxProbes: number | null; maxSeconds: number | null };
  privacy: "local-only" | "allow-remote";
}

/** Candidates probed on the sample data when `candidates.query.limit` is not given. */
export const DEFAULT_PROBED_CANDIDATES = 8;

export const DEFAULT_OBJECTIVES = { quality: 0.7, latency: 0.3, memory: 0, cost: 0 } as const;

function fieldError(field: string, error: unknown): ModelScoutError {
  const message = errorMessage(error);
  return new ModelScoutError("INVALID_ARGUMENT", `Task spec: ${field}: ${message}`, {
    cause: error,
    details: { field },
  });
}

/** Validates and normalises a task spec (aliases resolved, weights summing to 1). */
export function parseTaskSpec(input: unknown): TaskSpec {
  const parsed = taskSpecSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const field = issue.path.join(".");
      if (issue.code === "unrecognized_keys") {
        return `${field === "" ? "" : `${field}: `}unknown field(s) ${issue.keys.map((key) => `"${key}"`).join(", ")}`;
      }
      return issue.message.startsWith(field) || field === ""
        ? issue.message
        : `${field}: ${issue.message}`;
    });
    throw new ModelScoutError("INVALID_ARGUMENT", `Task spec: ${problems.join("; ")}`, {
      details: { issues: parsed.error.issues },
    });
  }
  const spec = parsed.data;
  let task: TaskId;
  try {
    task = resolveTask(spec.task_type);
  } catch (error) {
    throw fieldError("task_type", error);
  }
  let language: string | null = null;
  const languageInput = spec.input_constraints?.language;
  if (languageInput !== undefined) {
    language = normaliseLanguage(languageInput);
    if (language === null) {
      throw fieldError(
        "input_constraints.language",
        new Error(
          `unknown language "${languageInput}"; use an ISO code such as zh or en, or a name such as Chinese`,
        ),
      );
    }
  }
  let hardware: HardwareProfile | null = null;
  if (spec.hardware !== undefined) {
    try {
      hardware = resolveHardware(spec.hardware);
    } catch (error) {
      throw fieldError("hardware", error);
    }
  }
  const weights = {
    ...DEFAULT_OBJECTIVES,
    ...(spec.objectives === undefined ? {} : zeroFilled(spec.objectives)),
  };
  const total = weights.quality + weights.latency + weights.memory + weights.cost;
  if (total <= 0) throw fieldError("objectives", new Error("at least one weight must be above 0"));
  return {
    task,
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
      searchCatalog:
        (spec.candidates?.ids ?? []).length === 0 || spec.candidates?.query !== undefined,
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
            labelColumn: spec.data.columns?.label ?? "label",
            labelMap: spec.data.label_map ?? {},
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
