import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { findLoggedRequest, PEER_LOG_WAIT_MS } from "../../src/route/find-logged-request.js";
import { RecordBatch, readRecords } from "../../src/route/request-log-records.js";
import {
  RequestLogWriter,
  type RequestLogWriterOptions,
} from "../../src/route/request-log-writer.js";
import { newRequestId } from "../../src/route/router.js";
import { type RequestLogRow, RoutingStore } from "../../src/route/routing-store.js";
import { openStateDatabase, type StateDatabase } from "../../src/state/state-database.js";
import { canRaise, threadPolicy } from "../../src/state/thread-priority.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function row(id: string, status = 200): RequestLogRow {
  return {
    id,
    createdAt: new Date().toISOString(),
    endpoint: "chat.completions",
    task: "text-generation",
    requested: "auto",
    route: "local",
    model: "echo:local",
    reason: "route local (rules: keyword)",
    status,
    latencyMs: 1.5,
    modelLatencyMs: 0.2,
    errorCode: null,
    domain: null,
    inputText: "where is my parcel",
    outputText: "where is my parcel",
    outputLabel: null,
    promptTokens: null,
    completionTokens: null,
    costUsd: null,
    // A session on every other row: both kinds of value go through the worker and back.
    session: id.length % 2 === 0 ? `conv-${id}` : null,
    classificationTokens: null,
    classificationCostUsd: null,
    decision: '{"requestId":"x"}',
  };
}

const open: { close(): void }[] = [];
afterEach(() => {
  for (const item of open.splice(0).reverse()) item.close();
});

function fileDatabase(busyTimeoutMs?: number): { database: StateDatabase; path: string } {
  const path = join(mkdtempSync(join(tmpdir(), "ms-store-")), "state.db");
  const database = openStateDatabase({
    path,
    ...(busyTimeoutMs !== undefined && { busyTimeoutMs }),
  });
  open.push(database);
  return { database, path };
}

/** Rows as another process sees them (a separate connection), without flushing the store. */
function countRows(path: string): number {
  const reader = new Database(path, { readonly: true });
  try {
    return (reader.prepare("SELECT COUNT(*) AS n FROM routing_requests").get() as { n: number }).n;
  } finally {
    reader.close();
  }
}

describe("routing store: request log written by a worker thread", () => {
  it("writes queued rows in the background and finds a row logged a moment ago", async () => {
    const { database, path } = fileDatabase();
    const store = new RoutingStore(database, { flushIntervalMs: 5, chunkRows: 4 });
    open.push(store);
    for (let index = 0; index < 10; index += 1) store.logRequest(row(`req_${index}`));
    // Without any lookup, the worker commits them on its own.
    for (let waited = 0; waited < 2000 && countRows(path) < 10; waited += 20) await sleep(20);
    expect(countRows(path)).toBe(10);

    // A lookup right after logging waits for the worker instead of missing the row.
    store.logRequest(row("req_new", 502));
    expect(store.findRequest("req_new")).toMatchObject({ id: "req_new", status: 502 });
    // Logging the same id again (an answer that failed after its row) replaces the row.
    store.logRequest(row("req_new", 500));
    expect(store.findRequest("req_new")?.status).toBe(500);
    expect(store.lastFlushError).toBeNull();
  });

  it("feedback on a freshly logged request is stored, and rows queued at close are written", () => {
    const { database, path } = fileDatabase();
    const store = new RoutingStore(database, { flushIntervalMs: 1000 });
    store.logRequest(row("req_feedback"));
    const id = store.recordFeedback({
      requestId: "req_feedback",
      createdAt: new Date().toISOString(),
      rating: 5,
      correct: null,
      label: null,
      latencyMs: null,
      reward: 1,
    });
    expect(store.feedbackFor("req_feedback").map((feedback) => feedback.id)).toEqual([id]);
    store.logRequest(row("req_last"));
    store.close();
    expect(countRows(path)).toBe(2);
  });

  it("reports a locked database: flush throws, the rows are kept and written once it is free", async () => {
    const { database, path } = fileDatabase(100);
    const store = new RoutingStore(database, { flushIntervalMs: 5 });
    open.push(store);
    const other = new Database(path);
    other.exec("BEGIN IMMEDIATE");
    store.logRequest(row("req_locked"));
    expect(() => store.flush()).toThrow(/Could not write 1 request log rows.*locked/);
    for (let waited = 0; waited < 2000 && store.lastFlushError === null; waited += 20) {
      await sleep(20);
    }
    expect(store.lastFlushError).toMatch(/locked/);
    other.exec("COMMIT");
    other.close();
    expect(store.findRequest("req_locked")?.id).toBe("req_locked");
    for (let waited = 0; waited < 2000 && store.lastFlushError !== null; waited += 20) {
      await sleep(20);
    }
    expect(store.lastFlushError).toBeNull();
  });

  it("writes on the main thread for an in-memory database", () => {
    const database = openStateDatabase({ path: ":memory:" });
    open.push(database);
    const store = new RoutingStore(database);
    open.push(store);
    store.logRequest(row("req_memory"));
    expect(store.findRequest("req_memory")?.id).toBe("req_memory");
  });

  it("takes back what the worker could not write at close, every field intact, and writes it itself", () => {
    const { database, path } = fileDatabase(100);
    const store = new RoutingStore(database, { flushIntervalMs: 1000 });
    const other = new Database(path);
    other.exec("BEGIN IMMEDIATE");
    const logged: RequestLogRow[] = [
      row("req_confirmed_never"),
      {
        ...row("req_text", 502),
        inputText: "我的包裹在哪里？ 📦\nline two",
        outputText: null,
        modelLatencyMs: null,
        errorCode: "upstream_failed",
        // An LLM classifier's call (ADR 0091).
        classificationTokens: 57,
        classificationCostUsd: 0.000123,
        decision: null,
      },
    ];
    for (const entry of logged) store.logRequest(entry);
    // The worker cannot write (locked) and ends; its rows come back to the main thread, which
    // cannot write them either yet, and keeps them.
    expect(() => store.close()).toThrow(/Could not write 2 request log rows/);
    other.exec("COMMIT");
    other.close();
    store.flush();
    for (const entry of logged) expect(store.findRequest(entry.id)).toEqual(entry);
  });
});

