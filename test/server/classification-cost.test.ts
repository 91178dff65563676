/**
 * What classification costs (ADR 0090): a routes config whose classifier step is a priced chat
 * model behind a fake OpenAI-compatible server, asked to name the route, and whose routes are
 * answered by another priced chat model. The logged decision keeps the step's tokens and cost,
 * the row's own tokens and cost stay the answering model's, and `/metrics` counts the
 * classification calls apart, once per call: a `/v1/tasks` batch's items each their own, an
 * item whose text came earlier in the batch none.
 */
import { describe, expect, it } from "vitest";
import { summarizeRequestLog } from "../../src/route/request-log-summary.js";
import { createAdminExtension } from "../../src/server/admin/admin-extension.js";
import {
  defaultChatReply,
  type FakeChatMessage,
  messageText,
} from "../support/fake-openai-server.js";
import {
  getJson,
  type Json,
  postJson,
  routingServerBehindFakeUpstream,
} from "./routing-test-support.js";

const ROUTER_PRICE = { input_per_million_tokens: 0.5, output_per_million_tokens: 1.5 };
const ANSWER_PRICE = { input_per_million_tokens: 2.5, output_per_million_tokens: 10 };

/**
 * The stand-in server's answers: its usual ones, but the classifier rambles instead of naming
 * a route when asked about a ramble (an answer that names no label, which its server still
 * billed).
 */
function reply(messages: readonly FakeChatMessage[], model: string): string {
  const rambles = messages.some(
    (message) => message.role === "user" && /ramble/.test(messageText(message.content)),
  );
  return model === "router" && rambles
    ? "Hard to say, it could be either"
    : defaultChatReply(messages);
}

const started = routingServerBehindFakeUpstream(
  "classification-cost",
  (baseUrl) => ({
    default_route: "complaint",
    classification: [
      { kind: "rules", rules: [{ route: "complaint", keywords: ["refund"] }] },
      // Asked with the eligible route names as its labels (`candidate_labels`, the default).
      { kind: "classifier", model: "router-llm" },
    ],
    models: [
      {
        id: "router-llm",
        kind: "openai",
        base_url: baseUrl,
        api_model: "router",
        task: "text-classification",
        price: ROUTER_PRICE,
      },
      {
        id: "answer-llm",
        kind: "openai",
        base_url: baseUrl,
        api_model: "answer",
        price: ANSWER_PRICE,
      },
    ],
    routes: ["delivery", "complaint"].map((name) => ({
      name,
      targets: { "text-generation": { policy: "fixed", candidates: ["answer-llm"] } },
    })),
  }),
  { chatReply: reply },
  // The admin extension serves `/metrics`.
  createAdminExtension({ token: null, redaction: { enabled: false } }).extend,
);

/** Words, which the fake server counts as tokens. */
const words = (text: string) => text.split(/\s+/).filter(Boolean).length;

/** The chat requests the fake server received since `from`, for the model it knows as `apiModel`. */
type ChatRequestBody = { model: string; messages: (FakeChatMessage & { content: string })[] };

function chatRequests(from: number, apiModel: string): ChatRequestBody[] {
  return started.upstream.requests
    .slice(from)
    .filter((request) => request.path === "/v1/chat/completions")
    .map((request) => request.body as ChatRequestBody)
    .filter((body) => body.model === apiModel);
}

/** The prompt tokens the fake server counted for a chat request: its messages' words. */
const promptTokensOf = (body: { messages: { content: string }[] }) =>
  body.messages.reduce((sum, message) => sum + words(message.content), 0);

/** The completion tokens of the fake server's answer to a chat request: the answer's words. */
const completionTokensOf = (body: ChatRequestBody) => words(reply(body.messages, body.model));

const routerCostUsd = (promptTokens: number, completionTokens: number) =>
  (promptTokens * ROUTER_PRICE.input_per_million_tokens +
    completionTokens * ROUTER_PRICE.output_per_million_tokens) /
  1_000_000;

async function logged(requestId: string): Promise<Json> {
  started.server.store.flush();
  const row = await getJson(`${started.server.url}/v1/requests/${requestId}`);
  expect(row.status).toBe(200);
  return row.json;
}

