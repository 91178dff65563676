import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import {
  LATEST_SCHEMA_VERSION,
  SQLITE_MIGRATIONS,
} from "../../src/catalog/sqlite/sqlite-migrations.js";
import { openSqliteStore } from "../../src/catalog/sqlite/sqlite-store.js";
import { memoryBound } from "../../src/hardware/memory-fit.js";
import { holdWriteLock } from "../support/hold-write-lock.js";
import { makeModel } from "../support/make-model.js";
import { FITTING_1GB_FP32, RECORDED_SIZES, SIZED_MODELS } from "../support/sized-models.js";
import { runCatalogStoreContract } from "./catalog-store.contract.js";
import { expectMeasurementsByTask, MEASURED_BY_TASK_MODELS } from "./measured-by-task-cases.js";
import { expectOnnxViewAsTheRuleSays, ONNX_WEIGHT_CASES } from "./onnx-weight-cases.js";

const run = promisify(execFile);

function temporaryDatabasePath(): string {
  return join(mkdtempSync(join(tmpdir(), "modelscout-store-")), "catalog.db");
}

runCatalogStoreContract("sqlite (in memory)", () => openSqliteStore({ path: ":memory:" }));
// Tiny plan thresholds send small catalogs down every plan (capped walk, language and
// parameter drivers, full walk) that a million-model catalog would take.
runCatalogStoreContract("sqlite (small plan thresholds)", () =>
  openSqliteStore({
    path: ":memory:",
    searchTuning: { walkScanRows: 40, selectiveRows: 60, fallbackRows: 500 },
  }),
);
runCatalogStoreContract("sqlite (file, WAL)", () =>
  openSqliteStore({ path: temporaryDatabasePath() }),
);

