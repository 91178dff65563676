/**
 * `RoutingServer.reload` (what `modelscout serve` runs on SIGHUP) serves another routes config
 * without a restart: new requests follow the new routes, a request already routed finishes on
 * the old one, models declared the same way are taken over (loaded, with their circuit
 * breakers), a model the new config drops is unloaded once its calls end, and a config that
 * cannot be served is refused with the old one still serving. A real server on 127.0.0.1 with
 * echo models, and one model built in code whose answers wait until the test lets them go.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createEchoBackend } from "../../src/backends/builtin/echo-backend.js";
import { createHashedNgramEmbeddingBackend } from "../../src/backends/builtin/hashed-ngram-embedding-backend.js";
import type {
  BackendInput,
  BackendOutput,
  ModelBackend,
  RunOptions,
} from "../../src/backends/model-backend.js";
import { ThompsonRouteLearner } from "../../src/route/learning/thompson-route-learner.js";
import { RouteSwitches } from "../../src/route/route-switches.js";
import { parseRoutesConfig, type RoutesConfigInput } from "../../src/route/routes-config.js";
import { createAdminExtension } from "../../src/server/admin/admin-extension.js";
import { type RoutingServer, startRoutingServer } from "../../src/server/start-routing-server.js";
import { openStateDatabase } from "../../src/state/state-database.js";
import { startGatedUpstream } from "../support/gated-openai-server.js";
import { getJson, type Json, postJson, sseEvents } from "./routing-test-support.js";

/** An echo model whose answers wait for `release()`, counting loads and unloads. */
class HeldEcho implements ModelBackend {
  readonly #inner = createEchoBackend({ modelId: "held", template: "held answers: {{input}}" });
  readonly specificationVersion = this.#inner.specificationVersion;
  readonly provider = this.#inner.provider;
  readonly modelId = "held";
  readonly waiting: Array<() => void> = [];
  loads = 0;
  unloads = 0;

  describe() {
    return this.#inner.describe();
  }
  load(options?: RunOptions) {
    this.loads += 1;
    return this.#inner.load(options);
  }
  async doRun(inputs: readonly BackendInput[], options?: RunOptions): Promise<BackendOutput[]> {
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    return this.#inner.doRun(inputs, options);
  }
  unload() {
    this.unloads += 1;
    return this.#inner.unload();
  }
  release(): void {
    this.waiting.shift()?.();
  }
}

/** Hashed n-gram embeddings, counting the texts it embeds. */
class CountedEmbedder implements ModelBackend {
  readonly #inner = createHashedNgramEmbeddingBackend({ modelId: "ngrams" });
  readonly specificationVersion = this.#inner.specificationVersion;
  readonly provider = this.#inner.provider;
  readonly modelId = "ngrams";
  texts = 0;

  describe() {
    return this.#inner.describe();
  }
  load(options?: RunOptions) {
    return this.#inner.load(options);
  }
  doRun(inputs: readonly BackendInput[], options?: RunOptions): Promise<BackendOutput[]> {
    this.texts += inputs.length;
    return this.#inner.doRun(inputs, options);
  }
  unload() {
    return this.#inner.unload();
  }
}

const FIRST: RoutesConfigInput = {
  default_route: "desk",
  models: [
    { id: "echo:a", kind: "echo", template: "a answers: {{input}}" },
    { id: "echo:b", kind: "echo", template: "b answers: {{input}}" },
  ],
  routes: [
    { name: "desk", targets: { "text-generation": { policy: "fixed", candidates: ["echo:a"] } } },
    { name: "slow", targets: { "text-generation": { policy: "fixed", candidates: ["held"] } } },
  ],
};