describe("routing store: the request log's texts redacted by the writer thread (ADR 0085)", () => {
  const prompt = "mail ann@example.com or call 13812345678 about parcel 42";
  const unredacted = (id: string): RequestLogRow => ({
    ...row(id),
    inputText: null,
    outputText: null,
  });

  it("is taken on where the store has a writer thread, and nowhere else", () => {
    const memory = openStateDatabase({ path: ":memory:" });
    open.push(memory);
    const inMemory = new RoutingStore(memory);
    open.push(inMemory);
    expect(inMemory.redactTextsInWriter(undefined, 2000)).toBe(false);
    const mainThread = new RoutingStore(fileDatabase().database, { writer: "main-thread" });
    open.push(mainThread);
    expect(mainThread.redactTextsInWriter(undefined, 2000)).toBe(false);
    // Rows with texts to redact need the redaction first.
    expect(() =>
      mainThread.logRequest(unredacted("req_x"), { input: prompt, output: null }),
    ).toThrow(/never told how to redact/);
    const withWriter = new RoutingStore(fileDatabase().database);
    open.push(withWriter);
    expect(withWriter.redactTextsInWriter(undefined, 0)).toBe(false);
  });

  /** Until the writer thread has loaded its redactor. */
  async function writerRedacting(store: RoutingStore): Promise<void> {
    for (let waited = 0; waited < 10_000 && !store.textsRedactedInWriter; waited += 10) {
      await sleep(10);
    }
    expect(store.textsRedactedInWriter).toBe(true);
  }

  it("writes each text redacted and clipped as the event loop would, and no text as it came", async () => {
    const { database, path } = fileDatabase();
    const store = new RoutingStore(database);
    open.push(store);
    expect(store.redactTextsInWriter({ types: ["email"] }, 30)).toBe(true);
    // Logged before the writer can redact: redacted on this thread, not held back.
    store.logRequest(unredacted("req_early"), { input: prompt, output: prompt });
    expect(countRows(path)).toBe(0);
    await writerRedacting(store);
    const long = `${"where is my parcel ".repeat(2000)}ann@example.com`;
    store.logRequest(unredacted("req_short"), { input: prompt, output: null });
    store.logRequest(unredacted("req_long"), { input: long, output: `${prompt} ${long}` });
    store.flush();
    expect(store.findRequest("req_early")).toMatchObject({
      inputText: "mail [EMAIL] or call 138123456",
      outputText: "mail [EMAIL] or call 138123456",
    });
    // Only the email type is on, 30 characters kept.
    expect(store.findRequest("req_short")).toMatchObject({
      inputText: "mail [EMAIL] or call 138123456",
      outputText: null,
    });
    expect(store.findRequest("req_long")).toMatchObject({
      inputText: long.slice(0, 30),
      outputText: "mail [EMAIL] or call 138123456",
    });
    const reader = new Database(path, { readonly: true });
    const texts = reader
      .prepare("SELECT input_text || ' ' || IFNULL(output_text, '') AS t FROM routing_requests")
      .all() as { t: string }[];
    reader.close();
    expect(texts.map((entry) => entry.t).join(" ")).not.toContain("@");
  });

  it("redacts on the main thread the rows the writer thread could not write", async () => {
    const { database, path } = fileDatabase(100);
    const store = new RoutingStore(database, { flushIntervalMs: 1000 });
    expect(store.redactTextsInWriter(undefined, 2000)).toBe(true);
    await writerRedacting(store);
    const other = new Database(path);
    other.exec("BEGIN IMMEDIATE");
    store.logRequest(unredacted("req_taken_back"), {
      input: prompt,
      output: "我的手机13812345678",
    });
    // The worker cannot write (locked) and ends; the rows come back to this thread.
    expect(() => store.close()).toThrow(/Could not write 1 request log rows/);
    other.exec("COMMIT");
    other.close();
    store.flush();
    expect(store.findRequest("req_taken_back")).toMatchObject({
      inputText: "mail [EMAIL] or call [PHONE] about parcel 42",
      outputText: "我的手机[PHONE]",
    });
  });
});

