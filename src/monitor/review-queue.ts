/**
 * @module
 * The review queue: alerts that need a human become items (rule, route and model, the evidence
 * that fired the rule, a proposed action); an operator approves or rejects each with a
 * comment, and every step lands in an append-only audit trail (who, what, when). Approving a
 * demotion or route change calls the injected `RoutingControl` inside the same transaction
 * that records the approval, so "approved" means the change was made.
 *
 * A rule that fires again for a route and model that already has an open item updates that
 * item (newest evidence, `occurrences` + 1, an audit entry) instead of opening a second one.
 * Comments are redacted before they are stored, like every other text.
 */
import { errorMessage } from "../errors/error-message.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { createRedactor, type Redactor } from "../privacy/redact-personal-data.js";
import { readBothWays, readLater, type StateDatabase } from "../state/state-database.js";
import { migrateMonitoring } from "./monitoring-migrations.js";
import { newMonitorId } from "./new-monitor-id.js";
import type { RoutingControl } from "./routing-control.js";
import { subjectConditions } from "./subject-filter.js";

export type ReviewStatus = "open" | "approved" | "rejected";

export type ProposedAction =
  | { kind: "demote"; route: string; modelId: string }
  | { kind: "reinstate"; route: string; modelId: string }
  | { kind: "change_route"; route: string; fromModelId: string; toModelId: string | null }
  | { kind: "none" };

export interface ReviewItem {
  id: string;
  /** The rule that opened it; null for items opened by hand. */
  ruleId: string | null;
  route: string;
  modelId: string;
  status: ReviewStatus;
  summary: string;
  /** The numbers that fired the rule (latest firing). */
  evidence: unknown;
  proposedAction: ProposedAction;
  /** Firings folded into this item while it was open. */
  occurrences: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionComment: string | null;
}

export type ReviewAuditAction = "opened" | "refired" | "approved" | "rejected" | "action_failed";

export interface ReviewAuditEntry {
  sequence: number;
  itemId: string;
  at: string;
  actor: string;
  action: ReviewAuditAction;
  comment: string | null;
  details: unknown;
}

export interface OpenReviewItemInput {
  ruleId: string | null;
  route: string;
  modelId: string;
  summary: string;
  evidence: unknown;
  proposedAction: ProposedAction;
  /** `rule:<id>` for items a rule opens; a user name for items opened by hand. */
  actor: string;
}

export interface ReviewDecision {
  actor: string;
  comment?: string;
  /** For `change_route` items that do not name the new model: the model to switch to. */
  toModelId?: string;
}

export interface ReviewListFilter {
  status?: ReviewStatus | readonly ReviewStatus[];
  ruleId?: string;
  route?: string;
  modelId?: string;
  /** ISO times, inclusive / exclusive, on `createdAt`. */
  createdFrom?: string;
  createdBefore?: string;
  /** Default 50, at most 500. Newest first. */
  limit?: number;
  offset?: number;
}

export type ReviewItemWithAudit = ReviewItem & { audit: ReviewAuditEntry[] };

export interface ReviewQueue {
  readonly database: StateDatabase;
  /** Opens an item, or folds the firing into the open item of the same rule, route and model. */
  open(input: OpenReviewItemInput): { item: ReviewItem; created: boolean };
  get(id: string): ReviewItem | undefined;
  list(filter?: ReviewListFilter): { items: ReviewItem[]; total: number };
  /**
   * `get`, `list` and `audit` for the admin side, each item with its audit trail, read
   * without blocking on PostgreSQL (`readLater`); at once on SQLite.
   */
  getLater(id: string): Promise<ReviewItemWithAudit | undefined>;
  listLater(filter?: ReviewListFilter): Promise<{ items: ReviewItemWithAudit[]; total: number }>;
  auditLater(filter?: { limit?: number }): Promise<ReviewAuditEntry[]>;
  /** The items, each with its audit trail, the trails read in one statement (`readLater`). */
  withAuditsLater(items: readonly ReviewItem[]): Promise<ReviewItemWithAudit[]>;
  approve(id: string, decision: ReviewDecision): ReviewItem;
  reject(id: string, decision: ReviewDecision): ReviewItem;
  /** Audit entries, oldest first; for one item or all (`limit` newest, default 200). */
  audit(filter?: { itemId?: string; limit?: number }): ReviewAuditEntry[];
  countOpen(): number;
  /** `countOpen`, read without blocking on PostgreSQL (a `/metrics` scrape); at once on SQLite. */
  countOpenLater(): Promise<number>;
}

