/**
 * @module
 * One logged request as an operator reads it (`modelscout requests show <id>`): when, what was
 * asked, where it went and why, what each classification step and model attempt did, what it
 * cost (the answer, and each classification step's model call, ADR 0090), the texts as the log
 * keeps them, and every feedback given on it. `--json` gives the
 * same as data. The decision is read leniently: rows logged by older versions, and a split
 * batch's item rows, hold other shapes, and what is missing is left out rather than guessed.
 */
import type { FeedbackRow, RequestLogRow } from "../route/routing-store.js";
import { formatMs, formatUsd, formatUtcSeconds } from "../text/format-table.js";

/** A model step's call, as a step or a batch item's `classification_usage` has it. */
interface LoggedSpend {
  model?: unknown;
  usage?: unknown;
  cost_usd?: unknown;
}

interface LoggedStep extends LoggedSpend {
  kind?: unknown;
  route?: unknown;
  detail?: unknown;
  score?: unknown;
  elapsed_ms?: unknown;
}

interface LoggedAttempt {
  model?: unknown;
  outcome?: unknown;
  latency_ms?: unknown;
  error?: unknown;
  status?: unknown;
}

/** What the text view reads of a logged decision; every field may be absent. */
export interface LoggedDecisionView {
  request_id?: unknown;
  policy?: unknown;
  explored?: unknown;
  order?: unknown;
  attempts?: unknown;
  classification?: unknown;
  /** A `/v1/tasks` batch's (ADR 0081): its size, its items, or this row's item. */
  batch_size?: unknown;
  items?: unknown;
  item?: unknown;
  /** A batch split over routes (`"mixed"`): each route's decision, or this row's route's. */
  batch?: unknown;
  groups?: unknown;
  group?: unknown;
}

/**
 * The decision that routed this row's item: a split batch's item 0 row holds every route's
 * (`groups`; so did every item's row before ADR 0081's third addendum), a later item's row its
 * own route's (`group`); any other row's is the row's decision itself.
 */
function routingDecisionOf(
  rowId: string,
  decision: LoggedDecisionView | null,
): LoggedDecisionView | null {
  if (decision?.batch !== "mixed") return decision;
  let group: unknown = decision.group;
  if (Array.isArray(decision.groups) && Array.isArray(decision.items)) {
    const items = decision.items as { request_id?: unknown; route?: unknown }[];
    const route = items.find((item) => item.request_id === rowId)?.route;
    group = (decision.groups as { route?: unknown }[]).find((each) => each.route === route);
  }
  return typeof group === "object" && group !== null ? (group as LoggedDecisionView) : null;
}

/**
 * Which input of a `/v1/tasks` batch the row is, and of how many: its decision's `item` (a
 * later item of a batch answered as one), or the entry of `items` with the row's id; null
 * for a request of one input.
 */
function batchPosition(
  rowId: string,
  decision: LoggedDecisionView | null,
): { index: number; size: number; batchId: string } | null {
  if (decision === null) return null;
  const items = Array.isArray(decision.items) ? (decision.items as { request_id?: unknown }[]) : [];
  const size = typeof decision.batch_size === "number" ? decision.batch_size : items.length;
  if (size < 2) return null;
  const own = decision.item as { index?: unknown } | undefined;
  const index =
    typeof own?.index === "number"
      ? own.index
      : items.findIndex((item) => item.request_id === rowId);
  const batchId = typeof decision.request_id === "string" ? decision.request_id : rowId;
  return index < 0 ? null : { index, size, batchId };
}

/** The request, its decision (the wire form, or null) and its feedback, as text. */
export function renderLoggedRequest(
  row: RequestLogRow,
  decision: LoggedDecisionView | null,
  feedback: readonly FeedbackRow[],
): string {
  const lines: string[] = [];
  const task = row.task === null ? "" : ` (${row.task})`;
  lines.push(`Request ${row.id}, ${formatUtcSeconds(row.createdAt)} UTC, ${row.endpoint}${task}`);
  if (row.requested !== null) lines.push(`Asked for: ${row.requested}`);
  const errorCode = row.errorCode === null ? "" : ` (${row.errorCode})`;
  lines.push(
    `Route: ${row.route ?? "-"}; model: ${row.model ?? "-"}; status ${row.status}${errorCode}`,
  );
  const modelTime =
    row.modelLatencyMs === null ? "" : `, the model ${formatMs(row.modelLatencyMs)}`;
  lines.push(`Latency: ${formatMs(row.latencyMs)}${modelTime}`);
  if (row.reason !== null) lines.push(`Why: ${row.reason}`);
  const routing = routingDecisionOf(row.id, decision);
  const policy = typeof routing?.policy === "string" ? routing.policy : null;
  if (policy !== null) {
    const order = Array.isArray(routing?.order) ? routing.order.map(String) : [];
    const explored = routing?.explored === true ? ", exploring" : "";
    const ordered = order.length === 0 ? "" : `: ${order.join(" > ")}`;
    lines.push(`Policy: ${policy}${explored}${ordered}`);
  }
  const batch = batchPosition(row.id, decision);
  const split = decision?.batch === "mixed";
  if (batch !== null) {
    const whose = batch.batchId === row.id ? "" : ` (the batch's request ${batch.batchId})`;
    const over = split ? ", split over routes" : "";
    lines.push(`Batch: input ${batch.index} of ${batch.size}${whose}${over}`);
  }
  // An item routed with others (a batch answered as one, or its route's share of a split
  // batch) has the decision of the first of them: that item's classification, not shown as
  // this one's (its own is in Why), and the one call that answered them all.
  const ownDecision = split ? routing?.request_id === row.id : batch === null || batch.index === 0;
  if (ownDecision) lines.push(...classificationLines(routing?.classification));
  else lines.push(...itemClassificationLines(decision));
  const shared = split
    ? "Attempts (the call that answered its route's items):"
    : "Attempts (the call that answered the batch):";
  lines.push(...attemptLines(routing?.attempts, ownDecision ? "Attempts:" : shared));
  if (row.domain !== null && row.domain !== undefined) lines.push(`Domain: ${row.domain}`);
  if (row.session !== null && row.session !== undefined) lines.push(`Session: ${row.session}`);
  if (row.promptTokens !== null || row.completionTokens !== null) {
    const cost = row.costUsd === null ? "" : `, ${formatUsd(row.costUsd)}`;
    lines.push(`Tokens: ${row.promptTokens ?? "?"} in, ${row.completionTokens ?? "?"} out${cost}`);
  }
  lines.push(`Input: ${row.inputText ?? "-"}`);
  lines.push(`Output: ${row.outputText ?? "-"}`);
  if (row.outputLabel !== null) lines.push(`Label answered: ${row.outputLabel}`);
  if (feedback.length === 0) {
    lines.push("Feedback: none");
  } else {
    lines.push("Feedback:");
    for (const given of feedback) lines.push(`  ${feedbackLine(given)}`);
  }
  lines.push(
    "Texts as the log keeps them (personal data redacted, at most server.log_text_chars); --json gives all of it as data.",
  );
  return `${lines.join("\n")}\n`;
}

