import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
