/**
 * Session affinity: a session's requests follow its last answered request's route and model
 * (`route/session-affinity.ts`, `RouteRequest.session`), through real routers with keyword
 * rules, in-process echo models and a model behind a fake OpenAI-compatible server.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RouteLearner } from "../../src/route/route-learner.js";
import { createRouter, type Router } from "../../src/route/router.js";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { SessionAffinity, sessionKey } from "../../src/route/session-affinity.js";
import { DESK_RULES } from "../support/desk-rules.js";
import { type FakeOpenAIServer, startFakeOpenAIServer } from "../support/fake-openai-server.js";

/** A learner that always picks `pick` and counts its calls. */
class ScriptedLearner implements RouteLearner {
  calls = 0;
  constructor(public pick: string) {}
  choose() {
    this.calls += 1;
    return { modelId: this.pick, reason: "scripted", explored: false };
  }
  record() {}
  standings() {
    return [];
  }
}

function config(
  upstreamUrl: string,
  options: { delivery?: string[]; ttlSeconds?: number; maxSessions?: number } = {},
) {
  return parseRoutesConfig({
    ...DESK_RULES,
    models: [
      { id: "echo:a", kind: "echo" },
      { id: "echo:b", kind: "echo" },
      { id: "echo:c", kind: "echo" },
      { id: "remote", kind: "openai", base_url: `${upstreamUrl}/v1`, api_model: "m" },
    ],
    routes: [
      {
        name: "delivery",
        targets: {
          chat: { policy: "bandit", candidates: options.delivery ?? ["echo:a", "echo:b"] },
        },
      },
      { name: "complaint", targets: { chat: { policy: "fallback", candidates: ["echo:c"] } } },
      {
        name: "product",
        targets: { chat: { policy: "fallback", candidates: ["remote", "echo:a"] } },
      },
    ],
    server: {
      circuit_breaker: { failure_threshold: 1, cool_down_ms: 60_000 },
      health_checks: { interval_ms: 0 },
      ...(options.ttlSeconds !== undefined && { session_ttl_seconds: options.ttlSeconds }),
      ...(options.maxSessions !== undefined && { max_sessions: options.maxSessions }),
    },
  });
}

const chat = (text: string, session?: string, model = "auto") => ({
  task: "text-generation" as const,
  model,
  inputs: [{ kind: "chat" as const, messages: [{ role: "user" as const, content: text }] }],
  text,
  ...(session !== undefined && { session }),
});

let upstream: FakeOpenAIServer;
const routers: Router[] = [];

beforeAll(async () => {
  upstream = await startFakeOpenAIServer();
});

afterEach(async () => {
  for (const router of routers.splice(0)) await router.registry.close();
});

afterAll(async () => {
  await upstream?.close();
});

async function makeRouter(
  options: Parameters<typeof config>[1] & {
    sessions?: SessionAffinity;
    learner?: RouteLearner;
    now?: () => number;
  } = {},
) {
  const router = await createRouter({
    config: config(upstream.url, options),
    sessions: options.sessions ?? new SessionAffinity(),
    learner: options.learner ?? new ScriptedLearner("echo:b"),
    ...(options.now !== undefined && { now: options.now }),
  });
  routers.push(router);
  await router.warmUp();
  return router;
}

async function routed(router: Router, request: ReturnType<typeof chat>) {
  const result = await router.route(request);
  expect(result.ok).toBe(true);
  return result.decision;
}

