/**
 * @module
 * The `monitoring` component's tables in the state database: alert engine state (per rule,
 * condition and key, plus which rule and subject is currently firing), fired alerts, the
 * webhook outbox, the review queue and its append-only audit trail (triggers refuse updates
 * and deletes). Applied with `migrateComponent(database, "monitoring", MONITORING_MIGRATIONS)`.
 */
import {
  type ComponentMigration,
  migrateComponent,
  type StateDatabase,
} from "../state/state-database.js";

export const MONITORING_MIGRATIONS: readonly ComponentMigration[] = [
  {
    version: 1,
    description: "alert engine state, alerts, webhook outbox, review queue and audit trail",
    sql: `
      CREATE TABLE monitor_rules (
        rule_id TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE monitor_condition_state (
        rule_id TEXT NOT NULL,
        condition_index INTEGER NOT NULL,
        state_key TEXT NOT NULL,
        state_json TEXT NOT NULL,
        PRIMARY KEY (rule_id, condition_index, state_key)
      ) WITHOUT ROWID;
      CREATE TABLE monitor_rule_subjects (
        rule_id TEXT NOT NULL,
        route TEXT NOT NULL,
        model_id TEXT NOT NULL,
        active INTEGER NOT NULL,
        last_fired_at TEXT,
        fired_count INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (rule_id, route, model_id)
      ) WITHOUT ROWID;
      CREATE TABLE monitor_alerts (
        id TEXT PRIMARY KEY,
        rule_id TEXT NOT NULL,
        route TEXT NOT NULL,
        model_id TEXT NOT NULL,
        fired_at TEXT NOT NULL,
        summary TEXT NOT NULL,
        evidence_json TEXT NOT NULL,
        review_item_id TEXT
      );
      CREATE INDEX monitor_alerts_by_time ON monitor_alerts (fired_at);
      CREATE TABLE monitor_webhook_outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        alert_id TEXT NOT NULL REFERENCES monitor_alerts (id),
        url TEXT NOT NULL,
        headers_json TEXT NOT NULL,
        payload_json TEXT NOT NULL,
        timeout_ms INTEGER NOT NULL,
        max_retries INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX monitor_webhook_pending ON monitor_webhook_outbox (id) WHERE status = 'pending';
      CREATE TABLE review_items (
        id TEXT PRIMARY KEY,
        rule_id TEXT,
        route TEXT NOT NULL,
        model_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('open', 'approved', 'rejected')),
        summary TEXT NOT NULL,
        evidence_json TEXT NOT NULL,
        proposed_action_json TEXT NOT NULL,
        occurrences INTEGER NOT NULL DEFAULT 1,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        decided_by TEXT,
        decided_at TEXT,
        decision_comment TEXT
      );
      CREATE INDEX review_items_by_status ON review_items (status, created_at);
      CREATE UNIQUE INDEX review_items_one_open_per_rule ON review_items (rule_id, route, model_id)
        WHERE status = 'open' AND rule_id IS NOT NULL;
      CREATE TRIGGER review_items_no_delete BEFORE DELETE ON review_items
        BEGIN SELECT RAISE(ABORT, 'review items are kept: decide them instead of deleting'); END;
      CREATE TABLE review_audit (
        sequence INTEGER PRIMARY KEY AUTOINCREMENT,
        item_id TEXT NOT NULL REFERENCES review_items (id),
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        comment TEXT,
        details_json TEXT
      );
      CREATE INDEX review_audit_by_item ON review_audit (item_id, sequence);
      CREATE TRIGGER review_audit_no_update BEFORE UPDATE ON review_audit
        BEGIN SELECT RAISE(ABORT, 'review_audit is append-only'); END;
      CREATE TRIGGER review_audit_no_delete BEFORE DELETE ON review_audit
        BEGIN SELECT RAISE(ABORT, 'review_audit is append-only'); END;
    `,
  },
  {
    version: 2,
    description:
      "a counter of the alert engine's writes, so a server sees another's on the same file (ADR 0060)",
    sql: `
      CREATE TABLE monitor_generation (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        generation INTEGER NOT NULL
      );
      INSERT INTO monitor_generation (id, generation) VALUES (1, 0);
    `,
  },
  {
    version: 3,
    description:
      "a claim on each webhook being sent, so two servers on one file do not both send it (ADR 0060)",
    sql: `
      ALTER TABLE monitor_webhook_outbox ADD COLUMN claimed_until TEXT;
    `,
  },
];

export function migrateMonitoring(database: StateDatabase): number[] {
  return migrateComponent(database, "monitoring", MONITORING_MIGRATIONS);
}
