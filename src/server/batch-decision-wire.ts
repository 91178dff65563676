/**
 * @module
 * How the decision of a batch whose items went to different routes travels (ADR 0081): the
 * `x-modelscout-*` headers say it is mixed (`x-modelscout-batch: mixed`, the routes and the
 * models comma-separated, group by group, and a reason pointing at the items), and the
 * `modelscout` body field holds each item's route, model, reason and logged request id
 * (`items`) beside each group's whole decision (`groups`). The request log keeps the same
 * JSON on item 0's row, which is how feedback naming an `item` finds its row; the other items'
 * rows keep their own item and group (`mixedBatchItemJson`).
 * A `/v1/tasks` batch answered as one (its items on one route, or a route, model or session
 * named) keeps the one-decision wire (`decision-wire.ts`), with `batch_size` and `items` added
 * (`withBatchItems`), and is logged a row per item like a split batch (`oneRouteSplit`), so that
 * feedback on any item is scored against that item's own answer (ADR 0081, second addendum).
 * Each item whose own classification called a model that reported tokens says what they were
 * and cost (`classification_usage`, ADR 0090): a group's decision shows its first item's
 * classification only, and an item classified with an earlier one of the same text has none.
 */
import type { BackendOutput } from "../backends/model-backend.js";
import type { BatchItem, BatchSplit, RouteResult } from "../route/router.js";
import type { ClassificationTrace } from "../route/routing-decision.js";
import { topLabel } from "../select/metrics/classification-metrics.js";
import type { TaskId } from "../tasks/resolve-task.js";
import { type DecisionBody, decisionBody, headerSafe, stepSpendBody } from "./decision-wire.js";

/** The value of `x-modelscout-batch` (and the body's `batch`) for a split batch. */
export const MIXED_BATCH = "mixed";

export interface BatchItemBody {
  index: number;
  /** The request log's row for this item (the batch's own id for item 0). */
  request_id: string;
  route: string | null;
  model: string;
  reason: string;
  /** The item's top label, for a labelling task: what feedback's `label` is scored against. */
  label?: string;
  /**
   * What the item's own classification's model calls reported (its share of a call that
   * carried several texts), step by step, with their cost at each model's declared price;
   * absent when they reported none (ADR 0090).
   */
  classification_usage?: ClassificationUsageBody[];
}

/** One model step's call for one item (`BatchItemBody.classification_usage`). */
export interface ClassificationUsageBody {
  step: number;
  model: string;
  usage: { prompt_tokens: number; completion_tokens: number };
  cost_usd?: number;
}

export interface BatchDecisionBody {
  request_id: string;
  task: string;
  requested: string;
  batch: typeof MIXED_BATCH;
  /** The HTTP status of the whole answer: a batch fails when any group fails. */
  status: number;
  routes: (string | null)[];
  models: string[];
  reason: string;
  items: BatchItemBody[];
  groups: DecisionBody[];
}

/**
 * The id of each item's log row: a group's first item has its group's decision's id (item 0
 * the batch's own), the others one each.
 */
export function batchItemIds(batch: BatchSplit, newId: () => string): string[] {
  return batch.items.map((item, index) => {
    const group = batch.groups[item.group] as BatchSplit["groups"][number];
    return group.indexes[0] === index ? group.result.decision.requestId : newId();
  });
}

export function batchDecisionBody(
  requestId: string,
  task: TaskId,
  requested: string,
  batch: BatchSplit,
  itemIds: readonly string[],
  outputs: readonly BackendOutput[] | null,
  status: number,
): BatchDecisionBody {
  const decisions = batch.groups.map((group) => group.result.decision);
  return {
    request_id: requestId,
    task,
    requested,
    batch: MIXED_BATCH,
    status,
    routes: decisions.map((decision) => decision.route),
    models: decisions.map((decision) => decision.model),
    reason: batchReason(batch),
    items: batchItemBodies(batch, itemIds, outputs),
    groups: decisions.map(decisionBody),
  };
}

