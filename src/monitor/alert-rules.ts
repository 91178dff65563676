/**
 * @module
 * Alert rules as data: JSON files an operator writes, validated with zod at the edge, with a
 * published JSON Schema (`alertRulesJsonSchema`). A rule names conditions that must all hold
 * for the same route and model, and the actions to take when they start to hold.
 *
 * Conditions: `consecutive_selections` (the same model won N selections in a row on a route),
 * `accuracy_drop` (relative drop, in %, of a model's quality against the start of its winning
 * streak, its baseline, or a trailing window), `latency_p95` (p95 over a window above the
 * SLO), `error_rate` (share of failed requests over a window above a threshold),
 * `cost_per_request` (mean cost of a model's priced answers over a window above a limit) and `drift`
 * (Page-Hinkley or CUSUM change detection on a metric stream). Actions: `review` (open a
 * review item proposing a demotion or route change), `webhook` (JSON POST with retries and
 * backoff), `log`.
 */
import { z } from "zod";
import { ModelScoutError } from "../errors/modelscout-error.js";

// Messages leave the field out: `parseAlertRules` puts the full path in front.
const positiveInteger = () =>
  z
    .number({ error: (issue) => `must be a positive integer (got ${show(issue.input)})` })
    .int({ error: (issue) => `must be a positive integer (got ${show(issue.input)})` })
    .positive({ error: (issue) => `must be a positive integer (got ${show(issue.input)})` });

const positiveNumber = () =>
  z
    .number({ error: (issue) => `must be a number > 0 (got ${show(issue.input)})` })
    .positive({ error: (issue) => `must be a number > 0 (got ${show(issue.input)})` });

function show(value: unknown): string {
  return value === undefined ? "nothing" : JSON.stringify(value);
}

function typeOf(value: unknown): unknown {
  return value !== null && typeof value === "object" ? (value as { type?: unknown }).type : value;
}

/** A window over a stream: the last `events` observations, and/or those in the last `seconds`. */
const windowSchema = z
  .object({
    /** Keep at most this many observations (max 10,000). Default 200. */
    events: positiveInteger().max(10_000, { error: "must be at most 10000" }).optional(),
    /** Keep only observations from the last this many seconds (event time). */
    seconds: positiveNumber().optional(),
  })
  .strict();

const consecutiveSelectionsSchema = z
  .object({
    type: z.literal("consecutive_selections"),
    /** How many selections in a row, on one route, the same model must have won. */
    count: positiveInteger().min(2, { error: "must be at least 2" }),
  })
  .strict();

const accuracyDropSchema = z
  .object({
    type: z.literal("accuracy_drop"),
    /**
     * `decisions`: the candidate's measured quality in each selection decision.
     * `feedback`: the reward of each feedback event (correct = 1, incorrect = 0).
     */
    source: z.enum(["decisions", "feedback"]).default("decisions"),
    /**
     * What the latest value is compared with:
     * `streak_start`: the model's quality in the first decision of its current winning streak
     * on the route (decisions only); `baseline`: `baseline_value`, or else the mean of the first
     * `reference_window` observations ever seen (then frozen); `trailing_window`: the mean of
     * the `reference_window` observations just before the current window.
     */
    reference: z.enum(["streak_start", "baseline", "trailing_window"]).default("streak_start"),
    /** Observations averaged for the reference (`baseline`, `trailing_window`). Default 20. */
    reference_window: positiveInteger().optional(),
    /** A fixed baseline quality on 0..1, for `reference: baseline`. */
    baseline_value: z.number().min(0).max(1).optional(),
    /** Observations averaged for the latest value. Default 1 for decisions, 20 for feedback. */
    current_window: positiveInteger().optional(),
    /** Fires when (reference - latest) / reference * 100 is strictly above this. */
    min_drop_percent: positiveNumber().max(100, {
      error: "must be at most 100",
    }),
  })
  .strict()
  .refine(
    (condition) => condition.reference !== "streak_start" || condition.source === "decisions",
    {
      message:
        "streak_start (the default) needs source decisions; feedback has no winning streak, use baseline or trailing_window",
      path: ["reference"],
    },
  )
  .refine(
    (condition) => condition.baseline_value === undefined || condition.reference === "baseline",
    {
      message: "is only used with reference baseline",
      path: ["baseline_value"],
    },
  );

