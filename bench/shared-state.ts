/**
 * Benchmark: two routing servers on one state file (ADR 0060), or on one PostgreSQL schema
 * (`--state postgres`, ADR 0068), the real CLI in two child processes (`modelscout serve
 * --state <one file or URL>`), echo models on a `bandit` route.
 *
 *   npx tsx bench/shared-state.ts [--rounds 300] [--visibility 30] [--state file|postgres]
 *       [--url postgres://...] [--concurrent 400] [--clients 8]
 *
 * With `--state postgres` the servers share a new schema of the database `--url` names
 * (default `MODELSCOUT_TEST_POSTGRES_URL`, else this machine's server), dropped at the end,
 * and the results go to bench/results/shared-state-postgres.json.
 *
 * Feedback, timed from the client (POST /v1/feedback until its answer), `--rounds` times in
 * each of three ways, one request at a time:
 * - `same server`: the request and its feedback to server A;
 * - `other server, at once`: the request to A, its feedback to B as soon as A answered (A's
 *   request row may still be in its 20 ms queue: B waits for it, `find-logged-request.ts`);
 * - `other server, 100 ms later`: the same, 100 ms after A answered.
 * Each feedback must be stored and applied; a 404 counts as lost. Then `--visibility` times:
 * one feedback to B, and A's `/admin/api/models` read every 10 ms until its standings count
 * it: how long A's learner takes to see a feedback another server took (its sync runs every
 * second; each feedback is posted at a random point of that second). Then, with `--concurrent N`
 * (400; 0 skips it), both servers at once: `--clients` clients, each sending a request to one
 * server and its feedback to the other, N in all, and what that cost each server's event loop,
 * read off `/metrics` before and 2.5 s after: blocking waits on the state database
 * (`modelscout_state_blocking_waits_total`) and read-aheads found stale
 * (`modelscout_learner_stale_read_aheads_total`, ADR 0071; PostgreSQL only). Prints tables and
 * writes bench/results/shared-state.json.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ECHO_BANDIT_ROUTES } from "../test/support/echo-bandit-routes.js";
import { writeBenchResult } from "./bench-result.js";
import {
  dropSchema,
  percentile,
  STATE_OPTIONS,
  startServeChild,
  statesOnPostgres,
} from "./serve-child.js";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "300" },
    visibility: { type: "string", default: "30" },
    concurrent: { type: "string", default: "400" },
    clients: { type: "string", default: "8" },
    ...STATE_OPTIONS,
  },
});
const onPostgres = statesOnPostgres(values.state);
const schema = `bench_shared_${process.pid}`;
const rounds = Number(values.rounds);
const visibilityRounds = Number(values.visibility);
const concurrent = Number(values.concurrent);
const clients = Number(values.clients);

const MAIN = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));
const home = mkdtempSync(join(tmpdir(), "ms-bench-shared-"));
const configPath = join(home, "routes.json");
writeFileSync(configPath, JSON.stringify(ECHO_BANDIT_ROUTES));

function startServe(): Promise<{ url: string; child: ChildProcess }> {
  return startServeChild(
    ["--import", "tsx", MAIN],
    [
      "--port",
      "0",
      "--config",
      configPath,
      "--state",
      onPostgres ? values.url : join(home, "state.db"),
    ],
    { ...process.env, MODELSCOUT_HOME: home, MODELSCOUT_STATE_SCHEMA: schema },
  );
}

async function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function ask(url: string, index: number): Promise<{ requestId: string; model: string }> {
  const response = await post(`${url}/v1/chat/completions`, {
    model: "auto",
    messages: [{ role: "user", content: `question ${index}` }],
  });
  await response.arrayBuffer();
  return {
    requestId: response.headers.get("x-modelscout-request-id") as string,
    model: response.headers.get("x-modelscout-model") as string,
  };
}

/** Posts feedback and gives how long it took, or null when the request was not found. */
async function feedback(url: string, requestId: string, model: string): Promise<number | null> {
  const started = performance.now();
  const response = await post(`${url}/v1/feedback`, {
    request_id: requestId,
    correct: model === "echo:good",
  });
  const body = (await response.json()) as { applied?: boolean };
  const ms = performance.now() - started;
  if (response.status === 404) return null;
  if (response.status !== 200 || body.applied !== true) {
    throw new Error(`feedback answered ${response.status}: ${JSON.stringify(body)}`);
  }
  return ms;
}

async function counted(url: string): Promise<number> {
  const response = await fetch(`${url}/admin/api/models`);
  const body = (await response.json()) as {
    standings: { domain: string | null; effectiveCount: number }[];
  };
  return body.standings
    .filter((row) => row.domain === null)
    .reduce((sum, row) => sum + row.effectiveCount, 0);
}

