/**
 * Benchmark: what feedback traffic does to the routed requests beside it. The real CLI
 * (`modelscout serve`, built: run `npm run build` first) in a child process, echo models on
 * a `bandit` route (`test/support/echo-bandit-routes.ts`), its state on a file or on a
 * PostgreSQL schema (`--state postgres`).
 *
 *   npx tsx bench/feedback-load.ts [--rate 400] [--feedback-share 0.1] [--seconds 10]
 *       [--warmup 5] [--state file|postgres] [--url postgres://...] [--repeats 1]
 *       [--db-delay-ms 0]
 *
 * Open loop from this process: chat completions at `--rate` per second on a fixed schedule
 * (each latency runs from the scheduled time to the end of the answer), over a pool of 32
 * kept-alive connections. Each repeat runs twice, first without feedback, then with a
 * feedback (`correct`, as the client of `shared-state.ts` sends) for `--feedback-share` of
 * the answered requests, each posted 100 ms after its request was answered. The routed
 * requests' p50 / p99 / max in the two runs is what feedback costs them; the feedback's own
 * times are printed beside. Writes bench/results/feedback-load.json (feedback-load-postgres.json
 * with `--state postgres`).
 *
 * `--db-delay-ms D` (with `--state postgres`): the server reaches PostgreSQL through a proxy
 * that adds D ms to every round trip (`loadgen/delay-proxy.mjs`), as a database on another
 * machine would; writes feedback-load-postgres-delay<D>.json.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { ECHO_BANDIT_ROUTES } from "../test/support/echo-bandit-routes.js";
import { writeBenchResult } from "./bench-result.js";
import { startDelayProxy } from "./loadgen/start-delay-proxy.js";
import {
  dropSchema,
  percentile,
  STATE_OPTIONS,
  startServeChild,
  statesOnPostgres,
} from "./serve-child.js";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "400" },
    "feedback-share": { type: "string", default: "0.1" },
    seconds: { type: "string", default: "10" },
    warmup: { type: "string", default: "5" },
    repeats: { type: "string", default: "1" },
    "db-delay-ms": { type: "string", default: "0" },
    ...STATE_OPTIONS,
  },
});
const onPostgres = statesOnPostgres(values.state);
const rate = Number(values.rate);
const feedbackShare = Number(values["feedback-share"]);
const seconds = Number(values.seconds);
const warmupSeconds = Number(values.warmup);
const repeats = Number(values.repeats);
const dbDelayMs = Number(values["db-delay-ms"]);
if (!(dbDelayMs >= 0) || (dbDelayMs > 0 && !onPostgres)) {
  throw new Error("--db-delay-ms takes milliseconds, with --state postgres");
}
const schema = `bench_feedback_${process.pid}`;

const MAIN = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
const home = mkdtempSync(join(tmpdir(), "ms-bench-feedback-"));
const configPath = join(home, "routes.json");
writeFileSync(configPath, JSON.stringify(ECHO_BANDIT_ROUTES));

// With `--db-delay-ms`: PostgreSQL behind a delaying proxy, and the URL through it.
const delayProxy = dbDelayMs === 0 ? undefined : await startDelayProxy(values.url, dbDelayMs);

function startServe(): Promise<{ url: string; child: ChildProcess }> {
  return startServeChild(
    [MAIN],
    [
      "--port",
      "0",
      "--config",
      configPath,
      "--state",
      onPostgres ? (delayProxy?.url ?? values.url) : join(home, "state.db"),
    ],
    { ...process.env, MODELSCOUT_HOME: home, MODELSCOUT_STATE_SCHEMA: schema },
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Summary {
  count: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

function summary(times: readonly number[], failed: number): Summary {
  const sorted = [...times].sort((a, b) => a - b);
  return {
    count: times.length + failed,
    failed,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted.at(-1) ?? Number.NaN,
  };
}

/**
 * One open-loop run of `durationS` seconds: chat requests at `rate`/s, and feedback for
 * `share` of them 100 ms after each answer. Returns the requests' and the feedbacks' times.
 */