const latencyP95Schema = z
  .object({
    type: z.literal("latency_p95"),
    /** The p95 latency objective in milliseconds; fires when the window's p95 is above it. */
    slo_ms: positiveNumber(),
    window: windowSchema.default({ events: 200 }),
    /** Requests needed in the window before the p95 is judged. Default 20. */
    min_events: positiveInteger().default(20),
  })
  .strict();

const errorRateSchema = z
  .object({
    type: z.literal("error_rate"),
    /** Fires when the share of failed requests (error code or 5xx) in the window is above this. */
    max_error_percent: z
      .number({ error: (issue) => `must be a number (got ${show(issue.input)})` })
      .min(0, { error: "must be between 0 and 100" })
      .max(100, { error: "must be between 0 and 100" }),
    window: windowSchema.default({ events: 200 }),
    min_events: positiveInteger().default(20),
  })
  .strict();

const costPerRequestSchema = z
  .object({
    type: z.literal("cost_per_request"),
    /** Fires when the mean cost in US dollars of the window's priced answers is above this. */
    max_usd: positiveNumber(),
    window: windowSchema.default({ events: 200 }),
    /** Priced answers needed in the window before the mean is judged. Default 20. */
    min_events: positiveInteger().default(20),
  })
  .strict();

const driftSchema = z
  .object({
    type: z.literal("drift"),
    /** `latency_ms` (requests), `reward` (feedback) or `quality` (candidate quality in decisions). */
    metric: z.enum(["latency_ms", "reward", "quality"]),
    /** `page_hinkley` (against the running mean) or `cusum` (against the mean of a warm-up). */
    method: z.enum(["page_hinkley", "cusum"]).default("page_hinkley"),
    /** Which change to detect: the metric going up (latency) or down (reward, quality). */
    direction: z.enum(["increase", "decrease"]),
    /** Magnitude of change tolerated per observation, in the metric's unit (PH delta, CUSUM k). */
    delta: z.number().min(0, { error: "must be >= 0" }),
    /** Alarm when the statistic exceeds this, in the metric's unit (PH lambda, CUSUM h). */
    threshold: positiveNumber(),
    /** Observations before any alarm (and, for CUSUM, that set the reference mean). Default 30. */
    warmup: positiveInteger().default(30),
  })
  .strict();

export const CONDITION_TYPES = [
  "consecutive_selections",
  "accuracy_drop",
  "latency_p95",
  "error_rate",
  "cost_per_request",
  "drift",
] as const;

export const alertConditionSchema = z.discriminatedUnion(
  "type",
  [
    consecutiveSelectionsSchema,
    accuracyDropSchema,
    latencyP95Schema,
    errorRateSchema,
    costPerRequestSchema,
    driftSchema,
  ],
  {
    error: (issue) =>
      `unknown condition type ${show(typeOf(issue.input))} (one of ${CONDITION_TYPES.join(", ")})`,
  },
);

const reviewActionSchema = z
  .object({
    type: z.literal("review"),
    /** What approving the item does: demote the model on the route, or change the route's model. */
    proposed_action: z.enum(["demote", "change_route", "none"]).default("demote"),
    /** For `change_route`: the model the route should use instead, when the rule knows it. */
    to_model: z.string().min(1).optional(),
  })
  .strict();

