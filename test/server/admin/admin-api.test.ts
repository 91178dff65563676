/**
 * The admin side of a real routing server over HTTP: monitoring fed by real requests and
 * feedback (a review item opens, is approved with an audit trail, the learner is told),
 * selection decisions read from the state database, Prometheus metrics, time series,
 * redaction of what is stored, catalog search, server-sent events, and the dashboard page
 * beside an unchanged OpenAI API.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { exampleAlertRules } from "../../../src/monitor/example-alert-rules.js";
import type { ThompsonRouteLearner } from "../../../src/route/learning/thompson-route-learner.js";
import type { RouteLearner } from "../../../src/route/route-learner.js";
import { DecisionStore } from "../../../src/select/decision-store.js";
import type { StateDatabase } from "../../../src/state/state-database.js";
import { VERSION } from "../../../src/version.js";
import { selectionDecision } from "../../monitor/selection-decision.js";
import { requestLogRow } from "../../support/request-log-row.js";
import { type Json, MeanRewardLearner, postJson } from "../routing-test-support.js";
import { type AdminTestServer, feedbackDropRule, startAdminTestServer } from "./admin-server.js";

const running: AdminTestServer[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) await server.close();
});

async function start(options: Parameters<typeof startAdminTestServer>[0] = {}) {
  const server = await startAdminTestServer(options);
  running.push(server);
  return server;
}

async function get(server: AdminTestServer, path: string, headers: Record<string, string> = {}) {
  const response = await fetch(server.url(path), { headers });
  const text = await response.text();
  let json: Json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // Not JSON (HTML, Prometheus text): the test reads `text`.
  }
  return { status: response.status, headers: response.headers, json, text };
}

async function chat(server: AdminTestServer, model: string, content: string) {
  const response = await postJson(server.url("/v1/chat/completions"), {
    model,
    messages: [{ role: "user", content }],
  });
  expect(response.status).toBe(200);
  return response.json.modelscout as Json;
}

/** A learner that learns like the test suite's mean-reward learner and takes operator demotions. */
class DemotableLearner extends MeanRewardLearner implements RouteLearner {
  readonly calls: {
    verb: string;
    route: string;
    modelId: string;
    actor?: string;
    note?: string;
  }[] = [];
  readonly demoted = new Set<string>();
  demote(
    route: string,
    modelId: string,
    _domain: string | null,
    options: { actor?: string; note?: string },
  ) {
    this.calls.push({ verb: "demote", route, modelId, ...options });
    this.demoted.add(`${route}\u0000${modelId}`);
  }
  reinstate(
    route: string,
    modelId: string,
    _domain: string | null,
    options: { actor?: string; note?: string },
  ) {
    this.calls.push({ verb: "reinstate", route, modelId, ...options });
    this.demoted.delete(`${route}\u0000${modelId}`);
  }
  override standings(route?: string) {
    return super.standings(route).map((standing) => ({
      ...standing,
      demoted: this.demoted.has(`${standing.route}\u0000${standing.modelId}`),
    }));
  }
}

