import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { opening } from "../../src/route/classify/request-classifier.js";
import { createRouter, type Router } from "../../src/route/router.js";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { type FakeOpenAIServer, startFakeOpenAIServer } from "../support/fake-openai-server.js";

let upstream: FakeOpenAIServer;
let router: Router;
const ALL = new Set(["billing", "shipping", "other"]);

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
