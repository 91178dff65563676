/**
 * Candidates that declare the languages they serve (ADR 0058), with real models: `npm:tinyld`
 * names each review's language, English reviews go to AFINN-165 (`npm:sentiment`) and
 * Chinese ones to the project's Chinese ONNX model; the client's `x-modelscout-language`
 * header names it without detection; a detector that is down leaves every candidate in. And
 * the config and the header refuse what cannot work, saying why.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRouter, type Router } from "../../src/route/router.js";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { topLabel } from "../../src/select/metrics/classification-metrics.js";
import { type RoutingServer, startRoutingServer } from "../../src/server/start-routing-server.js";
import { loggedRow, postJson } from "../server/routing-test-support.js";
import { closedPort } from "../support/closed-port.js";
import { prepareOfflineModels } from "../support/offline-models.js";

let router: Router;
let server: RoutingServer;
let chinese: string;

beforeAll(async () => {
  const offline = await prepareOfflineModels();
  chinese = `local:${join(offline.directory, offline.models.reviewsChinese)}`;
  const down = await closedPort();
  const candidates = [
    { model: "npm:sentiment", languages: ["en"] },
    { model: chinese, languages: ["Chinese"] },
  ];
  const config = parseRoutesConfig({
    models: [
      { id: "npm:sentiment", kind: "catalog", isolated: false },
      { id: "npm:tinyld", kind: "catalog", isolated: false },
      { id: chinese, kind: "catalog", isolated: false },
      {
        id: "down-detector",
        kind: "openai",
        base_url: `http://127.0.0.1:${down}/v1`,
        api_model: "lid",
        task: "text-classification",
        health_check: false,
      },
    ],
    routes: [
      {
        name: "reviews",
        targets: { "text-classification": { candidates, language_detector: "npm:tinyld" } },
      },
      {
        name: "reviews-down",
        targets: { "text-classification": { candidates, language_detector: "down-detector" } },
      },
    ],
  });
  router = await createRouter({ config });
  await router.warmUp();
  server = await startRoutingServer({ config, port: 0, databasePath: ":memory:" });
}, 120_000);

afterAll(async () => {
  await router?.registry.close();
  await server?.close();
});

const classify = (route: string, text: string, language?: string) =>
  router.route({
    task: "text-classification",
    model: route,
    inputs: [text],
    text,
    ...(language !== undefined && { language }),
  });

const answered = (result: Awaited<ReturnType<typeof classify>>) => {
  const output = result.ok ? result.outputs[0] : undefined;
  return output?.kind === "labels" ? topLabel(output) : null;
};

describe("candidates by language", () => {
  it("sends each review to the model of its detected language", async () => {
    const english = await classify("reviews", "The delivery was fast and the food was great.");
    expect(english.decision.model).toBe("npm:sentiment");
    expect(english.decision.reason).toContain("language en (npm:tinyld)");
    expect(answered(english)).toBe("positive");

    // Waimai-style complaints: slow delivery, cold food.
    const complaint = await classify("reviews", "送餐太慢了，等了两个小时，菜都凉了，再也不点了");
    expect(complaint.decision.model).toBe(chinese);
    expect(complaint.decision.reason).toContain("language zh (npm:tinyld)");
    expect(complaint.decision.order).toEqual([chinese]);
    // The learner's domain, where the client named none (ADR 0058).
    expect([english.decision.domain, complaint.decision.domain]).toEqual(["en", "zh"]);
    expect(answered(complaint)).toBe("negative");
  });

  it("takes the client's language without detecting, and any candidate for an undeclared one", async () => {
    const named = await classify("reviews", "ok", "zh");
    expect(named.decision.model).toBe(chinese);
    expect(named.decision.reason).toContain("language zh (header)");

    const domainNamed = await router.route({
      task: "text-classification",
      model: "reviews",
      inputs: ["ok"],
      text: "ok",
      language: "zh",
      domain: "vip",
    });
    expect(domainNamed.decision.domain).toBe("vip");

    const french = await classify("reviews", "La livraison était rapide.", "fr");
    expect(french.decision.order).toEqual(["npm:sentiment", chinese]);
    expect(french.decision.reason).toContain(
      "language fr (header), which no candidate declares, so any",
    );
  });

  it("keeps every candidate when the detector cannot answer", async () => {
    const result = await classify("reviews-down", "送餐太慢了，菜都凉了");
    expect(result.ok).toBe(true);
    expect(result.decision.order).toEqual(["npm:sentiment", chinese]);
    expect(result.decision.reason).toMatch(/language unknown \(down-detector failed: /);
  });

  it("reads x-modelscout-language over HTTP, and refuses a value that names no language", async () => {
    const named = await fetch(`${server.url}/v1/tasks/text-classification`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-modelscout-language": "zh-CN" },
      body: JSON.stringify({ model: "reviews", input: "菜很好吃，送得也快" }),
    });
    expect(named.status).toBe(200);
    const answer = (await named.json()) as { model: string; modelscout: { request_id: string } };
    expect(answer.model).toBe(chinese);
    // The language is the request's domain in the log, so feedback on it is learned per language.
    expect((await loggedRow(server.url, answer.modelscout.request_id)).domain).toBe("zh");
    const withDomain = await postJson(
      `${server.url}/v1/tasks/text-classification`,
      { model: "reviews", input: "菜很好吃" },
      { "x-modelscout-language": "zh", "x-modelscout-domain": "vip" },
    );
    expect((await loggedRow(server.url, withDomain.json.modelscout.request_id)).domain).toBe("vip");

    const refused = await postJson(
      `${server.url}/v1/tasks/text-classification`,
      { model: "reviews", input: "fine" },
      { "x-modelscout-language": "klingon-123456789" },
    );
    expect(refused.status).toBe(400);
    expect(refused.json.error).toMatchObject({ param: "x-modelscout-language" });
    expect(refused.json.error.message).toContain("names no language");
  });

  it("is refused in the config where it cannot work, naming the field", () => {
    const config = (target: Record<string, unknown>) => () =>
      parseRoutesConfig({ routes: [{ name: "r", targets: { "text-classification": target } }] });
    expect(config({ candidates: ["a", "b"], language_detector: "npm:tinyld" })).toThrow(
      /routes\[0\]\.targets\.text-classification\.language_detector: no candidate declares "languages"/,
    );
    expect(config({ candidates: [{ model: "a", languages: ["elvish"] }] })).toThrow(
      /candidates\[0\]\.languages\[0\]: "elvish" is not a language/,
    );
  });
});