describe("admin API: monitoring of live traffic", () => {
  it("opens a review item from bad feedback, approves it with an audit trail, and demotes through the learner", async () => {
    let learner: DemotableLearner | undefined;
    const server = await start({
      rules: feedbackDropRule(),
      learner: () => {
        learner = new DemotableLearner();
        return learner;
      },
    });
    const decisions: Json[] = [];
    for (let index = 0; index < 3; index++) {
      decisions.push(await chat(server, "support", `question ${index}`));
    }
    const model = decisions[0].model as string;
    expect(decisions.every((decision) => decision.model === model)).toBe(true);
    for (const decision of decisions) {
      const feedback = await postJson(server.url("/v1/feedback"), {
        request_id: decision.request_id,
        rating: 1,
      });
      expect(feedback.status).toBe(200);
    }
    server.monitoring.flush();

    const open = await get(server, "/admin/api/reviews?status=open");
    expect(open.status).toBe(200);
    expect(open.json.total).toBe(1);
    const item = open.json.items[0];
    expect(item).toMatchObject({
      ruleId: "feedback-drop",
      route: "support",
      modelId: model,
      status: "open",
      proposedAction: { kind: "demote", route: "support", modelId: model },
    });
    expect(item.summary).toContain("100% below its baseline 0.9");
    expect(item.audit.map((entry: Json) => entry.action)).toEqual(["opened"]);
    expect(server.logs.map((entry) => entry.alert.ruleId)).toEqual(["feedback-drop"]);

    const alerts = await get(server, "/admin/api/alerts");
    expect(alerts.json.alerts).toHaveLength(1);
    expect(alerts.json.alerts[0]).toMatchObject({ ruleId: "feedback-drop", reviewItemId: item.id });
    expect(alerts.json.rules.map((rule: Json) => rule.id)).toEqual(["feedback-drop"]);

    const missingActor = await postJson(server.url(`/admin/api/reviews/${item.id}/approve`), {});
    expect(missingActor.status).toBe(400);
    expect(missingActor.json.error.message).toContain("actor is required");

    const approved = await postJson(server.url(`/admin/api/reviews/${item.id}/approve`), {
      actor: "alice",
      comment: "confirmed on the tickets; mail alice@example.com",
    });
    expect(approved.status).toBe(200);
    expect(approved.json).toMatchObject({ status: "approved", decidedBy: "alice" });
    // Comments are redacted before they are stored.
    expect(approved.json.decisionComment).toBe("confirmed on the tickets; mail [EMAIL]");
    expect(approved.json.audit.map((entry: Json) => [entry.action, entry.actor])).toEqual([
      ["opened", "rule:feedback-drop"],
      ["approved", "alice"],
    ]);
    expect(learner?.calls).toEqual([
      {
        verb: "demote",
        route: "support/text-generation",
        modelId: model,
        actor: "alice",
        note: expect.stringContaining(`review ${item.id}`),
      },
    ]);
    const twice = await postJson(server.url(`/admin/api/reviews/${item.id}/reject`), {
      actor: "bob",
    });
    expect(twice.status).toBe(409);
    expect(twice.json.error.code).toBe("already_decided");
    expect(twice.json.error.message).toContain("already approved by alice");

    const models = await get(server, "/admin/api/models?minutes=5&bucketSeconds=60");
    // Each model's series says the task it serves on its route, from the config in service.
    expect(models.json.series.models.find((entry: Json) => entry.model === model)).toMatchObject({
      route: "support",
      task: "text-generation",
    });
    const standing = models.json.standings.find((entry: Json) => entry.modelId === model);
    expect(standing).toMatchObject({ route: "support/text-generation", demoted: true });
    // This learner keeps no decisions: the list is empty, not an error.
    expect((await get(server, "/admin/api/learner/decisions")).json.data).toEqual([]);

    expect((await postJson(server.url("/v1/chat/completions"), "{not json")).status).toBe(400);
    const metrics = await get(server, "/metrics");
    expect(metrics.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const lines = metrics.text.split("\n");
    expect(lines).toContain(
      `modelscout_requests_total{route="support",model="${model}",status="200"} 3`,
    );
    expect(lines).toContain(
      `modelscout_routing_decisions_total{route="support",model="${model}",policy="bandit",explored="false"} 3`,
    );
    expect(lines).toContain(
      `modelscout_feedback_total{route="support",model="${model}",kind="reward"} 3`,
    );
    expect(lines).toContain(`modelscout_feedback_reward_sum{route="support",model="${model}"} 0`);
    expect(lines).toContain('modelscout_alerts_total{rule="feedback-drop"} 1');
    expect(lines).toContain('modelscout_review_decisions_total{decision="approved"} 1');
    expect(lines).toContain("modelscout_review_items_open 0");
    expect(lines).toContain(
      'modelscout_unrouted_requests_total{endpoint="chat.completions",status="400"} 1',
    );
    expect(lines).toContain(`modelscout_build_info{version="${VERSION}"} 1`);
    expect(lines).toContain(`modelscout_model_available{model="${model}"} 1`);
    // Every call answered: nothing in flight at the scrape (ADR 0033).
    expect(lines).toContain(`modelscout_model_in_flight{model="${model}"} 0`);
    // The learner's standings: three rewards of 0, demoted on approval; a local model's
    // answers have no cost, so there is no mean cost to give.
    const learnerLabels = `{route="support/text-generation",model="${model}"}`;
    expect(lines).toContain(`modelscout_learner_demoted${learnerLabels} 1`);
    // Both decay between the two reads, by far less than the precision checked.
    const sample = (name: string) =>
      Number(lines.find((line) => line.startsWith(`${name}${learnerLabels} `))?.split(" ")[1]);
    expect(sample("modelscout_learner_quality")).toBeCloseTo(standing.mean, 6);
    expect(sample("modelscout_learner_evidence")).toBeCloseTo(standing.effectiveCount, 6);
    expect(lines.some((line) => line.startsWith("modelscout_learner_mean_cost_usd{"))).toBe(false);
    // No request named a session; one that does is remembered.
    expect(lines).toContain("modelscout_sessions 0");
    // A state file: nothing blocks on a database server, and the learner reads nothing ahead.
    expect(lines.some((line) => line.includes("modelscout_state_blocking_waits_total"))).toBe(
      false,
    );
    expect(lines.some((line) => line.includes("modelscout_learner_stale_read_aheads"))).toBe(false);
    const inSession = await fetch(server.url("/v1/chat/completions"), {
      method: "POST",
      headers: { "content-type": "application/json", "x-modelscout-session": "conv-1" },
      body: JSON.stringify({ model: "support", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(inSession.status).toBe(200);
    expect((await get(server, "/metrics")).text.split("\n")).toContain("modelscout_sessions 1");
    expect(
      lines.find((line) =>
        line.startsWith(
          `modelscout_request_duration_seconds_count{route="support",model="${model}"}`,
        ),
      ),
    ).toMatch(/ 3$/);
  });

  it("replaces its alert rules without a restart, keeping the state of a rule that did not change", async () => {
    const server = await start({ rules: [] });
    const poorAnswers = async (count: number) => {
      for (let index = 0; index < count; index++) {
        const decision = await chat(server, "sales", `question ${index}`);
        const feedback = await postJson(server.url("/v1/feedback"), {
          request_id: decision.request_id,
          rating: 1,
        });
        expect(feedback.status).toBe(200);
      }
      server.monitoring.flush();
    };
    const alertCount = async () => (await get(server, "/admin/api/alerts")).json.alerts.length;

    // No rules: three poor answers fire nothing.
    await poorAnswers(3);
    expect(await alertCount()).toBe(0);

    // The rule in force now, mid-window: two poor answers, the same rule again, one more.
    server.monitoring.useRules(feedbackDropRule());
    expect(
      (await get(server, "/admin/api/alerts")).json.rules.map((rule: Json) => rule.id),
    ).toEqual(["feedback-drop"]);
    await poorAnswers(2);
    expect(await alertCount()).toBe(0);
    server.monitoring.useRules(feedbackDropRule());
    await poorAnswers(1);
    expect(await alertCount()).toBe(1);
    expect(server.logs.map((entry) => entry.alert.ruleId)).toEqual(["feedback-drop"]);

    // A changed condition starts afresh: its window fills again before it can fire.
    const changed = feedbackDropRule();
    const condition = changed[0]?.conditions[0] as { min_drop_percent: number };
    condition.min_drop_percent = 25;
    server.monitoring.useRules(changed);
    await poorAnswers(2);
    expect(server.logs).toHaveLength(1);
    await poorAnswers(1);
    expect(server.logs).toHaveLength(2);

    await server.close();
    expect(() => server.monitoring.useRules([])).toThrow(/Monitoring is closed/);
  });

  it("demotes through the real Thompson learner when a review item is approved", async () => {
    const server = await start({ rules: feedbackDropRule() });
    for (let index = 0; index < 8; index++) {
      const decision = await chat(server, "support", `question ${index}`);
      await postJson(server.url("/v1/feedback"), { request_id: decision.request_id, rating: 1 });
    }
    server.monitoring.flush();
    const items = (await get(server, "/admin/api/reviews?status=open")).json.items;
    expect(items.length).toBeGreaterThanOrEqual(1);
    const item = items[0];
    const approved = await postJson(server.url(`/admin/api/reviews/${item.id}/approve`), {
      actor: "alice",
      comment: "demote it",
    });
    expect(approved.status).toBe(200);
    const standings = (await get(server, "/admin/api/models")).json.standings;
    expect(
      standings.find(
        (entry: Json) =>
          entry.route === "support/text-generation" && entry.modelId === item.modelId,
      ),
    ).toMatchObject({ demoted: true });
    const learner = server.learner as ThompsonRouteLearner;
    expect(learner.demotions().map((entry) => [entry.modelId, entry.actor])).toEqual([
      [item.modelId, "alice"],
    ]);
    expect(learner.demotions()[0]?.note).toContain(`review ${item.id}`);

    // Undoing it takes a proposal from the standings and an approval, both on the audit trail.
    const proposal = await postJson(server.url("/admin/api/reviews"), {
      kind: "reinstate",
      route: "support/text-generation",
      modelId: item.modelId,
      actor: "bob",
      comment: "fixed upstream",
    });
    expect(proposal.status).toBe(201);
    expect(proposal.json).toMatchObject({
      ruleId: null,
      status: "open",
      proposedAction: { kind: "reinstate", route: "support/text-generation" },
      summary: `bob proposes to reinstate ${item.modelId} on support/text-generation: fixed upstream`,
    });
    expect(proposal.json.evidence.standing).toMatchObject({ modelId: item.modelId, demoted: true });
    const reinstated = await postJson(
      server.url(`/admin/api/reviews/${proposal.json.id}/approve`),
      { actor: "carol" },
    );
    expect(reinstated.status).toBe(200);
    expect(reinstated.json.audit.map((entry: Json) => [entry.action, entry.actor])).toEqual([
      ["opened", "bob"],
      ["approved", "carol"],
    ]);
    expect(learner.demotions()).toEqual([]);
    expect(learner.decisions().map((entry) => [entry.kind, entry.actor])).toEqual([
      ["reinstate", "carol"],
      ["demote", "alice"],
    ]);
    // The same decisions, with their evidence, from the admin API.
    const listed = await get(server, "/admin/api/learner/decisions?limit=5");
    expect(listed.status).toBe(200);
    expect(listed.json.data).toEqual([
      expect.objectContaining({ kind: "reinstate", actor: "carol", modelId: item.modelId }),
      expect.objectContaining({
        kind: "demote",
        route: "support/text-generation",
        actor: "alice",
        note: expect.stringContaining(`review ${item.id}`),
        evidence: expect.objectContaining({
          model: expect.objectContaining({ modelId: item.modelId }),
        }),
      }),
    ]);
    expect(
      (await get(server, "/admin/api/learner/decisions?limit=1")).json.data.map(
        (entry: Json) => entry.kind,
      ),
    ).toEqual(["reinstate"]);
    expect(
      (await get(server, "/admin/api/learner/decisions?route=elsewhere/text-generation")).json.data,
    ).toEqual([]);
    expect((await get(server, "/admin/api/learner/decisions?limit=0")).status).toBe(400);
    const unknown = await postJson(server.url("/admin/api/reviews"), {
      kind: "demote",
      route: "support/text-generation",
      modelId: "echo:alpha",
    });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.message).toContain("actor is required");
  });

  it("shows the standing of a proposal on a plain route name, and asks for <route>/<task> when the route has several bandit targets", async () => {
    const server = await start();
    // The bandit picks among echo:alpha and echo:beta at random: the proposal names one it
    // picked, so that one has a standing whichever it was.
    const picked: string[] = [];
    for (let index = 0; index < 4; index++) {
      const decision = await chat(server, "support", `question ${index}`);
      picked.push(decision.model);
      await postJson(server.url("/v1/feedback"), { request_id: decision.request_id, rating: 2 });
    }
    const proposal = await postJson(server.url("/admin/api/reviews"), {
      kind: "demote",
      route: "support",
      modelId: picked[0],
      actor: "bob",
    });
    expect(proposal.status).toBe(201);
    expect(proposal.json.route).toBe("support");
    expect(proposal.json.evidence.standing).toMatchObject({
      route: "support/text-generation",
      modelId: picked[0],
    });
    // A fallback route has no standing to show, and is not refused for it.
    const onFallback = await postJson(server.url("/admin/api/reviews"), {
      kind: "change_route",
      route: "sales",
      modelId: "echo:beta",
      toModelId: "echo:alpha",
      actor: "bob",
    });
    expect(onFallback.status).toBe(201);
    expect(onFallback.json.evidence.standing).toBeNull();

    const twoTargets = await start({
      routes: {
        version: 1,
        models: [
          { id: "echo:alpha", kind: "echo" },
          { id: "echo:beta", kind: "echo" },
          { id: "ngrams:small", kind: "hashed-ngrams", dimensions: 16 },
          { id: "ngrams:large", kind: "hashed-ngrams", dimensions: 64 },
        ],
        routes: [
          {
            name: "support",
            targets: {
              "text-generation": { policy: "bandit", candidates: ["echo:alpha", "echo:beta"] },
              "feature-extraction": {
                policy: "bandit",
                candidates: ["ngrams:small", "ngrams:large"],
              },
            },
          },
        ],
      },
    });
    const ambiguous = await postJson(twoTargets.url("/admin/api/reviews"), {
      kind: "demote",
      route: "support",
      modelId: "echo:alpha",
      actor: "bob",
    });
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.json.error.param).toBe("route");
    expect(ambiguous.json.error.message).toContain("give route as <route>/<task>");
    expect(ambiguous.json.error.message).toContain("support/feature-extraction");
    const named = await postJson(twoTargets.url("/admin/api/reviews"), {
      kind: "demote",
      route: "support/text-generation",
      modelId: "echo:alpha",
      actor: "bob",
    });
    expect(named.status).toBe(201);
  });

  it("refuses an approval the routing cannot carry out, keeps the item open and records the attempt", async () => {
    const server = await start({
      rules: feedbackDropRule(),
      learner: () => new DemotableLearner(),
    });
    for (let index = 0; index < 3; index++) {
      const decision = await chat(server, "sales", `order ${index}`);
      await postJson(server.url("/v1/feedback"), {
        request_id: decision.request_id,
        correct: false,
      });
    }
    server.monitoring.flush();
    const item = (await get(server, "/admin/api/reviews?status=open")).json.items[0];
    expect(item).toMatchObject({ route: "sales", modelId: "echo:beta" });
    const refused = await postJson(server.url(`/admin/api/reviews/${item.id}/approve`), {
      actor: "alice",
    });
    expect(refused.status).toBe(400);
    expect(refused.json.error.message).toContain("only bandit routes follow the learner");
    const after = (await get(server, `/admin/api/reviews/${item.id}`)).json;
    expect(after.status).toBe("open");
    expect(after.audit.map((entry: Json) => entry.action)).toEqual(["opened", "action_failed"]);
    const rejected = await postJson(server.url(`/admin/api/reviews/${item.id}/reject`), {
      actor: "alice",
      comment: "fallback route: reordered the chain in routes.yaml instead",
    });
    expect(rejected.json.status).toBe("rejected");
  });

  it("switches a fallback route to another model when a change_route item is approved", async () => {
    const server = await start({ rules: [] });
    expect((await chat(server, "sales", "hello")).model).toBe("echo:beta");
    const proposal = await postJson(server.url("/admin/api/reviews"), {
      kind: "change_route",
      route: "sales",
      modelId: "echo:beta",
      toModelId: "echo:alpha",
      actor: "bob",
      comment: "beta answers worse on sales",
    });
    expect(proposal.status).toBe(201);
    expect(proposal.json.proposedAction).toEqual({
      kind: "change_route",
      route: "sales",
      fromModelId: "echo:beta",
      toModelId: "echo:alpha",
    });
    const unknownModel = await postJson(server.url("/admin/api/reviews"), {
      kind: "change_route",
      route: "sales",
      modelId: "echo:beta",
      toModelId: "echo:nope",
      actor: "bob",
    });
    const refused = await postJson(
      server.url(`/admin/api/reviews/${unknownModel.json.id}/approve`),
      {
        actor: "carol",
      },
    );
    expect(refused.status).toBe(400);
    expect(refused.json.error.message).toContain("this server has no such model");

    const approved = await postJson(server.url(`/admin/api/reviews/${proposal.json.id}/approve`), {
      actor: "carol",
    });
    expect(approved.status).toBe(200);
    const switched = await chat(server, "sales", "hello again");
    expect(switched.model).toBe("echo:alpha");
    expect(switched.order).toEqual(["echo:alpha"]);
    expect(switched.reason).toContain("echo:beta switched to echo:alpha by carol");
    // The bandit route is untouched.
    expect((await chat(server, "support", "hi")).order).toContain("echo:beta");
  });

  it("bins traffic share per route and model, and feedback reward and latency per bucket", async () => {
    const server = await start({ rules: [] });
    const decision = await chat(server, "sales", "first");
    const second = await chat(server, "sales", "second");
    await postJson(server.url("/v1/feedback"), { request_id: decision.request_id, rating: 4 });
    const routes = await get(server, "/admin/api/routes?minutes=10&bucketSeconds=60");
    // The buckets the requests and the feedback were logged in (the last one, unless a minute
    // turned between them and the read).
    const logged = await get(server, `/v1/requests/${decision.request_id}`);
    const secondLogged = await get(server, `/v1/requests/${second.request_id}`);
    const bucketOf = (buckets: number[], at: string) =>
      buckets.indexOf(Math.floor(Date.parse(at) / 60_000) * 60_000);
    const requestTimes = [logged.json.created_at, secondLogged.json.created_at] as string[];
    const requestBuckets = requestTimes.map((at) => bucketOf(routes.json.traffic.buckets, at));
    const feedbackAt = logged.json.feedback[0].created_at as string;
    const feedbackBucket = bucketOf(routes.json.traffic.buckets, feedbackAt);
    expect([...requestBuckets, feedbackBucket].every((index) => index >= 0)).toBe(true);
    expect(routes.status).toBe(200);
    expect(routes.json.routes.map((route: Json) => [route.name, route.targets[0].policy])).toEqual([
      ["support", "bandit"],
      ["sales", "fallback"],
    ]);
    // Each target's settings as the routes config has them, the ones left unset as null.
    expect(routes.json.routes[1].targets[0]).toMatchObject({
      answerValueUsd: null,
      latencySloMs: null,
      minConfidence: null,
      languageDetector: null,
    });
    expect(routes.json.traffic.buckets).toHaveLength(10);
    const sales = routes.json.traffic.routes.find((route: Json) => route.route === "sales");
    expect(sales).toMatchObject({ total: 2, errors: 0 });
    // Each model with the task it serves on its route, by the rule the models series use.
    expect(sales.models).toEqual([
      expect.objectContaining({ model: "echo:beta", total: 2, share: 1, task: "text-generation" }),
    ]);
    expect(sales.models[0].counts.reduce((sum: number, count: number) => sum + count, 0)).toBe(2);
    const expectedCounts = routes.json.traffic.buckets.map(
      (_: number, index: number) => requestBuckets.filter((bucket) => bucket === index).length,
    );
    expect(sales.models[0].counts).toEqual(expectedCounts);

    const models = await get(server, "/admin/api/models?minutes=10&bucketSeconds=60");
    const series = models.json.series.models.find((entry: Json) => entry.route === "sales");
    expect(series).toMatchObject({
      model: "echo:beta",
      requests: 2,
      feedback: 1,
      meanReward: 0.75,
    });
    // Its own window: a minute may have turned since the routes were read.
    const points = (at: string) => series.points[bucketOf(models.json.series.buckets, at)] as Json;
    expect(points(feedbackAt).meanReward).toBe(0.75);
    expect(points(requestTimes[0] as string).latencyP95Ms).toBeGreaterThan(0);

    const bad = await get(server, "/admin/api/routes?bucketSeconds=0.5");
    expect(bad.status).toBe(400);
    expect(bad.json.error.param).toBe("bucketSeconds");
    // The series are summed per minute (ADR 0073).
    const partMinute = await get(server, "/admin/api/models?bucketSeconds=90");
    expect(partMinute.status).toBe(400);
    expect(partMinute.json.error.param).toBe("bucketSeconds");
    expect(partMinute.json.error.message).toContain("whole number of minutes");
  });

  it("sums the tokens and cost of each route's answers in the traffic", async () => {
    const server = await start({ rules: [] });
    const row = (id: string, costUsd: number | null) =>
      requestLogRow(id, {
        createdAt: new Date().toISOString(),
        requested: "sales",
        route: "sales",
        model: costUsd === null ? "echo:alpha" : "echo:beta",
        reason: "fallback",
        promptTokens: 10,
        completionTokens: 20,
        costUsd,
      });
    server.server.store.logRequest(row("req_cost_1", 0.001));
    server.server.store.logRequest(row("req_cost_2", 0.0025));
    server.server.store.logRequest(row("req_cost_3", null));
    server.server.store.flush();
    const routes = await get(server, "/admin/api/routes?minutes=10&bucketSeconds=60");
    const sales = routes.json.traffic.routes.find((route: Json) => route.route === "sales");
    expect(sales.tokens).toBe(90);
    expect(sales.costUsd).toBeCloseTo(0.0035, 12);
    const byModel = Object.fromEntries(
      sales.models.map((model: Json) => [model.model, [model.tokens, model.costUsd]]),
    );
    expect(byModel["echo:beta"][0]).toBe(60);
    expect(byModel["echo:beta"][1]).toBeCloseTo(0.0035, 12);
    expect(byModel["echo:alpha"]).toEqual([30, null]);
  });

  it("redacts personal data from the request log and feedback by default", async () => {
    const server = await start({ rules: [] });
    const decision = await chat(
      server,
      "sales",
      "call me on +86 138 1234 5678 or mail li.wei@example.cn",
    );
    await postJson(server.url("/v1/feedback"), {
      request_id: decision.request_id,
      rating: 5,
      label: "refund for card 4111 1111 1111 1111",
    });
    const logged = await get(server, `/v1/requests/${decision.request_id}`);
    expect(logged.json.input_text).toBe("call me on [PHONE] or mail [EMAIL]");
    expect(logged.json.output_text).toBe("beta answers: call me on [PHONE] or mail [EMAIL]");
    expect(logged.json.feedback[0].label).toBe("refund for card [CARD]");
  });
});

describe("admin API: selection decisions", () => {
  it("reads decisions from the state database, lists them with their report, and runs the shipped rule", async () => {
    const server = await start({ rules: exampleAlertRules() });
    const store = DecisionStore.open({ database: server.server.database as StateDatabase });
    const qualities = [0.9, 0.86, 0.78];
    qualities.forEach((quality, index) => {
      store.save(
        selectionDecision({
          at: `2026-03-01T10:0${index}:00.000Z`,
          winner: "acme/bert-zh",
          qualities: { "acme/bert-zh": quality, "other/model": 0.6 },
        }),
      );
    });
    expect(server.monitoring.pollDecisions()).toBe(3);
    expect(server.monitoring.pollDecisions()).toBe(0);

    const list = await get(server, "/admin/api/decisions");
    expect(list.json.data).toHaveLength(3);
    const newest = list.json.data[0];
    expect(newest).toMatchObject({ status: "completed", winnerId: "acme/bert-zh" });
    expect(newest.reportUrl).toBe(`/admin/decisions/${newest.id}/report`);
    const report = await get(server, newest.reportUrl);
    expect(report.status).toBe(200);
    expect(report.headers.get("content-type")).toContain("text/html");
    expect(report.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(report.text).toContain("acme/bert-zh");
    const one = await get(server, `/admin/api/decisions/${newest.id}`);
    expect(one.json.decision.id).toBe(newest.id);
    const missing = await get(server, "/admin/api/decisions/dec_nope");
    expect(missing.status).toBe(404);
    expect(missing.json.error.message).toContain("No decision dec_nope");

    const reviews = await get(server, "/admin/api/reviews?status=open");
    expect(reviews.json.items).toHaveLength(1);
    expect(reviews.json.items[0]).toMatchObject({
      ruleId: "review-on-drop",
      route: "task:text-classification",
      modelId: "acme/bert-zh",
    });
    const metrics = (await get(server, "/metrics")).text.split("\n");
    expect(metrics).toContain(
      'modelscout_decisions_total{route="task:text-classification",model="acme/bert-zh"} 3',
    );
    expect(metrics).toContain("modelscout_review_items_open 1");
  });
});

describe("admin API: access", () => {
  const TOKEN = "test-admin-token-0123456789";

  it("answers 401 in the OpenAI error format without the token, and accepts Bearer and the login cookie", async () => {
    const server = await start({ token: TOKEN, rules: [] });
    const refused = await get(server, "/admin/api/overview");
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toBe('Bearer realm="modelscout-admin"');
    expect(refused.json).toEqual({
      error: {
        message: expect.stringContaining("admin token"),
        type: "invalid_request_error",
        param: null,
        code: "invalid_admin_token",
      },
    });
    expect((await get(server, "/metrics")).status).toBe(401);
    expect(
      (await get(server, "/admin/api/overview", { authorization: "Bearer wrong-token-0123456789" }))
        .status,
    ).toBe(401);
    const allowed = await get(server, "/admin/api/overview", { authorization: `Bearer ${TOKEN}` });
    expect(allowed.status).toBe(200);
    expect(allowed.json).toMatchObject({
      auth: { required: true },
      learner: true,
      routes: ["support", "sales"],
    });
    expect(allowed.json.redaction).toEqual({
      enabled: true,
      types: ["email", "phone", "card", "id", "iban", "ip"],
    });

    // The page asks for the token, then runs on a cookie that is not the token.
    const page = await get(server, "/", { accept: "text/html" });
    expect(page.status).toBe(200);
    expect(page.text).toContain('action="/admin/login"');
    const wrong = await fetch(server.url("/admin/login"), {
      method: "POST",
      body: new URLSearchParams({ token: "nope" }),
      redirect: "manual",
    });
    expect(wrong.status).toBe(401);
    const login = await fetch(server.url("/admin/login"), {
      method: "POST",
      body: new URLSearchParams({ token: TOKEN }),
      redirect: "manual",
    });
    expect(login.status).toBe(303);
    const cookie = login.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^modelscout_admin=[0-9a-f]{64}; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(cookie).not.toContain(TOKEN);
    const session = cookie.split(";")[0] as string;
    expect((await get(server, "/admin/api/overview", { cookie: session })).status).toBe(200);
    const dashboard = await get(server, "/", { accept: "text/html", cookie: session });
    expect(dashboard.text).toContain('<script type="module" src="/admin/assets/dashboard.js">');
    // Changes must be JSON, so another site's form cannot post them with the cookie.
    const form = await fetch(server.url("/admin/api/reviews/rev_x/approve"), {
      method: "POST",
      headers: { cookie: session },
      body: new URLSearchParams({ actor: "mallory" }),
    });
    expect(form.status).toBe(415);
  });

  it("refuses to start without a token unless bound to loopback, and refuses short tokens", async () => {
    await expect(start({ host: "0.0.0.0", rules: [] })).rejects.toThrow(
      /open to anyone who can reach it. Set an admin token/,
    );
    await expect(start({ token: "short", rules: [] })).rejects.toThrow(/at least 16/);
    const withToken = await start({ host: "0.0.0.0", token: TOKEN, rules: [] });
    expect((await fetch(withToken.url("/admin/api/overview"))).status).toBe(401);
  });
});

/**
 * A webhook receiver on loopback: keeps each POSTed JSON body and lets `answer` reply (or
 * hold the reply) by the body's position, from 1. `count(n)` waits up to 5 s for n bodies.
 */
async function startReceiver(answer: (position: number, response: ServerResponse) => void) {
  const received: Json[] = [];
  const receiver = createServer((request: IncomingMessage, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      received.push(JSON.parse(body));
      answer(received.length, response);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  return {
    received,
    url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
    async count(n: number) {
      for (let waited = 0; received.length < n && waited < 5000; waited += 20) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async close() {
      receiver.closeAllConnections();
      await new Promise((resolve) => receiver.close(resolve));
    },
  };
}

describe("admin API: dashboard, events, catalog, webhooks", () => {
  it("serves the dashboard to browsers and leaves the OpenAI API's answers as they were", async () => {
    const server = await start({ rules: [] });
    const page = await get(server, "/", { accept: "text/html,application/xhtml+xml" });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(page.text).toContain('<nav aria-label="Sections">');
    const api = await get(server, "/", { accept: "application/json" });
    expect(api.status).toBe(404);
    expect(api.json.error.code).toBe("unknown_url");
    const script = await fetch(server.url("/admin/assets/dashboard.js"), {
      headers: { "accept-encoding": "gzip" },
    });
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(script.headers.get("content-encoding")).toBe("gzip");
    expect(await script.text()).toContain("function renderAlerts");
    const etag = script.headers.get("etag") as string;
    const cached = await fetch(server.url("/admin/assets/dashboard.js"), {
      headers: { "if-none-match": etag },
    });
    expect(cached.status).toBe(304);
    expect((await get(server, "/admin/api/nothing")).status).toBe(404);
    expect((await get(server, "/v1/models")).json.data.length).toBeGreaterThan(0);
  });

  it("streams a change event after feedback", async () => {
    const server = await start({ rules: [] });
    const controller = new AbortController();
    const response = await fetch(server.url("/admin/api/events"), { signal: controller.signal });
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let received = "";
    const until = async (text: string) => {
      while (!received.includes(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before "${text}": ${received}`);
        received += decoder.decode(value);
      }
    };
    await until(": connected");
    const decision = await chat(server, "sales", "hello");
    await postJson(server.url("/v1/feedback"), { request_id: decision.request_id, rating: 5 });
    await until('"feedback"');
    expect(received).toMatch(/event: change\ndata: \{"kinds":\[[^\]]*"feedback"/);
    controller.abort();
  });

  it("searches the catalog", async () => {
    const server = await start({ rules: [] });
    const found = await get(server, "/admin/api/catalog/search?task=sentiment&limit=3");
    expect(found.status).toBe(200);
    expect(found.json.query.tasks).toContain("text-classification");
    expect(found.json.models).toHaveLength(3);
    expect(found.json.models[0].id).toMatch(/\S/);
    const noLibrary = await get(server, "/admin/api/catalog/search?task=sentiment&library=none");
    expect(noLibrary.status).toBe(200);
    expect(noLibrary.json.models).toEqual([]);
    // The bundled snapshot holds no model with ONNX weights; a value other than true or false
    // is refused, naming the parameter.
    const onnx = await get(server, "/admin/api/catalog/search?task=sentiment&onnx=true");
    expect(onnx.status).toBe(200);
    expect(onnx.json.models).toEqual([]);
    const noFilter = await get(server, "/admin/api/catalog/search?task=sentiment&onnx=false");
    expect(noFilter.json.models.length).toBeGreaterThan(0);
    const notBoolean = await get(server, "/admin/api/catalog/search?task=sentiment&onnx=yes");
    expect(notBoolean.status).toBe(400);
    expect(notBoolean.json.error.message).toContain("onnx");
    const unknown = await get(server, "/admin/api/catalog/search?task=no-such-task");
    expect(unknown.status).toBe(404);
    const strict = await get(server, "/admin/api/catalog/search?colour=red");
    expect(strict.status).toBe(400);
  });

  it("posts alerts to a webhook with the rule and evidence, and no request text", async () => {
    const receiver = await startReceiver((position, response) =>
      response.writeHead(position === 1 ? 503 : 200).end(),
    );
    const { received } = receiver;
    try {
      const server = await start({
        rules: feedbackDropRule([{ type: "webhook", url: receiver.url, max_retries: 2 }]),
        learner: () => new DemotableLearner(),
      });
      for (let index = 0; index < 3; index++) {
        const decision = await chat(server, "sales", `secret text ${index}`);
        await postJson(server.url("/v1/feedback"), { request_id: decision.request_id, rating: 1 });
      }
      server.monitoring.flush();
      await receiver.count(2);
      expect(received).toHaveLength(2);
      expect(received[1]).toMatchObject({
        rule: { id: "feedback-drop" },
        alert: { ruleId: "feedback-drop", route: "sales", modelId: "echo:beta" },
      });
      expect(JSON.stringify(received[1])).not.toContain("secret text");
    } finally {
      await receiver.close();
    }
  });

  it("sends a webhook cut short by a rules reload again, from the new rules", async () => {
    // The receiver holds its first POST unanswered; the reload aborts it, the outbox row's
    // claim is given up, and the new engine sends it again.
    const receiver = await startReceiver((position, response) => {
      if (position > 1) response.writeHead(200).end();
    });
    const { received } = receiver;
    try {
      const rules = feedbackDropRule([
        { type: "webhook", url: receiver.url, max_retries: 2, timeout_ms: 60_000 },
      ]);
      const server = await start({ rules, learner: () => new DemotableLearner() });
      for (let index = 0; index < 3; index++) {
        const decision = await chat(server, "sales", `question ${index}`);
        await postJson(server.url("/v1/feedback"), { request_id: decision.request_id, rating: 1 });
      }
      server.monitoring.flush();
      await receiver.count(1);
      server.monitoring.useRules(rules);
      await receiver.count(2);
      expect(received).toHaveLength(2);
      expect(received[1]).toEqual(received[0]);
      await server.close();
    } finally {
      await receiver.close();
    }
  });
});
