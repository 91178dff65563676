import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { opening } from "../../src/route/classify/request-classifier.js";
import { createRouter, type Router } from "../../src/route/router.js";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import type { ClassificationStepTrace } from "../../src/route/routing-decision.js";
import { type FakeOpenAIServer, startFakeOpenAIServer } from "../support/fake-openai-server.js";

let upstream: FakeOpenAIServer;
let router: Router;
const ALL = new Set(["billing", "shipping", "other"]);
/** The classifier model's and the HTTP embedder's price, US dollars per million tokens. */
const PRICE = { input_per_million_tokens: 3, output_per_million_tokens: 15 };

/** The body of the last chat completion the fake server received. */
const lastChatRequest = (server: FakeOpenAIServer) =>
  server.requests.filter((request) => request.path === "/v1/chat/completions").at(-1)?.body;

/** Words, which the fake server counts as tokens. */
const words = (text: string) => text.split(/\s+/).filter(Boolean).length;

/** The prompt tokens the fake server counted for a chat request's body: its messages' words. */
function promptWords(body: unknown): number {
  const messages = (body as { messages: { content: string }[] }).messages;
  return messages.reduce((sum, message) => sum + words(message.content), 0);
}

beforeAll(async () => {
  // The fake answers a prompt classifier with the label named in the text.
  upstream = await startFakeOpenAIServer();
  router = await createRouter({
    config: parseRoutesConfig({
      default_route: "other",
      classification: [
        { kind: "rules", rules: [{ route: "billing", patterns: ["\\binvoice\\s+#?\\d+"] }] },
        {
          kind: "classifier",
          model: "intent-llm",
          labels: { shipping: "shipping", accounts: "billing" },
          timeout_ms: 2000,
        },
      ],
      models: [
        { id: "echo:a", kind: "echo" },
        {
          id: "intent-llm",
          kind: "openai",
          base_url: `${upstream.url}/v1`,
          api_model: "intent",
          task: "text-classification",
          price: PRICE,
        },
      ],
      routes: ["billing", "shipping", "other"].map((name) => ({
        name,
        targets: { chat: { candidates: ["echo:a"] } },
      })),
    }),
  });
  await router.warmUp();
});

afterAll(async () => {
  await router?.registry.close();
  await upstream?.close();
});

describe("classification cascade", () => {
  it("decides by the first step that names a route, and keeps every step's verdict", async () => {
    const byRule = await router.classifier.classify("question about invoice #1234", ALL);
    expect(byRule).toMatchObject({ route: "billing", usedDefault: false });
    expect(byRule.steps).toHaveLength(1);
    expect(byRule.steps[0]?.detail).toBe("pattern /\\binvoice\\s+#?\\d+/");

    const byModel = await router.classifier.classify("is my shipping late?", ALL);
    expect(byModel.route).toBe("shipping");
    expect(byModel.steps.map((step) => [step.kind, step.route])).toEqual([
      ["rules", null],
      ["classifier", "shipping"],
    ]);
    expect(byModel.steps[1]?.detail).toContain("label shipping");
    // The classifier was offered the eligible routes as labels.
    const prompt = JSON.stringify(upstream.requests.at(-1)?.body);
    expect(prompt).toContain("- billing");
    expect(prompt).toContain("- other");
  });

  it("only considers routes that serve the task", async () => {
    const eligible = new Set(["billing", "other"]);
    const trace = await router.classifier.classify("is my shipping late?", eligible);
    expect(eligible.has(trace.route)).toBe(true);
    const prompt = JSON.stringify(upstream.requests.at(-1)?.body);
    expect(prompt).not.toContain("- shipping");
    expect(prompt).toContain("- billing");
  });

  it("passes to the default route when the classifier model fails, instead of failing the request", async () => {
    upstream.script({ kind: "status", status: 500 });
    const trace = await router.classifier.classify("is my shipping late?", ALL);
    expect(trace).toMatchObject({ route: "other", usedDefault: true });
    expect(trace.steps[1]?.detail).toMatch(/^failed: .*HTTP 500/);
  });
});