/** Each item's route, model, reason, logged request id and (labelling tasks) top label. */
export function batchItemBodies(
  batch: BatchSplit,
  itemIds: readonly string[],
  outputs: readonly BackendOutput[] | null,
): BatchItemBody[] {
  return batch.items.map((item, index) => {
    const decision = (batch.groups[item.group] as BatchSplit["groups"][number]).result.decision;
    const label = outputs === null ? undefined : topLabelOf(outputs[index]);
    const usage = classificationUsage(
      item.position === 0 ? decision.classification : item.classification,
    );
    return {
      index,
      request_id: itemIds[index] as string,
      route: decision.route,
      model: decision.model,
      reason: item.reason,
      ...(label !== undefined && { label }),
      ...(usage !== undefined && { classification_usage: usage }),
    };
  });
}

/** The model steps of `classification` that reported tokens, or undefined when none did. */
function classificationUsage(
  classification: ClassificationTrace | null | undefined,
): ClassificationUsageBody[] | undefined {
  let entries: ClassificationUsageBody[] | undefined;
  for (const step of classification?.steps ?? []) {
    if (step.usage === undefined) continue;
    entries ??= [];
    entries.push({ step: step.step, ...stepSpendBody(step, step.usage) });
  }
  return entries;
}

/**
 * A batch answered as one, as a split into one group holding every item: logged and described
 * by the code that logs a split batch (`LogBatch`, `batchItemBodies`), so that its items are
 * rows, requests and feedback targets as a split batch's are. Each item's reason is its own
 * classification's when the router classified each (`itemReasons`), else the decision's; so is
 * its classification, when its own (`itemClassifications`).
 */
export function oneRouteSplit(result: RouteResult, inputs: number): BatchSplit {
  const reasons = result.itemReasons;
  const classifications = result.itemClassifications;
  const items: BatchItem[] = [];
  const indexes: number[] = [];
  for (let index = 0; index < inputs; index += 1) {
    indexes.push(index);
    const reason = reasons?.[index] ?? result.decision.reason;
    const classification = classifications?.[index];
    items.push(
      classification === undefined
        ? { group: 0, position: index, reason }
        : { group: 0, position: index, reason, classification },
    );
  }
  return { groups: [{ indexes, result }], items };
}

/**
 * The decision JSON of item `index` > 0's log row of a batch split over routes: the batch's
 * decision without `items`, `groups` and the `reason` that lists every item (the item's own
 * is in `item`), with `batch_size`, that item (`item`) and its own group's decision (`group`:
 * its route's classification of the group's first item, and the call that answered it). Item 0's row holds the whole decision (every item, every group),
 * which feedback naming another item reads there; every row holding all of it made the log
 * grow with the square of the batch's size (ADR 0081, third addendum).
 */
export function mixedBatchItemJson(body: BatchDecisionBody, index: number, group: number): string {
  return JSON.stringify({
    request_id: body.request_id,
    task: body.task,
    requested: body.requested,
    batch: body.batch,
    status: body.status,
    routes: body.routes,
    models: body.models,
    batch_size: body.items.length,
    item: body.items[index],
    group: body.groups[group],
  });
}

/** `batch over 2 routes: delivery (items 0, 2), complaint (item 1); ...`. */
function batchReason(batch: BatchSplit): string {
  const parts = batch.groups.map(
    (group) =>
      `${group.result.decision.route} (item${group.indexes.length === 1 ? "" : "s"} ${group.indexes.join(", ")})`,
  );
  return `batch split over ${batch.groups.length} routes: ${parts.join(", ")}; each item's route, model and reason are in modelscout.items`;
}

function topLabelOf(output: BackendOutput | undefined): string | undefined {
  if (output?.kind !== "labels") return undefined;
  return topLabel(output) ?? undefined;
}

export function batchDecisionHeaders(
  requestId: string,
  body: BatchDecisionBody,
): Record<string, string> {
  return {
    "x-modelscout-request-id": requestId,
    "x-modelscout-batch": MIXED_BATCH,
    "x-modelscout-route": headerSafe(body.routes.join(",")),
    "x-modelscout-model": headerSafe(body.models.join(",")),
    "x-modelscout-reason": headerSafe(body.reason),
  };
}