describe("SessionAffinity", () => {
  it("forgets a pin unused for longer than the TTL, and the least recently used past the maximum", () => {
    const sessions = new SessionAffinity();
    sessions.remember("a", "r", "m1", 0, 2);
    sessions.remember("b", "r", "m2", 10, 2);
    expect(sessions.take("a", 20, 100)).toMatchObject({ model: "m1", usedAtMs: 20 });
    // "a" was used last: a third session pushes "b" out.
    sessions.remember("c", "r", "m3", 30, 2);
    expect(sessions.size).toBe(2);
    expect(sessions.take("b", 30, 100)).toBeUndefined();
    expect(sessions.take("a", 120, 100)).toMatchObject({ model: "m1" });
    expect(sessions.take("a", 221, 100)).toBeUndefined();
    expect(sessions.take("a", 221, 100)).toBeUndefined();
    sessions.remember("c", "r2", "m4", 300, 2);
    expect(sessions.take("c", 300, 100)).toMatchObject({ route: "r2", model: "m4" });
  });

  it("follows the shared log's answer when it is newer than its own pin", () => {
    // What another server logged, by session; the asked window's start is recorded.
    const logged = new Map<string, { route: string; model: string; atMs: number }>();
    const asked: unknown[][] = [];
    const sessions = new SessionAffinity({
      shared: {
        lastAnswered: (session, requested, task, sinceMs) => {
          asked.push([session, requested, task, sinceMs]);
          const row = logged.get(session);
          return row !== undefined && row.atMs >= sinceMs ? row : undefined;
        },
      },
    });
    const key = sessionKey("s1", "auto", "text-generation");
    // Only the other server has seen the session.
    logged.set("s1", { route: "delivery", model: "m1", atMs: 1000 });
    expect(sessions.take(key, 1500, 60_000)).toMatchObject({ route: "delivery", model: "m1" });
    expect(asked).toEqual([["s1", "auto", "text-generation", 1500 - 60_000]]);
    // This server answered the next turn, after the logged one: its own pin wins.
    sessions.remember(key, "complaint", "m2", 2000, 10);
    expect(sessions.take(key, 2500, 60_000)).toMatchObject({ route: "complaint", model: "m2" });
    // The other server answered later still: the log wins again.
    logged.set("s1", { route: "product", model: "m3", atMs: 3000 });
    expect(sessions.take(key, 3500, 60_000)).toMatchObject({ route: "product", model: "m3" });
    // A row older than the TTL is not offered, and the pin taken from the log ages as any.
    logged.clear();
    expect(sessions.take(key, 3500 + 60_001, 60_000)).toBeUndefined();
  });

  it("awaits a log that answers with a promise, and keeps its own pin when the log fails", async () => {
    let answer: () => Promise<{ route: string; model: string; atMs: number } | undefined> =
      async () => ({ route: "delivery", model: "m1", atMs: 1000 });
    const sessions = new SessionAffinity({ shared: { lastAnswered: () => answer() } });
    const key = sessionKey("s1", "auto", "text-generation");
    await expect(sessions.take(key, 1500, 60_000)).resolves.toMatchObject({ model: "m1" });
    sessions.remember(key, "complaint", "m2", 2000, 10);
    // Its database down: the request keeps this server's pin rather than failing.
    answer = () => Promise.reject(new Error("PostgreSQL is down"));
    await expect(sessions.take(key, 2500, 60_000)).resolves.toMatchObject({ model: "m2" });
    const throwing = new SessionAffinity({
      shared: {
        lastAnswered: () => {
          throw new Error("the state file is locked");
        },
      },
    });
    throwing.remember(key, "product", "m3", 0, 10);
    expect(throwing.take(key, 10, 60_000)).toMatchObject({ model: "m3" });
  });
});