describe("what a model step reads of a long text", () => {
  it("sends the classifier model the text's first max_text_chars characters, and says so", async () => {
    const text = `is my shipping late? ${"and then some more words ".repeat(200)}TAIL-MARKER`;
    const trace = await router.classifier.classify(text, ALL);
    expect(trace.route).toBe("shipping");
    expect(trace.steps[1]?.detail).toContain(`; read the first 1000 of ${text.length} characters`);
    const prompt = JSON.stringify(upstream.requests.at(-1)?.body);
    expect(prompt).toContain("is my shipping late?");
    expect(prompt).not.toContain("TAIL-MARKER");
  });

  it("embeds the opening only, for a nearest-neighbour step", async () => {
    const routerWith = (maxTextChars: number) =>
      createRouter({
        config: parseRoutesConfig({
          default_route: "other",
          classification: [
            {
              kind: "nearest-neighbour",
              model: "ngrams",
              examples: {
                shipping: ["where is my parcel", "my package has not arrived"],
                billing: ["I was charged twice on my invoice", "refund the charge on my card"],
              },
              k: 1,
              max_text_chars: maxTextChars,
            },
          ],
          models: [
            { id: "echo:a", kind: "echo" },
            { id: "ngrams", kind: "hashed-ngrams", dimensions: 1024 },
          ],
          routes: ["billing", "shipping", "other"].map((name) => ({
            name,
            targets: { chat: { candidates: ["echo:a"] } },
          })),
        }),
      });
    // The opening asks about a parcel; the rest, far longer, is about a charge.
    const text = `where is my parcel? ${"I was charged twice on my invoice, refund the charge. ".repeat(40)}`;
    const [clipped, whole] = await Promise.all([routerWith(40), routerWith(100_000)]);
    try {
      await Promise.all([clipped.warmUp(), whole.warmUp()]);
      const fromOpening = await clipped.classifier.classify(text, ALL);
      expect(fromOpening.route).toBe("shipping");
      expect(fromOpening.steps[0]?.detail).toContain(
        `; read the first 40 of ${text.length} characters`,
      );
      const fromAll = await whole.classifier.classify(text, ALL);
      expect(fromAll.route).toBe("billing");
      expect(fromAll.steps[0]?.detail).not.toContain("read the first");
    } finally {
      await Promise.all([clipped.registry.close(), whole.registry.close()]);
    }
  });

  it("does not end inside a surrogate pair", () => {
    expect(opening("ab😀cd", 3)).toEqual({
      text: "ab",
      note: "; read the first 2 of 6 characters",
    });
    expect(opening("ab😀cd", 4)).toEqual({
      text: "ab😀",
      note: "; read the first 4 of 6 characters",
    });
    expect(opening("short", 1000)).toEqual({ text: "short", note: "" });
  });

  it("reads 1000 characters unless the config says otherwise", () => {
    const config = parseRoutesConfig({
      classification: [
        { kind: "nearest-neighbour", model: "ngrams", examples: { a: ["x"] } },
        { kind: "classifier", model: "ngrams", max_text_chars: 64 },
      ],
      models: [
        { id: "echo:a", kind: "echo" },
        { id: "ngrams", kind: "hashed-ngrams" },
      ],
      routes: [{ name: "a", targets: { chat: { candidates: ["echo:a"] } } }],
    });
    expect(
      config.classification.map((step) => "maxTextChars" in step && step.maxTextChars),
    ).toEqual([1000, 64]);
  });
});

/**
 * A router over three routes of an echo model, classified by `classification` with an HTTP
 * embedder (priced at `price`, when given).
 */
function embedderRouter(
  embedderUrl: string,
  classification: unknown[],
  price?: typeof PRICE,
): Promise<Router> {
  return createRouter({
    config: parseRoutesConfig({
      default_route: "other",
      classification,
      models: [
        { id: "echo:a", kind: "echo" },
        {
          id: "embedder",
          kind: "openai",
          base_url: `${embedderUrl}/v1`,
          api_model: "embedder",
          task: "feature-extraction",
          health_check: false,
          ...(price !== undefined && { price }),
        },
      ],
      routes: ["billing", "shipping", "other"].map((name) => ({
        name,
        targets: { "text-generation": { candidates: ["echo:a"] } },
      })),
    }),
  });
}