/** The value of one series of `/metrics`, 0 when absent. */
async function metric(series: string): Promise<number> {
  const exposition = await (await fetch(`${started.server.url}/metrics`)).text();
  const line = exposition.split("\n").find((each) => each.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

interface ClassificationCounters {
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

/** The router model's classification counters in `/metrics`. */
async function classificationMetrics(): Promise<ClassificationCounters> {
  return {
    promptTokens: await metric(
      'modelscout_classification_tokens_total{model="router-llm",kind="prompt"}',
    ),
    completionTokens: await metric(
      'modelscout_classification_tokens_total{model="router-llm",kind="completion"}',
    ),
    costUsd: await metric('modelscout_classification_cost_usd_total{model="router-llm"}'),
  };
}

/** How much the classification counters grew since `before`. */
async function classificationGrowth(
  before: ClassificationCounters,
): Promise<ClassificationCounters> {
  const after = await classificationMetrics();
  return {
    promptTokens: after.promptTokens - before.promptTokens,
    completionTokens: after.completionTokens - before.completionTokens,
    costUsd: after.costUsd - before.costUsd,
  };
}

/**
 * Sends `texts` as one `/v1/tasks` batch for `auto`: the decision, and where the stand-in
 * server's requests and the classification counters were before it.
 */
async function routeBatch(texts: readonly string[]) {
  const before = started.upstream.requests.length;
  const metricsBefore = await classificationMetrics();
  const answer = await postJson(`${started.server.url}/v1/tasks/text-generation`, {
    model: "auto",
    input: texts,
  });
  expect(answer.status).toBe(200);
  return { before, metricsBefore, decision: answer.json.modelscout as Json };
}

describe("what classification costs", () => {
  it("logs the classifier step's tokens and cost, and keeps the row's cost the answer's", async () => {
    const before = started.upstream.requests.length;
    const metricsBefore = await classificationMetrics();
    const answerCostBefore = await metric(
      'modelscout_cost_usd_total{route="delivery",model="answer-llm"}',
    );
    const answer = await postJson(`${started.server.url}/v1/chat/completions`, {
      model: "auto",
      messages: [{ role: "user", content: "where is my delivery, it is late" }],
    });
    expect(answer.status).toBe(200);
    expect(answer.json.modelscout.route).toBe("delivery");

    const [asked] = chatRequests(before, "router");
    const [answered] = chatRequests(before, "answer");
    expect(asked).toBeDefined();
    expect(answered).toBeDefined();
    const classifierPrompt = promptTokensOf(asked as Json);
    // The fake names the route in one word.
    const classification = { prompt_tokens: classifierPrompt, completion_tokens: 1 };
    const classificationCost = routerCostUsd(classifierPrompt, 1);

    // The answer's decision and the logged one show the step's call.
    const [rules, classifier] = answer.json.modelscout.classification.steps;
    expect(rules).not.toHaveProperty("usage");
    expect(classifier).toMatchObject({
      kind: "classifier",
      route: "delivery",
      model: "router-llm",
      usage: classification,
    });
    expect(classifier.cost_usd).toBeCloseTo(classificationCost, 15);
    const row = await logged(answer.json.modelscout.request_id);
    expect(row.modelscout.classification.steps[1]).toEqual(classifier);
    // The row's own columns sum its classification calls (ADR 0091).
    expect(row.classification_tokens).toBe(classifierPrompt + 1);
    expect(row.classification_cost_usd).toBeCloseTo(classificationCost, 15);

    // The row's tokens and cost are the answering model's alone.
    const answerPrompt = promptTokensOf(answered as Json);
    const answerCompletion = words(answer.json.choices[0].message.content);
    expect(row.usage).toEqual({
      prompt_tokens: answerPrompt,
      completion_tokens: answerCompletion,
    });
    const answerCost =
      (answerPrompt * ANSWER_PRICE.input_per_million_tokens +
        answerCompletion * ANSWER_PRICE.output_per_million_tokens) /
      1_000_000;
    expect(row.cost_usd).toBeCloseTo(answerCost, 15);

    // /metrics counts the classification apart from the answer's cost.
    const grown = await classificationGrowth(metricsBefore);
    expect(grown.promptTokens).toBe(classifierPrompt);
    expect(grown.completionTokens).toBe(1);
    expect(grown.costUsd).toBeCloseTo(classificationCost, 12);
    const answerCostAfter = await metric(
      'modelscout_cost_usd_total{route="delivery",model="answer-llm"}',
    );
    expect(answerCostAfter - answerCostBefore).toBeCloseTo(answerCost, 12);
  });

  it("counts the call of a classifier whose answer named no route, which its server billed", async () => {
    const before = started.upstream.requests.length;
    const metricsBefore = await classificationMetrics();
    const answer = await postJson(`${started.server.url}/v1/chat/completions`, {
      model: "auto",
      messages: [{ role: "user", content: "let me ramble about my week first" }],
    });
    expect(answer.status).toBe(200);
    // The step failed, so the default route answered.
    expect(answer.json.modelscout.route).toBe("complaint");
    const [asked] = chatRequests(before, "router");
    const promptTokens = promptTokensOf(asked as Json);
    // "Hard to say, it could be either": seven words.
    const usage = { prompt_tokens: promptTokens, completion_tokens: 7 };
    const step = answer.json.modelscout.classification.steps[1];
    expect(step).toMatchObject({
      kind: "classifier",
      route: null,
      detail: expect.stringContaining("does not name exactly one of the labels"),
      model: "router-llm",
      usage,
    });
    expect(step.cost_usd).toBeCloseTo(routerCostUsd(promptTokens, 7), 15);
    const row = await logged(answer.json.modelscout.request_id);
    expect(row.classification_tokens).toBe(promptTokens + 7);
    const grown = await classificationGrowth(metricsBefore);
    expect(grown.promptTokens).toBe(promptTokens);
    expect(grown.completionTokens).toBe(7);
    expect(grown.costUsd).toBeCloseTo(routerCostUsd(promptTokens, 7), 12);
  });

  it("routes the rest of a batch when the classifier names no route for one text, counting every call", async () => {
    const texts = [
      "where is my delivery",
      "let me ramble about my week first",
      "I have a complaint about the driver who was rude",
    ];
    const { before, metricsBefore, decision } = await routeBatch(texts);
    // The texts the classifier named keep their routes; the rambling one goes to the default.
    expect(decision.items.map((item: Json) => item.route)).toEqual([
      "delivery",
      "complaint",
      "complaint",
    ]);
    const calls = chatRequests(before, "router");
    expect(calls).toHaveLength(3);
    const usages = decision.items.map((item: Json) => item.classification_usage?.[0]?.usage);
    expect(usages).toEqual(
      texts.map((text) => {
        const call = calls.find((body) =>
          body.messages.some((message) => message.content === text),
        );
        return {
          prompt_tokens: promptTokensOf(call as ChatRequestBody),
          completion_tokens: completionTokensOf(call as ChatRequestBody),
        };
      }),
    );
    // Every call counted once: the one whose answer named no route too.
    const grown = await classificationGrowth(metricsBefore);
    expect(grown.promptTokens).toBe(calls.map(promptTokensOf).reduce((a, b) => a + b, 0));
    expect(grown.completionTokens).toBe(calls.map(completionTokensOf).reduce((a, b) => a + b, 0));
  });

  it("gives each item of a split batch its own classification's cost, once per text", async () => {
    const texts = [
      "where is my delivery",
      "I have a complaint about the driver who was rude",
      "where is my delivery",
      "a refund for the broken one",
    ];
    const { before, metricsBefore, decision } = await routeBatch(texts);
    expect(decision.batch).toBe("mixed");
    expect(decision.items.map((item: Json) => item.route)).toEqual([
      "delivery",
      "complaint",
      "delivery",
      "complaint",
    ]);
    // The classifier was asked about the two texts no rule decided, once each.
    const asked = chatRequests(before, "router").map(promptTokensOf);
    expect(asked).toHaveLength(2);
    const [first = 0, second = 0] = asked;
    const expected = asked.map((promptTokens) => [
      {
        step: 1,
        model: "router-llm",
        usage: { prompt_tokens: promptTokens, completion_tokens: 1 },
        cost_usd: routerCostUsd(promptTokens, 1),
      },
    ]);
    const usages = decision.items.map((item: Json) => item.classification_usage);
    // Item 2 was classified with item 0 (the same text), item 3 by a rule: none of their own.
    expect(usages).toEqual([expected[0], expected[1], undefined, undefined]);

    // Each classification call counted once, whichever row it is on.
    const grown = await classificationGrowth(metricsBefore);
    expect(grown.promptTokens).toBe(first + second);
    expect(grown.completionTokens).toBe(2);
    expect(grown.costUsd).toBeCloseTo(routerCostUsd(first + second, 2), 12);
    // A later item's row has its own item's (none for item 2), not its group's.
    const third = await logged(decision.items[2].request_id);
    expect(third.modelscout.item.classification_usage).toBeUndefined();
    const secondRow = await logged(decision.items[1].request_id);
    expect(secondRow.modelscout.item.classification_usage).toEqual(expected[1]);
  });

  it("gives each item of a batch answered as one its own classification's cost, once per text", async () => {
    const texts = [
      "where is my delivery",
      "has my delivery left the depot yet",
      "where is my delivery",
    ];
    const { before, metricsBefore, decision } = await routeBatch(texts);
    expect(decision.batch).toBeUndefined();
    expect(decision.route).toBe("delivery");
    const asked = chatRequests(before, "router").map(promptTokensOf);
    expect(asked).toHaveLength(2);
    const [first = 0, second = 0] = asked;
    // The decision's classification is item 0's; each item says what its own cost.
    expect(decision.classification.steps[1].usage).toEqual({
      prompt_tokens: first,
      completion_tokens: 1,
    });
    expect(
      decision.items.map((item: Json) => item.classification_usage?.[0]?.usage.prompt_tokens),
    ).toEqual([first, second, undefined]);
    const grown = await classificationGrowth(metricsBefore);
    expect(grown.promptTokens).toBe(first + second);
    expect(grown.completionTokens).toBe(2);
  });

  it("sums the window's classification calls for modelscout requests as /metrics counts them", async () => {
    // Its own requests, beside those of the tests above: all the server's are summed.
    const single = await postJson(`${started.server.url}/v1/chat/completions`, {
      model: "auto",
      messages: [{ role: "user", content: "has my parcel been sent" }],
    });
    expect(single.status).toBe(200);
    const batch = await postJson(`${started.server.url}/v1/tasks/text-generation`, {
      model: "auto",
      input: ["the courier has not come", "my order is still not here"],
    });
    expect(batch.status).toBe(200);
    started.server.store.flush();
    const summary = summarizeRequestLog(started.server.database, {
      from: "2000-01-01T00:00:00.000Z",
      to: new Date(Date.now() + 60_000).toISOString(),
    });
    const counted = await classificationMetrics();
    const calls = chatRequests(0, "router");
    expect(calls.length).toBeGreaterThanOrEqual(3);
    const promptTokens = calls.map(promptTokensOf).reduce((a, b) => a + b, 0);
    const completionTokens = calls.map(completionTokensOf).reduce((a, b) => a + b, 0);
    expect(counted.promptTokens).toBe(promptTokens);
    expect(counted.completionTokens).toBe(completionTokens);
    expect(summary.classification).toHaveLength(1);
    const [router] = summary.classification;
    expect(router?.model).toBe("router-llm");
    expect(router?.calls).toBe(calls.length);
    expect(router?.promptTokens).toBe(promptTokens);
    expect(router?.completionTokens).toBe(completionTokens);
    expect(router?.costUsd).toBeCloseTo(routerCostUsd(promptTokens, completionTokens), 12);
    // The routes' tokens and cost stay the answering model's.
    for (const route of summary.routes) expect(route.model).toBe("answer-llm");
  });

  it("keeps each row's classification calls in its own columns, which the admin side's traffic sums", async () => {
    // Every request the tests above and this one made: each classification call is on one
    // row, whichever row of a batch it is (ADR 0091).
    const single = await postJson(`${started.server.url}/v1/chat/completions`, {
      model: "auto",
      messages: [{ role: "user", content: "a refund please" }],
    });
    expect(single.status).toBe(200);
    started.server.store.flush();
    const calls = chatRequests(0, "router");
    const promptTokens = calls.map(promptTokensOf).reduce((a, b) => a + b, 0);
    const completionTokens = calls.map(completionTokensOf).reduce((a, b) => a + b, 0);
    const tokens = promptTokens + completionTokens;
    const costUsd = routerCostUsd(promptTokens, completionTokens);
    const columns = started.server.database
      .prepare(
        `SELECT SUM(classification_tokens) AS tokens, SUM(classification_cost_usd) AS cost,
           COUNT(classification_tokens) AS rows FROM routing_requests`,
      )
      .get() as { tokens: number; cost: number; rows: number };
    expect(columns.rows).toBe(calls.length);
    expect(columns.tokens).toBe(tokens);
    expect(columns.cost).toBeCloseTo(costUsd, 12);
    // The request a rule decided made no call: its row has none.
    expect((await logged(single.json.modelscout.request_id)).classification_tokens).toBeNull();

    // The dashboard's traffic: per route, the calls of the requests that went there.
    const routes = await getJson(`${started.server.url}/admin/api/routes?minutes=60`);
    expect(routes.status).toBe(200);
    const traffic = routes.json.traffic.routes as Json[];
    const summed = (field: string) => traffic.reduce((sum, route) => sum + (route[field] ?? 0), 0);
    expect(summed("classificationTokens")).toBe(tokens);
    expect(summed("classificationCostUsd")).toBeCloseTo(costUsd, 12);
    // The answers' cost is apart: the answering model's alone.
    const answers = started.server.database
      .prepare("SELECT SUM(cost_usd) AS cost FROM routing_requests WHERE route IS NOT NULL")
      .get() as { cost: number };
    expect(summed("costUsd")).toBeCloseTo(answers.cost, 12);
  });
});