/** A logged decision's batch form, or null when it is one decision (`decisionJson`). */
export function loggedBatchDecision(json: string | null): BatchDecisionBody | null {
  if (json === null || !json.includes(`"batch":"${MIXED_BATCH}"`)) return null;
  const parsed = JSON.parse(json) as Partial<BatchDecisionBody>;
  return parsed.batch === MIXED_BATCH && Array.isArray(parsed.items)
    ? (parsed as BatchDecisionBody)
    : null;
}

/**
 * The decision JSON of a `/v1/tasks` batch of two inputs or more answered as one (its items on
 * one route, or a route, model or session named), with `batch_size` and `items` as its last
 * fields: each item's own request id, reason and label, as a split batch's `items` (ADR 0081,
 * addenda). Each item has a log row of its own; feedback reads `items` there to find it.
 */
export function withBatchItems(decisionJson: string, items: readonly BatchItemBody[]): string {
  return `${decisionJson.slice(0, -1)},"batch_size":${items.length},"items":${JSON.stringify(items)}}`;
}

/**
 * The decision JSON of item `item.index` > 0's log row of a batch answered as one: the batch's
 * decision (its `request_id` the batch's, item 0's row) with `batch_size` and that item alone.
 * Item 0's row holds every item (`withBatchItems`), which feedback naming an item reads there;
 * every row holding them all, as a split batch's rows did until the third addendum, stored 212 kB of decisions for a
 * 32-text batch instead of 29 kB (ADR 0081, second addendum).
 */
export function withBatchItem(decisionJson: string, size: number, item: BatchItemBody): string {
  return `${decisionJson.slice(0, -1)},"batch_size":${size},"item":${JSON.stringify(item)}}`;
}

/**
 * The batch and item a row of `withBatchItem` or `mixedBatchItemJson` is about, or null for
 * any other row; `answered` is false when the batch failed as a whole (a split batch's
 * `status`), its client getting no answer to rate.
 */
export function loggedBatchItem(
  json: string | null,
): { batchRequestId: string; item: BatchItemBody; answered: boolean } | null {
  if (json === null || !json.includes('"item":')) return null;
  const parsed = JSON.parse(json) as {
    request_id?: unknown;
    item?: Partial<BatchItemBody>;
    status?: unknown;
  };
  return typeof parsed.request_id === "string" && typeof parsed.item?.index === "number"
    ? {
        batchRequestId: parsed.request_id,
        item: parsed.item as BatchItemBody,
        answered: parsed.status === undefined || parsed.status === 200,
      }
    : null;
}

/**
 * The items of a logged batch answered as one and logged a row per item, read on item 0's row
 * (`withBatchItems`), or null: a single input, another item's row (`loggedBatchItem`), or a
 * row logged before items were (one row for the batch, its size in `batch_size`,
 * `loggedBatchSize`).
 */
export function loggedBatchItems(json: string | null): BatchItemBody[] | null {
  if (json === null || !json.includes('"items":')) return null;
  const items = (JSON.parse(json) as { items?: unknown }).items;
  return Array.isArray(items) && items.length > 1 ? (items as BatchItemBody[]) : null;
}

/**
 * The log row's decision JSON of a `/v1/tasks` request of one input: `batch_size` 1 as its
 * last field, so that feedback naming another item is refused. The answer's `modelscout` field
 * has none (a client that never batches sees no change); a row logged before 2026-12-05 has
 * none either, and may have been a batch answered as one (`loggedBatchSize`).
 */
export function withOneInput(decisionJson: string): string {
  return `${decisionJson.slice(0, -1)},"batch_size":1}`;
}

/**
 * How many inputs a logged request routed as one answered: its decision's `batch_size` (1 on
 * a single input's row, `withOneInput`), or null where the row does not say: a request of
 * another endpoint, or a row logged before `batch_size` was, which may have been a batch.
 */
export function loggedBatchSize(json: string | null): number | null {
  if (json === null || !json.includes('"batch_size":')) return null;
  const size = (JSON.parse(json) as { batch_size?: unknown }).batch_size;
  return typeof size === "number" && Number.isInteger(size) && size >= 1 ? size : null;
}
