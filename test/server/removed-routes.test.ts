/**
 * A reload that removes a bandit route, and a model from another route's candidates (ADR
 * 0083): `/metrics` stops exposing the learner's gauges of them while its counters keep their
 * series, the learner keeps what it learned there and chooses with it again when a reload
 * brings the route back, and `modelscout learner standings` on the state file marks them.
 * A real server on 127.0.0.1 with echo models, a Thompson learner on a SQLite state file or a
 * PostgreSQL schema (this machine's server, `test/support/test-postgres.ts`).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { ThompsonRouteLearner } from "../../src/route/learning/thompson-route-learner.js";
import type { ModelStanding } from "../../src/route/route-learner.js";
import { parseRoutesConfig, type RoutesConfigInput } from "../../src/route/routes-config.js";
import { createAdminExtension } from "../../src/server/admin/admin-extension.js";
import { type RoutingServer, startRoutingServer } from "../../src/server/start-routing-server.js";
import { runCli } from "../support/run-cli.js";
import { dropTestSchemas, newTestSchema, TEST_POSTGRES_URL } from "../support/test-postgres.js";
import { getJson, type Json, postJson } from "./routing-test-support.js";

const bandit = (name: string, candidates: string[]) => ({
  name,
  targets: { "text-generation": { policy: "bandit" as const, candidates } },
});

const echo = (id: string) => ({ id, kind: "echo" as const, template: `${id}: {{input}}` });

/** `desk` between echo:a and echo:b; `care` between echo:a and echo:c. */
const FULL: RoutesConfigInput = {
  default_route: "desk",
  models: [echo("echo:a"), echo("echo:b"), echo("echo:c")],
  routes: [bandit("desk", ["echo:a", "echo:b"]), bandit("care", ["echo:a", "echo:c"])],
};

/** `care` and echo:c gone; echo:b still declared (asked for by id) but no longer on `desk`. */
const REDUCED: RoutesConfigInput = {
  default_route: "desk",
  models: [echo("echo:a"), echo("echo:b")],
  routes: [bandit("desk", ["echo:a"])],
};

let server: RoutingServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The samples of `family` in an exposition, as `labels -> value` (`route="x",model="y"`). */
function samples(exposition: string, family: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of exposition.split("\n")) {
    const match = new RegExp(`^${family}\\{(.*)\\} (\\S+)$`).exec(line);
    if (match !== null) found.set(match[1] as string, Number(match[2]));
  }
  return found;
}

const pair = (route: string, model: string) => `route="${route}",model="${model}"`;

/** Route-wide standings with evidence, as `route|model -> evidence`. */
function evidenceOf(standings: readonly ModelStanding[]): Map<string, number> {
  return new Map(
    standings
      .filter((standing) => standing.domain === null && standing.effectiveCount > 0)
      .map((standing) => [`${standing.route}|${standing.modelId}`, standing.effectiveCount]),
  );
}

