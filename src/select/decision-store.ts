/**
 * @module
 * Where selection decisions are kept: the `decisions` component of the state database. A
 * run is written when it starts (`running`, with the process id), after each probing round
 * and at the end, each write one transaction; so a killed run leaves a consistent record of
 * what it had done, and the next open marks a `running` record whose process is gone as
 * `aborted`. Records are the `SelectionDecision` JSON plus a few indexed columns for listing.
 */
import { ModelScoutError } from "../errors/modelscout-error.js";
import {
  type ComponentMigration,
  migrateComponent,
  openStateDatabase,
  readBothWays,
  readLater,
  type StateDatabase,
} from "../state/state-database.js";
import type { DecisionStatus, SelectionDecision } from "./decision.js";

const MIGRATIONS: readonly ComponentMigration[] = [
  {
    version: 1,
    description: "selection decisions",
    sql: `
      CREATE TABLE decisions (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        status TEXT NOT NULL,
        task TEXT NOT NULL,
        language TEXT,
        winner_id TEXT,
        pid INTEGER,
        record TEXT NOT NULL
      );
      CREATE INDEX decisions_created ON decisions (created_at DESC);
      CREATE INDEX decisions_task_winner ON decisions (task, winner_id);
    `,
  },
];

export interface DecisionSummary {
  id: string;
  createdAt: string;
  status: DecisionStatus;
  task: string;
  language: string | null;
  winnerId: string | null;
}

export class DecisionStore {
  private constructor(
    private readonly database: StateDatabase,
    private readonly ownsDatabase: boolean,
  ) {}

  /** Opens the store on the state database (default: `state.db` under MODELSCOUT_HOME). */
  static open(
    options: { path?: string; env?: NodeJS.ProcessEnv; database?: StateDatabase } = {},
  ): DecisionStore {
    const database =
      options.database ??
      openStateDatabase({
        ...(options.path !== undefined && { path: options.path }),
        ...(options.env !== undefined && { env: options.env }),
      });
    migrateComponent(database, "decisions", MIGRATIONS);
    const store = new DecisionStore(database, options.database === undefined);
    store.markAbandonedRuns();
    return store;
  }

  /** Inserts or replaces the record (one transaction). */
  save(decision: SelectionDecision, pid: number | null = process.pid): void {
    this.database
      .prepare(
        `INSERT INTO decisions (id, created_at, status, task, language, winner_id, pid, record)
         VALUES (@id, @createdAt, @status, @task, @language, @winnerId, @pid, @record)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, winner_id = excluded.winner_id,
           pid = excluded.pid, record = excluded.record`,
      )
      .run({
        id: decision.id,
        createdAt: decision.createdAt,
        status: decision.status,
        task: decision.resolved.task,
        language: decision.resolved.language,
        winnerId: decision.winner?.id ?? null,
        pid: decision.status === "running" ? pid : null,
        record: JSON.stringify(decision),
      });
  }

  get(id: string): SelectionDecision | null {
    return decisionOf(this.database.prepare(GET_DECISION_SQL).get(id));
  }

  /** Like `get`, but a missing id is an error that lists the latest ids. */
  require(id: string): SelectionDecision {
    return this.get(id) ?? notFound(id, this.list({ limit: 5 }));
  }

  /**
   * `require`, read without blocking on PostgreSQL (the admin side's decision pages); at once
   * on SQLite.
   */
  async requireLater(id: string): Promise<SelectionDecision> {
    const [row] = await readLater(this.database, GET_DECISION_SQL, [id]);
    return decisionOf(row) ?? notFound(id, await this.listLater({ limit: 5 }));
  }

  list(options: { limit?: number; task?: string } = {}): DecisionSummary[] {
    return readBothWays(this.database, listQuery, toSummary).now(options);
  }

  /** `list`, read without blocking on PostgreSQL (the admin side); at once on SQLite. */
  listLater(options: { limit?: number; task?: string } = {}): Promise<DecisionSummary[]> {
    return readBothWays(this.database, listQuery, toSummary).later(options);
  }

  /**
   * Completed wins per model for a task (and language, when given): evidence for priors.
   * Only measured decisions count: a ranking by priors alone is no evidence, and counting it
   * would let a prior confirm itself.
   */
  pastWins(task: string, language: string | null): Map<string, number> {
    const rows = this.database
      .prepare(
        `SELECT winner_id, COUNT(*) AS wins FROM decisions
         WHERE status = 'completed' AND task = ? AND winner_id IS NOT NULL
           AND json_extract(record, '$.metric.name') <> 'prior'
           AND (CAST(? AS TEXT) IS NULL OR language = ?)
         GROUP BY winner_id`,
      )
      .all(task, language, language) as { winner_id: string; wins: number }[];
    return new Map(rows.map((row) => [row.winner_id, row.wins]));
  }

  /** Marks `running` records whose process no longer exists as `aborted`. */
  markAbandonedRuns(): number {
    const rows = this.database
      .prepare("SELECT id, pid, record FROM decisions WHERE status = 'running'")
      .all() as { id: string; pid: number | null; record: string }[];
    let marked = 0;
    for (const row of rows) {
      if (row.pid !== null && processIsAlive(row.pid)) continue;
      const decision = JSON.parse(row.record) as SelectionDecision;
      this.save(
        {
          ...decision,
          status: "aborted",
          finishedAt: decision.finishedAt ?? new Date().toISOString(),
          error: {
            code: "ABORTED",
            message:
              "The run's process ended before it finished (killed or crashed); the record keeps what it had measured.",
          },
        },
        null,
      );
      marked++;
    }
    return marked;
  }

  close(): void {
    if (this.ownsDatabase) this.database.close();
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** `dec_` + a time-ordered, collision-resistant suffix. */
export function newDecisionId(now: Date = new Date()): string {
  const time = now.getTime().toString(36).padStart(9, "0");
  const random = Math.floor(Math.random() * 36 ** 6)
    .toString(36)
    .padStart(6, "0");
  return `dec_${time}${random}`;
}

const GET_DECISION_SQL = "SELECT record FROM decisions WHERE id = ?";
const LIST_DECISIONS_SQL = `SELECT id, created_at, status, task, language, winner_id FROM decisions
  WHERE (CAST(? AS TEXT) IS NULL OR task = ?) ORDER BY created_at DESC, id DESC LIMIT ?`;

function listQuery(options: { limit?: number; task?: string }): [string, unknown[]] {
  const task = options.task ?? null;
  return [LIST_DECISIONS_SQL, [task, task, options.limit ?? 50]];
}

interface SummaryRow {
  id: string;
  created_at: string;
  status: DecisionStatus;
  task: string;
  language: string | null;
  winner_id: string | null;
}

function toSummary(row: SummaryRow): DecisionSummary {
  return {
    id: row.id,
    createdAt: row.created_at,
    status: row.status,
    task: row.task,
    language: row.language,
    winnerId: row.winner_id,
  };
}

function decisionOf(row: unknown): SelectionDecision | null {
  return row === undefined
    ? null
    : (JSON.parse((row as { record: string }).record) as SelectionDecision);
}

/** A missing decision: the error lists the latest ids. */
function notFound(id: string, latest: DecisionSummary[]): never {
  const ids = latest.map((entry) => entry.id);
  throw new ModelScoutError(
    "NOT_FOUND",
    `No decision ${id}.${ids.length === 0 ? " No decisions are stored yet: run `modelscout select <spec>`." : ` Latest: ${ids.join(", ")} (\`modelscout decisions\` lists them).`}`,
    { details: { id } },
  );
}