const webhookActionSchema = z
  .object({
    type: z.literal("webhook"),
    /** Receives a JSON POST `{ "alert": {...} }`. */
    url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
    headers: z.record(z.string(), z.string()).optional(),
    /** Per attempt. Default 10000. */
    timeout_ms: positiveInteger().default(10_000),
    /** Retries after the first attempt (408, 429, 5xx, timeouts, network errors). Default 5. */
    max_retries: z.number().int().min(0).max(20).default(5),
  })
  .strict();

const logActionSchema = z
  .object({
    type: z.literal("log"),
    level: z.enum(["info", "warn", "error"]).default("warn"),
  })
  .strict();

export const alertActionSchema = z.discriminatedUnion(
  "type",
  [reviewActionSchema, webhookActionSchema, logActionSchema],
  {
    error: (issue) =>
      `unknown action type ${show(typeOf(issue.input))} (one of review, webhook, log)`,
  },
);

export const alertRuleSchema = z
  .object({
    /** Stable id: lowercase letters, digits, `-`, `_`, `.`; state and alerts are kept under it. */
    id: z.string({ error: "id is required" }).regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, {
      error: "must be 1-64 of a-z, 0-9, -, _, . starting with a letter or digit",
    }),
    description: z.string().optional(),
    enabled: z.boolean().default(true),
    /** Only events for these routes / models (default: all). */
    match: z
      .object({
        routes: z.array(z.string().min(1)).min(1).optional(),
        models: z.array(z.string().min(1)).min(1).optional(),
      })
      .strict()
      .optional(),
    /** All must hold for the same route and model. */
    conditions: z.array(alertConditionSchema).min(1, { error: "must not be empty" }),
    actions: z.array(alertActionSchema).min(1, { error: "must not be empty" }),
    /** After firing for a route and model, do not fire again for this long (event time). Default 0. */
    cooldown_seconds: z.number().min(0).default(0),
  })
  .strict();

export const alertRulesFileSchema = z
  .object({
    $schema: z.string().optional(),
    rules: z.array(alertRuleSchema),
  })
  .strict()
  .superRefine((file, context) => {
    const seen = new Set<string>();
    file.rules.forEach((rule, index) => {
      if (seen.has(rule.id)) {
        context.addIssue({
          code: "custom",
          message: `duplicate rule id "${rule.id}"`,
          path: ["rules", index, "id"],
        });
      }
      seen.add(rule.id);
    });
  });

export type AlertRule = z.output<typeof alertRuleSchema>;
export type AlertCondition = z.output<typeof alertConditionSchema>;
export type AlertAction = z.output<typeof alertActionSchema>;
export type AlertRulesFile = z.input<typeof alertRulesFileSchema>;

function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) =>
      typeof part === "number" ? `[${part}]` : `${index === 0 ? "" : "."}${String(part)}`,
    )
    .join("");
}

/**
 * Validates a rules file (`{ "rules": [...] }`) and returns the rules with defaults applied.
 * Errors name each field: `rules[0].conditions[1].min_drop_percent: ...`.
 */
export function parseAlertRules(input: unknown, source = "alert rules"): AlertRule[] {
  const parsed = alertRulesFileSchema.safeParse(input);
  if (parsed.success) return parsed.data.rules;
  const problems = parsed.error.issues.map((issue) => {
    const field = fieldPath(issue.path);
    let message = issue.message;
    if (issue.code === "unrecognized_keys") {
      message = `unknown field(s) ${issue.keys.map((key) => `"${key}"`).join(", ")}`;
    }
    return field === "" ? message : `${field}: ${message}`;
  });
  throw new ModelScoutError("INVALID_ARGUMENT", `${source}: ${problems.join("; ")}`, {
    details: { issues: parsed.error.issues },
  });
}

/** The published JSON Schema of an alert rules file (draft 2020-12). */
export function alertRulesJsonSchema(): Record<string, unknown> {
  return {
    $id: "https://modelscout.dev/schemas/alert-rules.json",
    title: "ModelScout alert rules",
    ...(z.toJSONSchema(alertRulesFileSchema, { io: "input" }) as Record<string, unknown>),
  };
}
