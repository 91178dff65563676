/**
 * A `/v1/tasks/<task>` batch whose items belong to different routes, through the real server
 * (ADR 0081): each item goes where it would go alone, the answers come back in the input
 * order, the decision says it is mixed, each item is logged with its route and model, and
 * feedback naming an item reaches that item's route and model in the learner. A batch whose
 * items all land on one route is answered as one and logged a row per item, so that feedback
 * on any item is scored against its own answer; a group that fails fails the batch.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CUSTOMER_SERVICE_ROUTES } from "../../src/route/bundled/customer-service-routes.js";
import { ThompsonRouteLearner } from "../../src/route/learning/thompson-route-learner.js";
import { exportRequestLog } from "../../src/route/request-log-export.js";
import type { RouteLearner } from "../../src/route/route-learner.js";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { createAdminExtension } from "../../src/server/admin/admin-extension.js";
import { type RoutingServer, startRoutingServer } from "../../src/server/start-routing-server.js";
import { getJson, type Json, postJson } from "./routing-test-support.js";

/** The bundled customer-service routes, real npm encoder and echo desks. */
let bundled: RoutingServer;
/** Two bandit routes over real npm sentiment models, and a route whose chat model is down. */
let reviews: RoutingServer;
let reviewsLearner: RouteLearner;

/** Complaints and praise told apart by keywords; what is neither is a complaint. */
const REVIEW_CLASSIFICATION = {
  default_route: "complaint",
  classification: [
    {
      kind: "rules",
      rules: [
        { route: "complaint", keywords: ["refund", "broke"] },
        { route: "praise", keywords: ["love", "great"] },
      ],
    },
  ],
};

const PRAISE_DESK = { id: "echo:praise-desk", kind: "echo", template: "[praise desk] {{input}}" };

/** A chat model whose server is down: nothing listens on port 9 (discard). */
const DOWN_LLM = {
  id: "down-llm",
  kind: "openai",
  base_url: "http://127.0.0.1:9/v1",
  api_model: "down",
  health_check: false,
};

const REVIEWS_CONFIG = {
  ...REVIEW_CLASSIFICATION,
  models: [PRAISE_DESK, DOWN_LLM],
  routes: [
    {
      name: "complaint",
      targets: {
        "text-classification": {
          policy: "bandit",
          candidates: ["npm:vader-sentiment", "npm:sentiment"],
        },
        "text-generation": { policy: "fixed", candidates: ["down-llm"], timeout_ms: 2000 },
      },
    },
    {
      name: "praise",
      targets: {
        "text-classification": {
          policy: "bandit",
          candidates: ["npm:sentiment", "npm:vader-sentiment"],
        },
        "text-generation": { policy: "fixed", candidates: ["echo:praise-desk"] },
      },
    },
  ],
};

beforeAll(async () => {
  const bundledConfig = parseRoutesConfig(CUSTOMER_SERVICE_ROUTES);
  bundled = await startRoutingServer({
    config: bundledConfig,
    port: 0,
    databasePath: ":memory:",
    createLearner: (database) =>
      new ThompsonRouteLearner({ database, config: bundledConfig.learning }),
  });
  const config = parseRoutesConfig(REVIEWS_CONFIG);
  reviews = await startRoutingServer({
    config,
    port: 0,
    databasePath: ":memory:",
    createLearner: (database) => {
      reviewsLearner = new ThompsonRouteLearner({ database, config: config.learning });
      return reviewsLearner;
    },
  });
}, 120_000);

afterAll(async () => {
  await bundled?.close();
  await reviews?.close();
});

function loggedRows(server: RoutingServer): Json[] {
  server.store.flush();
  return server.database
    .prepare("SELECT id, route, model, status, input_text FROM routing_requests ORDER BY rowid")
    .all() as Json[];
}