/** A counter's value on `/metrics`; NaN when the server does not export it. */
async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\d+)$`, "m").exec(text)?.[1]);
}

const COUNTERS = {
  blockingWaits: "modelscout_state_blocking_waits_total",
  staleReadAheads: "modelscout_learner_stale_read_aheads_total",
} as const;

async function counters(url: string): Promise<Record<keyof typeof COUNTERS, number>> {
  return {
    blockingWaits: await metric(url, COUNTERS.blockingWaits),
    staleReadAheads: await metric(url, COUNTERS.staleReadAheads),
  };
}

/**
 * `clients` clients at once, each a request on one server and its feedback on the other,
 * `count` in all: what each server's counters grew by.
 */
async function concurrentFeedback(urls: readonly [string, string], count: number) {
  const before = await Promise.all(urls.map(counters));
  let sent = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (sent < count) {
        const index = sent++;
        const asked = await ask(urls[index % 2] as string, 100_000 + index);
        const ms = await feedback(urls[(index + 1) % 2] as string, asked.requestId, asked.model);
        if (ms === null) throw new Error(`feedback ${index} was lost (404)`);
      }
    }),
  );
  await sleep(2500);
  const after = await Promise.all(urls.map(counters));
  return after.map((row, server) => ({
    blockingWaits: row.blockingWaits - (before[server]?.blockingWaits ?? 0),
    staleReadAheads: row.staleReadAheads - (before[server]?.staleReadAheads ?? 0),
  }));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function summary(times: readonly (number | null)[]) {
  const found = times.filter((ms): ms is number => ms !== null).sort((a, b) => a - b);
  return {
    count: times.length,
    lost: times.length - found.length,
    p50Ms: percentile(found, 0.5),
    p95Ms: percentile(found, 0.95),
    maxMs: found.at(-1) ?? Number.NaN,
  };
}

const a = await startServe();
const b = await startServe();
try {
  let index = 0;
  const ways: [string, string, number][] = [
    ["same server", a.url, 0],
    ["other server, at once", b.url, 0],
    ["other server, 100 ms later", b.url, 100],
  ];
  // Warm-up: both servers' first requests compile their paths.
  for (let warm = 0; warm < 30; warm++) {
    const asked = await ask(a.url, index++);
    await feedback(warm % 2 === 0 ? a.url : b.url, asked.requestId, asked.model);
  }
  const results: Record<string, ReturnType<typeof summary>> = {};
  for (const [name, target, delayMs] of ways) {
    const times: (number | null)[] = [];
    for (let round = 0; round < rounds; round++) {
      const asked = await ask(a.url, index++);
      if (delayMs > 0) await sleep(delayMs);
      times.push(await feedback(target, asked.requestId, asked.model));
    }
    results[name] = summary(times);
  }
  const seenAfter: number[] = [];
  for (let round = 0; round < visibilityRounds; round++) {
    const asked = await ask(a.url, index++);
    const before = await counted(a.url);
    // At a random point of A's sync period: otherwise each round would start just after the
    // tick that ended the last one, and wait a whole period.
    await sleep(Math.random() * 1000);
    await feedback(b.url, asked.requestId, asked.model);
    const started = performance.now();
    while ((await counted(a.url)) < before + 0.5) await sleep(10);
    seenAfter.push(performance.now() - started);
  }
  seenAfter.sort((x, y) => x - y);
  const visibility = {
    count: seenAfter.length,
    p50Ms: percentile(seenAfter, 0.5),
    p95Ms: percentile(seenAfter, 0.95),
    maxMs: seenAfter.at(-1) ?? Number.NaN,
  };
  const race = concurrent > 0 ? await concurrentFeedback([a.url, b.url], concurrent) : null;
  console.log("feedback, timed at the client (ms)");
  console.log("way                          count  lost    p50    p95    max");
  for (const [name, row] of Object.entries(results)) {
    console.log(
      `${name.padEnd(28)} ${String(row.count).padStart(5)} ${String(row.lost).padStart(5)} ${row.p50Ms.toFixed(2).padStart(6)} ${row.p95Ms.toFixed(2).padStart(6)} ${row.maxMs.toFixed(2).padStart(6)}`,
    );
  }
  console.log(
    `A's learner saw a feedback B took after: p50 ${visibility.p50Ms.toFixed(0)} ms, p95 ${visibility.p95Ms.toFixed(0)} ms, max ${visibility.maxMs.toFixed(0)} ms (${visibility.count} feedbacks; polled every 10 ms)`,
  );
  if (race !== null) {
    console.log(
      `${concurrent} feedbacks from ${clients} clients at once, each on the server that did not answer:`,
    );
    race.forEach((row, server) => {
      console.log(
        `  server ${"AB"[server]}: ${row.blockingWaits} blocking waits, ${row.staleReadAheads} stale read-aheads`,
      );
    });
  }
  writeBenchResult(
    onPostgres ? "shared-state-postgres" : "shared-state",
    `npx tsx bench/shared-state.ts --rounds ${rounds} --visibility ${visibilityRounds} --concurrent ${concurrent} --clients ${clients}${onPostgres ? " --state postgres" : ""}`,
    {
      rounds,
      state: values.state,
      feedback: results,
      visibility,
      concurrent: { count: concurrent, clients, perServer: race },
    },
  );
} finally {
  a.child.kill();
  b.child.kill();
  await sleep(200);
  rmSync(home, { recursive: true, force: true });
  if (onPostgres) await dropSchema(values.url, schema);
}