function classificationLines(classification: unknown): string[] {
  if (typeof classification !== "object" || classification === null) return [];
  const { steps, used_default: usedDefault } = classification as {
    steps?: unknown;
    used_default?: unknown;
  };
  if (!Array.isArray(steps)) return [];
  const lines = ["Classification:"];
  for (const step of steps as LoggedStep[]) {
    const route = typeof step.route === "string" ? step.route : "no route";
    const score = typeof step.score === "number" ? `, score ${step.score.toFixed(2)}` : "";
    const elapsed = typeof step.elapsed_ms === "number" ? `, ${formatMs(step.elapsed_ms)}` : "";
    const detail = typeof step.detail === "string" && step.detail !== "" ? ` (${step.detail})` : "";
    const spent = spendText(step);
    const call = spent === null ? "" : `; ${spent}`;
    lines.push(`  ${String(step.kind ?? "step")}: ${route}${detail}${score}${elapsed}${call}`);
  }
  if (usedDefault === true) lines.push("  no step named a route: the default route");
  return lines;
}

/**
 * What this row's item's own classification calls cost, for an item after the first of those
 * routed with it (its decision's classification is that first item's): its `item`'s. Rows that
 * held every item on every row were logged before items had them.
 */
function itemClassificationLines(decision: LoggedDecisionView | null): string[] {
  const item = decision?.item as { classification_usage?: unknown } | undefined;
  const spends = item?.classification_usage;
  if (!Array.isArray(spends)) return [];
  const texts = (spends as LoggedSpend[]).flatMap((spend) => spendText(spend) ?? []);
  return texts.length === 0 ? [] : [`Classification calls (this input's): ${texts.join("; ")}`];
}

/** `router-llm: 41 in, 1 out, $0.00014`: a model step's call, or null without its tokens. */
function spendText(spend: LoggedSpend): string | null {
  if (typeof spend.usage !== "object" || spend.usage === null) return null;
  const { prompt_tokens: read, completion_tokens: written } = spend.usage as {
    prompt_tokens?: unknown;
    completion_tokens?: unknown;
  };
  const model = typeof spend.model === "string" ? `${spend.model}: ` : "";
  const cost = typeof spend.cost_usd === "number" ? `, ${formatUsd(spend.cost_usd)}` : "";
  const count = (tokens: unknown) => (typeof tokens === "number" ? String(tokens) : "?");
  return `${model}${count(read)} in, ${count(written)} out${cost}`;
}

function attemptLines(attempts: unknown, heading: string): string[] {
  if (!Array.isArray(attempts) || attempts.length === 0) return [];
  const lines = [heading];
  for (const attempt of attempts as LoggedAttempt[]) {
    const status = typeof attempt.status === "number" ? ` ${attempt.status}` : "";
    const latency =
      typeof attempt.latency_ms === "number" ? `, ${formatMs(attempt.latency_ms)}` : "";
    const error = typeof attempt.error === "string" ? `: ${attempt.error}` : "";
    lines.push(
      `  ${String(attempt.model ?? "?")}: ${String(attempt.outcome ?? "?")}${status}${latency}${error}`,
    );
  }
  return lines;
}

function feedbackLine(given: FeedbackRow): string {
  const parts: string[] = [];
  if (given.rating !== null) parts.push(`rating ${given.rating}`);
  if (given.correct !== null) parts.push(given.correct ? "correct" : "incorrect");
  if (given.label !== null) parts.push(`label ${given.label}`);
  if (given.latencyMs !== null) parts.push(`observed latency ${formatMs(given.latencyMs)}`);
  if (given.reward !== null) parts.push(`reward ${given.reward.toFixed(2)}`);
  // Not applied and no error: stored, and applied when a server next starts (its replay).
  const applied = given.applied
    ? "applied to the learner"
    : given.applyError === null
      ? "stored, not yet applied to the learner"
      : `not applied to the learner: ${given.applyError}`;
  return `${formatUtcSeconds(given.createdAt)} UTC: ${parts.join(", ") || "(empty)"}; ${applied}`;
}