/** The learner's evidence for each model of `route`'s target `task`. */
function evidence(route: string, task: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const standing of reviewsLearner.standings(`${route}/${task}`)) {
    counts[standing.modelId] = (counts[standing.modelId] ?? 0) + standing.effectiveCount;
  }
  return counts;
}

async function postWithHeaders(url: string, body: unknown) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    json: (await response.json()) as Json,
  };
}

describe("a batch whose items belong to different routes", () => {
  it("sends each item where it would go alone and answers in the input order", async () => {
    const texts = [
      "where is my parcel?",
      "I want a refund, the item broke",
      "how long until my package arrives?",
    ];
    const alone: Json[] = [];
    for (const text of texts) {
      alone.push(
        (await postJson(`${bundled.url}/v1/tasks/text-generation`, { inputs: text })).json,
      );
    }
    const before = loggedRows(bundled).length;
    const batch = await postWithHeaders(`${bundled.url}/v1/tasks/text-generation`, {
      inputs: texts,
    });
    expect(batch.status).toBe(200);
    // The same answers as one by one, in the order sent.
    expect(batch.json.data.map((item: Json) => item.text)).toEqual(
      alone.map((answer) => answer.data[0].text),
    );
    expect(batch.json.data.map((item: Json) => item.index)).toEqual([0, 1, 2]);
    const decision = batch.json.modelscout;
    expect(decision.batch).toBe("mixed");
    expect(decision.status).toBe(200);
    expect(decision.items.map((item: Json) => [item.index, item.route, item.model])).toEqual(
      alone.map((answer, index) => [index, answer.modelscout.route, answer.modelscout.model]),
    );
    expect(decision.items.map((item: Json) => item.route)).toEqual([
      "delivery",
      "complaint",
      "delivery",
    ]);
    // Each item's reason is its own classification's (item 2 has no keyword).
    expect(decision.items[1].reason).toContain('keyword "refund"');
    expect(decision.items[2].reason).toContain("nearest-neighbour");
    expect(decision.items[0].request_id).toBe(decision.request_id);
    expect(decision.groups.map((group: Json) => group.route)).toEqual(["delivery", "complaint"]);
    // One call per route, with the route's items together.
    expect(decision.groups[0].request_id).toBe(decision.items[0].request_id);
    expect(decision.groups[1].request_id).toBe(decision.items[1].request_id);
    expect(batch.headers.get("x-modelscout-batch")).toBe("mixed");
    expect(batch.headers.get("x-modelscout-request-id")).toBe(decision.request_id);
    expect(batch.headers.get("x-modelscout-route")).toBe("delivery,complaint");
    expect(batch.headers.get("x-modelscout-model")).toBe("echo:delivery-desk,echo:aftersales-desk");
    expect(batch.headers.get("x-modelscout-reason")).toContain("modelscout.items");

    // A row per item, each with its own route, model and text.
    const rows = loggedRows(bundled).slice(before);
    expect(rows.map((row) => [row.id, row.route, row.model, row.status, row.input_text])).toEqual(
      decision.items.map((item: Json, index: number) => [
        item.request_id,
        item.route,
        item.model,
        200,
        texts[index],
      ]),
    );
    const shown = await getJson(`${bundled.url}/v1/requests/${decision.items[1].request_id}`);
    expect(shown.json).toMatchObject({ route: "complaint", model: "echo:aftersales-desk" });
    // Item 0's row holds the whole decision; a later item's row its own item and its route's
    // decision only, so that a batch's rows do not grow with the square of its size.
    const first = await getJson(`${bundled.url}/v1/requests/${decision.request_id}`);
    expect(first.json.modelscout).toEqual(decision);
    const { items: _items, groups: _groups, reason: _reason, ...batchFields } = decision;
    expect(shown.json.modelscout).toEqual({
      ...batchFields,
      batch_size: 3,
      item: decision.items[1],
      group: decision.groups[1],
    });
    const third = await getJson(`${bundled.url}/v1/requests/${decision.items[2].request_id}`);
    expect(third.json.modelscout.item).toEqual(decision.items[2]);
    expect(third.json.modelscout.group).toEqual(decision.groups[0]);
  }, 60_000);

  it("answers a batch whose items all land on one route as one, and logs a row per item", async () => {
    const before = loggedRows(bundled).length;
    const texts = ["where is my parcel?", "has the courier left yet?"];
    const batch = await postWithHeaders(`${bundled.url}/v1/tasks/text-generation`, {
      inputs: texts,
    });
    expect(batch.status).toBe(200);
    expect(batch.headers.get("x-modelscout-batch")).toBeNull();
    expect(batch.headers.get("x-modelscout-route")).toBe("delivery");
    expect(batch.headers.get("x-modelscout-model")).toBe("echo:delivery-desk");
    expect(batch.json.model).toBe("echo:delivery-desk");
    const decision = batch.json.modelscout;
    // The one-decision wire, with the first item's classification, as before, and each
    // item's own id and reason after batch_size.
    expect(Object.keys(decision)).toEqual([
      "request_id",
      "task",
      "requested",
      "route",
      "model",
      "reason",
      "policy",
      "explored",
      "order",
      "domain",
      "attempts",
      "classification",
      "batch_size",
      "items",
    ]);
    expect(decision.batch_size).toBe(2);
    expect(decision.classification.steps.at(-1).detail).toBe('keyword "parcel"');
    expect(decision.attempts).toHaveLength(1);
    expect(decision.items[0].request_id).toBe(decision.request_id);
    expect(decision.items[1].request_id).not.toBe(decision.request_id);
    expect(decision.items.map((item: Json) => [item.route, item.model])).toEqual([
      ["delivery", "echo:delivery-desk"],
      ["delivery", "echo:delivery-desk"],
    ]);
    // Each item's reason is its own classification's.
    expect(decision.items[0].reason).toBe(decision.reason);
    expect(decision.items[1].reason).toContain('keyword "courier"');
    // A row per item, as for a batch split across routes, each with its own text and answer.
    const rows = loggedRows(bundled).slice(before);
    expect(rows.map((row) => [row.id, row.route, row.status, row.input_text])).toEqual([
      [decision.request_id, "delivery", 200, texts[0]],
      [decision.items[1].request_id, "delivery", 200, texts[1]],
    ]);
    const shown = await getJson(`${bundled.url}/v1/requests/${decision.items[1].request_id}`);
    expect(shown.json).toMatchObject({
      route: "delivery",
      input_text: texts[1],
      output_text: batch.json.data[1].text,
      reason: decision.items[1].reason,
    });
    // Its decision is the batch's with its own item; item 0's row lists them all.
    expect(shown.json.modelscout).toMatchObject({
      request_id: decision.request_id,
      batch_size: 2,
      item: decision.items[1],
    });
    expect(shown.json.modelscout.items).toBeUndefined();
    const first = await getJson(`${bundled.url}/v1/requests/${decision.request_id}`);
    expect(first.json.modelscout).toEqual(decision);
    // A label on item 1 is stored against item 1's row.
    const labelled = await postJson(`${bundled.url}/v1/feedback`, {
      request_id: decision.request_id,
      item: 1,
      label: "delivery",
    });
    expect(labelled.status).toBe(200);
    expect(labelled.json).toMatchObject({
      item: 1,
      item_request_id: decision.items[1].request_id,
    });
    const rated = await postJson(`${bundled.url}/v1/feedback`, {
      request_id: decision.request_id,
      item: 1,
      rating: 4,
    });
    expect(rated.status).toBe(200);
    expect(rated.json).toMatchObject({ request_id: decision.request_id, reward: 0.75 });
  }, 60_000);

  it("scores a label for any item of a batch routed as one against that item's answer", async () => {
    // Praise the route's rules send to one route, one model, one call; the model reads
    // item 2 as negative, items 0 and 1 as positive.
    const texts = [
      "I love it, great value",
      "I love the colour",
      "great, another awful delay, I hate this",
    ];
    const since = new Date().toISOString();
    const before = loggedRows(reviews).length;
    const batch = await postJson(`${reviews.url}/v1/tasks/text-classification`, {
      inputs: texts,
    });
    expect(batch.status).toBe(200);
    const decision = batch.json.modelscout;
    expect(decision.batch).toBeUndefined();
    expect(decision.route).toBe("praise");
    expect(decision.batch_size).toBe(3);
    const labels = batch.json.data.map(
      (item: Json) =>
        [...item.labels].sort((a: Json, b: Json) => b.score - a.score)[0].label as string,
    );
    expect(labels[2]).not.toBe(labels[0]);
    expect(decision.items.map((item: Json) => item.label)).toEqual(labels);
    // Three rows, each its item's text and top label.
    const rows = loggedRows(reviews).slice(before);
    expect(rows.map((row) => [row.id, row.route, row.input_text])).toEqual(
      texts.map((text, index) => [decision.items[index].request_id, "praise", text]),
    );

    // A label without item could be about any of the three.
    const unnamed = await postJson(`${reviews.url}/v1/feedback`, {
      request_id: decision.request_id,
      label: labels[1],
    });
    expect(unnamed.status).toBe(400);
    expect(unnamed.json.error).toMatchObject({ param: "item", code: "item_required" });
    expect(unnamed.json.error.message).toContain("batch of 3 inputs");
    expect(unnamed.json.error.message).toContain("item (0 to 2)");
    const outside = await postJson(`${reviews.url}/v1/feedback`, {
      request_id: decision.request_id,
      item: 3,
      rating: 5,
    });
    expect(outside.status).toBe(400);
    expect(outside.json.error).toMatchObject({ param: "item", code: "invalid_value" });

    // Item 2's label is scored against item 2's answer, not item 0's: item 0's label is
    // wrong for it, its own is right.
    const wrong = await postJson(`${reviews.url}/v1/feedback`, {
      request_id: decision.request_id,
      item: 2,
      label: labels[0],
    });
    expect(wrong.status).toBe(200);
    expect(wrong.json).toMatchObject({
      item: 2,
      item_request_id: decision.items[2].request_id,
      applied: true,
      reward: 0,
    });
    const right = await postJson(`${reviews.url}/v1/feedback`, {
      request_id: decision.request_id,
      item: 2,
      label: labels[2],
    });
    expect(right.status).toBe(200);
    expect(right.json).toMatchObject({ item: 2, applied: true, reward: 1 });
    // A label and correct (or an extreme rating) that disagree about item 2's answer would
    // average to 0.5: refused, naming the field, nothing stored.
    for (const [signals, param] of [
      [{ label: labels[2], correct: false }, "correct"],
      [{ label: labels[0], correct: true }, "correct"],
      [{ label: labels[2], rating: 1 }, "rating"],
      [{ label: labels[0], rating: 5 }, "rating"],
    ] as const) {
      const contradicted = await postJson(`${reviews.url}/v1/feedback`, {
        request_id: decision.request_id,
        item: 2,
        ...signals,
      });
      expect(contradicted.status, JSON.stringify(signals)).toBe(400);
      expect(contradicted.json.error).toMatchObject({ param, code: "invalid_value" });
      expect(contradicted.json.error.message).toContain("contradict each other");
    }
    // Signals that agree are taken.
    const agreed = await postJson(`${reviews.url}/v1/feedback`, {
      request_id: decision.request_id,
      item: 2,
      label: labels[2],
      correct: true,
    });
    expect(agreed.json).toMatchObject({ item: 2, applied: true, reward: 1 });
    const shown = await getJson(`${reviews.url}/v1/requests/${decision.items[2].request_id}`);
    expect(shown.json.input_text).toBe(texts[2]);
    expect(shown.json.feedback.map((feedback: Json) => feedback.label)).toEqual([
      labels[0],
      labels[2],
      labels[2],
    ]);
    // An item's own id names its item; correct about item 1 is its answer's.
    const byId = await postJson(`${reviews.url}/v1/feedback`, {
      request_id: decision.items[1].request_id,
      correct: true,
    });
    expect(byId.status).toBe(200);
    expect(byId.json).toMatchObject({ item: 1, item_request_id: decision.items[1].request_id });
    // An item's id with another item names that other item (through item 0's row).
    const across = await postJson(`${reviews.url}/v1/feedback`, {
      request_id: decision.items[1].request_id,
      item: 2,
      rating: 5,
    });
    expect(across.status).toBe(200);
    expect(across.json).toMatchObject({ item: 2, item_request_id: decision.items[2].request_id });
    const first = await postJson(`${reviews.url}/v1/feedback`, {
      request_id: decision.request_id,
      item: 0,
      label: labels[0],
    });
    expect(first.json).toMatchObject({ item: 0, item_request_id: decision.request_id, reward: 1 });
    // A verdict on the whole batch, without item, is about its route and model, as before.
    const whole = await postJson(`${reviews.url}/v1/feedback`, {
      request_id: decision.request_id,
      rating: 5,
    });
    expect(whole.status).toBe(200);
    expect(whole.json.item).toBeUndefined();

    // requests export: each item with its own text and label.
    reviews.store.flush();
    const exported = exportRequestLog(reviews.database, {
      task: "text-classification",
      route: "praise",
      from: since,
      logTextChars: 2000,
    });
    expect(
      exported.items.map((item) => [item.text, item.label, item.label_from, item.request_id]),
    ).toEqual([
      [texts[0], labels[0], "label", decision.items[0].request_id],
      [texts[1], labels[1], "correct", decision.items[1].request_id],
      [texts[2], labels[2], "label", decision.items[2].request_id],
    ]);
  }, 60_000);

  it("keeps feedback on a batch logged as one row before items had rows", async () => {
    // The row of a batch as it was logged before: one row, item 0's text and answer, the
    // decision with batch_size and no items.
    const batch = await postJson(`${reviews.url}/v1/tasks/text-classification`, {
      inputs: ["I love it", "I love the box", "great stuff"],
    });
    reviews.store.flush();
    const row = reviews.store.findRequest(batch.json.modelscout.request_id);
    if (row === null || row.decision === null) throw new Error("the batch's row was not logged");
    const { items: _items, ...older } = JSON.parse(row.decision) as Json;
    const id = `${row.id}_older`;
    reviews.store.logRequest({
      ...row,
      id,
      decision: JSON.stringify({ ...older, request_id: id }),
    });
    reviews.store.flush();
    const unnamed = await postJson(`${reviews.url}/v1/feedback`, {
      request_id: id,
      label: "positive",
    });
    expect(unnamed.json.error).toMatchObject({ param: "item", code: "item_required" });
    const other = await postJson(`${reviews.url}/v1/feedback`, {
      request_id: id,
      item: 2,
      label: "positive",
    });
    expect(other.status).toBe(400);
    expect(other.json.error.param).toBe("label");
    const first = await postJson(`${reviews.url}/v1/feedback`, {
      request_id: id,
      item: 0,
      label: batch.json.modelscout.items[0].label,
    });
    expect(first.json).toMatchObject({ item: 0, item_request_id: id, reward: 1 });
  }, 60_000);

  it("refuses feedback naming another item of a request of one input", async () => {
    const single = await postJson(`${reviews.url}/v1/tasks/text-classification`, {
      input: "I love it",
    });
    expect(single.status).toBe(200);
    // The answer has no batch size (a client that never batches sees no change); its row does.
    expect(single.json.modelscout.batch_size).toBeUndefined();
    const id = single.json.modelscout.request_id as string;
    reviews.store.flush();
    const row = reviews.store.findRequest(id);
    if (row === null || row.decision === null) throw new Error("the request's row was not logged");
    expect(JSON.parse(row.decision)).toMatchObject({ request_id: id, batch_size: 1 });

    for (const judged of [{ rating: 5 }, { correct: true }]) {
      const other = await postJson(`${reviews.url}/v1/feedback`, {
        request_id: id,
        item: 2,
        ...judged,
      });
      expect(other.status).toBe(400);
      expect(other.json.error).toMatchObject({ param: "item", code: "invalid_value" });
      expect(other.json.error.message).toContain("it had one input (item 0)");
    }
    reviews.store.flush();
    const refused = reviews.database
      .prepare("SELECT COUNT(*) AS n FROM routing_feedback WHERE request_id = ?")
      .get(id) as { n: number };
    expect(refused.n).toBe(0);

    const first = await postJson(`${reviews.url}/v1/feedback`, {
      request_id: id,
      item: 0,
      rating: 5,
    });
    expect(first.status).toBe(200);
    const whole = await postJson(`${reviews.url}/v1/feedback`, { request_id: id, correct: true });
    expect(whole.status).toBe(200);

    // A row logged before single inputs said so may have been a batch: a rating naming item 2
    // is kept there, as before.
    const { batch_size: _size, ...older } = JSON.parse(row.decision) as Json;
    const olderId = `${id}_older`;
    reviews.store.logRequest({
      ...row,
      id: olderId,
      decision: JSON.stringify({ ...older, request_id: olderId }),
    });
    reviews.store.flush();
    const kept = await postJson(`${reviews.url}/v1/feedback`, {
      request_id: olderId,
      item: 2,
      rating: 5,
    });
    expect(kept.status).toBe(200);
  }, 60_000);

  it("takes feedback on an item to that item's route and model, and asks which item", async () => {
    const batch = await postJson(`${reviews.url}/v1/tasks/text-classification`, {
      inputs: ["I want a refund, it broke", "I love it, great value", "my refund never came"],
    });
    expect(batch.status).toBe(200);
    const decision = batch.json.modelscout;
    expect(decision.items.map((item: Json) => item.route)).toEqual([
      "complaint",
      "praise",
      "complaint",
    ]);
    // Each item's top label, what a feedback label is scored against.
    expect(decision.items.map((item: Json) => item.label)).toEqual(
      batch.json.data.map(
        (item: Json) =>
          [...item.labels].sort((a: Json, b: Json) => b.score - a.score)[0].label as string,
      ),
    );

    const unnamed = await postJson(`${reviews.url}/v1/feedback`, {
      request_id: decision.request_id,
      correct: true,
    });
    expect(unnamed.status).toBe(400);
    expect(unnamed.json.error).toMatchObject({ param: "item", code: "item_required" });
    expect(unnamed.json.error.message).toContain("item (0 to 2)");
    const outside = await postJson(`${reviews.url}/v1/feedback`, {
      request_id: decision.request_id,
      item: 3,
      correct: true,
    });
    expect(outside.status).toBe(400);
    expect(outside.json.error.param).toBe("item");

    const praised = decision.items[1];
    const praiseBefore = evidence("praise", "text-classification");
    const complaintBefore = evidence("complaint", "text-classification");
    const feedback = await postJson(`${reviews.url}/v1/feedback`, {
      request_id: decision.request_id,
      item: 1,
      label: praised.label,
    });
    expect(feedback.status).toBe(200);
    expect(feedback.json).toMatchObject({
      request_id: decision.request_id,
      item: 1,
      item_request_id: praised.request_id,
      applied: true,
      reward: 1,
    });
    const praiseAfter = evidence("praise", "text-classification");
    expect(praiseAfter[praised.model]).toBeGreaterThan(praiseBefore[praised.model] ?? 0);
    expect(evidence("complaint", "text-classification")).toEqual(complaintBefore);
    const shown = await getJson(`${reviews.url}/v1/requests/${praised.request_id}`);
    expect(shown.json.route).toBe("praise");
    expect(shown.json.feedback).toHaveLength(1);

    // Another item's own id names that item.
    const third = await postJson(`${reviews.url}/v1/feedback`, {
      request_id: decision.items[2].request_id,
      correct: false,
    });
    expect(third.status).toBe(200);
    expect(third.json).toMatchObject({ item: 2, item_request_id: decision.items[2].request_id });
    // An item's id with another item names that other item, found on item 0's row: here
    // item 1, on the other route (its second verdict, which replaces its first).
    const across = await postJson(`${reviews.url}/v1/feedback`, {
      request_id: decision.items[2].request_id,
      item: 1,
      label: praised.label,
    });
    expect(across.status).toBe(200);
    expect(across.json).toMatchObject({
      item: 1,
      item_request_id: praised.request_id,
      applied: true,
      reward: 1,
    });
    const beyond = await postJson(`${reviews.url}/v1/feedback`, {
      request_id: decision.items[2].request_id,
      item: 5,
      correct: true,
    });
    expect(beyond.status).toBe(400);
    expect(beyond.json.error).toMatchObject({ param: "item", code: "invalid_value" });
  }, 60_000);

  it("fails the whole batch when a route's group fails, and says which items", async () => {
    const before = loggedRows(reviews).length;
    const batch = await postWithHeaders(`${reviews.url}/v1/tasks/text-generation`, {
      inputs: ["I love it, great value", "I want a refund, it broke"],
    });
    expect(batch.status).toBe(502);
    expect(batch.json.error.code).toBe("upstream_failed");
    expect(batch.json.error.message).toContain("item 1 (route complaint)");
    expect(batch.headers.get("x-modelscout-batch")).toBe("mixed");
    const decision = batch.json.modelscout;
    expect(decision.status).toBe(502);
    expect(decision.items.map((item: Json) => [item.route, item.model])).toEqual([
      ["praise", "echo:praise-desk"],
      ["complaint", "down-llm"],
    ]);
    // Each row says what its own model did: the echo answered, the chat server failed.
    const rows = loggedRows(reviews).slice(before);
    expect(rows.map((row) => [row.route, row.model, row.status])).toEqual([
      ["praise", "echo:praise-desk", 200],
      ["complaint", "down-llm", 502],
    ]);
    // The client got no answer for item 0, so feedback on it teaches the learner nothing;
    // nor does feedback sent with item 1's own id, whose row says the batch failed.
    const feedback = await postJson(`${reviews.url}/v1/feedback`, {
      request_id: decision.request_id,
      item: 0,
      correct: true,
    });
    expect(feedback.status).toBe(200);
    expect(feedback.json.applied).toBe(false);
    const byItemId = await postJson(`${reviews.url}/v1/feedback`, {
      request_id: decision.items[1].request_id,
      correct: false,
    });
    expect(byItemId.status).toBe(200);
    expect(byItemId.json).toMatchObject({ item: 1, applied: false });
  }, 60_000);
});

