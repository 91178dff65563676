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
import { describeIssue } from "../config/zod-issues.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { problemsMessage } from "../errors/problems-message.js";

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

const windowSchema = z
  .object({
    events: positiveInteger()
      .max(10_000, { error: "must be at most 10000" })
      .optional()
      .describe(
        "Keep at most this many observations (at most 10000, which is also the limit when only `seconds` is given).",
      ),
    seconds: positiveNumber()
      .optional()
      .describe(
        "Keep only observations from the last this many seconds before the newest (event time).",
      ),
  })
  .strict();

/** A condition's `window`, with its default. */
const windowField = () =>
  windowSchema
    .default({ events: 200 })
    .describe(
      "The window over the stream: the last `events` observations, and/or those in the last `seconds`. Default: the last 200.",
    );

const consecutiveSelectionsSchema = z
  .object({
    type: z
      .literal("consecutive_selections")
      .describe(
        "`consecutive_selections`: holds for a model while it has won at least `count` selections in a row on a route.",
      ),
    count: positiveInteger()
      .min(2, { error: "must be at least 2" })
      .describe("How many selections in a row, on one route, the same model must have won."),
  })
  .strict();

const accuracyDropSchema = z
  .object({
    type: z
      .literal("accuracy_drop")
      .describe(
        "`accuracy_drop`: holds when a model's latest quality has dropped, relative to a reference, by more than `min_drop_percent`.",
      ),
    source: z
      .enum(["decisions", "feedback"])
      .default("decisions")
      .describe(
        "`decisions`: the candidate's measured quality in each selection decision. `feedback`: the reward of each feedback event (correct = 1, incorrect = 0). Default `decisions`.",
      ),
    reference: z
      .enum(["streak_start", "baseline", "trailing_window"])
      .default("streak_start")
      .describe(
        "What the latest value is compared with: `streak_start` (default): the model's quality in the first decision of its current winning streak on the route (decisions only); `baseline`: `baseline_value`, or else the mean of the first `reference_window` observations ever seen (then frozen); `trailing_window`: the mean of the `reference_window` observations just before the current window.",
      ),
    reference_window: positiveInteger()
      .optional()
      .describe(
        "Observations averaged for the reference (`baseline`, `trailing_window`). Default 20.",
      ),
    baseline_value: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe("A fixed baseline quality on 0..1, for `reference: baseline`."),
    current_window: positiveInteger()
      .optional()
      .describe(
        "Observations averaged for the latest value. Default 1 for decisions, 20 for feedback.",
      ),
    min_drop_percent: positiveNumber()
      .max(100, {
        error: "must be at most 100",
      })
      .describe("Fires when (reference - latest) / reference * 100 is strictly above this."),
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
    type: z
      .literal("latency_p95")
      .describe(
        "`latency_p95`: holds when the 95th percentile of a model's request latencies on a route, over the window, is above `slo_ms`. Failed requests count with the latency they took.",
      ),
    slo_ms: positiveNumber().describe(
      "The p95 latency objective in milliseconds; fires when the window's p95 is above it.",
    ),
    window: windowField(),
    min_events: positiveInteger()
      .default(20)
      .describe("Requests needed in the window before the p95 is judged. Default 20."),
  })
  .strict();

const errorRateSchema = z
  .object({
    type: z
      .literal("error_rate")
      .describe(
        "`error_rate`: holds when the share of a model's requests on a route that failed, over the window, is above `max_error_percent`.",
      ),
    max_error_percent: z
      .number({ error: (issue) => `must be a number (got ${show(issue.input)})` })
      .min(0, { error: "must be between 0 and 100" })
      .max(100, { error: "must be between 0 and 100" })
      .describe(
        "Fires when the share of failed requests (error code or 5xx), in percent, in the window is above this.",
      ),
    window: windowField(),
    min_events: positiveInteger()
      .default(20)
      .describe("Requests needed in the window before the error rate is judged. Default 20."),
  })
  .strict();

const costPerRequestSchema = z
  .object({
    type: z
      .literal("cost_per_request")
      .describe(
        "`cost_per_request`: holds when the mean cost of a model's priced answers on a route, over the window, is above `max_usd`.",
      ),
    max_usd: positiveNumber().describe(
      "Fires when the mean cost in US dollars of the window's priced answers is above this.",
    ),
    include_classification: z
      .boolean({ error: (issue) => `must be true or false (got ${show(issue.input)})` })
      .default(false)
      .describe(
        "Count what classifying each request cost too (its classification steps' priced model calls: an LLM classifier, an embedding server; ADR 0091): a request counts when its answer or its classification had a cost, and costs their sum. Default false: the answers' cost alone.",
      ),
    window: windowField(),
    min_events: positiveInteger()
      .default(20)
      .describe("Priced answers needed in the window before the mean is judged. Default 20."),
  })
  .strict();