describe.each([
  ["a state file", false],
  ["a PostgreSQL schema (ADR 0068)", true],
])("a reload that removes routes and candidates, on %s", (_name, onPostgres) => {
  afterAll(async () => {
    if (onPostgres) await dropTestSchemas();
  });

  it("drops their gauges from /metrics, keeps their counters and their learning, and the CLI marks them", async () => {
    const schema = onPostgres ? newTestSchema() : undefined;
    const state = onPostgres
      ? TEST_POSTGRES_URL
      : join(mkdtempSync(join(tmpdir(), "ms-removed-")), "state.db");
    const env = schema === undefined ? {} : { MODELSCOUT_STATE_SCHEMA: schema };
    let learner: ThompsonRouteLearner | undefined;
    server = await startRoutingServer({
      config: parseRoutesConfig(FULL),
      port: 0,
      databasePath: state,
      env: { ...process.env, ...env },
      createLearner: (database) => {
        learner = new ThompsonRouteLearner({ database });
        return learner;
      },
      extend: createAdminExtension({ token: null, redaction: { enabled: false } }).extend,
    });
    const running = server;
    const thompson = learner as ThompsonRouteLearner;
    // Rated answers on both routes until each of the four (route, model) pairs has evidence.
    for (let tries = 0; tries < 200; tries += 1) {
      const learned = evidenceOf(thompson.standings());
      if (learned.size === 4) break;
      const route = tries % 2 === 0 ? "desk" : "care";
      const answer = await postJson(`${running.url}/v1/chat/completions`, {
        model: route,
        messages: [{ role: "user", content: "hello" }],
      });
      expect(answer.status).toBe(200);
      const feedback = await postJson(`${running.url}/v1/feedback`, {
        request_id: answer.json.modelscout.request_id,
        // Each model right half the time, so that the learner keeps trying both.
        correct: tries % 4 < 2,
      });
      expect(feedback.status).toBe(200);
    }
    const learnedBefore = evidenceOf(thompson.standings());
    expect([...learnedBefore.keys()].sort()).toEqual([
      "care/text-generation|echo:a",
      "care/text-generation|echo:c",
      "desk/text-generation|echo:a",
      "desk/text-generation|echo:b",
    ]);
    const metrics = async () => (await fetch(`${running.url}/metrics`)).text();
    // The monitor's events are folded in batches: wait for the care route's requests.
    await expect
      .poll(async () => [...samples(await metrics(), "modelscout_requests_total").keys()])
      .toContainEqual(expect.stringContaining('route="care"'));
    const before = await metrics();
    expect([...samples(before, "modelscout_learner_quality").keys()].sort()).toEqual([
      pair("care/text-generation", "echo:a"),
      pair("care/text-generation", "echo:c"),
      pair("desk/text-generation", "echo:a"),
      pair("desk/text-generation", "echo:b"),
    ]);
    const requestsBefore = samples(before, "modelscout_requests_total");

    await running.reload(parseRoutesConfig(REDUCED));
    const after = await metrics();
    for (const family of [
      "modelscout_learner_quality",
      "modelscout_learner_evidence",
      "modelscout_learner_demoted",
    ]) {
      expect([...samples(after, family).keys()], family).toEqual([
        pair("desk/text-generation", "echo:a"),
      ]);
    }
    // Per-model gauges follow the router serving: echo:c is gone, echo:b is still declared.
    expect([...samples(after, "modelscout_model_available").keys()].sort()).toEqual([
      'model="echo:a"',
      'model="echo:b"',
    ]);
    expect([...samples(after, "modelscout_model_in_flight").keys()]).not.toContain(
      'model="echo:c"',
    );
    // Counters keep every series, removed routes' included, at the counts they reached.
    const requestsAfter = samples(after, "modelscout_requests_total");
    for (const [labels, count] of requestsBefore) expect(requestsAfter.get(labels)).toBe(count);
    // The learner keeps what it learned on the removed route and candidate...
    // (Decayed with the default half-life: a few milliseconds later, a hair less.)
    const learnedAfter = evidenceOf(thompson.standings());
    for (const [key, evidence] of learnedBefore) {
      expect(learnedAfter.get(key), key).toBeCloseTo(evidence, 3);
    }
    // ...and the admin API says which standings route nothing now.
    const standings = (await getJson(`${running.url}/admin/api/models`)).json.standings as Json[];
    expect(
      standings
        .filter((standing) => standing.effectiveCount > 0 && standing.domain === null)
        .map((standing) => `${standing.route}|${standing.modelId}|${standing.inConfig}`)
        .sort(),
    ).toEqual([
      "care/text-generation|echo:a|false",
      "care/text-generation|echo:c|false",
      "desk/text-generation|echo:a|true",
      "desk/text-generation|echo:b|false",
    ]);

    // A reload that brings the route back starts from what was learned there.
    await running.reload(parseRoutesConfig(FULL));
    const restored = samples(await metrics(), "modelscout_learner_evidence");
    for (const [key, evidence] of learnedBefore) {
      const [route, model] = key.split("|") as [string, string];
      expect(restored.get(pair(route, model)), key).toBeCloseTo(evidence, 3);
    }

    await running.reload(parseRoutesConfig(REDUCED));
    await running.close();
    server = undefined;

    // The CLI reads the state file alone: the server recorded the config it put into service.
    const table = await runCli(["learner", "standings", "--state", state], env);
    expect(table.code, table.stderr).toBe(0);
    const rowOf = (route: string, model: string) =>
      table.stdout
        .split("\n")
        .find((line) => line.startsWith(route) && line.includes(` ${model} `));
    expect(table.stdout).toMatch(
      /route\s+domain\s+model\s+quality\s+evidence\s+mean cost\s+state\s+config/,
    );
    expect(rowOf("care/text-generation", "echo:a")).toMatch(/active\s+route removed\s*$/);
    expect(rowOf("care/text-generation", "echo:c")).toMatch(/active\s+route removed\s*$/);
    expect(rowOf("desk/text-generation", "echo:a")).toMatch(/active\s+in service\s*$/);
    expect(rowOf("desk/text-generation", "echo:b")).toMatch(/active\s+model removed\s*$/);
    expect(table.stdout).toMatch(/what was learned there is kept/);

    const live = await runCli(
      ["learner", "standings", "--state", state, "--hide-removed", "--json"],
      env,
    );
    expect(live.code, live.stderr).toBe(0);
    const liveRows = JSON.parse(live.stdout) as {
      route: string;
      modelId: string;
      inConfig: boolean;
    }[];
    expect(new Set(liveRows.map((row) => `${row.route}|${row.modelId}|${row.inConfig}`))).toEqual(
      new Set(["desk/text-generation|echo:a|true"]),
    );
    const all = await runCli(["learner", "standings", "--state", state, "--json"], env);
    const allRows = JSON.parse(all.stdout) as { route: string; modelId: string; config: string }[];
    expect(
      allRows.find((row) => row.route === "care/text-generation" && row.modelId === "echo:c")
        ?.config,
    ).toBe("route removed");
  });
});

