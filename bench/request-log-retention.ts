/**
 * Benchmark: pruning the request log past its retention (ADR 0047), and what it does to the
 * writes that share the database lock with it.
 *
 *   npx tsx bench/request-log-retention.ts [--old 300000] [--recent 30000] [--text-chars 2000]
 *
 * Fills a state database file with `--old` request rows 31-40 days old and `--recent` rows
 * under 30 days, each with a prompt and an answer of `--text-chars` characters (the request
 * log's default `log_text_chars`), through the routing store's own writer. Then, on the main
 * thread, writes a feedback row (synchronous, `synchronous = FULL`, as `POST /v1/feedback`
 * does, then marks it applied, as the learner does) every 5 ms for 2 s with nothing else running (`quiet`), and again while the retention
 * worker prunes the old rows (`pruning`), and reports the prune's time and rate, the file
 * before and after, and each phase's feedback write latency (p50/p99/max). Writes
 * bench/results/request-log-retention.json.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { percentile } from "../src/profile/profile-model.js";
import { startRequestLogRetention } from "../src/route/request-log-retention.js";
import { type RequestLogRow, RoutingStore } from "../src/route/routing-store.js";
import { openStateDatabase } from "../src/state/state-database.js";
import { writeBenchResult } from "./bench-result.js";

const { values } = parseArgs({
  options: {
    old: { type: "string", default: "300000" },
    recent: { type: "string", default: "30000" },
    "text-chars": { type: "string", default: "2000" },
  },
});
const oldRows = Number(values.old);
const recentRows = Number(values.recent);
const textChars = Number(values["text-chars"]);
const DAY = 86_400_000;
const now = Date.now();

function row(id: string, ageDays: number, text: string): RequestLogRow {
  return {
    id,
    createdAt: new Date(now - ageDays * DAY).toISOString(),
    endpoint: "chat.completions",
    task: "text-generation",
    requested: "auto",
    route: "delivery",
    model: "echo:delivery-desk",
    reason:
      "route delivery (rules: keyword parcel); model echo:delivery-desk: first in fallback chain",
    status: 200,
    latencyMs: 1.2,
    modelLatencyMs: 0.4,
    errorCode: null,
    domain: null,
    inputText: text,
    outputText: text,
    outputLabel: null,
    promptTokens: null,
    completionTokens: null,
    costUsd: null,
    decision: null,
  };
}

interface Phase {
  writes: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Writes a feedback row every 5 ms until `until` resolves (or for `ms`), timing each write. */
async function feedbackWrites(
  store: RoutingStore,
  ids: string[],
  until: Promise<unknown>,
): Promise<Phase> {
  let done = false;
  void until.then(() => {
    done = true;
  });
  const times: number[] = [];
  for (let index = 0; !done; index += 1) {
    const startedAt = performance.now();
    const id = store.recordFeedback({
      requestId: ids[index % ids.length] as string,
      createdAt: new Date().toISOString(),
      rating: 4,
      correct: null,
      label: null,
      latencyMs: null,
      reward: 0.75,
    });
    times.push(performance.now() - startedAt);
    store.markFeedbackApplied(id, null); // as the learner does once it has the feedback
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  times.sort((a, b) => a - b);
  return {
    writes: times.length,
    p50Ms: percentile(times, 0.5),
    p99Ms: percentile(times, 0.99),
    maxMs: times[times.length - 1] ?? Number.NaN,
  };
}

async function main(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), "ms-retention-bench-"));
  const path = join(home, "state.db");
  const database = openStateDatabase({ path });
  const store = new RoutingStore(database);
  try {
    const text = "where is my parcel, it was due yesterday. "
      .repeat(textChars / 40 + 1)
      .slice(0, textChars);
    const fillStart = performance.now();
    for (let index = 0; index < oldRows; index += 1) {
      store.logRequest(row(`old-${index}`, 31 + (index % 10), text));
      if (index % 10_000 === 9_999) store.flush();
    }
    const recentIds: string[] = [];
    for (let index = 0; index < recentRows; index += 1) {
      const id = `new-${index}`;
      recentIds.push(id);
      store.logRequest(row(id, index % 30, text));
      if (index % 10_000 === 9_999) store.flush();
    }
    store.flush();
    database.pragma("wal_checkpoint(TRUNCATE)");
    const fillSeconds = (performance.now() - fillStart) / 1000;
    const bytesBefore = statSync(path).size;
    console.log(
      `filled ${oldRows} old and ${recentRows} recent rows of ${textChars}-character texts in ${fillSeconds.toFixed(1)} s; ${(bytesBefore / 1e6).toFixed(0)} MB`,
    );

    const quiet = await feedbackWrites(
      store,
      recentIds,
      new Promise((resolve) => setTimeout(resolve, 2000)),
    );
    const retention = startRequestLogRetention(database, {
      days: 30,
      firstAfterMs: 3_600_000,
    });
    const pruneStart = performance.now();
    const pruning = retention.prune();
    const during = await feedbackWrites(store, recentIds, pruning);
    const pruned = await pruning;
    const pruneSeconds = (performance.now() - pruneStart) / 1000;
    await retention.stop();
    database.pragma("wal_checkpoint(TRUNCATE)");
    const left = (
      database.prepare("SELECT count(*) AS n FROM routing_requests").get() as { n: number }
    ).n;
    const freePages = database.pragma("freelist_count", { simple: true }) as number;
    const pageSize = database.pragma("page_size", { simple: true }) as number;
    const fmt = (phase: Phase) =>
      `${phase.writes} writes, p50 ${phase.p50Ms.toFixed(3)} ms, p99 ${phase.p99Ms.toFixed(3)} ms, max ${phase.maxMs.toFixed(3)} ms`;
    console.log(
      `pruned ${pruned.requests} rows and ${pruned.feedback} feedback in ${pruneSeconds.toFixed(2)} s (${Math.round(pruned.requests / pruneSeconds)} rows/s; ${pruned.chunks} transactions, the longest ${pruned.longestChunkMs.toFixed(1)} ms); ${left} rows left; ${((freePages * pageSize) / 1e6).toFixed(0)} MB of pages free for reuse`,
    );
    console.log(`feedback writes, quiet: ${fmt(quiet)}`);
    console.log(`feedback writes, while pruning: ${fmt(during)}`);
    writeBenchResult(
      "request-log-retention",
      `npx tsx bench/request-log-retention.ts --old ${oldRows} --recent ${recentRows} --text-chars ${textChars}`,
      {
        oldRows,
        recentRows,
        textChars,
        fillSeconds,
        bytesBefore,
        pruned,
        pruneSeconds,
        rowsPerSecond: pruned.requests / pruneSeconds,
        rowsLeft: left,
        freeBytesAfter: freePages * pageSize,
        feedbackQuiet: quiet,
        feedbackWhilePruning: during,
      },
    );
  } finally {
    store.close();
    database.close();
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
