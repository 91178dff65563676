/**
 * The state database on PostgreSQL (ADR 0068): the SQL rewriting, and the synchronous bridge
 * against this machine's PostgreSQL server (`test/support/test-postgres.ts`), each test in a
 * schema of its own. The stores on it are tested through two `modelscout serve` processes
 * sharing a schema (`test/server/serve-shared-state-cli.test.ts`) and below.
 */
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { createAlertEngine } from "../../src/monitor/alert-engine.js";
import { parseAlertRules } from "../../src/monitor/alert-rules.js";
import { createReviewQueue } from "../../src/monitor/review-queue.js";
import type { LearningStore } from "../../src/route/learning/learning-store.js";
import {
  STALE_RECORDS_BEFORE_BLOCKING,
  ThompsonRouteLearner,
} from "../../src/route/learning/thompson-route-learner.js";
import { exportRequestLog } from "../../src/route/request-log-export.js";
import { startRequestLogRetention } from "../../src/route/request-log-retention.js";
import { RouteSwitches } from "../../src/route/route-switches.js";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { type RequestLogRow, RoutingStore } from "../../src/route/routing-store.js";
import { DecisionStore } from "../../src/select/decision-store.js";
import { createServerMonitoring } from "../../src/server/admin/server-monitoring.js";
import { startRoutingServer } from "../../src/server/start-routing-server.js";
import { escapeNul, unescapeNul } from "../../src/state/nul-escape.js";
import { PostgresBridge } from "../../src/state/postgres-bridge.js";
import {
  type PostgresStateDatabase,
  translateSql,
} from "../../src/state/postgres-state-database.js";
import {
  getLater,
  migrateComponent,
  openStateDatabase,
  postgresState,
  type StateDatabase,
  transactionLater,
} from "../../src/state/state-database.js";
import { selectionDecision } from "../monitor/selection-decision.js";
import { ECHO_BANDIT_ROUTES } from "../support/echo-bandit-routes.js";
import { dropTestSchemas, newTestSchema, TEST_POSTGRES_URL } from "../support/test-postgres.js";
import { foldAcrossBlocks, WINDOW_BLOCKS_RULES } from "../support/window-blocks.js";

const LOCK = 42n;

function row(id: string, createdAt: string, session: string | null = null): RequestLogRow {
  return {
    id,
    createdAt,
    endpoint: "chat.completions",
    task: "text-generation",
    requested: "auto",
    route: "desk",
    model: "echo:good",
    reason: "rule",
    status: 200,
    latencyMs: 1.5,
    modelLatencyMs: 1,
    errorCode: null,
    domain: null,
    inputText: "where is my parcel\0",
    outputText: "on its way",
    outputLabel: null,
    promptTokens: 3,
    completionTokens: 4,
    costUsd: 0.0001,
    session,
    // An LLM classifier's call (ADR 0091), through the bridge and back.
    classificationTokens: 12,
    classificationCostUsd: 0.00002,
    decision: "{}",
  };
}

function feedbackOn(requestId: string) {
  return {
    requestId,
    createdAt: "2026-12-03T08:00:02.000Z",
    rating: null,
    correct: true,
    label: null,
    latencyMs: null,
    reward: 1,
  };
}

/** Fires when the p95 of four or more answers is over 300 ms. */
const SLOW_RULE = parseAlertRules({
  rules: [
    {
      id: "slow",
      conditions: [{ type: "latency_p95", slo_ms: 300, min_events: 4 }],
      actions: [{ type: "log" }],
    },
  ],
});

/** A rewarded outcome of `echo:good` on the `desk` route. */
/**
 * When this file's outcomes happened: now, as the learners' own clock reads it, so a learner's
 * decay since then stays a few seconds' worth on whatever day the suite runs.
 */
const OUTCOMES_AT = new Date().toISOString();

function outcome(requestId: string, reward: number) {
  return { requestId, route: "desk", modelId: "echo:good", reward, at: OUTCOMES_AT };
}

/** A 900 ms answer at 10:00:`second` on 2026-03-01. */
function slowAnswer(second: number) {
  return {
    kind: "request" as const,
    at: new Date(Date.UTC(2026, 2, 1, 10, 0, second)).toISOString(),
    route: "support",
    modelId: "m",
    latencyMs: 900,
    status: 200,
  };
}

/** A 30-day pruner at 2026-12-03 12:00, its first timed prune an hour away (tests call `prune`). */
function pruner(database: StateDatabase, chunkRows: number) {
  return startRequestLogRetention(database, {
    days: 30,
    chunkRows,
    pauseMs: 1,
    firstAfterMs: 3_600_000,
    now: () => Date.parse("2026-12-03T12:00:00.000Z"),
  });
}

/** The echo models' bandit route served on `database`, its Thompson learner there too. */
function banditServer(database: StateDatabase, sharedStateSyncMs: number) {
  const config = parseRoutesConfig(ECHO_BANDIT_ROUTES);
  return startRoutingServer({
    config,
    port: 0,
    database,
    createLearner: (state) =>
      new ThompsonRouteLearner({ database: state, config: config.learning }),
    sharedStateSyncMs,
  });
}

describe("translateSql", () => {
  it("numbers positional and named parameters as PostgreSQL does", () => {
    expect(translateSql("SELECT a FROM t WHERE b = ? AND c > ?", LOCK)).toMatchObject({
      text: "SELECT a FROM t WHERE b = $1 AND c > $2",
      names: [],
    });
    expect(
      translateSql(
        "SELECT a FROM t WHERE (CAST(@route AS TEXT) IS NULL OR r = @route) AND x < @to",
        LOCK,
      ),
    ).toMatchObject({
      text: "SELECT a FROM t WHERE (CAST($1 AS TEXT) IS NULL OR r = $1) AND x < $2",
      names: ["route", "to"],
    });
    // Inside a literal, ? and @ are text.
    expect(translateSql("SELECT 'a?b@c' FROM t WHERE d = ?", LOCK).text).toBe(
      "SELECT 'a?b@c' FROM t WHERE d = $1",
    );
  });

  it("widens SQLite's types and gives every table without an integer key a rowid", () => {
    const { text } = translateSql(
      `CREATE TABLE outcomes (seq INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL, reward REAL);
       CREATE TABLE decisions (id TEXT PRIMARY KEY, kind TEXT CHECK (kind IN ('a', 'b')));
       CREATE TABLE pairs (a TEXT, b TEXT, PRIMARY KEY (a, b)) WITHOUT ROWID;`,
      LOCK,
    );
    expect(text).toContain(
      "seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, at_ms BIGINT NOT NULL, reward DOUBLE PRECISION)",
    );
    expect(text.match(/rowid BIGINT GENERATED ALWAYS AS IDENTITY/g)).toHaveLength(2);
    expect(text).not.toContain("WITHOUT ROWID");
    // The rowid comes last, after the table's own columns and constraints.
    expect(text).toMatch(/CHECK \(kind IN \('a', 'b'\)\),\s+rowid BIGINT/);
  });

  it("makes BEGIN IMMEDIATE take the schema's write lock", () => {
    expect(translateSql("BEGIN IMMEDIATE", LOCK).text).toBe(
      "BEGIN; SELECT pg_advisory_xact_lock(42)",
    );
  });

  it("rewrites json_extract, strftime('%s') and refusing triggers", () => {
    expect(
      translateSql("SELECT 1 FROM d WHERE json_extract(record, '$.metric.name') <> 'prior'", LOCK)
        .text,
    ).toBe("SELECT 1 FROM d WHERE (record::jsonb #>> '{metric,name}') <> 'prior'");
    expect(
      translateSql("SELECT CAST(strftime('%s', created_at) AS INTEGER) FROM r", LOCK).text,
    ).toBe("SELECT CAST(extract(epoch from (created_at)::timestamptz) AS BIGINT) FROM r");
    const { text } = translateSql(
      "CREATE TRIGGER keep BEFORE DELETE ON items BEGIN SELECT RAISE(ABORT, 'items are kept'); END;",
      LOCK,
    );
    expect(text).toContain("RAISE EXCEPTION 'items are kept'");
    expect(text).toContain("CREATE TRIGGER keep BEFORE DELETE ON items FOR EACH ROW");
  });

  it("refuses SQLite-only inserts, naming what to write instead", () => {
    expect(() => translateSql("INSERT OR REPLACE INTO t (a) VALUES (?)", LOCK)).toThrow(
      /use INSERT \.\.\. ON CONFLICT/,
    );
    expect(() => translateSql("INSERT OR IGNORE INTO t (a) VALUES (?)", LOCK)).toThrow(
      /use INSERT \.\.\. ON CONFLICT/,
    );
  });

  it("escapes U+0000, which PostgreSQL's text cannot hold, and reads every string back", () => {
    for (const value of [
      "plain",
      "a\0b",
      "\0",
      "x\uffffy",
      "\uffff0",
      "\0\uffff\0",
      "\uffff\uffff",
    ]) {
      expect(escapeNul(value)).not.toContain("\0");
      expect(unescapeNul(escapeNul(value))).toBe(value);
    }
    expect(escapeNul("plain")).toBe("plain");
  });
});