/** A database file with the routing tables, and writer options for it. */
function writerFixture(flushTimeoutMs: number): { path: string; options: RequestLogWriterOptions } {
  const { database, path } = fileDatabase(100);
  new RoutingStore(database, { writer: "main-thread" }).close();
  const options: RequestLogWriterOptions = {
    path,
    insertSql:
      "INSERT INTO routing_requests (id, created_at, endpoint, status, latency_ms, decision) VALUES (?, ?, ?, ?, ?, ?)",
    chunkRows: 32,
    retryMs: 60_000,
    busyTimeoutMs: 100,
    flushTimeoutMs,
    onError: () => {},
    onExit: () => {},
  };
  return { path, options };
}

/** A batch of the fixture's rows: id, time, endpoint, status, latency, and a decision. */
function batchOf(...ids: string[]): RecordBatch {
  const batch = new RecordBatch();
  for (const id of ids) {
    batch.append([id, new Date().toISOString(), "chat.completions", 200, 1.5], "{}");
  }
  return batch;
}

describe("request-log writer", () => {
  it("confirms what it wrote, and gives back the batches it never confirmed when its thread ends", async () => {
    const { path, options } = writerFixture(5000);
    const writer = new RequestLogWriter(options);
    open.push(writer);
    const first = batchOf("req_a");
    writer.post(first);
    writer.flush();
    expect(writer.unconfirmedRows).toBe(0);
    expect(countRows(path)).toBe(1);
    // A confirmed batch's memory is reused, emptied; what was in it is not written again.
    const reused = writer.batch(1);
    expect(reused).toBe(first);
    expect(reused.count).toBe(0);
    reused.append(["req_a2", "2026-11-30T00:00:00.000Z", "embeddings", 200, 2], null);
    writer.post(reused);
    writer.flush();
    expect(countRows(path)).toBe(2);

    // A writer whose thread cannot start (here: a statement SQLite refuses) ends; the owner
    // hears of it and takes its rows back.
    const exited: Error[] = [];
    const broken = new RequestLogWriter({
      ...options,
      insertSql: "INSERT INTO no_such_table VALUES (?)",
      onExit: (error) => exited.push(error),
    });
    broken.post(batchOf("req_b", "req_c"));
    for (let waited = 0; waited < 5000 && exited.length === 0; waited += 20) await sleep(20);
    expect(exited[0]?.message).toMatch(/request-log writer failed \(SQLITE_ERROR/);
    expect(broken.open).toBe(false);
    expect(
      broken
        .takeUnconfirmed()
        .flatMap(({ batch }) =>
          readRecords(batch.memory, batch.byteLength).map((values) => values[0]),
        ),
    ).toEqual(["req_b", "req_c"]);
    expect(countRows(path)).toBe(2);
  });

  it("says when it has loaded a redaction, and why it could not", async () => {
    const { options } = writerFixture(5000);
    const missing = new URL("./no-such-redaction.ts", import.meta.url);
    const writers = [
      new RequestLogWriter(options),
      new RequestLogWriter({ ...options, redactionModule: missing }),
    ];
    open.push(...writers);
    const [loads, fails] = writers as [RequestLogWriter, RequestLogWriter];
    loads.redactTexts(["email"], 100);
    // A redaction it cannot load: the store then keeps redacting on its own thread.
    fails.redactTexts(["email"], 100);
    for (let waited = 0; waited < 10_000; waited += 10) {
      if (loads.redacting && fails.redactionError !== null) break;
      await sleep(10);
    }
    expect(loads.redacting).toBe(true);
    expect(loads.redactionError).toBeNull();
    expect(fails.redacting).toBe(false);
    expect(fails.redactionError).toMatch(/no-such-redaction/);
    // It still writes.
    fails.post(batchOf("req_after_failure"));
    fails.flush();
    expect(fails.unconfirmedRows).toBe(0);
  });

  // Needs Linux, util-linux's chrt and the right to leave SCHED_IDLE (CAP_SYS_NICE): CI has all three.
  const canSchedule = process.platform === "linux" && canRaise() && hasChrt();
  it.runIf(canSchedule)(
    "runs under SCHED_IDLE, is raised to the normal class when a flush waits, then goes back",
    async () => {
      const { path, options } = writerFixture(400);
      const writer = new RequestLogWriter({
        ...options,
        idlePriority: true,
        restoreIdleAfterMs: 200,
      });
      open.push(writer);
      const policy = () => (writer.threadId === 0 ? null : threadPolicy(writer.threadId));
      writer.post(batchOf("req_first")); // lowers it once the thread has published its id
      // The kernel may show the change before chrt's exit reaches this thread: wait for both.
      const lowered = () => policy() === "idle" && writer.priority === "idle";
      for (let waited = 0; waited < 3000 && !lowered(); waited += 20) {
        await sleep(20);
        writer.post(batchOf());
      }
      expect(policy()).toBe("idle");
      expect(writer.priority).toBe("idle");

      // A flush the worker cannot answer at once (the database is locked) raises it.
      const other = new Database(path);
      other.exec("BEGIN IMMEDIATE");
      writer.post(batchOf("req_locked"));
      expect(() => writer.flush()).toThrow(/did not answer|Could not write/);
      expect(writer.priority).toBe("raised");
      expect(policy()).toBe("normal");
      other.exec("COMMIT");
      other.close();

      for (let waited = 0; waited < 3000 && policy() !== "idle"; waited += 20) await sleep(20);
      expect(policy()).toBe("idle");
      writer.flush();
      expect(countRows(path)).toBe(2);
    },
  );
});

function hasChrt(): boolean {
  try {
    execFileSync("chrt", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("a request another server on the same state file logged (ADR 0060)", () => {
  /** Two stores on one file, as two servers; the first keeps its rows queued until flushed. */
  function twoServers() {
    const { database, path } = fileDatabase();
    const other = openStateDatabase({ path });
    open.push(other);
    const answering = new RoutingStore(database, { flushIntervalMs: 60_000 });
    const told = new RoutingStore(other);
    open.push(answering, told);
    return { answering, told };
  }

  it("is waited for while its row may still be in the other server's queue", async () => {
    const { answering, told } = twoServers();
    const id = newRequestId();
    answering.logRequest(row(id));
    expect(told.findRequest(id)).toBeNull();
    setTimeout(() => answering.flush(), 100);
    expect((await findLoggedRequest(told, id))?.id).toBe(id);
  });

  it("is not waited for when its id is older than the wait, or not one the server makes", async () => {
    const { answering, told } = twoServers();
    const old = newRequestId(Date.now() - 5 * PEER_LOG_WAIT_MS);
    for (const id of [old, "req_made_up"]) {
      answering.logRequest(row(id));
      let flushed = false;
      setTimeout(() => {
        answering.flush();
        flushed = true;
      }, 100);
      // Answered before the other server wrote it: no wait.
      expect(await findLoggedRequest(told, id)).toBeNull();
      expect(flushed).toBe(false);
      await sleep(150);
      expect(told.findRequest(id)?.id).toBe(id);
    }
  });
});