describe("a batch answered as one that fails", () => {
  it("logs its error on each item's row, and its feedback teaches nothing", async () => {
    const before = loggedRows(reviews).length;
    const batch = await postJson(`${reviews.url}/v1/tasks/text-generation`, {
      inputs: ["I want a refund, it broke", "my refund never came"],
    });
    expect(batch.status).toBe(502);
    const decision = batch.json.modelscout;
    expect(decision.batch).toBeUndefined();
    expect(decision.items.map((item: Json) => item.request_id)[0]).toBe(decision.request_id);
    const rows = loggedRows(reviews).slice(before);
    expect(rows.map((row) => [row.id, row.route, row.model, row.status, row.input_text])).toEqual([
      [decision.items[0].request_id, "complaint", "down-llm", 502, "I want a refund, it broke"],
      [decision.items[1].request_id, "complaint", "down-llm", 502, "my refund never came"],
    ]);
    const feedback = await postJson(`${reviews.url}/v1/feedback`, {
      request_id: decision.request_id,
      item: 1,
      correct: true,
    });
    expect(feedback.status).toBe(200);
    expect(feedback.json).toMatchObject({ item: 1, applied: false });
    const stored = await getJson(`${reviews.url}/v1/requests/${decision.items[1].request_id}`);
    expect(stored.json.feedback).toHaveLength(1);
  }, 60_000);
});