async function run(pool: Pool, durationS: number, share: number) {
  const requestTimes: number[] = [];
  const feedbackTimes: number[] = [];
  let requestFailures = 0;
  let feedbackFailures = 0;
  const pending: Promise<void>[] = [];
  const total = Math.round(durationS * rate);
  const intervalMs = 1000 / rate;
  const start = performance.now() + 20;
  let feedbackDebt = 0;
  const sendFeedback = async (requestId: string, model: string) => {
    await sleep(100);
    const scheduled = performance.now();
    try {
      const response = await pool.request({
        method: "POST",
        path: "/v1/feedback",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ request_id: requestId, correct: model === "echo:good" }),
      });
      const body = (await response.body.json()) as { applied?: boolean };
      if (response.statusCode !== 200 || body.applied !== true) feedbackFailures += 1;
      else feedbackTimes.push(performance.now() - scheduled);
    } catch {
      feedbackFailures += 1;
    }
  };
  for (let index = 0; index < total; index++) {
    const scheduled = start + index * intervalMs;
    const wait = scheduled - performance.now();
    if (wait > 1) await sleep(wait - 1);
    while (performance.now() < scheduled) {
      // Spin the last millisecond: timers are coarser than the schedule.
    }
    feedbackDebt += share;
    const withFeedback = feedbackDebt >= 1;
    if (withFeedback) feedbackDebt -= 1;
    pending.push(
      (async () => {
        try {
          const response = await pool.request({
            method: "POST",
            path: "/v1/chat/completions",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({
              model: "auto",
              messages: [{ role: "user", content: `question ${index}` }],
            }),
          });
          await response.body.arrayBuffer();
          if (response.statusCode !== 200) {
            requestFailures += 1;
            return;
          }
          requestTimes.push(performance.now() - scheduled);
          if (withFeedback) {
            await sendFeedback(
              response.headers["x-modelscout-request-id"] as string,
              response.headers["x-modelscout-model"] as string,
            );
          }
        } catch {
          requestFailures += 1;
        }
      })(),
    );
  }
  await Promise.all(pending);
  return {
    requests: summary(requestTimes, requestFailures),
    feedback: summary(feedbackTimes, feedbackFailures),
  };
}

const server = await startServe();
const pool = new Pool(server.url, { connections: 32, pipelining: 1 });
const results: {
  repeat: number;
  withoutFeedback: Summary;
  withFeedback: Summary;
  feedback: Summary;
}[] = [];
try {
  await run(pool, warmupSeconds, feedbackShare);
  for (let repeat = 1; repeat <= repeats; repeat++) {
    const without = await run(pool, seconds, 0);
    const withFeedback = await run(pool, seconds, feedbackShare);
    results.push({
      repeat,
      withoutFeedback: without.requests,
      withFeedback: withFeedback.requests,
      feedback: withFeedback.feedback,
    });
  }
} finally {
  await pool.close();
  server.child.kill("SIGTERM");
  await new Promise((resolve) => server.child.once("exit", resolve));
  rmSync(home, { recursive: true, force: true });
  delayProxy?.child.kill("SIGTERM");
  if (onPostgres) await dropSchema(values.url, schema);
}

const ms = (value: number) => value.toFixed(2).padStart(7);
console.log(
  `${rate} requests/s, feedback on ${feedbackShare * 100} % of them, state on ${onPostgres ? `PostgreSQL${dbDelayMs > 0 ? ` ${dbDelayMs} ms away` : ""}` : "a file"} (ms)`,
);
console.log(
  "repeat | requests without feedback p50 / p99 / max | with feedback p50 / p99 / max | feedback p50 / p99 / max | failed",
);
for (const row of results) {
  console.log(
    `${String(row.repeat).padStart(6)} | ${ms(row.withoutFeedback.p50Ms)} ${ms(row.withoutFeedback.p99Ms)} ${ms(row.withoutFeedback.maxMs)} | ${ms(row.withFeedback.p50Ms)} ${ms(row.withFeedback.p99Ms)} ${ms(row.withFeedback.maxMs)} | ${ms(row.feedback.p50Ms)} ${ms(row.feedback.p99Ms)} ${ms(row.feedback.maxMs)} | ${row.withoutFeedback.failed + row.withFeedback.failed + row.feedback.failed}`,
  );
}
const args = process.argv.slice(2).join(" ");
writeBenchResult(
  onPostgres
    ? `feedback-load-postgres${dbDelayMs > 0 ? `-delay${dbDelayMs}` : ""}`
    : "feedback-load",
  `npx tsx bench/feedback-load.ts${args === "" ? "" : ` ${args}`}`,
  { rate, feedbackShare, seconds, state: values.state, dbDelayMs, results },
);