describe("a batch's texts", () => {
  it("are embedded in one call per nearest-neighbour step, each going where it goes alone", async () => {
    const embedder = await startFakeOpenAIServer();
    const batchRouter = await embedderRouter(embedder.url, [
      { kind: "rules", rules: [{ route: "billing", patterns: ["\\binvoice\\s+#?\\d+"] }] },
      {
        kind: "nearest-neighbour",
        model: "embedder",
        examples: {
          shipping: ["where is my parcel", "my package has not arrived"],
          billing: ["I was charged twice", "refund the charge on my card"],
          other: ["what are your opening hours", "do you sell gift cards"],
        },
        k: 1,
      },
    ]);
    try {
      await batchRouter.warmUp();
      const texts = [
        "where is my parcel?",
        "question about invoice #1234",
        "my card was charged twice",
        "do you sell gift cards?",
        "where is my parcel?",
        "has my package arrived yet",
      ];
      const embeddingCalls = () =>
        embedder.requests.filter((request) => request.path === "/v1/embeddings").length;
      const alone = [];
      for (const text of texts) alone.push(await batchRouter.classifier.classify(text, ALL));
      const before = embeddingCalls();
      const result = await batchRouter.route({
        task: "text-generation",
        model: "auto",
        inputs: texts,
        text: texts[0] as string,
        itemTexts: texts,
      });
      // The four distinct texts no rule decides, embedded in one request, not one each.
      expect(embeddingCalls() - before).toBe(1);
      const sent = embedder.requests.at(-1)?.body as { input: string[] };
      expect(sent.input).toEqual([
        "where is my parcel?",
        "my card was charged twice",
        "do you sell gift cards?",
        "has my package arrived yet",
      ]);
      expect(result.ok).toBe(true);
      const batch = result.batch;
      expect(batch).toBeDefined();
      const routes = batch?.items.map((item) => batch.groups[item.group]?.result.decision.route);
      expect(routes).toEqual(alone.map((trace) => trace.route));
      expect(new Set(routes).size).toBeGreaterThan(1);
      // Each item's classification is the one it gets alone, step by step; its tokens are its
      // share of the one call's (`split-batch-usage.ts`), which need not be what it cost alone.
      const withoutTimes = (steps: readonly ClassificationStepTrace[]) =>
        steps.map(({ elapsedMs: _elapsedMs, usage: _usage, costUsd: _costUsd, ...step }) => step);
      const each = await batchRouter.classifier.classifyEach(texts, ALL);
      expect(each.map((trace) => [trace.route, trace.usedDefault])).toEqual(
        alone.map((trace) => [trace.route, trace.usedDefault]),
      );
      expect(each.map((trace) => withoutTimes(trace.steps))).toEqual(
        alone.map((trace) => withoutTimes(trace.steps)),
      );
    } finally {
      await batchRouter.registry.close();
      await embedder.close();
    }
  });

  it("are labelled in one step call by a classifier step, each with the verdict it gets alone", async () => {
    const texts = [
      "is my shipping late?",
      "question about invoice #1234",
      "my accounts page is broken",
      "tell me a joke",
    ];
    const withoutTimes = (steps: readonly { elapsedMs: number }[]) =>
      steps.map(({ elapsedMs: _elapsedMs, ...step }) => step);
    const alone = [];
    for (const text of texts) alone.push(await router.classifier.classify(text, ALL));
    const each = await router.classifier.classifyEach(texts, ALL);
    expect(each.map((trace) => [trace.route, trace.usedDefault])).toEqual(
      alone.map((trace) => [trace.route, trace.usedDefault]),
    );
    expect(each.map((trace) => withoutTimes(trace.steps))).toEqual(
      alone.map((trace) => withoutTimes(trace.steps)),
    );
    // The rule decided the invoice; the classifier read the other three.
    expect(each.map((trace) => trace.steps.length)).toEqual([2, 1, 2, 2]);
    expect(new Set(each.map((trace) => trace.route)).size).toBeGreaterThan(1);
  });

  it("pass every text to the next step when the one call fails, as each would alone", async () => {
    const embedder = await startFakeOpenAIServer();
    const failing = await embedderRouter(embedder.url, [
      {
        kind: "nearest-neighbour",
        model: "embedder",
        examples: { shipping: ["where is my parcel"], billing: ["I was charged twice"] },
        k: 1,
      },
    ]);
    try {
      await failing.warmUp();
      embedder.script({ kind: "status", status: 500 });
      const traces = await failing.classifier.classifyEach(
        ["where is my parcel?", "I was charged twice"],
        ALL,
      );
      expect(traces.map((trace) => [trace.route, trace.usedDefault])).toEqual([
        ["other", true],
        ["other", true],
      ]);
      for (const trace of traces) expect(trace.steps[0]?.detail).toMatch(/^failed: .*HTTP 500/);
    } finally {
      await failing.registry.close();
      await embedder.close();
    }
  });
});