const driftSchema = z
  .object({
    type: z
      .literal("drift")
      .describe(
        "`drift`: holds on the observation at which a change detector alarms on a model's metric stream on a route; the detector then restarts, so a lasting shift fires once.",
      ),
    metric: z
      .enum(["latency_ms", "reward", "quality"])
      .describe(
        "`latency_ms` (requests), `reward` (feedback) or `quality` (candidate quality in decisions).",
      ),
    method: z
      .enum(["page_hinkley", "cusum"])
      .default("page_hinkley")
      .describe(
        "`page_hinkley` (against the running mean) or `cusum` (against the mean of a warm-up). Default `page_hinkley`.",
      ),
    direction: z
      .enum(["increase", "decrease"])
      .describe("Which change to detect: the metric going up (latency) or down (reward, quality)."),
    delta: z
      .number()
      .min(0, { error: "must be >= 0" })
      .describe(
        "Magnitude of change tolerated per observation, in the metric's unit (PH delta, CUSUM k).",
      ),
    threshold: positiveNumber().describe(
      "Alarm when the statistic exceeds this, in the metric's unit (PH lambda, CUSUM h).",
    ),
    warmup: positiveInteger()
      .default(30)
      .describe(
        "Observations before any alarm (and, for CUSUM, that set the reference mean). Default 30.",
      ),
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
    type: z
      .literal("review")
      .describe(
        "`review`: open (or refresh) a review item for an operator, proposing an action on the route and model.",
      ),
    proposed_action: z
      .enum(["demote", "change_route", "none"])
      .default("demote")
      .describe(
        "What approving the item does: demote the model on the route, change the route's model, or nothing (`none`). Default `demote`.",
      ),
    to_model: z
      .string()
      .min(1)
      .optional()
      .describe(
        "For `change_route`: the model the route should use instead, when the rule knows it.",
      ),
  })
  .strict();

const webhookActionSchema = z
  .object({
    type: z
      .literal("webhook")
      .describe("`webhook`: a JSON POST to `url`, with retries and backoff."),
    url: z
      .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
      .describe('Receives a JSON POST `{ "alert": {...}, "rule": { "id", "description" } }`.'),
    headers: z
      .record(z.string(), z.string())
      .optional()
      .describe("Extra HTTP headers sent with the POST (e.g. `authorization`)."),
    timeout_ms: positiveInteger()
      .default(10_000)
      .describe("Longest one attempt may take, in milliseconds. Default 10000."),
    max_retries: z
      .number()
      .int()
      .min(0)
      .max(20)
      .default(5)
      .describe(
        "Retries after the first attempt (408, 429, 5xx, timeouts, network errors). Default 5.",
      ),
  })
  .strict();

const logActionSchema = z
  .object({
    type: z.literal("log").describe("`log`: write the alert as a log line."),
    level: z
      .enum(["info", "warn", "error"])
      .default("warn")
      .describe("The log line's level. Default `warn`."),
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
    id: z
      .string({ error: "id is required" })
      .regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, {
        error: "must be 1-64 of a-z, 0-9, -, _, . starting with a letter or digit",
      })
      .describe(
        "Stable id: lowercase letters, digits, `-`, `_`, `.`; state and alerts are kept under it. Unique in the file.",
      ),
    description: z
      .string()
      .optional()
      .describe("What the rule is for; shown with its alerts (dashboard, webhook payload)."),
    enabled: z
      .boolean()
      .default(true)
      .describe("`false` keeps the rule in the file but does not run it. Default true."),
    match: z
      .object({
        routes: z
          .array(z.string().min(1))
          .min(1)
          .optional()
          .describe("Only events on these routes."),
        models: z
          .array(z.string().min(1))
          .min(1)
          .optional()
          .describe("Only events of these models."),
      })
      .strict()
      .optional()
      .describe("Only events for these routes / models (default: all)."),
    conditions: z
      .array(alertConditionSchema)
      .min(1, { error: "must not be empty" })
      .describe("The conditions; all must hold for the same route and model."),
    actions: z
      .array(alertActionSchema)
      .min(1, { error: "must not be empty" })
      .describe("What to do when the conditions start to hold."),
    cooldown_seconds: z
      .number()
      .min(0)
      .default(0)
      .describe(
        "After firing for a route and model, do not fire again for this long (event time). Default 0.",
      ),
  })
  .strict()
  .describe("An alert rule: conditions that must all hold for one route and model, and actions.");

export const alertRulesFileSchema = z
  .object({
    $schema: z
      .string()
      .optional()
      .describe(
        "The JSON Schema this file follows, for editors; ignored by ModelScout. The schema ships in the package as `schemas/alert-rules.json` (`node_modules/modelscout/schemas/alert-rules.json`), and `modelscout schema alerts` prints it.",
      ),
    rules: z.array(alertRuleSchema).describe("The rules; each `id` once."),
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
  })
  .describe(
    "ModelScout alert rules file (`modelscout serve --alerts`): rules whose conditions must all hold for the same route and model, and the actions to take when they start to hold.",
  );

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
  const parsed = alertRulesFileSchema.safeParse(input, { reportInput: true });
  if (parsed.success) return parsed.data.rules;
  const problems = parsed.error.issues.map((issue) =>
    describeIssue(issue, fieldPath(issue.path), alertRulesFileSchema),
  );
  throw new ModelScoutError("INVALID_ARGUMENT", problemsMessage(source, problems), {
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