export interface ReviewQueueOptions {
  /** Applies approved demotions and route changes. Without it, approving one fails. */
  routingControl?: RoutingControl;
  now?: () => Date;
  /** Applied to comments and summaries before storing. Default: redaction on, every type. */
  redactor?: Redactor;
}

interface ItemRow {
  id: string;
  rule_id: string | null;
  route: string;
  model_id: string;
  status: ReviewStatus;
  summary: string;
  evidence_json: string;
  proposed_action_json: string;
  occurrences: number;
  created_by: string;
  created_at: string;
  updated_at: string;
  decided_by: string | null;
  decided_at: string | null;
  decision_comment: string | null;
}

function toItem(row: ItemRow): ReviewItem {
  return {
    id: row.id,
    ruleId: row.rule_id,
    route: row.route,
    modelId: row.model_id,
    status: row.status,
    summary: row.summary,
    evidence: JSON.parse(row.evidence_json),
    proposedAction: JSON.parse(row.proposed_action_json) as ProposedAction,
    occurrences: row.occurrences,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    decisionComment: row.decision_comment,
  };
}

function requireActor(actor: unknown): string {
  if (typeof actor !== "string" || actor.trim() === "") {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      "Review queue: actor must be a non-empty name (who is deciding)",
      { details: { field: "actor" } },
    );
  }
  return actor.trim();
}

const COUNT_OPEN_SQL = "SELECT COUNT(*) AS count FROM review_items WHERE status = 'open'";
const GET_ITEM_SQL = "SELECT * FROM review_items WHERE id = ?";