describe("session affinity in the router", () => {
  it("keeps a session's later turns on its route and model, without classifying or choosing again", async () => {
    const learner = new ScriptedLearner("echo:b");
    const router = await makeRouter({ learner });
    const first = await routed(router, chat("where is my parcel?", "s1"));
    expect(first).toMatchObject({ route: "delivery", model: "echo:b" });
    expect(learner.calls).toBe(1);
    learner.pick = "echo:a";
    // The follow-up's words would go to the complaint route; the session keeps it on delivery.
    const second = await routed(router, chat("it arrived broken, I want a refund", "s1"));
    expect(second).toMatchObject({ route: "delivery", model: "echo:b", classification: null });
    expect(second.reason).toBe(
      "route delivery (the session's route); model echo:b: the session's model",
    );
    expect(second.explored).toBe(false);
    expect(learner.calls).toBe(1);
    // Without a session, or in another one, the same words are classified.
    expect(await routed(router, chat("it arrived broken, I want a refund"))).toMatchObject({
      route: "complaint",
    });
    expect(await routed(router, chat("it arrived broken, I want a refund", "s2"))).toMatchObject({
      route: "complaint",
    });
    // A request naming a route is its own kind of request; one naming a model has no affinity.
    expect(await routed(router, chat("anything", "s1", "complaint"))).toMatchObject({
      route: "complaint",
      model: "echo:c",
    });
    expect(await routed(router, chat("anything", "s1", "echo:c"))).toMatchObject({
      route: null,
      model: "echo:c",
    });
    expect(await routed(router, chat("more", "s1"))).toMatchObject({
      route: "delivery",
      model: "echo:b",
    });
  });

  it("falls back along the route when the session's model is unavailable, and follows the model that answered", async () => {
    const router = await makeRouter();
    expect(await routed(router, chat("what sizes are there?", "s1"))).toMatchObject({
      route: "product",
      model: "remote",
    });
    // The remote model fails once for another client: its breaker opens (threshold 1).
    upstream.script({ kind: "status", status: 500 });
    const other = await router.route(chat("hello", undefined, "remote"));
    expect(other.ok).toBe(false);
    const second = await routed(router, chat("and the colours?", "s1"));
    expect(second).toMatchObject({ route: "product", model: "echo:a" });
    expect(second.reason).toContain("the session's route");
    expect(second.reason).not.toContain("the session's model");
    // The fallback policy tries available candidates first: the open breaker's model is last.
    expect(second.order).toEqual(["echo:a", "remote"]);
    const third = await routed(router, chat("thanks", "s1"));
    expect(third).toMatchObject({ route: "product", model: "echo:a" });
    expect(third.reason).toContain("the session's model");
  });

  it("forgets a session after its TTL, and all sessions with a TTL of 0", async () => {
    const clock = { ms: 1_000_000 };
    const learner = new ScriptedLearner("echo:b");
    const router = await makeRouter({ learner, ttlSeconds: 60, now: () => clock.ms });
    await routed(router, chat("where is my parcel?", "s1"));
    clock.ms += 59_000;
    expect(await routed(router, chat("it is broken", "s1"))).toMatchObject({ route: "delivery" });
    clock.ms += 61_000;
    expect(await routed(router, chat("it is broken", "s1"))).toMatchObject({ route: "complaint" });

    const off = await makeRouter({ ttlSeconds: 0 });
    await routed(off, chat("where is my parcel?", "s1"));
    expect(await routed(off, chat("it is broken", "s1"))).toMatchObject({ route: "complaint" });
  });

  it("keeps sessions across a reload, but not on a model the new config no longer lists", async () => {
    const sessions = new SessionAffinity();
    const learner = new ScriptedLearner("echo:b");
    const before = await makeRouter({ sessions, learner });
    await routed(before, chat("where is my parcel?", "s1"));
    await routed(before, chat("where is my parcel?", "s2"));
    const after = await makeRouter({ sessions, learner });
    expect(await routed(after, chat("it is broken", "s1"))).toMatchObject({
      route: "delivery",
      model: "echo:b",
    });
    const narrower = await makeRouter({ sessions, learner, delivery: ["echo:a", "echo:c"] });
    learner.pick = "echo:c";
    const calls = learner.calls;
    // echo:b is gone from delivery: s2's pin is dropped, so its request is classified (the
    // words say delivery) and the learner chooses again.
    expect(await routed(narrower, chat("where is my parcel?", "s2"))).toMatchObject({
      route: "delivery",
      model: "echo:c",
    });
    expect(learner.calls).toBe(calls + 1);
  });

  it("remembers at most max_sessions sessions", async () => {
    const sessions = new SessionAffinity();
    const router = await makeRouter({ sessions, maxSessions: 2 });
    for (const session of ["s1", "s2", "s3"]) {
      await routed(router, chat("where is my parcel?", session));
    }
    expect(sessions.size).toBe(2);
    expect(await routed(router, chat("it is broken", "s1"))).toMatchObject({ route: "complaint" });
    expect(await routed(router, chat("it is broken", "s3"))).toMatchObject({ route: "delivery" });
  });
});