describe("what a model step's call cost", () => {
  it("keeps a chat classifier's tokens for the route it named, and their cost at its price", async () => {
    const trace = await router.classifier.classify("is my shipping late?", ALL);
    expect(trace.route).toBe("shipping");
    const [rules, classifier] = trace.steps;
    // A rules step calls no model.
    expect(rules).not.toHaveProperty("usage");
    expect(rules).not.toHaveProperty("costUsd");
    const promptTokens = promptWords(lastChatRequest(upstream));
    // The fake server answers with the one-word label.
    expect(classifier?.model).toBe("intent-llm");
    expect(classifier?.usage).toEqual({ promptTokens, completionTokens: 1 });
    expect(classifier?.costUsd).toBeCloseTo((promptTokens * 3 + 1 * 15) / 1_000_000, 15);
  });

  it("labels a batch a chat call per text, each item keeping its own call's tokens", async () => {
    const texts = ["is my shipping late?", "my accounts page is broken and will not load"];
    const before = upstream.requests.length;
    const each = await router.classifier.classifyEach(texts, ALL);
    const prompts = upstream.requests
      .slice(before)
      .filter((request) => request.path === "/v1/chat/completions")
      .map((request) => promptWords(request.body));
    expect(prompts).toHaveLength(2);
    expect(each.map((trace) => trace.steps[1]?.usage)).toEqual(
      prompts.map((promptTokens) => ({ promptTokens, completionTokens: 1 })),
    );
    expect(prompts[0]).not.toBe(prompts[1]);
  });

  it("counts a nearest-neighbour step's embedding of the request, not of its examples", async () => {
    const embedder = await startFakeOpenAIServer();
    const priced = await embedderRouter(
      embedder.url,
      [
        {
          kind: "nearest-neighbour",
          model: "embedder",
          examples: {
            shipping: ["where is my parcel", "my package has not arrived"],
            billing: ["I was charged twice", "refund the charge on my card"],
          },
          k: 1,
        },
      ],
      PRICE,
    );
    try {
      await priced.warmUp();
      const text = "where is my parcel please";
      const trace = await priced.classifier.classify(text, ALL);
      expect(trace.route).toBe("shipping");
      expect(trace.steps[0]?.model).toBe("embedder");
      // Five words, the request's alone: the examples' embedding at start is not the request's.
      expect(trace.steps[0]?.usage).toEqual({ promptTokens: 5, completionTokens: 0 });
      expect(trace.steps[0]?.costUsd).toBeCloseTo((5 * 3) / 1_000_000, 15);

      // A batch's texts in one call: each its share, the shares the call's tokens.
      const texts = ["where is my parcel", "I was charged twice on my card last week"];
      const each = await priced.classifier.classifyEach(texts, ALL);
      const shares = each.map((item) => item.steps[0]?.usage?.promptTokens ?? 0);
      expect(shares.reduce((a, b) => a + b, 0)).toBe(words(texts.join(" ")));
      expect(shares[0]).toBeLessThan(shares[1] as number);
      for (const [index, item] of each.entries()) {
        expect(item.steps[0]?.costUsd).toBeCloseTo(((shares[index] as number) * 3) / 1_000_000, 15);
      }
    } finally {
      await priced.registry.close();
      await embedder.close();
    }
  });

  it("has no cost for a model without a price, only its tokens", async () => {
    const embedder = await startFakeOpenAIServer();
    const unpriced = await embedderRouter(embedder.url, [
      {
        kind: "nearest-neighbour",
        model: "embedder",
        examples: { shipping: ["where is my parcel"], billing: ["I was charged twice"] },
        k: 1,
      },
    ]);
    try {
      await unpriced.warmUp();
      const trace = await unpriced.classifier.classify("where is my parcel", ALL);
      expect(trace.steps[0]?.usage).toEqual({ promptTokens: 4, completionTokens: 0 });
      expect(trace.steps[0]).not.toHaveProperty("costUsd");
    } finally {
      await unpriced.registry.close();
      await embedder.close();
    }
  });
});