/** The statements of `list(filter)`: a page of items, newest first, and how many match. */
function listQuery(filter: ReviewListFilter) {
  const where: string[] = [];
  const parameters: unknown[] = [];
  if (filter.status !== undefined) {
    const statuses = typeof filter.status === "string" ? [filter.status] : [...filter.status];
    where.push(`status IN (${statuses.map(() => "?").join(", ")})`);
    parameters.push(...statuses);
  }
  const subject = subjectConditions(filter);
  where.push(...subject.where);
  parameters.push(...subject.parameters);
  if (filter.createdFrom !== undefined) {
    where.push("created_at >= ?");
    parameters.push(filter.createdFrom);
  }
  if (filter.createdBefore !== undefined) {
    where.push("created_at < ?");
    parameters.push(filter.createdBefore);
  }
  const clause = where.length === 0 ? "" : `WHERE ${where.join(" AND ")}`;
  const limit = Math.min(Math.max(1, Math.floor(filter.limit ?? 50)), 500);
  const offset = Math.max(0, Math.floor(filter.offset ?? 0));
  return {
    items: `SELECT * FROM review_items ${clause} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
    itemValues: [...parameters, limit, offset],
    total: `SELECT COUNT(*) AS total FROM review_items ${clause}`,
    totalValues: parameters,
  };
}

/** The statement of `audit(filter)`: one item's trail, or the newest `limit` entries, oldest first. */
function auditQuery(filter: { itemId?: string; limit?: number }): [string, unknown[]] {
  return filter.itemId === undefined
    ? [
        "SELECT * FROM (SELECT * FROM review_audit ORDER BY sequence DESC LIMIT ?) AS recent ORDER BY sequence",
        [Math.min(Math.max(1, filter.limit ?? 200), 10_000)],
      ]
    : ["SELECT * FROM review_audit WHERE item_id = ? ORDER BY sequence", [filter.itemId]];
}

function toAuditEntry(row: AuditRow): ReviewAuditEntry {
  return {
    sequence: row.sequence,
    itemId: row.item_id,
    at: row.at,
    actor: row.actor,
    action: row.action as ReviewAuditAction,
    comment: row.comment,
    details: row.details_json === null ? null : JSON.parse(row.details_json),
  };
}

export function createReviewQueue(
  database: StateDatabase,
  options: ReviewQueueOptions = {},
): ReviewQueue {
  migrateMonitoring(database);
  const now = options.now ?? (() => new Date());
  const redactor = options.redactor ?? createRedactor();
  const redact = (text: string) => redactor(text).text;

  const statements = {
    get: database.prepare<[string], ItemRow>(GET_ITEM_SQL),
    openFor: database.prepare<[string, string, string], ItemRow>(
      "SELECT * FROM review_items WHERE rule_id = ? AND route = ? AND model_id = ? AND status = 'open'",
    ),
    insert: database.prepare(
      `INSERT INTO review_items (id, rule_id, route, model_id, status, summary, evidence_json,
         proposed_action_json, occurrences, created_by, created_at, updated_at)
       VALUES (@id, @ruleId, @route, @modelId, 'open', @summary, @evidence, @proposedAction, 1,
         @actor, @at, @at)`,
    ),
    refire: database.prepare(
      `UPDATE review_items SET summary = @summary, evidence_json = @evidence,
         occurrences = occurrences + 1, updated_at = @at WHERE id = @id`,
    ),
    decide: database.prepare(
      `UPDATE review_items SET status = @status, decided_by = @actor, decided_at = @at,
         decision_comment = @comment, proposed_action_json = @proposedAction, updated_at = @at
       WHERE id = @id AND status = 'open'`,
    ),
    audit: database.prepare(
      `INSERT INTO review_audit (item_id, at, actor, action, comment, details_json)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    countOpen: database.prepare<[], { count: number }>(COUNT_OPEN_SQL),
  };

  const appendAudit = (
    itemId: string,
    at: string,
    actor: string,
    action: ReviewAuditAction,
    comment: string | null,
    details: unknown,
  ) => {
    statements.audit.run(
      itemId,
      at,
      actor,
      action,
      comment,
      details === undefined ? null : JSON.stringify(details),
    );
  };

  const open = database.transaction((input: OpenReviewItemInput) => {
    const actor = requireActor(input.actor);
    const date = now();
    const at = date.toISOString();
    const summary = redact(input.summary);
    const evidence = JSON.stringify(input.evidence ?? null);
    const existing =
      input.ruleId === null
        ? undefined
        : statements.openFor.get(input.ruleId, input.route, input.modelId);
    if (existing !== undefined) {
      statements.refire.run({ id: existing.id, summary, evidence, at });
      appendAudit(existing.id, at, actor, "refired", null, { summary, evidence: input.evidence });
      return { item: toItem(statements.get.get(existing.id) as ItemRow), created: false };
    }
    const id = newMonitorId("rev", date);
    statements.insert.run({
      id,
      ruleId: input.ruleId,
      route: input.route,
      modelId: input.modelId,
      summary,
      evidence,
      proposedAction: JSON.stringify(input.proposedAction),
      actor,
      at,
    });
    appendAudit(id, at, actor, "opened", null, { proposedAction: input.proposedAction });
    return { item: toItem(statements.get.get(id) as ItemRow), created: true };
  });

  const applyAction = (item: ReviewItem, action: ProposedAction, actor: string, reason: string) => {
    if (action.kind === "none") return;
    const control = options.routingControl;
    if (control === undefined) {
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        `Review item ${item.id} proposes ${action.kind} but no routing control is configured; start the review queue with the routing learner, or reject the item`,
        { details: { itemId: item.id, action: action.kind } },
      );
    }
    const base = { route: action.route, reviewItemId: item.id, actor, reason };
    if (action.kind === "demote") control.demote({ modelId: action.modelId, ...base });
    else if (action.kind === "reinstate") control.reinstate({ modelId: action.modelId, ...base });
    else {
      if (control.changeRoute === undefined) {
        throw new ModelScoutError(
          "INVALID_ARGUMENT",
          `Review item ${item.id} proposes a route change but the routing control cannot change routes`,
          { details: { itemId: item.id } },
        );
      }
      if (action.toModelId === null) {
        throw new ModelScoutError(
          "INVALID_ARGUMENT",
          `Review item ${item.id} proposes a route change without a target model: approve it with toModelId`,
          { details: { itemId: item.id, field: "toModelId" } },
        );
      }
      control.changeRoute({ modelId: action.fromModelId, toModelId: action.toModelId, ...base });
    }
  };

  const decideTransaction = database.transaction(
    (id: string, status: "approved" | "rejected", decision: ReviewDecision) => {
      const actor = requireActor(decision.actor);
      const row = statements.get.get(id);
      if (row === undefined) {
        throw new ModelScoutError("NOT_FOUND", `No review item ${id}`, { details: { itemId: id } });
      }
      const item = toItem(row);
      if (item.status !== "open") {
        throw new ModelScoutError(
          "INVALID_ARGUMENT",
          `Review item ${id} was already ${item.status} by ${item.decidedBy} at ${item.decidedAt}`,
          { details: { itemId: id, status: item.status, reason: "already-decided" } },
        );
      }
      const comment = decision.comment === undefined ? null : redact(decision.comment);
      let action = item.proposedAction;
      if (action.kind === "change_route" && decision.toModelId !== undefined) {
        action = Object.assign({}, action, { toModelId: decision.toModelId });
      }
      const at = now().toISOString();
      if (status === "approved") {
        try {
          applyAction(item, action, actor, [item.summary, comment].filter(Boolean).join(" | "));
        } catch (error) {
          throw new RoutingChangeFailed(error);
        }
      }
      statements.decide.run({
        id,
        status,
        actor,
        at,
        comment,
        proposedAction: JSON.stringify(action),
      });
      appendAudit(id, at, actor, status, comment, { proposedAction: action });
      return toItem(statements.get.get(id) as ItemRow);
    },
  );

  const decide = (id: string, status: "approved" | "rejected", decision: ReviewDecision) => {
    try {
      // IMMEDIATE: the decision reads the item, then writes; a deferred transaction's read
      // would fail to upgrade (SQLITE_BUSY, no wait) if another connection, such as the
      // request-log writer, committed in between.
      return decideTransaction.immediate(id, status, decision);
    } catch (error) {
      if (!(error instanceof RoutingChangeFailed)) throw error;
      // The approval rolled back with the failed change; the attempt still goes on record.
      const message = errorMessage(error.cause);
      appendAudit(id, now().toISOString(), decision.actor.trim(), "action_failed", null, {
        error: redact(message),
      });
      if (ModelScoutError.isInstance(error.cause)) throw error.cause;
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        `Review item ${id}: the routing change failed, so the item stays open: ${message}`,
        { cause: error.cause, details: { itemId: id } },
      );
    }
  };

  const audits = readBothWays(database, auditQuery, toAuditEntry);

  /** The items with their audit trails, read in one statement. */
  const withAudits = async (items: readonly ReviewItem[]): Promise<ReviewItemWithAudit[]> => {
    if (items.length === 0) return [];
    const rows = (await readLater(
      database,
      `SELECT * FROM review_audit WHERE item_id IN (${items.map(() => "?").join(", ")}) ORDER BY sequence`,
      items.map((item) => item.id),
    )) as unknown as AuditRow[];
    const trails = new Map<string, ReviewAuditEntry[]>(items.map((item) => [item.id, []]));
    for (const row of rows) trails.get(row.item_id)?.push(toAuditEntry(row));
    return items.map((item) => Object.assign({}, item, { audit: trails.get(item.id) ?? [] }));
  };

  return {
    database,
    open: (input) => open.immediate(input),
    get: (id) => {
      const row = statements.get.get(id);
      return row === undefined ? undefined : toItem(row);
    },
    list(filter = {}) {
      const query = listQuery(filter);
      const rows = database.prepare<unknown[], ItemRow>(query.items).all(...query.itemValues);
      const { total } = database
        .prepare<unknown[], { total: number }>(query.total)
        .get(...query.totalValues) as { total: number };
      return { items: rows.map(toItem), total };
    },
    async listLater(filter = {}) {
      const query = listQuery(filter);
      const rows = (await readLater(
        database,
        query.items,
        query.itemValues,
      )) as unknown as ItemRow[];
      const [counted] = await readLater(database, query.total, query.totalValues);
      return {
        items: await withAudits(rows.map(toItem)),
        total: Number((counted as { total: number } | undefined)?.total ?? 0),
      };
    },
    async getLater(id) {
      const [row] = await readLater(database, GET_ITEM_SQL, [id]);
      if (row === undefined) return undefined;
      const [item] = await withAudits([toItem(row as unknown as ItemRow)]);
      return item;
    },
    approve: (id, decision) => decide(id, "approved", decision),
    reject: (id, decision) => decide(id, "rejected", decision),
    audit: (filter = {}) => audits.now(filter),
    auditLater: (filter = {}) => audits.later(filter),
    withAuditsLater: withAudits,
    countOpen: () => (statements.countOpen.get() as { count: number }).count,
    async countOpenLater() {
      const [row] = await readLater(database, COUNT_OPEN_SQL, []);
      return Number((row as { count: number } | undefined)?.count ?? 0);
    },
  };
}

/** Marks a failure of the routing change, as opposed to a refused decision. */
class RoutingChangeFailed extends Error {
  constructor(override readonly cause: unknown) {
    super("routing change failed");
  }
}

interface AuditRow {
  sequence: number;
  item_id: string;
  at: string;
  actor: string;
  action: string;
  comment: string | null;
  details_json: string | null;
}