describe("a reload that removes a route with open review items", () => {
  it("marks the items whose route or model it removed, whose approval is refused", async () => {
    server = await startRoutingServer({
      config: parseRoutesConfig(FULL),
      port: 0,
      databasePath: join(mkdtempSync(join(tmpdir(), "ms-removed-")), "state.db"),
      createLearner: (database) => new ThompsonRouteLearner({ database }),
      extend: createAdminExtension({ token: null, redaction: { enabled: false } }).extend,
    });
    const running = server;
    const propose = async (route: string, modelId: string) => {
      const opened = await postJson(`${running.url}/admin/api/reviews`, {
        kind: "demote",
        route,
        modelId,
        actor: "carol",
      });
      expect(opened.status).toBe(201);
      return opened.json.id as string;
    };
    const onCare = await propose("care/text-generation", "echo:c");
    const onDesk = await propose("desk/text-generation", "echo:b");
    const kept = await propose("desk/text-generation", "echo:a");
    const inConfig = async () =>
      Object.fromEntries(
        ((await getJson(`${running.url}/admin/api/reviews?status=open`)).json.items as Json[]).map(
          (item) => [item.id, item.inConfig],
        ),
      );
    expect(await inConfig()).toEqual({ [onCare]: true, [onDesk]: true, [kept]: true });

    await running.reload(parseRoutesConfig(REDUCED));
    expect(await inConfig()).toEqual({ [onCare]: false, [onDesk]: false, [kept]: true });
    expect((await getJson(`${running.url}/admin/api/reviews/${onCare}`)).json.inConfig).toBe(false);
    // What the mark warns of: an approval would change nothing, and is refused.
    const approval = await postJson(`${running.url}/admin/api/reviews/${onCare}/approve`, {
      actor: "dave",
    });
    expect(approval.status).toBe(400);
    expect(JSON.stringify(approval.json)).toMatch(
      /no route in this server's config lists that model/,
    );
  });
});

describe("a route in the config whose target is not a bandit", () => {
  it("is in service: its learner gauges stay in /metrics, the admin API and the CLI say so", async () => {
    const state = join(mkdtempSync(join(tmpdir(), "ms-removed-")), "state.db");
    // The learner learns from feedback on every route, though it chooses only on `desk`.
    const policies: RoutesConfigInput = {
      default_route: "desk",
      models: [echo("echo:a"), echo("echo:b"), echo("echo:c")],
      routes: [
        bandit("desk", ["echo:a", "echo:b"]),
        {
          name: "care",
          targets: { "text-generation": { policy: "fallback", candidates: ["echo:c", "echo:a"] } },
        },
        {
          name: "sales",
          targets: { "text-generation": { policy: "fixed", candidates: ["echo:b"] } },
        },
      ],
    };
    server = await startRoutingServer({
      config: parseRoutesConfig(policies),
      port: 0,
      databasePath: state,
      createLearner: (database) => new ThompsonRouteLearner({ database }),
      extend: createAdminExtension({ token: null, redaction: { enabled: false } }).extend,
    });
    const running = server;
    for (const route of ["care", "sales"]) {
      const answer = await postJson(`${running.url}/v1/chat/completions`, {
        model: route,
        messages: [{ role: "user", content: "where is my package?" }],
      });
      expect(answer.status).toBe(200);
      const feedback = await postJson(`${running.url}/v1/feedback`, {
        request_id: answer.json.modelscout.request_id,
        correct: true,
      });
      expect(feedback.status).toBe(200);
    }

    const exposition = await (await fetch(`${running.url}/metrics`)).text();
    for (const family of ["modelscout_learner_quality", "modelscout_learner_evidence"]) {
      expect([...samples(exposition, family).keys()].sort(), family).toEqual([
        pair("care/text-generation", "echo:c"),
        pair("sales/text-generation", "echo:b"),
      ]);
    }
    const standings = (await getJson(`${running.url}/admin/api/models`)).json.standings as Json[];
    expect(
      standings
        .filter((standing) => standing.domain === null)
        .map(
          (standing) =>
            `${standing.route}|${standing.modelId}|${standing.inConfig}|${standing.policy}`,
        )
        .sort(),
    ).toEqual([
      "care/text-generation|echo:c|true|fallback",
      "sales/text-generation|echo:b|true|fixed",
    ]);
    await running.close();
    server = undefined;

    const table = await runCli(["learner", "standings", "--state", state]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/care\/text-generation\s.*echo:c\s.*active\s+in service\s*$/m);
    expect(table.stdout).toMatch(/sales\/text-generation\s.*echo:b\s.*active\s+in service\s*$/m);
    expect(table.stdout).not.toMatch(/route removed/);
    expect(table.stdout).toMatch(/It has every route and model listed/);
    const hidden = await runCli([
      "learner",
      "standings",
      "--state",
      state,
      "--hide-removed",
      "--json",
    ]);
    expect((JSON.parse(hidden.stdout) as unknown[]).length).toBe(2);
  });
});
