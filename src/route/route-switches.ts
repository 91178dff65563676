/**
 * @module
 * Route switches: an operator-approved change "route R uses model B instead of model A",
 * made by approving a `change_route` review item (issue 6). A switch holds for every policy
 * (fixed, fallback, weighted, bandit): where the route's order has A, it gets B, and A is
 * dropped; if B was already a candidate, it moves into A's place. Switches live in the state
 * database (component `route-switches`), so they survive restarts, and each one keeps who
 * approved it, when and why; removing one (`revert`) restores the configured order.
 *
 * Keys are the routes as the monitor names them: a route name (applies to all of the
 * route's tasks) or a learner key `<route>/<task>` (one task).
 */
import { ModelScoutError } from "../errors/modelscout-error.js";
import type { PostgresStateDatabase } from "../state/postgres-state-database.js";
import {
  type ComponentMigration,
  migrateComponent,
  postgresState,
  type StateDatabase,
} from "../state/state-database.js";

const MIGRATIONS: readonly ComponentMigration[] = [
  {
    version: 1,
    description: "operator route switches",
    sql: `
      CREATE TABLE route_switches (
        route TEXT NOT NULL,
        from_model TEXT NOT NULL,
        to_model TEXT NOT NULL,
        review_item_id TEXT,
        actor TEXT NOT NULL,
        reason TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (route, from_model)
      );
    `,
  },
];

export interface RouteSwitchRecord {
  route: string;
  fromModel: string;
  toModel: string;
  reviewItemId: string | null;
  actor: string;
  reason: string;
  at: string;
}

const SELECT_ALL_SQL = "SELECT * FROM route_switches ORDER BY at, route, from_model";

interface RawSwitch {
  route: string;
  from_model: string;
  to_model: string;
  review_item_id: string | null;
  actor: string;
  reason: string;
  at: string;
}

export class RouteSwitches {
  #switches: RouteSwitchRecord[] = [];
  /** Prepared once: `sync` runs it every second. */
  readonly #selectAll;
  readonly #postgres: PostgresStateDatabase | undefined;
  /** Counts reloads: an awaited read answered after one is older than memory, and dropped. */
  #reloads = 0;

  constructor(private readonly database: StateDatabase) {
    migrateComponent(database, "route-switches", MIGRATIONS);
    this.#selectAll = database.prepare(SELECT_ALL_SQL);
    this.#postgres = postgresState(database);
    this.#reload();
  }

  /**
   * Reads the switches again: another server on the same state file (ADR 0060) may have
   * approved or reverted one. The server calls it every second.
   */
  sync(): void {
    this.#reload();
  }

  /**
   * `sync` for the server's timer: on PostgreSQL the read is awaited on the connection for
   * awaited reads instead of blocking the event loop (ADR 0070); on a file it is `sync`.
   */
  async syncAhead(): Promise<void> {
    if (this.#postgres === undefined) {
      this.sync();
      return;
    }
    const reloads = this.#reloads;
    const rows = await this.#postgres.readRows(SELECT_ALL_SQL, []);
    // A switch set or reverted here meanwhile reloaded memory with what the read may lack.
    if (this.#reloads === reloads) this.#use(rows as unknown as RawSwitch[]);
  }

  #reload(): void {
    this.#use(this.#selectAll.all() as RawSwitch[]);
  }

  #use(rows: readonly RawSwitch[]): void {
    this.#reloads++;
    this.#switches = rows.map((row) => ({
      route: row.route,
      fromModel: row.from_model,
      toModel: row.to_model,
      reviewItemId: row.review_item_id,
      actor: row.actor,
      reason: row.reason,
      at: row.at,
    }));
  }

  /** Records a switch (replacing an earlier one for the same route and model); idempotent. */
  set(change: Omit<RouteSwitchRecord, "at">, now: Date = new Date()): void {
    if (change.fromModel === change.toModel) {
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        `A route switch needs two different models (got ${change.fromModel} twice).`,
      );
    }
    this.database
      .prepare(
        `INSERT INTO route_switches (route, from_model, to_model, review_item_id, actor, reason, at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (route, from_model) DO UPDATE SET to_model = excluded.to_model,
           review_item_id = excluded.review_item_id, actor = excluded.actor,
           reason = excluded.reason, at = excluded.at`,
      )
      .run(
        change.route,
        change.fromModel,
        change.toModel,
        change.reviewItemId,
        change.actor,
        change.reason,
        now.toISOString(),
      );
    this.#reload();
  }

  /** Removes a switch; true when there was one. */
  revert(route: string, fromModel: string): boolean {
    const result = this.database
      .prepare("DELETE FROM route_switches WHERE route = ? AND from_model = ?")
      .run(route, fromModel);
    this.#reload();
    return result.changes > 0;
  }

  list(): RouteSwitchRecord[] {
    return [...this.#switches];
  }

  /**
   * The order with the switches for `routeName` / `learnerKey` applied, and a note for the
   * decision's reason (null when nothing applied).
   */
  apply(
    routeName: string,
    learnerKey: string,
    order: readonly string[],
    runs: (model: string) => boolean = () => true,
  ): { order: string[]; note: string | null } {
    let result = [...order];
    const notes: string[] = [];
    for (const entry of this.#switches) {
      if (entry.route !== routeName && entry.route !== learnerKey) continue;
      const index = result.indexOf(entry.fromModel);
      if (index === -1) continue;
      // A switch to a model the routes config no longer has (changed since the approval, or
      // reloaded) is passed over, not followed into a request that cannot be served.
      if (!runs(entry.toModel)) {
        notes.push(
          `the switch of ${entry.fromModel} to ${entry.toModel} is not applied: ${entry.toModel} is not in the routes config`,
        );
        continue;
      }
      const without = result.filter((model) => model !== entry.toModel);
      const at = without.indexOf(entry.fromModel);
      without.splice(at, 1, entry.toModel);
      result = without;
      notes.push(`${entry.fromModel} switched to ${entry.toModel} by ${entry.actor}`);
    }
    return { order: result, note: notes.length === 0 ? null : notes.join("; ") };
  }
}
