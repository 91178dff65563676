/**
 * The request log summed per route and model (`summarizeRequestLog`) on a real state database,
 * and `modelscout requests` reading it: nearest-rank latency percentiles of the answered
 * requests, errors, feedback and its mean reward, tokens and cost, the window and the route.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { summarizeRequestLog } from "../../src/route/request-log-summary.js";
import { sinceTime } from "../../src/route/request-log-summary-text.js";
import { type RequestLogRow, RoutingStore } from "../../src/route/routing-store.js";
import { openStateDatabase } from "../../src/state/state-database.js";
import { requestLogRow } from "../support/request-log-row.js";
import { runCli } from "../support/run-cli.js";

const home = mkdtempSync(join(tmpdir(), "ms-requests-"));
const statePath = join(home, "state.db");
const database = openStateDatabase({ path: statePath });
const store = new RoutingStore(database, { writer: "main-thread" });
afterAll(() => {
  store.close();
  database.close();
});

const NOW = Date.now();
const at = (minutesAgo: number) => new Date(NOW - minutesAgo * 60_000).toISOString();

const row = (id: string, fields: Partial<RequestLogRow>) =>
  requestLogRow(id, { createdAt: at(5), ...fields });

// delivery/small: 20 answered with latencies 1..20 ms, 2 failed (latency 500, not counted in
// the percentiles); delivery/large: 3 answered with tokens and a cost; complaint/large: 1; one
// refused before routing; one delivery/small row outside the window (3 days ago).
for (let index = 1; index <= 20; index += 1) {
  store.logRequest(row(`req_s${index}`, { latencyMs: index }));
}
store.logRequest(row("req_f1", { status: 502, latencyMs: 500, errorCode: "upstream_failed" }));
store.logRequest(row("req_f2", { status: 429, latencyMs: 500, errorCode: "rate_limited" }));
for (let index = 1; index <= 3; index += 1) {
  store.logRequest(
    row(`req_l${index}`, {
      model: "large",
      latencyMs: 100 * index,
      promptTokens: 100,
      completionTokens: 50 * index,
      costUsd: 0.001 * index,
      // The second, a later item of a batch: its own classification call counts (an unpriced
      // model's), its group's (item 0's, in `classification`) does not.
      ...(index === 2 && {
        decision: JSON.stringify({
          classification: {
            steps: [{ model: "router-llm", usage: { prompt_tokens: 99, completion_tokens: 1 } }],
          },
          item: {
            index: 2,
            classification_usage: [
              {
                step: 1,
                model: "small-router",
                usage: { prompt_tokens: 30, completion_tokens: 1 },
              },
            ],
          },
        }),
      }),
    }),
  );
}
store.logRequest(
  row("req_c1", {
    route: "complaint",
    model: "large",
    latencyMs: 40,
    // Classified by a priced chat model after a rule passed (ADR 0090).
    decision: JSON.stringify({
      classification: {
        steps: [
          { kind: "rules", route: null, detail: "no rule matched" },
          {
            kind: "classifier",
            route: "complaint",
            model: "router-llm",
            usage: { prompt_tokens: 40, completion_tokens: 1 },
            cost_usd: 0.0000215,
          },
        ],
      },
    }),
  }),
);
store.logRequest(row("req_r1", { route: null, model: null, status: 400, requested: "nope" }));
store.logRequest(row("req_old", { createdAt: at(3 * 24 * 60), latencyMs: 9999 }));
store.flush();
const feedback = (requestId: string, reward: number | null) =>
  store.recordFeedback({
    requestId,
    createdAt: at(1),
    rating: null,
    correct: reward === null ? null : reward === 1,
    label: null,
    latencyMs: reward === null ? 12 : null,
    reward,
  });
feedback("req_s1", 1);
feedback("req_s2", 0);
feedback("req_s3", 1);
feedback("req_s4", null); // a latency only: counted as feedback, not in the mean reward

describe("the request log per route and model", () => {
  it("sums a window: percentiles, errors, feedback, tokens and cost", () => {
    const summary = summarizeRequestLog(database, { from: at(60), to: at(-1) });
    expect(summary.unrouted).toBe(1);
    // Classification calls apart from the answers, the priced first (ADR 0090).
    expect(summary.classification).toEqual([
      { model: "router-llm", calls: 1, promptTokens: 40, completionTokens: 1, costUsd: 0.0000215 },
      { model: "small-router", calls: 1, promptTokens: 30, completionTokens: 1, costUsd: null },
    ]);
    expect(summary.routes).toEqual([
      {
        route: "complaint",
        model: "large",
        requests: 1,
        errors: 0,
        latencyP50Ms: 40,
        latencyP95Ms: 40,
        feedback: 0,
        meanReward: null,
        tokens: 0,
        costUsd: null,
      },
      {
        route: "delivery",
        model: "small",
        requests: 22,
        errors: 2,
        // Nearest rank over the 20 answered: the 10th and the 19th.
        latencyP50Ms: 10,
        latencyP95Ms: 19,
        feedback: 4,
        meanReward: 2 / 3,
        tokens: 0,
        costUsd: null,
      },
      {
        route: "delivery",
        model: "large",
        requests: 3,
        errors: 0,
        latencyP50Ms: 200,
        latencyP95Ms: 300,
        feedback: 0,
        meanReward: null,
        tokens: 300 + 50 + 100 + 150,
        costUsd: expect.closeTo(0.006, 12),
      },
    ]);
  });

  it("keeps to the window and the route", () => {
    const wide = summarizeRequestLog(database, { from: at(7 * 24 * 60), to: at(-1) });
    const small = wide.routes.find((entry) => entry.model === "small");
    expect(small?.requests).toBe(23);
    // 21 answered now: the 20th of them.
    expect(small?.latencyP95Ms).toBe(20);
    const complaint = summarizeRequestLog(database, {
      from: at(60),
      to: at(-1),
      route: "complaint",
    });
    expect(complaint.routes.map((entry) => entry.route)).toEqual(["complaint"]);
    expect(complaint.unrouted).toBe(0);
    const before = summarizeRequestLog(database, { from: at(60 * 24), to: at(30) });
    expect(before.routes).toEqual([]);
  });

  it("reads --since as a duration back from now or an ISO time", () => {
    const now = Date.parse("2026-12-02T12:00:00.000Z");
    expect(sinceTime(undefined, now)).toBe("2026-12-01T12:00:00.000Z");
    expect(sinceTime("30m", now)).toBe("2026-12-02T11:30:00.000Z");
    expect(sinceTime("7d", now)).toBe("2026-11-25T12:00:00.000Z");
    expect(sinceTime("2026-12-01T08:00:00Z", now)).toBe("2026-12-01T08:00:00.000Z");
    expect(() => sinceTime("yesterday", now)).toThrow(/--since must be a duration/);
  });

  it("prints it from the CLI, as a table or JSON, and shows one request", async () => {
    const env = { MODELSCOUT_HOME: home };
    const json = await runCli(["requests", "--since", "1h", "--state", statePath, "--json"], env);
    expect(json.code, json.stderr).toBe(0);
    const parsed = JSON.parse(json.stdout) as { routes: { model: string; requests: number }[] };
    expect(parsed.routes.map((entry) => [entry.model, entry.requests])).toEqual([
      ["large", 1],
      ["small", 22],
      ["large", 3],
    ]);
    const all = await runCli(["requests", "--state", statePath], env);
    expect(all.stdout).toMatch(/^Routed requests since .* UTC; 1 more refused before routing:\n/);
    const table = await runCli(["requests", "--state", statePath, "--route", "delivery"], env);
    expect(table.code, table.stderr).toBe(0);
    // Refused requests have no route: a route's summary leaves them out.
    expect(table.stdout).toMatch(/^Routed requests since .* UTC:\n/);
    expect(table.stdout).toMatch(/delivery\s+small\s+22\s+2\s+10 ms\s+19 ms\s+4\s+0\.67\s+0\s+-/);
    expect(table.stdout).toMatch(
      /delivery\s+large\s+3\s+0\s+200 ms\s+300 ms\s+0\s+-\s+600\s+\$0\.0060/,
    );
    // The route's requests' classification calls, in a table of their own.
    expect(table.stdout).toMatch(/\nClassification steps' model calls \(not in the tokens/);
    expect(table.stdout).toMatch(/small-router\s+1\s+31\s+-/);
    expect(table.stdout).not.toContain("router-llm");

    const shown = await runCli(["requests", "show", "req_s2", "--state", statePath, "--json"], env);
    expect(shown.code, shown.stderr).toBe(0);
    const request = JSON.parse(shown.stdout) as { id: string; feedback: { reward: number }[] };
    expect(request.id).toBe("req_s2");
    expect(request.feedback.map((entry) => entry.reward)).toEqual([0]);
    // Without --json, as an operator reads it: where it went and the feedback given on it.
    const text = await runCli(["requests", "show", "req_s2", "--state", statePath], env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^Request req_s2, \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC, /);
    expect(text.stdout).toContain("Route: delivery; model: small; status");
    expect(text.stdout).toMatch(/Feedback:\n {2}\d{4}-.* UTC: .*reward 0\.00; /);
    const missing = await runCli(["requests", "show", "req_none", "--state", statePath], env);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("No request req_none in this state database");
    const bad = await runCli(["requests", "--since", "yesterday", "--state", statePath], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--since must be a duration");
  }, 60_000);
});