/** `desk` moves to echo:b, declared anew; echo:a stays as it was; `held` and `slow` go; `new` comes. */
const SECOND: RoutesConfigInput = {
  default_route: "desk",
  models: [
    { id: "echo:a", kind: "echo", template: "a answers: {{input}}" },
    { id: "echo:b", kind: "echo", template: "b answers anew: {{input}}" },
    { id: "echo:c", kind: "echo", template: "c answers: {{input}}" },
  ],
  routes: [
    { name: "desk", targets: { "text-generation": { policy: "fixed", candidates: ["echo:b"] } } },
    { name: "new", targets: { "text-generation": { policy: "fixed", candidates: ["echo:c"] } } },
  ],
};

let server: RoutingServer | undefined;
const helds: HeldEcho[] = [];
afterEach(async () => {
  // A failed test may leave an answer waiting, which close() would wait for.
  for (const held of helds.splice(0)) while (held.waiting.length > 0) held.release();
  await server?.close();
  server = undefined;
});

async function start(held: HeldEcho, withAdmin = false): Promise<RoutingServer> {
  helds.push(held);
  server = await startRoutingServer({
    config: parseRoutesConfig(FIRST),
    port: 0,
    databasePath: join(mkdtempSync(join(tmpdir(), "ms-reload-")), "state.db"),
    backends: new Map([["held", held]]),
    ...(withAdmin && {
      extend: createAdminExtension({ token: null, redaction: { enabled: false } }).extend,
    }),
  });
  return server;
}

function ask(url: string, model: string) {
  return postJson(`${url}/v1/chat/completions`, {
    model,
    messages: [{ role: "user", content: "hello" }],
  });
}

const content = (answer: { json: Json }): string => answer.json.choices[0].message.content;