describe("the state database on PostgreSQL", () => {
  const opened: StateDatabase[] = [];
  const open = (schema = newTestSchema(), busyTimeoutMs?: number) => {
    const database = openStateDatabase({
      path: TEST_POSTGRES_URL,
      env: { MODELSCOUT_STATE_SCHEMA: schema },
      ...(busyTimeoutMs !== undefined && { busyTimeoutMs }),
    });
    opened.push(database);
    return database;
  };

  afterEach(() => {
    for (const database of opened.splice(0)) database.close();
  });
  afterAll(() => dropTestSchemas());

  /** Two servers' Thompson learners on one fresh schema, with the echo bandit routes' settings. */
  const twoLearners = () => {
    const schema = newTestSchema();
    const mine = open(schema);
    const theirs = open(schema);
    const { learning } = parseRoutesConfig(ECHO_BANDIT_ROUTES);
    return {
      mine,
      postgres: postgresState(mine) as PostgresStateDatabase,
      theirs: postgresState(theirs) as PostgresStateDatabase,
      learner: new ThompsonRouteLearner({ database: mine, config: learning }),
      other: new ThompsonRouteLearner({ database: theirs, config: learning }),
    };
  };

  /** A table of unique integers in a fresh schema: its insert, and its values in order. */
  const uniqueIntegers = () => {
    const database = open();
    database.exec("CREATE TABLE t (v INTEGER NOT NULL UNIQUE)");
    return {
      database,
      postgres: postgresState(database) as PostgresStateDatabase,
      insert: database.prepare("INSERT INTO t (v) VALUES (?)"),
      values: () => database.prepare("SELECT v FROM t ORDER BY v").pluck().all(),
    };
  };

  it("runs a component's migrations once, with SQLite's SQL", () => {
    const schema = newTestSchema();
    const migrations = [
      {
        version: 1,
        description: "t",
        sql: "CREATE TABLE t (id TEXT PRIMARY KEY, at_ms INTEGER NOT NULL, score REAL)",
      },
    ];
    expect(migrateComponent(open(schema), "c", migrations)).toEqual([1]);
    // Another server starting on the same schema finds it done.
    expect(migrateComponent(open(schema), "c", migrations)).toEqual([]);
  });

  it("gives integers as numbers, hides rowid from SELECT * and keeps insertion order by it", () => {
    const database = open();
    database.exec("CREATE TABLE t (id TEXT PRIMARY KEY, at_ms INTEGER NOT NULL, score REAL)");
    const insert = database.prepare("INSERT INTO t (id, at_ms, score) VALUES (?, ?, ?)");
    insert.run("b", 1_764_000_000_000, 0.5);
    insert.run("a", 2, null);
    expect(database.prepare("SELECT * FROM t WHERE id = ?").get("b")).toEqual({
      id: "b",
      at_ms: 1_764_000_000_000,
      score: 0.5,
    });
    expect(database.prepare("SELECT id FROM t ORDER BY rowid").pluck().all()).toEqual(["b", "a"]);
    expect(database.prepare("SELECT COUNT(*) AS n, SUM(at_ms) AS total FROM t").get()).toEqual({
      n: 2,
      total: 1_764_000_000_002,
    });
    expect(insert.run("c", 3, 1).changes).toBe(1);
  });

  it("stores and finds strings with U+0000 in them", () => {
    const database = open();
    database.exec("CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT)");
    const key = "rule\0route\0model";
    database.prepare("INSERT INTO t (k, v) VALUES (?, ?)").run(key, "text \0 with nul");
    expect(database.prepare("SELECT * FROM t WHERE k = ?").get(key)).toEqual({
      k: key,
      v: "text \0 with nul",
    });
  });

  it("commits, rolls back, and rolls a nested transaction back alone", () => {
    const database = open();
    database.exec("CREATE TABLE t (v INTEGER NOT NULL)");
    const insert = database.prepare("INSERT INTO t (v) VALUES (?)");
    const values = () => database.prepare("SELECT v FROM t ORDER BY v").pluck().all();
    database.transaction(() => insert.run(1))();
    expect(() =>
      database.transaction(() => {
        insert.run(2);
        throw new Error("no");
      })(),
    ).toThrow("no");
    expect(values()).toEqual([1]);
    database
      .transaction(() => {
        insert.run(3);
        expect(database.inTransaction).toBe(true);
        expect(() =>
          database.transaction(() => {
            insert.run(4);
            throw new Error("inner");
          })(),
        ).toThrow("inner");
      })
      .immediate();
    expect(values()).toEqual([1, 3]);
    expect(database.inTransaction).toBe(false);
  });

  it("sends a transaction's writes without waiting, and still fails it where SQLite would", () => {
    const { database, postgres, insert, values } = uniqueIntegers();
    // The beginning, the lock and five writes go out together; the commit is the one wait.
    let before = postgres.roundTrips;
    database.transaction(() => {
      for (let v = 1; v <= 5; v++) insert.run(v);
    })();
    expect(postgres.roundTrips - before).toBe(1);
    expect(values()).toEqual([1, 2, 3, 4, 5]);

    // A write that fails fails its transaction, named, and nothing of it is written.
    expect(() =>
      database.transaction(() => {
        insert.run(6);
        insert.run(1);
        insert.run(7);
      })(),
    ).toThrow(/duplicate key value .*\(in: INSERT INTO t \(v\) VALUES \(\$1\)\)/);
    expect(values()).toEqual([1, 2, 3, 4, 5]);

    // A write's changes are there when read, inside its transaction (a wait) or after it.
    const update = database.prepare("UPDATE t SET v = v + 10 WHERE v > ?");
    let inside = -1;
    before = postgres.roundTrips;
    const last = database.transaction(() => {
      inside = update.run(3).changes;
      return update.run(14);
    })();
    expect(inside).toBe(2);
    expect(last.changes).toBe(1);
    expect(postgres.roundTrips - before).toBe(2);
    expect(values()).toEqual([1, 2, 3, 14, 25]);

    // A nested transaction whose write fails throws before it returns; the outer one goes on.
    database.transaction(() => {
      insert.run(40);
      expect(() => database.transaction(() => insert.run(40))()).toThrow(/duplicate key/);
      insert.run(41);
    })();
    expect(values()).toEqual([1, 2, 3, 14, 25, 40, 41]);

    // The caller's own error after a write that failed: the caller's error, all rolled back.
    expect(() =>
      database.transaction(() => {
        insert.run(50);
        insert.run(1);
        throw new Error("mine");
      })(),
    ).toThrow("mine");
    expect(values()).toEqual([1, 2, 3, 14, 25, 40, 41]);
    expect(insert.run(60).changes).toBe(1);

    // Begun by hand, as the migrations do: the commit reports the write that failed, and
    // leaves the transaction for the rollback; a rollback ends one whatever failed in it.
    database.exec("BEGIN IMMEDIATE");
    insert.run(70);
    insert.run(1);
    expect(() => database.exec("COMMIT")).toThrow(/duplicate key/);
    expect(database.inTransaction).toBe(true);
    database.exec("ROLLBACK");
    database.exec("BEGIN IMMEDIATE");
    insert.run(1);
    database.exec("ROLLBACK");
    expect(database.inTransaction).toBe(false);
    expect(values()).toEqual([1, 2, 3, 14, 25, 40, 41, 60]);
  });

  it("ends a transaction without blocking, and rolls back one whose write failed (transactionLater)", async () => {
    const { database, postgres, insert, values } = uniqueIntegers();
    // The beginning, the lock, the writes and the commit go out together; nothing waits.
    const before = postgres.roundTrips;
    let runs: { changes: number }[] = [];
    const first = transactionLater(database, () => {
      runs = [insert.run(1), insert.run(2)];
      return "folded";
    });
    expect(first.result).toBe("folded");
    expect(database.inTransaction).toBe(false);
    await first.committed;
    expect(postgres.roundTrips).toBe(before);
    expect(runs.map((run) => run.changes)).toEqual([1, 1]);
    expect(values()).toEqual([1, 2]);

    // A write that fails rejects the commit, named; nothing of it is stored, and the
    // connection is out of the failed transaction (the next one commits).
    const failing = transactionLater(database, () => {
      insert.run(3);
      insert.run(1);
      insert.run(4);
    });
    await expect(failing.committed).rejects.toThrow(
      /duplicate key value .*\(in: INSERT INTO t \(v\) VALUES \(\$1\)\)/,
    );
    await transactionLater(database, () => insert.run(5)).committed;
    expect(values()).toEqual([1, 2, 5]);

    // A blocking call made before the answer came runs after the commit and brings it along.
    let told = false;
    const third = transactionLater(database, () => insert.run(6));
    void third.committed.then(() => {
      told = true;
    });
    expect(values()).toEqual([1, 2, 5, 6]);
    await Promise.resolve();
    expect(told).toBe(true);

    // The work throwing rolls back at once and throws, as a transaction does.
    expect(() =>
      transactionLater(database, () => {
        insert.run(7);
        throw new Error("mine");
      }),
    ).toThrow("mine");
    // Inside an open transaction it is a nested one, stored with the outer.
    database.transaction(() => {
      transactionLater(database, () => insert.run(8));
    })();
    expect(values()).toEqual([1, 2, 5, 6, 8]);
  });

  it("brings a write's RETURNING row back with the transaction's end (getLater)", () => {
    const database = open();
    const postgres = postgresState(database) as PostgresStateDatabase;
    database.exec("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT NOT NULL UNIQUE)");
    const insert = database.prepare("INSERT INTO t (v) VALUES (?) RETURNING id, v");
    // Two rows read after the commit: the commit is the one wait.
    let before = postgres.roundTrips;
    const [first, second] = database.transaction(() => [
      getLater(insert, "a\0"),
      getLater(database.prepare("INSERT INTO t (v) VALUES (?) RETURNING id").pluck(), "b"),
    ])();
    expect(postgres.roundTrips - before).toBe(1);
    expect(first?.()).toEqual({ id: 1, v: "a\0" });
    expect(first?.()).toEqual({ id: 1, v: "a\0" });
    expect(second?.()).toBe(2);
    expect(postgres.roundTrips - before).toBe(1);
    // Read inside its transaction: one wait for it; a statement returning nothing: undefined.
    before = postgres.roundTrips;
    database.transaction(() => {
      expect(getLater(insert, "c")()).toEqual({ id: 3, v: "c" });
      expect(getLater(database.prepare("DELETE FROM t WHERE v = ? RETURNING id"), "zz")()).toBe(
        undefined,
      );
    })();
    expect(postgres.roundTrips - before).toBe(3);
    // Its failure fails the transaction, and the row throws it.
    let failed: (() => unknown) | undefined;
    expect(() =>
      database.transaction(() => {
        failed = getLater(insert, "c");
      })(),
    ).toThrow(/duplicate key/);
    expect(() => failed?.()).toThrow(/duplicate key/);
    // Outside a transaction it is read at once.
    before = postgres.roundTrips;
    const now = getLater(insert, "d");
    expect(postgres.roundTrips - before).toBe(1);
    expect(now()).toEqual({ id: 5, v: "d" });
  });

  it("lets one writer at a time take the schema's write lock, as SQLite's BEGIN IMMEDIATE does", () => {
    const schema = newTestSchema();
    const first = open(schema);
    const second = open(schema, 200);
    second.exec("CREATE TABLE t (v INTEGER)");
    first.exec("BEGIN IMMEDIATE");
    try {
      expect(() =>
        second.transaction(() => second.exec("INSERT INTO t VALUES (1)")).immediate(),
      ).toThrow(expect.objectContaining({ code: "STORE_LOCKED" }));
      // A deferred one too: SQLite lets no two read-then-write transactions interleave.
      expect(() => second.transaction(() => second.exec("INSERT INTO t VALUES (1)"))()).toThrow(
        expect.objectContaining({ code: "STORE_LOCKED" }),
      );
    } finally {
      first.exec("COMMIT");
    }
    second.transaction(() => second.exec("INSERT INTO t VALUES (2)")).immediate();
    expect(first.prepare("SELECT v FROM t").pluck().all()).toEqual([2]);
  });

  it("fails a transaction whose connection broke, writing none of it, and goes on after", () => {
    const database = open();
    const other = open();
    database.exec("CREATE TABLE t (v INTEGER)");
    const insert = database.prepare("INSERT INTO t (v) VALUES (?)");
    expect(() =>
      database.transaction(() => {
        insert.run(1);
        const { pid } = database.prepare("SELECT pg_backend_pid() AS pid").get() as {
          pid: number;
        };
        other.prepare("SELECT pg_terminate_backend(?)").get(pid);
        insert.run(2);
      })(),
    ).toThrow(expect.objectContaining({ code: "STORE_UNAVAILABLE" }));
    expect(database.inTransaction).toBe(false);
    // The next statement opens a new connection; the transaction left nothing behind.
    expect(database.prepare("SELECT v FROM t").pluck().all()).toEqual([]);
    insert.run(3);
    expect(database.prepare("SELECT v FROM t").pluck().all()).toEqual([3]);
  });

  it("writes posted rows in the background, which drain waits for", () => {
    const database = open();
    database.exec("CREATE TABLE t (v INTEGER)");
    const postgres = postgresState(database) as PostgresStateDatabase;
    for (let v = 0; v < 50; v++) postgres.post("INSERT INTO t (v) VALUES (?)", [v]);
    postgres.drain();
    expect(database.prepare("SELECT COUNT(*) AS n FROM t").get()).toEqual({ n: 50 });
    // One PostgreSQL refuses is reported by the next drain, and the ones after it still go in.
    postgres.post("INSERT INTO missing_table (v) VALUES (?)", [1]);
    postgres.post("INSERT INTO t (v) VALUES (?)", [50]);
    expect(() => postgres.drain()).toThrow(/missing_table/);
    postgres.drain();
    // Also when the refused write had finished before the drain was asked for.
    postgres.post("INSERT INTO missing_table (v) VALUES (?)", [2]);
    database.prepare("SELECT pg_sleep(0.3)").get();
    expect(() => postgres.drain()).toThrow(/missing_table/);
    postgres.drain();
    expect(database.prepare("SELECT MAX(v) AS v FROM t").get()).toEqual({ v: 50 });
  });

  it("writes a posted row again on a new connection when the server drops the old one", () => {
    const schema = newTestSchema();
    const database = open(schema);
    const other = open();
    database.exec("CREATE TABLE t (v INTEGER)");
    const postgres = postgresState(database) as PostgresStateDatabase;
    // A write still running when its connection is killed: it fails, and is tried again.
    postgres.post("INSERT INTO t (v) SELECT 1 FROM pg_sleep(0.5)", []);
    for (let v = 2; v <= 4; v++) postgres.post("INSERT INTO t (v) VALUES (?)", [v]);
    database.prepare("SELECT pg_sleep(0.2)").get();
    const killed = other
      .prepare("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ?")
      .all(`modelscout-state-background ${schema}`);
    expect(killed).toHaveLength(1);
    for (let attempt = 0; attempt < 20 && postgres.outstandingPosts > 0; attempt++) {
      try {
        postgres.drain();
      } catch (error) {
        // A failure met while waiting is said; the write is still being retried.
        expect(String(error)).toMatch(/terminat/i);
      }
    }
    expect(postgres.outstandingPosts).toBe(0);
    expect(database.prepare("SELECT v FROM t ORDER BY v").pluck().all()).toEqual([1, 2, 3, 4]);
  });

  it("reads without blocking on a connection of its own, and gives up on one never answered", async () => {
    const database = open();
    const postgres = postgresState(database) as PostgresStateDatabase;
    database.exec("CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT)");
    database.prepare("INSERT INTO t (k, v) VALUES (?, ?)").run("a", "text \0 with nul");
    const before = postgres.roundTrips;
    expect(await postgres.readRows("SELECT * FROM t WHERE k = ?", ["a"])).toEqual([
      { k: "a", v: "text \0 with nul" },
    ]);
    expect(postgres.roundTrips).toBe(before);
    // After the posts: sees the rows posted before it, committed on the other connection.
    for (let index = 0; index < 20; index++) {
      postgres.post("INSERT INTO t (k, v) VALUES (?, ?)", [`p${index}`, "posted"]);
    }
    expect(
      await postgres.readRows("SELECT COUNT(*) AS n FROM t WHERE v = ?", ["posted"], {
        afterPosts: true,
      }),
    ).toEqual([{ n: 20 }]);
    expect(postgres.roundTrips).toBe(before);
    await expect(postgres.readRows("SELECT nope FROM t", [])).rejects.toThrow(
      /column "nope" does not exist \(in: SELECT nope FROM t\)/,
    );

    const bridge = new PostgresBridge({
      url: TEST_POSTGRES_URL,
      schema: newTestSchema(),
      lockTimeoutMs: 1000,
      callTimeoutMs: 300,
    });
    try {
      await expect(bridge.read("SELECT pg_sleep(2)", [])).rejects.toMatchObject({
        code: "STORE_UNAVAILABLE",
        message: expect.stringContaining("did not answer within"),
      });
      // Closing fails a read still out, rather than leaving it waiting.
      const out = bridge.read("SELECT pg_sleep(2)", []);
      bridge.close();
      await expect(out).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
    } finally {
      bridge.close();
    }
  });

  it("does not hold a read after the posts for as long as a failing post is retried", async () => {
    // Nothing listens on port 1: every post fails, and is retried while the process lives.
    const bridge = new PostgresBridge({
      url: "postgres://postgres@127.0.0.1:1/test",
      schema: newTestSchema(),
      lockTimeoutMs: 1000,
      callTimeoutMs: 60_000,
      retryMs: 50,
    });
    try {
      bridge.post("INSERT INTO t (k) VALUES ($1)", ["a"]);
      // The server's own failure, not the read's 60 s timeout.
      await expect(bridge.read("SELECT 1", [], true)).rejects.toMatchObject({
        message: expect.stringMatching(/ECONNREFUSED|connect/),
      });
    } finally {
      // Its posts were never written: closing says so.
      expect(() => bridge.close()).toThrow(/were not written/);
    }
  });

  it("names a statement PostgreSQL refuses", () => {
    const database = open();
    expect(() => database.prepare("SELECT nope FROM nowhere WHERE a = ?").get(1)).toThrow(
      /relation "nowhere" does not exist \(in: SELECT nope FROM nowhere WHERE a = \$1\)/,
    );
  });

  it("says which server it could not reach, without the password", () => {
    expect(() => openStateDatabase({ path: "postgres://someone:secret@127.0.0.1:1/test" })).toThrow(
      expect.objectContaining({
        code: "STORE_UNAVAILABLE",
        message: expect.stringMatching(/postgres:\/\/someone:\*\*\*@127\.0\.0\.1:1\/test/),
      }),
    );
    expect(() =>
      openStateDatabase({ env: { MODELSCOUT_STATE_URL: "mysql://localhost/state" } }),
    ).toThrow(/MODELSCOUT_STATE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/);
  });

  it("keeps the request log, feedback and sessions", () => {
    const database = open();
    const store = new RoutingStore(database, { flushIntervalMs: 5 });
    store.logRequest(row("req_b", "2026-12-03T08:00:00.000Z", "s1"));
    store.logRequest(row("req_a", "2026-12-03T08:00:00.000Z", "s1"));
    store.logRequest(row("req_c", "2026-12-03T08:00:01.000Z", null));
    // Found a moment after it was logged: the lookup waits for the background write.
    expect(store.findRequest("req_a")).toEqual(row("req_a", "2026-12-03T08:00:00.000Z", "s1"));
    expect(store.sessionRequests("s1").map((logged) => logged.id)).toEqual(["req_b", "req_a"]);
    const id = store.recordFeedback(feedbackOn("req_a"));
    expect(store.unappliedFeedback()).toMatchObject([{ id, requestId: "req_a", correct: true }]);
    store.markFeedbackApplied(id, null);
    expect(store.unappliedFeedback()).toEqual([]);
    store.close();
  });

  it("prunes the request log past its retention on a connection of its own", async () => {
    const database = open();
    const store = new RoutingStore(database);
    for (let index = 0; index < 7; index++) {
      store.logRequest(row(`req_old${index}`, `2026-10-0${index + 1}T00:00:00.000Z`));
    }
    store.logRequest(row("req_new", "2026-12-03T00:00:00.000Z"));
    store.markFeedbackApplied(store.recordFeedback(feedbackOn("req_old0")), null);
    // Feedback the learner has not taken yet keeps its request, whatever its age.
    store.recordFeedback(feedbackOn("req_old1"));
    const retention = pruner(database, 2);
    try {
      const pruned = await retention.prune();
      expect(pruned).toMatchObject({ requests: 6, feedback: 1 });
      expect(pruned.chunks).toBeGreaterThanOrEqual(4);
    } finally {
      await retention.stop();
    }
    expect(database.prepare("SELECT id FROM routing_requests ORDER BY id").pluck().all()).toEqual([
      "req_new",
      "req_old1",
    ]);
    expect(store.unappliedFeedback().map((feedback) => feedback.requestId)).toEqual(["req_old1"]);
    store.close();
  });

  it("ends a prune cut short by its stop quietly", async () => {
    const database = open();
    const store = new RoutingStore(database);
    for (let index = 0; index < 3000; index++) {
      store.logRequest(row(`req_old${index}`, "2026-10-01T00:00:00.000Z"));
    }
    store.flush();
    let deleted = 0;
    // Stopped at once, then a little later: each time a chunk is likely in flight, its
    // connection ended under it.
    for (const afterMs of [0, 2, 5, 10]) {
      const retention = pruner(database, 50);
      const pruning = retention.prune();
      await new Promise((resolve) => setTimeout(resolve, afterMs));
      await retention.stop();
      const pruned = await pruning;
      deleted += pruned.requests;
    }
    // What it counted is gone; a chunk in flight at a stop may be gone too, uncounted.
    const left = database.prepare("SELECT count(*) FROM routing_requests").pluck().get() as number;
    expect(left).toBeLessThanOrEqual(3000 - deleted);
    expect(left).toBeGreaterThanOrEqual(3000 - deleted - 4 * 50);
    store.close();
  });

  it("takes a feedback through the routing server without blocking, its row committed with the outcome", async () => {
    const database = open();
    const postgres = postgresState(database) as PostgresStateDatabase;
    // No sync of other servers' writes during the count.
    const server = await banditServer(database, 3_600_000);
    try {
      const post = (path: string, body: unknown) =>
        fetch(`${server.url}${path}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
      const routed = await post("/v1/chat/completions", {
        model: "auto",
        messages: [{ role: "user", content: "where is my parcel" }],
      });
      await routed.arrayBuffer();
      const requestId = routed.headers.get("x-modelscout-request-id") as string;
      // At once: the request's row, still queued, is posted and awaited by the lookup.
      let before = postgres.roundTrips;
      const feedback = await post("/v1/feedback", { request_id: requestId, correct: true });
      expect(await feedback.json()).toMatchObject({ stored: true, applied: true });
      // The lookup, the learner's reads and the commit are awaited (ADR 0070, 0071).
      expect(postgres.roundTrips - before).toBe(0);
      // A second feedback on it replaces the first outcome's reward: no wait either.
      before = postgres.roundTrips;
      const again = await post("/v1/feedback", { request_id: requestId, correct: false });
      const body = (await again.json()) as { id: number; applied: boolean };
      expect(body.applied).toBe(true);
      expect(postgres.roundTrips - before).toBe(0);
      expect(
        database
          .prepare("SELECT id, applied FROM routing_feedback WHERE request_id = ? ORDER BY id")
          .all(requestId),
      ).toEqual([
        { id: body.id - 1, applied: 1 },
        { id: body.id, applied: 1 },
      ]);
      expect(
        database
          .prepare(
            "SELECT reward, superseded FROM learning_outcomes WHERE request_id = ? ORDER BY seq",
          )
          .all(requestId),
      ).toEqual([
        { reward: 1, superseded: 1 },
        { reward: 0, superseded: 0 },
      ]);
      // Two feedbacks at once, on two requests: the second's read-ahead waits for the first's
      // commit, so it does not go stale (whose record would block, reading under the lock).
      const ids: string[] = [];
      for (const content of ["a refund please", "my order is late"]) {
        const answer = await post("/v1/chat/completions", {
          model: "auto",
          messages: [{ role: "user", content }],
        });
        await answer.arrayBuffer();
        ids.push(answer.headers.get("x-modelscout-request-id") as string);
      }
      before = postgres.roundTrips;
      const both = await Promise.all(
        ids.map((id) => post("/v1/feedback", { request_id: id, correct: true })),
      );
      for (const answer of both) expect(await answer.json()).toMatchObject({ applied: true });
      expect(postgres.roundTrips - before).toBe(0);
      // Three live outcomes, the first request's a failure: the aggregates hold them (decayed
      // by the milliseconds between them).
      const totals = database
        .prepare(
          "SELECT SUM(successes) AS successes, SUM(failures) AS failures FROM learning_posteriors WHERE route = 'desk/text-generation' AND domain_key = ''",
        )
        .get() as { successes: number; failures: number };
      expect(totals.successes).toBeCloseTo(2, 6);
      expect(totals.failures).toBeCloseTo(1, 6);
    } finally {
      await server.close();
    }
  });

  it("reads the learner's decisions for the dashboard without blocking", async () => {
    const { postgres, learner, other } = twoLearners();
    for (let index = 0; index < 3; index++) other.record(outcome(`req_${index}`, 1));
    other.demote("desk", "echo:good", null, { actor: "alice", note: "review rev_1" });
    learner.reinstate("desk", "echo:good", null, { actor: "bob" });
    const before = postgres.roundTrips;
    const latest = await learner.decisionsLater({ limit: 1 });
    const onDesk = await learner.decisionsLater({ route: "desk" });
    const elsewhere = await learner.decisionsLater({ route: "other" });
    expect(postgres.roundTrips).toBe(before);
    expect(latest.map((decision) => [decision.kind, decision.actor])).toEqual([
      ["reinstate", "bob"],
    ]);
    expect(onDesk.map((decision) => decision.kind)).toEqual(["reinstate", "demote"]);
    expect(elsewhere).toEqual([]);
    // What the blocking read gives.
    expect(onDesk).toEqual(learner.decisions({ route: "desk" }));
  });

  it("reads ahead, in one statement, what the blocking reads give", async () => {
    const { learner, other } = twoLearners();
    const { store } = learner as unknown as { store: LearningStore };
    const start = store.position();
    // A domain with U+0000, stored escaped (PostgreSQL's text cannot hold it), in the JSON too.
    other.record({ ...outcome("req_1", 1), domain: "north\u0000east" });
    other.record({ ...outcome("req_2", 0), modelId: "echo:poor" });
    other.demote("desk", "echo:good", null, { actor: "alice" });
    const byKey = (rows: readonly { route: string; modelId: string; domainKey: string }[]) =>
      [...rows].sort((a, b) =>
        `${a.route}/${a.modelId}/${a.domainKey}`.localeCompare(
          `${b.route}/${b.modelId}/${b.domainKey}`,
        ),
      );
    const ahead = await store.readAhead(start, "req_1");
    const changes = store.changesSince(start);
    expect(changes.decisions).toBe(true);
    expect(ahead?.changes).toEqual(changes);
    const aggregates = changes.pairs.flatMap(({ route, modelId }) =>
      store.aggregatesOf(route, modelId),
    );
    expect(aggregates.map((row) => row.domainKey)).toContain("north\u0000east");
    expect(byKey(ahead?.aggregates ?? [])).toEqual(byKey(aggregates));
    expect(ahead?.demotions).toEqual(store.loadDemotions());
    expect(ahead?.demotions).toHaveLength(1);
    expect(ahead?.previous).toEqual(store.activeReward("req_1"));
    expect(ahead?.previous?.domain).toBe("north\u0000east");
    // Nothing since: no pairs, no demotions read, and no live reward for an unknown request.
    expect(await store.readAhead(changes.next, "req_none")).toEqual({
      changes: { pairs: [], decisions: false, next: changes.next },
      aggregates: [],
      demotions: null,
      previous: undefined,
    });
  });

  it("reads a feedback's learning ahead, and under the lock again when another server wrote since", async () => {
    const { mine, postgres, learner, other } = twoLearners();
    const successes = () =>
      mine
        .prepare(
          "SELECT successes FROM learning_posteriors WHERE route = 'desk' AND model_id = 'echo:good' AND domain_key = ''",
        )
        .pluck()
        .get();
    other.record(outcome("req_1", 1));
    // Read ahead: the other server's outcome comes into memory, and the record waits once.
    let preparation = await learner.prepareRecord(outcome("req_2", 1));
    expect(preparation).toBeDefined();
    let before = postgres.roundTrips;
    learner.record(outcome("req_2", 1), undefined, preparation);
    expect(postgres.roundTrips - before).toBe(1);
    expect(successes()).toBe(2);
    // Written meanwhile by the other server: the check fails, the transaction rolls back, and
    // the record reads under the lock as before, counting all three.
    preparation = await learner.prepareRecord(outcome("req_3", 1));
    other.record(outcome("req_4", 1));
    before = postgres.roundTrips;
    learner.record(outcome("req_3", 1), undefined, preparation);
    expect(postgres.roundTrips - before).toBeGreaterThan(1);
    expect(successes()).toBe(4);
    expect(mine.prepare("SELECT COUNT(*) FROM learning_outcomes").pluck().get()).toBe(4);
    // Its memory is what a learner reading the schema now has.
    other.sync();
    const standing = (of: ThompsonRouteLearner) =>
      of.standings("desk").find((row) => row.modelId === "echo:good")?.effectiveCount ?? 0;
    expect(standing(learner)).toBeGreaterThan(3.5);
    expect(standing(learner)).toBeCloseTo(standing(other), 6);
    // A preparation for another outcome, or made before this learner changed: not used.
    preparation = await learner.prepareRecord(outcome("req_5", 1));
    before = postgres.roundTrips;
    learner.record(outcome("req_6", 0), undefined, preparation);
    expect(postgres.roundTrips - before).toBeGreaterThan(1);
    expect(learner.staleReadAheads).toBe(2);
    expect(mine.prepare("SELECT COUNT(*) FROM learning_outcomes").pluck().get()).toBe(5);
  });

  it("demotes on feedback a learner that never chose on the route reads ahead, blocking on nothing more", async () => {
    // `--workers 2` on PostgreSQL: the other server routed the requests; this one takes their
    // feedback. The route's baseline (its first candidate) comes from the other's stored row.
    const schema = newTestSchema();
    const mine = open(schema);
    const postgres = postgresState(mine) as PostgresStateDatabase;
    const config = { demotion: { minEffectiveObservations: 10 } };
    const learner = new ThompsonRouteLearner({ database: mine, config });
    const other = new ThompsonRouteLearner({ database: open(schema), config });
    other.choose("desk", ["echo:good", "echo:poor"]);
    for (let index = 0; index < 30; index++) {
      for (const [modelId, reward] of [
        ["echo:good", 1],
        ["echo:poor", 0],
      ] as const) {
        const given = Object.assign(outcome(`req_${modelId}_${index}`, reward), { modelId });
        const preparation = await learner.prepareRecord(given);
        const before = postgres.roundTrips;
        learner.record(given, undefined, preparation);
        expect(postgres.roundTrips - before).toBe(1);
      }
    }
    expect(
      learner.decisions({ route: "desk" }).map((decision) => [decision.kind, decision.modelId]),
    ).toEqual([["demote", "echo:poor"]]);
  });

  it("awaits a read-ahead record's commit, and reads ahead again when it went stale (recordLater)", async () => {
    const { mine, postgres, learner, other } = twoLearners();
    const stored = () =>
      mine
        .prepare(
          "SELECT successes, failures FROM learning_posteriors WHERE route = 'desk' AND model_id = 'echo:good' AND domain_key = ''",
        )
        .get();
    const standing = (of: ThompsonRouteLearner) =>
      of.standings("desk").find((row) => row.modelId === "echo:good")?.effectiveCount ?? 0;
    // Read ahead and committed later: no wait, and memory holds the outcome once it is stored.
    let before = postgres.roundTrips;
    let preparation = await learner.prepareRecord(outcome("req_1", 1));
    let feedbackRows = 0;
    const recorded = learner.recordLater(
      outcome("req_1", 1),
      () => {
        feedbackRows++;
      },
      preparation,
    );
    expect(standing(learner)).toBe(0);
    await recorded;
    expect(postgres.roundTrips).toBe(before);
    expect(feedbackRows).toBe(1);
    expect(stored()).toEqual({ successes: 1, failures: 0 });
    other.sync();
    expect(standing(learner)).toBeGreaterThan(0.9); // decayed since \`at\`
    expect(standing(learner)).toBeCloseTo(standing(other), 6);
    // Another server writes after the read-ahead: the commit's check fails, the transaction
    // rolls back, and the record reads ahead again, awaited, and is made again on that (its
    // own writes run twice, the first rolled back), counting both, without blocking.
    preparation = await learner.prepareRecord(outcome("req_2", 0));
    other.record(outcome("req_3", 1));
    before = postgres.roundTrips;
    await learner.recordLater(
      outcome("req_2", 0),
      () => {
        feedbackRows++;
      },
      preparation,
    );
    expect(postgres.roundTrips - before).toBe(0);
    expect(feedbackRows).toBe(3);
    expect(learner.staleReadAheads).toBe(1);
    expect(stored()).toEqual({ successes: 2, failures: 1 });
    expect(mine.prepare("SELECT COUNT(*) FROM learning_outcomes").pluck().get()).toBe(3);
    other.sync();
    expect(standing(learner)).toBeGreaterThan(2.7);
    expect(standing(learner)).toBeCloseTo(standing(other), 6);
    // A blocking write made while a commit is out runs after it and reads it under its lock:
    // memory then counts the first once, not twice.
    preparation = await learner.prepareRecord(outcome("req_4", 1));
    const out = learner.recordLater(outcome("req_4", 1), undefined, preparation);
    learner.record(outcome("req_5", 1));
    await out;
    expect(stored()).toEqual({ successes: 4, failures: 1 });
    other.sync();
    expect(standing(learner)).toBeGreaterThan(4.5);
    expect(standing(learner)).toBeCloseTo(standing(other), 6);
    // A malformed outcome is refused before anything is written.
    await expect(learner.recordLater({ ...outcome("req_6", 1), reward: 2 })).rejects.toThrow(
      /reward must be a number from 0 to 1/,
    );
  });

  it("records two servers' feedback at once without blocking either, each outcome counted once", async () => {
    const { mine, postgres, theirs, learner, other } = twoLearners();
    const given = (requestId: string, modelId: string, reward: number) =>
      Object.assign(outcome(requestId, reward), { modelId });
    // What a server's feedback handler does: read ahead, then record in its continuation.
    const feedback = async (of: ThompsonRouteLearner, requested: ReturnType<typeof given>) => {
      const preparation = await of.prepareRecord(requested);
      await of.recordLater(requested, undefined, preparation);
    };
    // In turn by hand: both read ahead, the other's commits first, so this one's goes stale.
    const first = given("req_a", "echo:good", 1);
    const second = given("req_b", "echo:poor", 0);
    const mineBefore = postgres.roundTrips;
    const theirsBefore = theirs.roundTrips;
    const preparation = await learner.prepareRecord(first);
    await feedback(other, second);
    await learner.recordLater(first, undefined, preparation);
    expect(learner.staleReadAheads).toBe(1);
    // Then many at once, four a server, as eight clients send them.
    const sent: Promise<void>[] = [];
    for (let index = 0; index < 24; index++) {
      const modelId = index % 3 === 0 ? "echo:poor" : "echo:good";
      const reward = modelId === "echo:good" ? 1 : 0;
      const of = index % 2 === 0 ? learner : other;
      sent.push(feedback(of, given(`req_${index}`, modelId, reward)));
      if (index % 8 === 7) await Promise.all(sent.splice(0));
    }
    // A second reward on a request the other server rated replaces it, once.
    await feedback(learner, given("req_1", "echo:good", 0));
    expect(postgres.roundTrips - mineBefore).toBe(0);
    expect(theirs.roundTrips - theirsBefore).toBe(0);
    // Every outcome stored once, the aggregates what the outcome log gives, and both
    // learners' memory what a learner reading the schema now has.
    expect(mine.prepare("SELECT COUNT(*) FROM learning_outcomes").pluck().get()).toBe(27);
    const observations = mine
      .prepare(
        "SELECT model_id, observations FROM learning_posteriors WHERE route = 'desk' AND domain_key = '' ORDER BY model_id",
      )
      .all();
    expect(observations).toEqual([
      { model_id: "echo:good", observations: 17 },
      { model_id: "echo:poor", observations: 9 },
    ]);
    expect(learner.verifyAggregates()).toEqual([]);
    const fresh = new ThompsonRouteLearner({ database: mine, config: learner.config });
    learner.sync();
    other.sync();
    const rounded = (of: ThompsonRouteLearner) =>
      of.standings("desk").map((row) => ({
        ...row,
        // Decayed to the moment each is asked: equal to a few millionths.
        mean: Number(row.mean.toFixed(5)),
        effectiveCount: Number(row.effectiveCount.toFixed(5)),
      }));
    expect(rounded(learner)).toEqual(rounded(fresh));
    expect(rounded(other)).toEqual(rounded(fresh));
  });

  it("records under the lock after reading ahead again went stale several times in a row", async () => {
    const { mine, postgres, learner, other } = twoLearners();
    // The other server writes after each of this learner's read-aheads, until told to stop.
    const { store } = learner as unknown as { store: LearningStore };
    const readAhead = store.readAhead.bind(store);
    let writesLeft = 0;
    let written = 0;
    store.readAhead = async (...args: Parameters<typeof readAhead>) => {
      const ahead = await readAhead(...args);
      if (writesLeft > 0) {
        writesLeft--;
        other.record(outcome(`req_other_${written++}`, 1));
      }
      return ahead;
    };
    let feedbackRows = 0;
    const alongside = () => {
      feedbackRows++;
    };
    // Stale twice (the first read-ahead and the first read again), stored at the third try.
    writesLeft = 2;
    let preparation = await learner.prepareRecord(outcome("req_1", 0));
    let before = postgres.roundTrips;
    await learner.recordLater(outcome("req_1", 0), alongside, preparation);
    expect(postgres.roundTrips - before).toBe(0);
    expect(learner.staleReadAheads).toBe(2);
    expect(feedbackRows).toBe(3);
    // Stale every time: after STALE_RECORDS_BEFORE_BLOCKING tries, under the lock.
    writesLeft = Number.POSITIVE_INFINITY;
    preparation = await learner.prepareRecord(outcome("req_2", 0));
    before = postgres.roundTrips;
    await learner.recordLater(outcome("req_2", 0), alongside, preparation);
    expect(postgres.roundTrips - before).toBeGreaterThan(1);
    expect(learner.staleReadAheads).toBe(2 + STALE_RECORDS_BEFORE_BLOCKING);
    expect(feedbackRows).toBe(3 + STALE_RECORDS_BEFORE_BLOCKING + 1);
    writesLeft = 0;
    // Each outcome once, and the aggregates count them all.
    const outcomes = mine.prepare("SELECT COUNT(*) FROM learning_outcomes").pluck().get();
    expect(outcomes).toBe(written + 2);
    expect(
      mine
        .prepare(
          "SELECT successes, failures FROM learning_posteriors WHERE route = 'desk' AND model_id = 'echo:good' AND domain_key = ''",
        )
        .get(),
    ).toEqual({ successes: written, failures: 2 });
    expect(learner.verifyAggregates()).toEqual([]);
    other.sync();
    const standing = (of: ThompsonRouteLearner) =>
      of.standings("desk").find((row) => row.modelId === "echo:good")?.effectiveCount ?? 0;
    expect(standing(learner)).toBeGreaterThan(written);
    expect(standing(learner)).toBeCloseTo(standing(other), 6);
  });

  it("follows other servers' writes on its timer without blocking its event loop", async () => {
    const schema = newTestSchema();
    const database = open(schema);
    const postgres = postgresState(database) as PostgresStateDatabase;
    const config = parseRoutesConfig(ECHO_BANDIT_ROUTES);
    const learner = new ThompsonRouteLearner({ database, config: config.learning });
    const server = await startRoutingServer({
      config,
      port: 0,
      database,
      learner,
      sharedStateSyncMs: 20,
    });
    try {
      const other = new ThompsonRouteLearner({ database: open(schema), config: config.learning });
      const good = () =>
        learner.standings("desk").find((row) => row.modelId === "echo:good")?.effectiveCount ?? 0;
      expect(good()).toBe(0);
      const before = postgres.roundTrips;
      other.record({
        requestId: "req_other",
        route: "desk",
        modelId: "echo:good",
        reward: 1,
        at: new Date().toISOString(),
      });
      await vi.waitFor(() => expect(good()).toBeGreaterThan(0.99));
      // Ten more ticks: each reads the switches, the learner's changes and its half-life.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(postgres.roundTrips).toBe(before);
    } finally {
      await server.close();
    }
  });

  it("says nothing of a sync read that its own close cut short", async () => {
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      for (let attempt = 0; attempt < 5; attempt++) {
        const database = openStateDatabase({
          path: TEST_POSTGRES_URL,
          env: { MODELSCOUT_STATE_SCHEMA: newTestSchema() },
        });
        const server = await banditServer(database, 1);
        await new Promise((resolve) => setTimeout(resolve, 50));
        await server.close();
        database.close();
      }
      const said = stderr.mock.calls.map(([chunk]) => String(chunk)).join("");
      expect(said).not.toMatch(/could not read what other servers wrote/);
    } finally {
      stderr.mockRestore();
    }
  });

  it("reads the route switches again without blocking, and keeps one changed meanwhile", async () => {
    const schema = newTestSchema();
    const database = open(schema);
    const postgres = postgresState(database) as PostgresStateDatabase;
    const mine = new RouteSwitches(database);
    const theirs = new RouteSwitches(open(schema));
    theirs.set({
      route: "desk",
      fromModel: "echo:poor",
      toModel: "echo:good",
      reviewItemId: null,
      actor: "operator",
      reason: "answers better",
    });
    const before = postgres.roundTrips;
    await mine.syncAhead();
    expect(postgres.roundTrips).toBe(before);
    expect(mine.list()).toMatchObject([
      { route: "desk", fromModel: "echo:poor", toModel: "echo:good" },
    ]);
    // Reverted here while a read's answer is on its way: the read, older than memory, is
    // dropped. (The thread blocks for 100 ms first, so the read runs before the revert.)
    const reading = mine.syncAhead();
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    expect(mine.revert("desk", "echo:poor")).toBe(true);
    await reading;
    expect(mine.list()).toEqual([]);
  });

  it("exports the request log in chunks, ties in time read in log order", () => {
    const database = open();
    const store = new RoutingStore(database);
    for (let index = 0; index < 9; index++) {
      store.logRequest(
        Object.assign(row(`req_x${index}`, `2026-12-03T08:00:0${index % 3}.000Z`), {
          endpoint: "tasks",
          task: "text-classification",
          inputText: `input ${index}`,
          outputLabel: "positive",
        }),
      );
    }
    for (let index = 0; index < 9; index += 2) {
      store.recordFeedback(
        Object.assign(feedbackOn(`req_x${index}`), index === 4 ? { label: "negative" } : {}),
      );
    }
    const read = (chunkRows: number) =>
      exportRequestLog(database, { task: "text-classification", logTextChars: 100, chunkRows });
    const whole = read(1000);
    expect(read(2)).toEqual(whole);
    expect(read(1)).toEqual(whole);
    // By time, then log order: 0, 3, 6 at :00, then 1, 4, 7, then 2, 5, 8.
    expect(whole.items.map((item) => [item.request_id, item.label])).toEqual([
      ["req_x0", "positive"],
      ["req_x6", "positive"],
      ["req_x4", "negative"],
      ["req_x2", "positive"],
      ["req_x8", "positive"],
    ]);
    expect(whole.read).toBe(9);
    store.close();
  });

  it("folds monitoring events in one wait, and folds again when another engine moved the state on", () => {
    const schema = newTestSchema();
    const mine = open(schema);
    const postgres = postgresState(mine) as PostgresStateDatabase;
    const log = () => {};
    const here = createAlertEngine({ database: mine, rules: SLOW_RULE, log });
    const there = createAlertEngine({ database: open(schema), rules: SLOW_RULE, log });
    // The first fold reads the stored state; the next ones only check it did not move.
    expect(here.processBatch([slowAnswer(1)])).toEqual([]);
    let before = postgres.roundTrips;
    expect(here.processBatch([slowAnswer(2)])).toEqual([]);
    expect(postgres.roundTrips - before).toBe(1);
    // The other server's engine folds two: this one's check fails, and it folds again on the
    // stored state, so the four slow answers fire the rule once, here.
    expect(there.processBatch([slowAnswer(3)])).toEqual([]);
    before = postgres.roundTrips;
    const fired = here.processBatch([slowAnswer(4)]);
    expect(postgres.roundTrips - before).toBeGreaterThan(1);
    expect(fired).toHaveLength(1);
    expect(there.processBatch([slowAnswer(5)])).toEqual([]);
    expect(here.listAlerts()).toHaveLength(1);
  });

  it("folds monitoring events without blocking, in order, and again when another engine moved the state on", async () => {
    const schema = newTestSchema();
    const mine = open(schema);
    const postgres = postgresState(mine) as PostgresStateDatabase;
    const logged: string[] = [];
    const here = createAlertEngine({
      database: mine,
      rules: SLOW_RULE,
      log: (entry) => logged.push(entry.alert.firedAt),
    });
    const there = createAlertEngine({ database: open(schema), rules: SLOW_RULE, log: () => {} });
    // Known generation: the fold, its check and its commit hold the event loop for no wait.
    expect(here.processBatch([slowAnswer(1)])).toEqual([]);
    let before = postgres.roundTrips;
    const second = here.processBatchLater([slowAnswer(2)]);
    expect(postgres.roundTrips).toBe(before);
    expect(await second).toEqual([]);
    expect(postgres.roundTrips).toBe(before);
    // The other server's engine folds one: this one reads the stored state ahead of its fold,
    // awaited, so four slow answers fire the rule once, here, and nothing blocked.
    expect(there.processBatch([slowAnswer(3)])).toEqual([]);
    before = postgres.roundTrips;
    const fired = await here.processBatchLater([slowAnswer(4)]);
    expect(postgres.roundTrips).toBe(before);
    expect(fired.map((alert) => alert.firedAt)).toEqual([slowAnswer(4).at]);
    expect(logged).toEqual([slowAnswer(4).at]);
    expect(there.processBatch([slowAnswer(5)])).toEqual([]);
    expect(here.listAlerts()).toHaveLength(1);
    // Batches given at once fold in the order given, each once the one before is stored,
    // and none holds the event loop.
    expect(here.processBatch([slowAnswer(6)])).toEqual([]); // in step with the stored state again
    const generation = mine.prepare("SELECT generation FROM monitor_generation").pluck();
    const was = generation.get() as number;
    before = postgres.roundTrips;
    const order: number[] = [];
    await Promise.all(
      [7, 8, 9].map((second) =>
        here.processBatchLater([slowAnswer(second)]).then(() => order.push(second)),
      ),
    );
    expect(order).toEqual([7, 8, 9]);
    expect(postgres.roundTrips).toBe(before);
    expect(generation.get()).toBe(was + 3);
  });

  it("folds two servers' events in turn without blocking either, each event counted once", async () => {
    // Two servers' timers fold at once, each moving the generation on under the other (ADR
    // 0071): each reads the stored state ahead, awaited, and a fold that still went stale
    // (the other's commit came between the read-ahead and the check) folds again, awaited.
    const rules = parseAlertRules({
      rules: [
        {
          id: "slow",
          conditions: [{ type: "latency_p95", slo_ms: 300, min_events: 12 }],
          actions: [{ type: "log" }],
        },
      ],
    });
    const schema = newTestSchema();
    const engines = [open(schema), open(schema)].map((database) => ({
      postgres: postgresState(database) as PostgresStateDatabase,
      engine: createAlertEngine({ database, rules, log: () => {} }),
    }));
    const [here, there] = engines as [(typeof engines)[0], (typeof engines)[0]];
    const before = engines.map(({ postgres }) => postgres.roundTrips);
    const fired: string[] = [];
    const fold = async (side: typeof here, second: number) => {
      for (const alert of await side.engine.processBatchLater([slowAnswer(second)])) {
        fired.push(alert.firedAt);
      }
    };
    // Ten answers, two at a time, one to each server: the rule wants twelve.
    for (let round = 0; round < 5; round++) {
      await Promise.all([fold(here, 2 * round + 1), fold(there, 2 * round + 2)]);
    }
    // The eleventh does not fire it (none was counted twice), the twelfth does (none dropped).
    await fold(here, 11);
    expect(fired).toEqual([]);
    await fold(there, 12);
    expect(fired).toEqual([slowAnswer(12).at]);
    expect(engines.map(({ postgres }) => postgres.roundTrips)).toEqual(before);
    expect(here.engine.listAlerts()).toHaveLength(1);
  });

  it("keeps a window over several stored blocks whole while two servers fold it in turn (ADR 0094)", async () => {
    const schema = newTestSchema();
    const [here, there] = [open(schema), open(schema)].map((database) =>
      createAlertEngine({ database, rules: WINDOW_BLOCKS_RULES, log: () => {} }),
    ) as [ReturnType<typeof createAlertEngine>, ReturnType<typeof createAlertEngine>];
    const { rows, evaluation } = await foldAcrossBlocks(
      [(events) => here.processBatch(events), (events) => there.processBatchLater(events)],
      open(schema),
    );
    // Requests 1,400-1,999: 150 failed. A range and the three blocks of 256 holding them.
    expect(evaluation.evidence).toMatchObject({ failedRequests: 150, requests: 600 });
    expect(rows).toBe(4);
  });

  it("folds again, not drops, when a rule's review action reads after another engine moved the state on", async () => {
    // A review action reads inside the fold (the open item of the route and model), so the
    // failed generation check is reported there, before the commit, not by the commit.
    const rules = parseAlertRules({
      rules: [
        {
          id: "slow",
          conditions: [{ type: "latency_p95", slo_ms: 300, min_events: 4 }],
          actions: [{ type: "review", proposed_action: "demote" }, { type: "log" }],
        },
      ],
    });
    const schema = newTestSchema();
    const mine = open(schema);
    const theirs = open(schema);
    const queue = createReviewQueue(mine);
    const here = createAlertEngine({ database: mine, rules, reviewQueue: queue, log: () => {} });
    const there = createAlertEngine({
      database: theirs,
      rules,
      reviewQueue: createReviewQueue(theirs),
      log: () => {},
    });
    expect(here.processBatch([slowAnswer(1), slowAnswer(2), slowAnswer(3)])).toEqual([]);
    // Another server's engine folds an event of another model: the stored generation moves on.
    expect(there.processBatch([{ ...slowAnswer(4), modelId: "other" }])).toEqual([]);
    const fired = await here.processBatchLater([slowAnswer(5)]);
    expect(fired.map((alert) => alert.modelId)).toEqual(["m"]);
    expect(queue.list({ limit: 10 }).items.map((item) => item.modelId)).toEqual(["m"]);
  });

  it("folds a server's monitoring events and polls for decisions without blocking its event loop", async () => {
    const database = open();
    const postgres = postgresState(database) as PostgresStateDatabase;
    const alerts: string[] = [];
    const changes: string[] = [];
    const monitoring = createServerMonitoring({
      database,
      rules: SLOW_RULE,
      log: (entry) => alerts.push(entry.alert.ruleId),
      batchIntervalMs: 5,
      decisionPollIntervalMs: 10,
    });
    monitoring.onChange((kind) => changes.push(kind));
    try {
      const before = postgres.roundTrips;
      for (let second = 1; second <= 4; second++) {
        const at = new Date(Date.UTC(2026, 11, 3, 8, 0, second)).toISOString();
        monitoring.requestLogged({ ...row(`req_${second}`, at), latencyMs: 900 }, null);
        await new Promise((resolve) => setTimeout(resolve, 15));
      }
      await vi.waitFor(() => expect(alerts).toEqual(["slow"]));
      // Four batches and a dozen polls with no decision waiting: no blocking round trip.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(postgres.roundTrips).toBe(before);
      // A decision another process stored is fed by the next poll.
      DecisionStore.open({ database }).save(
        selectionDecision({
          at: "2026-12-03T08:01:00.000Z",
          winner: "acme/bert-zh",
          qualities: { "acme/bert-zh": 0.9 },
        }),
        null,
      );
      await vi.waitFor(() => expect(changes).toContain("decision"));
      // What blocked is counted for Prometheus.
      expect(monitoring.metrics.render()).toContain(
        `\nmodelscout_state_blocking_waits_total ${postgres.roundTrips}\n`,
      );
    } finally {
      await monitoring.close();
    }
    expect(database.prepare("SELECT COUNT(*) AS n FROM monitor_fed_decisions").get()).toEqual({
      n: 1,
    });
  });

  it("keeps review items and their audit trail as SQLite's triggers do", () => {
    const database = open();
    const queue = createReviewQueue(database);
    const { item } = queue.open({
      ruleId: "accuracy-drop",
      route: "desk",
      modelId: "echo:poor",
      summary: "accuracy dropped",
      evidence: { accuracy: 0.4 },
      proposedAction: { kind: "demote", route: "desk", modelId: "echo:poor" },
      actor: "rule:accuracy-drop",
    });
    expect(() => database.prepare("DELETE FROM review_items").run()).toThrow(
      /review items are kept/,
    );
    expect(() => database.prepare("UPDATE review_audit SET actor = 'x'").run()).toThrow(
      /review_audit is append-only/,
    );
    expect(queue.get(item.id)).toMatchObject({ status: "open" });
  });

  it("reads the admin side's pages without blocking: reviews with their trails, alerts, decisions", async () => {
    const database = open();
    const postgres = postgresState(database) as PostgresStateDatabase;
    const queue = createReviewQueue(database);
    const opened = [1, 2, 3].map(
      (index) =>
        queue.open({
          ruleId: `rule-${index}`,
          route: "desk",
          modelId: `echo:m${index}`,
          summary: `item ${index}`,
          evidence: {},
          proposedAction: { kind: "demote", route: "desk", modelId: `echo:m${index}` },
          actor: `rule:rule-${index}`,
        }).item,
    );
    queue.reject((opened[0] as { id: string }).id, { actor: "alice", comment: "not now" });
    const engine = createAlertEngine({ database, rules: SLOW_RULE, log: () => {} });
    engine.processBatch([1, 2, 3, 4].map(slowAnswer));
    const decisions = DecisionStore.open({ database });
    decisions.save(
      selectionDecision({
        at: "2026-12-03T08:01:00.000Z",
        winner: "acme/bert-zh",
        qualities: { "acme/bert-zh": 0.9 },
      }),
      null,
    );
    const before = postgres.roundTrips;
    const listed = await queue.listLater({ status: ["open", "rejected"], limit: 2 });
    const one = await queue.getLater((opened[0] as { id: string }).id);
    const missing = await queue.getLater("rev_none");
    const audit = await queue.auditLater({ limit: 3 });
    const alerts = await engine.listAlertsLater({ route: "support" });
    const summaries = await decisions.listLater({ limit: 5 });
    const decision = await decisions.requireLater(summaries[0]?.id as string);
    await expect(decisions.requireLater("sel_none")).rejects.toThrow(/No decision sel_none/);
    expect(postgres.roundTrips).toBe(before);
    // What the blocking reads give, each item with its own trail.
    const { items, total } = queue.list({ status: ["open", "rejected"], limit: 2 });
    expect(listed).toEqual({
      total,
      items: items.map((item) => ({ ...item, audit: queue.audit({ itemId: item.id }) })),
    });
    expect(total).toBe(3);
    expect(one?.audit.map((entry) => entry.action)).toEqual(
      queue.audit({ itemId: (opened[0] as { id: string }).id }).map((entry) => entry.action),
    );
    expect(one?.audit.length).toBeGreaterThan(1);
    expect(missing).toBeUndefined();
    expect(audit).toEqual(queue.audit({ limit: 3 }));
    expect(alerts).toEqual(engine.listAlerts({ route: "support" }));
    expect(alerts).toHaveLength(1);
    expect(summaries).toEqual(decisions.list({ limit: 5 }));
    expect(decision).toEqual(decisions.require(summaries[0]?.id as string));
  });
});
