/**
 * Two `modelscout serve` processes on one state, as behind a load balancer: one SQLite file
 * (servers on one machine, ADR 0060) or one PostgreSQL schema (servers on several machines,
 * ADR 0068). Feedback posted to the server that did not answer is stored and learned, both
 * servers' learners come to the same standings, and a request a moment old is found although
 * its row may still be in the other server's queue. The real CLI in child processes, echo
 * models; PostgreSQL is this machine's server (`test/support/test-postgres.ts`).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ECHO_BANDIT_ROUTES } from "../support/echo-bandit-routes.js";
import { dropTestSchemas, newTestSchema, TEST_POSTGRES_URL } from "../support/test-postgres.js";
import { postJson } from "./routing-test-support.js";
import { killHard, type ServeProcess, startServeProcess } from "./serve-process.js";

interface Standing {
  route: string;
  modelId: string;
  domain: string | null;
  mean: number;
  effectiveCount: number;
}

async function standings(url: string): Promise<Standing[]> {
  const response = await fetch(`${url}/admin/api/models`);
  expect(response.status).toBe(200);
  const body = (await response.json()) as { standings: Standing[] };
  return body.standings
    .map((row) => ({ ...row, mean: Number(row.mean.toFixed(6)) }))
    .sort((x, y) => x.modelId.localeCompare(y.modelId));
}

describe.each([
  { state: "one state file", postgres: false },
  { state: "one PostgreSQL schema", postgres: true },
])("two servers on $state", ({ postgres }) => {
  let servers: ServeProcess[] = [];

  beforeAll(async () => {
    const home = mkdtempSync(join(tmpdir(), "ms-serve-shared-"));
    const configPath = join(home, "routes.json");
    // Every pick a uniform floor draw, so both models are tried (the default floor would let
    // Thompson sampling settle on echo:good before echo:poor is ever picked, about 1 run in 40,
    // and leave no standing of echo:poor to compare).
    const learning = { floor: 0.5, cap: 1 };
    writeFileSync(configPath, JSON.stringify({ ...ECHO_BANDIT_ROUTES, learning }));
    const state = postgres ? TEST_POSTGRES_URL : join(home, "shared-state.db");
    const args = ["--config", configPath, "--state", state];
    const env = {
      MODELSCOUT_HOME: home,
      ...(postgres && { MODELSCOUT_STATE_SCHEMA: newTestSchema() }),
    };
    // At the same moment, as a process manager starts them: both create the tables.
    servers = await Promise.all([startServeProcess(args, env), startServeProcess(args, env)]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(servers.map(killHard));
    if (postgres) await dropTestSchemas();
  });

  it("learn from feedback whichever server it reaches", async () => {
    const [first, second] = servers as [ServeProcess, ServeProcess];
    const rounds = 40;
    for (let index = 0; index < rounds; index++) {
      // The balancer sends the request to one server and its feedback to the other.
      const [answering, told] = index % 2 === 0 ? [first, second] : [second, first];
      const routed = await postJson(`${answering.url}/v1/chat/completions`, {
        model: "auto",
        messages: [{ role: "user", content: `question ${index}` }],
      });
      expect(routed.status).toBe(200);
      const requestId = routed.headers.get("x-modelscout-request-id");
      const model = routed.headers.get("x-modelscout-model");
      const feedback = await postJson(`${told.url}/v1/feedback`, {
        request_id: requestId,
        correct: model === "echo:good",
      });
      expect(feedback.status).toBe(200);
      expect(feedback.json).toMatchObject({ stored: true, applied: true });
    }
    // Each reads what the other learned at its next sync (every second; polled here, since a
    // busy test machine may run a tick late; bench/shared-state.ts measures how soon).
    const routeWide = (rows: Standing[]) => rows.filter((row) => row.domain === null);
    const rounded = (rows: Standing[]) =>
      rows.map(({ effectiveCount, ...rest }) => ({
        ...rest,
        effectiveCount: Number(effectiveCount.toFixed(3)),
      }));
    let ofFirst: Standing[] = [];
    await vi.waitFor(
      async () => {
        const [first, second] = await Promise.all(servers.map((server) => standings(server.url)));
        ofFirst = first ?? [];
        const counted = routeWide(ofFirst).reduce((sum, row) => sum + row.effectiveCount, 0);
        expect(counted).toBeCloseTo(rounds, 0);
        expect(rounded(second ?? [])).toEqual(rounded(ofFirst));
      },
      { timeout: 15_000, interval: 250 },
    );
    const mean = (rows: Standing[], modelId: string) =>
      routeWide(rows).find((row) => row.modelId === modelId)?.mean ?? Number.NaN;
    expect(mean(ofFirst, "echo:good")).toBeGreaterThan(mean(ofFirst, "echo:poor"));
    // On PostgreSQL /metrics says what blocked and how many read-aheads went stale (each
    // server's writes make the other's stale at times); a file has neither.
    for (const server of servers) {
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      for (const name of [
        "modelscout_state_blocking_waits_total",
        "modelscout_learner_stale_read_aheads_total",
      ]) {
        const sample = new RegExp(`^${name} (\\d+)$`, "m").exec(metrics);
        expect(sample !== null, name).toBe(postgres);
      }
    }
  }, 120_000);

  it.runIf(postgres)(
    "serve the dashboard's pages and /metrics without a blocking round trip",
    async () => {
      const server = servers[0] as ServeProcess;
      const blockingWaits = async () => {
        const metrics = await (await fetch(`${server.url}/metrics`)).text();
        return Number(/^modelscout_state_blocking_waits_total (\d+)$/m.exec(metrics)?.[1]);
      };
      const before = await blockingWaits();
      expect(before).toBeGreaterThan(0); // the start's migrations and loads blocked
      expect(await blockingWaits(), "metrics").toBe(before);
      // What the dashboard asks when the routes or models section is shown, or changes, and
      // the overview; a scrape (above) neither.
      for (const path of [
        "/admin/api/overview",
        "/admin/api/routes?minutes=60&bucketSeconds=60",
        "/admin/api/models?minutes=60&bucketSeconds=60",
        "/admin/api/learner/decisions?limit=20",
        // And the other sections' pages.
        "/admin/api/decisions?limit=100",
        "/admin/api/alerts?limit=50",
        "/admin/api/reviews?status=open&limit=50",
        "/admin/api/audit",
      ]) {
        const was = await blockingWaits();
        const response = await fetch(`${server.url}${path}`);
        expect(response.status, path).toBe(200);
        expect(await blockingWaits(), path).toBe(was);
      }
      expect(await blockingWaits()).toBe(before);
    },
    60_000,
  );

  it.runIf(postgres)(
    "route plain requests on both servers at once without a blocking round trip",
    async () => {
      const blockingWaits = async (server: ServeProcess) => {
        const metrics = await (await fetch(`${server.url}/metrics`)).text();
        return Number(/^modelscout_state_blocking_waits_total (\d+)$/m.exec(metrics)?.[1]);
      };
      const chat = async (server: ServeProcess, content: string) => {
        const routed = await postJson(`${server.url}/v1/chat/completions`, {
          model: "auto",
          messages: [{ role: "user", content }],
        });
        expect(routed.status).toBe(200);
      };
      // The route's first request on a server stores its candidates, blocking, once.
      await Promise.all(servers.map((server) => chat(server, "warm up")));
      await new Promise((resolve) => setTimeout(resolve, 500));
      const before = await Promise.all(servers.map(blockingWaits));
      // Both servers take requests for a second, so both alert engines fold every 100 ms and
      // each moves the shared generation on under the other: before ADR 0071's read-ahead of
      // the stored state, each stale fold blocked its server about six times.
      const until = Date.now() + 1000;
      let sent = 0;
      await Promise.all(
        [0, 1, 2, 3].map(async (client) => {
          while (Date.now() < until) {
            await chat(servers[(client + sent++) % 2] as ServeProcess, `question ${sent}`);
          }
        }),
      );
      expect(sent).toBeGreaterThan(20);
      // The last folds are stored within 100 ms or so; a slow machine gets longer.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(await Promise.all(servers.map(blockingWaits))).toEqual(before);
    },
    60_000,
  );

  it.runIf(postgres)(
    "take feedback on both servers at once, a stale read-ahead read again without blocking",
    async () => {
      const metric = async (server: ServeProcess, name: string) => {
        const metrics = await (await fetch(`${server.url}/metrics`)).text();
        return Number(new RegExp(`^${name} (\\d+)$`, "m").exec(metrics)?.[1]);
      };
      const blockingWaits = (server: ServeProcess) =>
        metric(server, "modelscout_state_blocking_waits_total");
      const before = await Promise.all(servers.map(blockingWaits));
      const staleBefore = await Promise.all(
        servers.map((server) => metric(server, "modelscout_learner_stale_read_aheads_total")),
      );
      // Eight clients, each a request on one server and its feedback on the other: each
      // server's outcomes make the other's read-aheads stale (about three in four before,
      // each then recorded under the lock, blocking four times). Now a stale one is read
      // again, awaited; only after several stale tries in a row does it block.
      const feedbacks = 120;
      let sent = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (sent < feedbacks) {
            const index = sent++;
            const routed = await postJson(`${servers[index % 2]?.url}/v1/chat/completions`, {
              model: "auto",
              messages: [{ role: "user", content: `question ${index}` }],
            });
            expect(routed.status).toBe(200);
            const feedback = await postJson(`${servers[(index + 1) % 2]?.url}/v1/feedback`, {
              request_id: routed.headers.get("x-modelscout-request-id"),
              correct: routed.headers.get("x-modelscout-model") === "echo:good",
            });
            expect(feedback.status).toBe(200);
            expect(feedback.json).toMatchObject({ stored: true, applied: true });
          }
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const after = await Promise.all(servers.map(blockingWaits));
      const stale = await Promise.all(
        servers.map((server) => metric(server, "modelscout_learner_stale_read_aheads_total")),
      );
      const grown = after.reduce((sum, count, index) => sum + count - (before[index] ?? 0), 0);
      const staleGrown = stale.reduce(
        (sum, count, index) => sum + count - (staleBefore[index] ?? 0),
        0,
      );
      // About 2.5 waits a feedback before (303 here); a few in all now, when a record went
      // stale at every try (measured 0.03-0.17 a feedback at 400 feedbacks). How often a retry
      // loses its race depends on the machine's timing, so the bound is one wait a feedback:
      // well clear of both.
      expect(grown, `${staleGrown} stale read-aheads`).toBeLessThan(feedbacks);
    },
    120_000,
  );

  it("show either server's requests in the other's log", async () => {
    const [first, second] = servers as [ServeProcess, ServeProcess];
    const routed = await postJson(`${first.url}/v1/chat/completions`, {
      model: "auto",
      messages: [{ role: "user", content: "where is my parcel" }],
    });
    const requestId = routed.headers.get("x-modelscout-request-id");
    const response = await fetch(`${second.url}/v1/requests/${requestId}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: requestId, route: "desk" });
  }, 60_000);

  it("still answer 404 at once for an id no server made", async () => {
    const [, second] = servers as [ServeProcess, ServeProcess];
    const feedback = await postJson(`${second.url}/v1/feedback`, {
      request_id: "req_not_a_real_one",
      correct: true,
    });
    expect(feedback.status).toBe(404);
    expect(feedback.json).toMatchObject({ error: { code: "request_not_found" } });
  }, 60_000);
});