describe("RoutingServer.reload", () => {
  it("sends new requests to the new routes while a request in flight finishes on the old", async () => {
    const held = new HeldEcho();
    const running = await start(held);
    expect(content(await ask(running.url, "desk"))).toBe("a answers: hello");
    const before = running.router;

    const inFlight = ask(running.url, "slow");
    await expect.poll(() => held.waiting.length, { timeout: 5000, interval: 5 }).toBe(1);

    const result = await running.reload(parseRoutesConfig(SECOND));
    expect(result.routes).toEqual(["desk", "new"]);
    expect(result.kept).toEqual(["echo:a"]);
    expect(result.loaded.sort()).toEqual(["echo:b", "echo:c"]);
    expect(result.removed).toEqual(["held"]);
    expect(result.health.ready).toBe(true);
    expect(running.router).not.toBe(before);

    // New requests: the new routes and models.
    expect(content(await ask(running.url, "desk"))).toBe("b answers anew: hello");
    expect(content(await ask(running.url, "new"))).toBe("c answers: hello");
    const gone = await ask(running.url, "slow");
    expect(gone.status).toBe(404);
    expect(gone.json.error.code).toBe("model_not_found");
    const models = await getJson(`${running.url}/v1/models`);
    const ids = (models.json.data as Array<{ id: string }>).map((entry) => entry.id);
    expect(ids).toEqual(expect.arrayContaining(["desk", "new", "echo:c"]));
    expect(ids).not.toContain("slow");

    // The request routed before the reload is still waiting on its model, which stays loaded.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(held.unloads).toBe(0);
    held.release();
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(content(answer)).toBe("held answers: hello");
    expect(answer.json.modelscout.route).toBe("slow");
    // Then the model the new config dropped is unloaded.
    await expect.poll(() => held.unloads, { timeout: 5000, interval: 10 }).toBe(1);
  });

  it("takes over a model declared the same way with its breaker, and builds a changed one anew", async () => {
    const running = await start(new HeldEcho());
    const before = running.router;
    const result = await running.reload(parseRoutesConfig(SECOND));
    const after = running.router;
    expect(result.kept).toEqual(["echo:a"]);
    expect(after.registry.get("echo:a")).toBe(before.registry.get("echo:a"));
    expect(after.breaker("echo:a")).toBe(before.breaker("echo:a"));
    expect(after.registry.get("echo:b")).not.toBe(before.registry.get("echo:b"));
    expect(after.breaker("echo:b")).not.toBe(before.breaker("echo:b"));
  });

  it("refuses a setting that takes a restart, naming it, and goes on serving the old config", async () => {
    const held = new HeldEcho();
    const running = await start(held);
    const attempt = running.reload(
      parseRoutesConfig({ ...SECOND, server: { keep_alive_timeout_ms: 5000, log_text_chars: 10 } }),
    );
    await expect(attempt).rejects.toThrow(
      /server\.log_text_chars, server\.keep_alive_timeout_ms changed, and they take a restart/,
    );
    expect(content(await ask(running.url, "desk"))).toBe("a answers: hello");
    expect(held.unloads).toBe(0);

    // Learning settings, on a server whose learner cannot be reconfigured (none here): their
    // defaults written out, in another order, are no change; another value takes a restart.
    await running.reload(
      parseRoutesConfig({ ...FIRST, learning: { floor: 0.01, halfLifeMs: 7 * 86_400_000 } }),
    );
    await expect(
      running.reload(parseRoutesConfig({ ...FIRST, learning: { floor: 0.05 } })),
    ).rejects.toThrow(/^Routes config: learning changed, and it takes a restart/);
  });

  it("refuses a config whose candidate cannot do its route's task, and unloads nothing of the old", async () => {
    const held = new HeldEcho();
    const running = await start(held);
    const wrongTask = parseRoutesConfig({
      ...FIRST,
      routes: [
        ...(FIRST.routes ?? []),
        {
          name: "sentiment",
          targets: { "text-classification": { policy: "fixed", candidates: ["echo:b"] } },
        },
      ],
    });
    await expect(running.reload(wrongTask)).rejects.toThrow(
      /routes\[2\]\.targets\.text-classification\.candidates\[0\]: echo:b does text-generation/,
    );
    expect(held.unloads).toBe(0);
    expect(content(await ask(running.url, "desk"))).toBe("a answers: hello");
    // The model built in code is still served through the old config.
    const slow = ask(running.url, "slow");
    await expect.poll(() => held.waiting.length, { timeout: 5000, interval: 5 }).toBe(1);
    held.release();
    expect((await slow).status).toBe(200);
  });

  it("shows the new routes on the admin API, and counts reloads in /metrics", async () => {
    const running = await start(new HeldEcho(), true);
    const first = await getJson(`${running.url}/admin/api/routes`);
    expect(first.status).toBe(200);
    expect((first.json.routes as Array<{ name: string }>).map((route) => route.name)).toEqual([
      "desk",
      "slow",
    ]);
    await running.reload(parseRoutesConfig(SECOND));
    const second = await getJson(`${running.url}/admin/api/routes`);
    expect((second.json.routes as Array<{ name: string }>).map((route) => route.name)).toEqual([
      "desk",
      "new",
    ]);
    const overview = await getJson(`${running.url}/admin/api/overview`);
    expect(overview.json.routes).toEqual(["desk", "new"]);

    const metrics = async () => (await fetch(`${running.url}/metrics`)).text();
    expect(await metrics()).toMatch(/^modelscout_config_last_reload_successful 1$/m);
    await expect(
      running.reload(parseRoutesConfig({ ...SECOND, server: { young_gc: "parallel" } })),
    ).rejects.toThrow(/server\.young_gc changed/);
    const after = await metrics();
    expect(after).toMatch(/^modelscout_config_reloads_total\{result="applied"\} 1$/m);
    expect(after).toMatch(/^modelscout_config_reloads_total\{result="refused"\} 1$/m);
    expect(after).toMatch(/^modelscout_config_last_reload_successful 0$/m);
  });

  it("keeps a removed route's learning, and the admin API says it is not in the config", async () => {
    const bandit = (name: string) => ({
      name,
      targets: {
        "text-generation": { policy: "bandit" as const, candidates: ["echo:a", "echo:b"] },
      },
    });
    const withCare: RoutesConfigInput = { ...FIRST, routes: [bandit("desk"), bandit("care")] };
    server = await startRoutingServer({
      config: parseRoutesConfig(withCare),
      port: 0,
      databasePath: join(mkdtempSync(join(tmpdir(), "ms-reload-")), "state.db"),
      createLearner: (database) => new ThompsonRouteLearner({ database }),
      extend: createAdminExtension({ token: null, redaction: { enabled: false } }).extend,
    });
    const running = server;
    for (const route of ["desk", "care"]) {
      const answer = await ask(running.url, route);
      const feedback = await postJson(`${running.url}/v1/feedback`, {
        request_id: answer.json.modelscout.request_id,
        correct: true,
      });
      expect(feedback.status).toBe(200);
    }
    const standings = async () =>
      ((await getJson(`${running.url}/admin/api/models`)).json.standings as Json[])
        .filter((standing) => standing.effectiveCount > 0)
        .map((standing) => [standing.route, standing.inConfig]);
    await expect.poll(standings).toEqual([
      ["care/text-generation", true],
      ["desk/text-generation", true],
    ]);
    await running.reload(parseRoutesConfig({ ...withCare, routes: [bandit("desk")] }));
    expect(await standings()).toEqual([
      ["care/text-generation", false],
      ["desk/text-generation", true],
    ]);
  });

  it("runs reloads one at a time, and refuses one once the server is closing", async () => {
    const running = await start(new HeldEcho());
    const [first, second] = await Promise.all([
      running.reload(parseRoutesConfig(SECOND)),
      running.reload(parseRoutesConfig(FIRST)),
    ]);
    expect(first.routes).toEqual(["desk", "new"]);
    // The second ran after the first: it took over what the first had loaded.
    expect(second.routes).toEqual(["desk", "slow"]);
    expect(second.kept.sort()).toEqual(["echo:a"]);
    expect(second.removed).toEqual(["echo:c"]);
    expect(content(await ask(running.url, "desk"))).toBe("a answers: hello");
    const closing = running.close();
    await expect(running.reload(parseRoutesConfig(SECOND))).rejects.toThrow(/closing/);
    await closing;
    server = undefined;
  });

  it("takes the embedded examples of a classification step that did not change", async () => {
    const embedder = new CountedEmbedder();
    const config = (examples: Record<string, string[]>): RoutesConfigInput => ({
      default_route: "general",
      classification: [
        { kind: "nearest-neighbour", model: "ngrams", examples, k: 1, min_similarity: 0.3 },
      ],
      models: [
        { id: "echo:support", kind: "echo", template: "support: {{input}}" },
        { id: "echo:general", kind: "echo", template: "general: {{input}}" },
      ],
      routes: [
        { name: "support", targets: { chat: { policy: "fixed", candidates: ["echo:support"] } } },
        { name: "general", targets: { chat: { policy: "fixed", candidates: ["echo:general"] } } },
      ],
    });
    const examples = {
      support: ["my laptop will not turn on", "the app crashes when I log in"],
      general: ["what are your opening hours", "do you have a shop in Paris"],
    };
    server = await startRoutingServer({
      config: parseRoutesConfig(config(examples)),
      port: 0,
      databasePath: join(mkdtempSync(join(tmpdir(), "ms-reload-")), "state.db"),
      backends: new Map([["ngrams", embedder]]),
    });
    const embeddedAtStart = embedder.texts;
    expect(embeddedAtStart).toBeGreaterThanOrEqual(4);
    const routeOf = async (text: string) =>
      (
        await postJson(`${server?.url}/v1/chat/completions`, {
          model: "auto",
          messages: [{ role: "user", content: text }],
        })
      ).json.modelscout.route as string;
    expect(await routeOf("my laptop crashes")).toBe("support");

    // The same step (another route's echo changed): nothing is embedded again.
    const sameStep = config(examples);
    sameStep.models = [
      { id: "echo:support", kind: "echo", template: "support desk: {{input}}" },
      { id: "echo:general", kind: "echo", template: "general: {{input}}" },
    ];
    const before = embedder.texts;
    const result = await server.reload(parseRoutesConfig(sameStep));
    expect(embedder.texts).toBe(before);
    expect(result.health.classification[0]).toMatchObject({ ready: true, examples: 4 });
    expect(await routeOf("my laptop crashes")).toBe("support");

    // New examples: embedded, and used.
    const before2 = embedder.texts;
    await server.reload(
      parseRoutesConfig(
        config({ ...examples, general: [...examples.general, "my laptop is a gift for my son"] }),
      ),
    );
    expect(embedder.texts).toBeGreaterThan(before2);
    expect(await routeOf("my laptop is a gift")).toBe("general");
  });

  it("lets a stream from a model the new config drops run to its end", async () => {
    const upstream = await startGatedUpstream();
    try {
      const streamed: RoutesConfigInput = {
        default_route: "chat",
        models: [
          {
            id: "remote",
            kind: "openai",
            base_url: `${upstream.url}/v1`,
            api_model: "remote",
            health_check: false,
          },
          { id: "echo:a", kind: "echo" },
        ],
        routes: [{ name: "chat", targets: { chat: { policy: "fixed", candidates: ["remote"] } } }],
      };
      server = await startRoutingServer({
        config: parseRoutesConfig(streamed),
        port: 0,
        databasePath: join(mkdtempSync(join(tmpdir(), "ms-reload-")), "state.db"),
      });
      const stream = fetch(`${server.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          model: "chat",
          stream: true,
          messages: [{ role: "user", content: "tell me" }],
        }),
      });
      const response = await stream;
      expect(response.status).toBe(200);
      await expect.poll(() => upstream.heldOf("remote"), { timeout: 5000, interval: 5 }).toBe(1);

      const result = await server.reload(
        parseRoutesConfig({
          ...streamed,
          models: [{ id: "echo:a", kind: "echo" }],
          routes: [
            { name: "chat", targets: { chat: { policy: "fixed", candidates: ["echo:a"] } } },
          ],
        }),
      );
      expect(result.removed).toEqual(["remote"]);
      await new Promise((resolve) => setTimeout(resolve, 100));
      upstream.release("remote");
      const events = sseEvents(await response.text());
      expect(events.at(-1)).toBe("[DONE]");
      const text = events
        .slice(0, -1)
        .map((event) => (event as Json).choices[0]?.delta?.content ?? "")
        .join("");
      expect(text).toBe("first last");
    } finally {
      await server?.close();
      server = undefined;
      await upstream.close();
    }
  });

  it("passes over an approved route switch to a model the reloaded config no longer has", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "ms-reload-")), "state.db");
    // An operator approved "desk uses echo:b instead of echo:a" (a change_route review item).
    const before = openStateDatabase({ path });
    new RouteSwitches(before).set({
      route: "desk",
      fromModel: "echo:a",
      toModel: "echo:b",
      reviewItemId: null,
      actor: "ana",
      reason: "echo:a fell below its baseline",
    });
    before.close();
    server = await startRoutingServer({
      config: parseRoutesConfig(FIRST),
      port: 0,
      databasePath: path,
      backends: new Map([["held", new HeldEcho()]]),
    });
    const switched = await ask(server.url, "desk");
    expect(content(switched)).toBe("b answers: hello");

    // The new config drops echo:b: the switch cannot be followed, and the route still serves.
    await server.reload(
      parseRoutesConfig({
        ...FIRST,
        models: [{ id: "echo:a", kind: "echo", template: "a: {{input}}" }],
      }),
    );
    const answer = await ask(server.url, "desk");
    expect(answer.status).toBe(200);
    expect(content(answer)).toBe("a: hello");
    expect(answer.json.modelscout.reason).toContain(
      "the switch of echo:a to echo:b is not applied: echo:b is not in the routes config",
    );
  });
});