describe("the metrics of a batch", () => {
  it("counts a group's fallback once per model call, not once per item", async () => {
    // Complaints fall back from a chat server that refuses every call to an echo desk.
    const server = await startRoutingServer({
      config: parseRoutesConfig({
        ...REVIEW_CLASSIFICATION,
        models: [
          PRAISE_DESK,
          { id: "echo:complaint-desk", kind: "echo", template: "[complaint desk] {{input}}" },
          DOWN_LLM,
        ],
        routes: [
          {
            name: "complaint",
            targets: {
              "text-generation": {
                policy: "fallback",
                candidates: ["down-llm", "echo:complaint-desk"],
                timeout_ms: 2000,
              },
            },
          },
          {
            name: "praise",
            targets: {
              "text-generation": { policy: "fixed", candidates: ["echo:praise-desk"] },
            },
          },
        ],
      }),
      port: 0,
      databasePath: ":memory:",
      extend: createAdminExtension({ token: null, redaction: { enabled: false } }).extend,
    });
    try {
      const batch = await postWithHeaders(`${server.url}/v1/tasks/text-generation`, {
        inputs: [
          "I want a refund, it broke",
          "I love it, great value",
          "my refund never came",
          "it broke again, refund me",
        ],
      });
      expect(batch.status).toBe(200);
      const decision = batch.json.modelscout;
      expect(decision.models).toEqual(["echo:complaint-desk", "echo:praise-desk"]);
      // One call for the three complaints, which down-llm failed and the desk answered.
      expect(
        decision.groups[0].attempts.map((attempt: Json) => [attempt.model, attempt.outcome]),
      ).toEqual([
        ["down-llm", "error"],
        ["echo:complaint-desk", "ok"],
      ]);
      const metrics = await fetch(`${server.url}/metrics`).then((response) => response.text());
      const passedOver = metrics
        .split("\n")
        .filter((line) => line.startsWith("modelscout_routing_attempts_passed_over_total{"));
      expect(passedOver).toEqual([
        'modelscout_routing_attempts_passed_over_total{route="complaint",model="down-llm",outcome="error"} 1',
      ]);
      // The items still count as requests of their route and model, each.
      expect(metrics).toContain(
        'modelscout_routing_decisions_total{route="complaint",model="echo:complaint-desk",policy="fallback",explored="false"} 3',
      );

      // A batch whose items all land on one route counts the same: each item a request, its
      // one call's passed-over attempt once.
      const asOne = await postWithHeaders(`${server.url}/v1/tasks/text-generation`, {
        inputs: ["my refund never came", "it broke, refund me", "a refund, please"],
      });
      expect(asOne.status).toBe(200);
      expect(asOne.json.modelscout.batch).toBeUndefined();
      expect(asOne.json.modelscout.attempts).toHaveLength(2);
      const after = await fetch(`${server.url}/metrics`).then((response) => response.text());
      const passedOverAfter = after
        .split("\n")
        .filter((line) => line.startsWith("modelscout_routing_attempts_passed_over_total{"));
      expect(passedOverAfter).toEqual([
        'modelscout_routing_attempts_passed_over_total{route="complaint",model="down-llm",outcome="error"} 2',
      ]);
      expect(after).toContain(
        'modelscout_routing_decisions_total{route="complaint",model="echo:complaint-desk",policy="fallback",explored="false"} 6',
      );
    } finally {
      await server.close();
    }
  }, 60_000);
});