describe("SQLite catalog store", () => {
  it("migrates a new file once and reopens it without migrating again", async () => {
    const path = temporaryDatabasePath();
    const store = await openSqliteStore({ path });
    await store.upsertModels([makeModel({ id: "org/kept" })]);
    await store.close();
    const reopened = await openSqliteStore({ path });
    expect(await reopened.getModel("org/kept")).not.toBeNull();
    await reopened.close();
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma("user_version", { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    raw.close();
  });

  it("upgrades a version 4 file with models in it: their recorded weight sizes count under a memory bound", async () => {
    const path = temporaryDatabasePath();
    const raw = new Database(path);
    for (const migration of SQLITE_MIGRATIONS.filter((each) => each.version <= 4)) {
      raw.exec(migration.sql);
    }
    raw.pragma("user_version = 4");
    const insert = raw.prepare(
      "INSERT INTO models (id, source, task, params, downloads, record) VALUES (?, ?, ?, ?, ?, ?)",
    );
    for (const model of SIZED_MODELS) {
      insert.run(
        model.id,
        model.source,
        model.task,
        model.params,
        model.downloads,
        JSON.stringify(model),
      );
    }
    raw.close();

    const store = await openSqliteStore({ path });
    const result = await store.searchModels({
      memory: memoryBound(1e9, "fp32"),
      sort: "downloads",
      limit: 10,
    });
    await store.close();
    expect(result.hits.map((hit) => hit.model.id)).toEqual(FITTING_1GB_FP32);
    const check = new Database(path, { readonly: true });
    const recorded = check
      .prepare(
        `SELECT m.id, r.dtype, r.weight_bytes FROM recorded_memory r
         JOIN models m ON m.row_id = r.model_row_id ORDER BY m.id, r.dtype`,
      )
      .all();
    check.close();
    expect(recorded).toEqual(RECORDED_SIZES);
  });

  it("upgrades a version 5 file with models in it: a library search finds them", async () => {
    const path = temporaryDatabasePath();
    const raw = new Database(path);
    for (const migration of SQLITE_MIGRATIONS.filter((each) => each.version <= 5)) {
      raw.exec(migration.sql);
    }
    raw.pragma("user_version = 5");
    const insert = raw.prepare(
      "INSERT INTO models (id, source, task, downloads, record) VALUES (?, ?, ?, ?, ?)",
    );
    for (const model of [
      makeModel({ id: "Xenova/vit", task: "image-classification", library: "transformers.js" }),
      makeModel({ id: "timm/vit", task: "image-classification", library: "timm", downloads: 9 }),
      makeModel({ id: "no/library", task: "image-classification", library: null }),
    ]) {
      insert.run(model.id, model.source, model.task, model.downloads, JSON.stringify(model));
    }
    raw.close();

    const store = await openSqliteStore({ path });
    const found = await store.searchModels({
      tasks: ["image-classification"],
      libraries: ["transformers.js", "onnx"],
      sort: "downloads",
      limit: 10,
    });
    await store.close();
    expect(found.hits.map((hit) => hit.model.id)).toEqual(["Xenova/vit"]);
  });

  it("upgrades a version 6 file with models in it: the ONNX view finds those shipsOnnxWeights names", async () => {
    const path = temporaryDatabasePath();
    const raw = new Database(path);
    for (const migration of SQLITE_MIGRATIONS.filter((each) => each.version <= 6)) {
      raw.exec(migration.sql);
    }
    raw.pragma("user_version = 6");
    const insert = raw.prepare(
      "INSERT INTO models (id, source, task, library, downloads, record) VALUES (?, ?, ?, ?, ?, ?)",
    );
    for (const model of ONNX_WEIGHT_CASES) {
      insert.run(
        model.id,
        model.source,
        model.task,
        model.library,
        model.downloads,
        JSON.stringify(model),
      );
    }
    raw.close();

    await expectOnnxViewAsTheRuleSays(await openSqliteStore({ path }));
  });

  it("upgrades a version 7 file with measurements in it: searches by task read them", async () => {
    const path = temporaryDatabasePath();
    const raw = new Database(path);
    for (const migration of SQLITE_MIGRATIONS.filter((each) => each.version <= 7)) {
      raw.exec(migration.sql);
    }
    raw.pragma("user_version = 7");
    const insert = raw.prepare(
      "INSERT INTO models (id, source, task, params, flops, record) VALUES (?, ?, ?, ?, ?, ?)",
    );
    // As version 7 wrote a measurement: no task beside it.
    const insertMeasured = raw.prepare(
      "INSERT INTO measured_latency (model_row_id, hardware, latency_ms) VALUES (?, ?, ?)",
    );
    for (const model of MEASURED_BY_TASK_MODELS) {
      const { lastInsertRowid } = insert.run(
        model.id,
        model.source,
        model.task,
        model.params,
        model.flopsPerItem,
        JSON.stringify(model),
      );
      const measured = model.hardware[0];
      if (measured?.latencyMs !== undefined) {
        insertMeasured.run(lastInsertRowid, measured.hardware, measured.latencyMs);
      }
    }
    raw.close();

    await expectMeasurementsByTask(await openSqliteStore({ path }));
  });

  it("rejects a file that is not a SQLite database with a message that says what to do", async () => {
    const path = temporaryDatabasePath();
    writeFileSync(
      path,
      "this is not a database, just some text that was written here by mistake\n".repeat(200),
    );
    const failure = openSqliteStore({ path });
    await expect(failure).rejects.toMatchObject({ code: "STORE_CORRUPT" });
    await expect(openSqliteStore({ path })).rejects.toThrow(/Move it aside/);
  });

  it("refuses a database written by a newer schema", async () => {
    const path = temporaryDatabasePath();
    const raw = new Database(path);
    raw.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    raw.close();
    await expect(openSqliteStore({ path })).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
  });

  it("waits for another process's write lock on a new file before it switches to WAL", async () => {
    // As the state database does (useWalJournal): SQLite answers the pragma with SQLITE_BUSY
    // at once while another connection holds such a lock.
    const path = temporaryDatabasePath();
    await holdWriteLock(path, 300);
    const store = await openSqliteStore({ path });
    await store.close();
    const database = new Database(path, { readonly: true });
    expect(database.pragma("journal_mode", { simple: true })).toBe("wal");
    database.close();
  });

  it("fails with STORE_UNAVAILABLE when the folder cannot exist", async () => {
    const folder = mkdtempSync(join(tmpdir(), "modelscout-store-"));
    writeFileSync(join(folder, "file"), "x");
    await expect(
      openSqliteStore({ path: join(folder, "file", "catalog.db") }),
    ).rejects.toMatchObject({
      code: "STORE_UNAVAILABLE",
    });
  });

  it("reports a lock held by another process as STORE_LOCKED and writes nothing", async () => {
    const path = temporaryDatabasePath();
    const store = await openSqliteStore({ path, busyTimeoutMs: 50 });
    const other = new Database(path);
    other.exec("BEGIN EXCLUSIVE");
    await expect(store.upsertModels([makeModel({ id: "org/blocked" })])).rejects.toMatchObject({
      code: "STORE_LOCKED",
      isRetryable: true,
    });
    other.exec("ROLLBACK");
    other.close();
    expect(await store.getModel("org/blocked")).toBeNull();
    await store.upsertModels([makeModel({ id: "org/blocked" })]);
    expect(await store.getModel("org/blocked")).not.toBeNull();
    await store.close();
  });

  it("stays consistent under several processes writing at once", async () => {
    const path = temporaryDatabasePath();
    const worker = new URL("../support/upsert-worker.ts", import.meta.url).pathname;
    const prefixes = ["p1", "p2", "p3", "p4"];
    // All four start on a missing file: migrations and writes race for real.
    await Promise.all(
      prefixes.map((prefix) =>
        run(process.execPath, ["--import", "tsx", worker, path, prefix, "200"]),
      ),
    );
    const store = await openSqliteStore({ path });
    expect(await store.countModels()).toBe(800);
    for (const prefix of prefixes) expect(await store.getMeta(`progress:${prefix}`)).toBe("200");
    const english = await store.searchModels({ language: "en", sort: "downloads", limit: 1000 });
    expect(english.hits).toHaveLength(800);
    await store.close();
  }, 60_000);
});
