import { describe, expect, it } from "vitest";
import { renderLoggedRequest } from "../../src/cli/render-logged-request.js";
import type { FeedbackRow, RequestLogRow } from "../../src/route/routing-store.js";

const ROW: RequestLogRow = {
  id: "req_1",
  createdAt: "2026-12-04T07:12:32.726Z",
  endpoint: "chat.completions",
  task: "text-generation",
  requested: "auto",
  route: "complaint",
  model: "large-llm",
  reason: "route complaint (nearest neighbour); model large-llm: fallback after small-llm",
  status: 200,
  latencyMs: 812.4,
  modelLatencyMs: 790.1,
  errorCode: null,
  domain: "zh",
  inputText: "耳机坏了要退货，电话[PHONE]",
  outputText: "很抱歉……",
  outputLabel: null,
  promptTokens: 31,
  completionTokens: 120,
  costUsd: 0.000078,
  session: "conv-42",
  decision: null,
};

const FEEDBACK: FeedbackRow[] = [
  {
    id: 1,
    requestId: "req_1",
    createdAt: "2026-12-04T07:20:00.000Z",
    rating: null,
    correct: false,
    label: null,
    latencyMs: null,
    reward: 0,
    applied: false,
    applyError: null,
  },
];

describe("renderLoggedRequest", () => {
  it("prints a model step's tokens and cost beside its detail, apart from the answer's", () => {
    const text = renderLoggedRequest(
      ROW,
      {
        policy: "fixed",
        order: ["large-llm"],
        attempts: [{ model: "large-llm", outcome: "ok", latency_ms: 790.1 }],
        classification: {
          route: "complaint",
          used_default: false,
          steps: [
            { kind: "rules", route: null, detail: "no rule matched", elapsed_ms: 0.02 },
            {
              kind: "nearest-neighbour",
              route: null,
              detail: "nearest example below min_similarity 0.5",
              score: 0.31,
              elapsed_ms: 12,
              model: "embedder",
              usage: { prompt_tokens: 9, completion_tokens: 0 },
            },
            {
              kind: "classifier",
              route: "complaint",
              detail: "label complaint (1.00)",
              score: 1,
              elapsed_ms: 180,
              model: "router-llm",
              usage: { prompt_tokens: 41, completion_tokens: 1 },
              cost_usd: 0.000138,
            },
          ],
        },
      },
      [],
    );
    expect(text).toContain("  rules: no route (no rule matched), 0.02 ms\n");
    expect(text).toContain(
      "  nearest-neighbour: no route (nearest example below min_similarity 0.5), score 0.31, 12 ms; embedder: 9 in, 0 out\n",
    );
    expect(text).toContain(
      "  classifier: complaint (label complaint (1.00)), score 1.00, 180 ms; router-llm: 41 in, 1 out, $0.00014\n",
    );
    // The row's own tokens and cost: the answer's.
    expect(text).toContain("Tokens: 31 in, 120 out, $0.000078\n");
  });

  it("says where a request went, why, what each step and attempt did, and its feedback", () => {
    const text = renderLoggedRequest(
      ROW,
      {
        policy: "fallback",
        explored: false,
        order: ["small-llm", "large-llm"],
        attempts: [
          {
            model: "small-llm",
            outcome: "error",
            latency_ms: 20000,
            status: 504,
            error: "timed out",
          },
          { model: "large-llm", outcome: "ok", latency_ms: 790.1 },
        ],
        classification: {
          route: "complaint",
          used_default: false,
          steps: [
            { kind: "rules", route: null, detail: "no rule matched", elapsed_ms: 0.02 },
            {
              kind: "nearest-neighbour",
              route: "complaint",
              detail: "",
              score: 0.61,
              elapsed_ms: 3.1,
            },
          ],
        },
      },
      FEEDBACK,
    );
    expect(text).toContain(
      "Request req_1, 2026-12-04 07:12:32 UTC, chat.completions (text-generation)",
    );
    expect(text).toContain("Route: complaint; model: large-llm; status 200\n");
    expect(text).toContain("Latency: 812 ms, the model 790 ms\n");
    expect(text).toContain("Policy: fallback: small-llm > large-llm\n");
    expect(text).toContain("  rules: no route (no rule matched), 0.02 ms\n");
    expect(text).toContain("  nearest-neighbour: complaint, score 0.61, 3.1 ms\n");
    expect(text).toContain("  small-llm: error 504, 20 s: timed out\n");
    expect(text).toContain("Domain: zh\nSession: conv-42\n");
    expect(text).toContain("Tokens: 31 in, 120 out, $0.000078\n");
    expect(text).toContain("Input: 耳机坏了要退货，电话[PHONE]\n");
    expect(text).toContain(
      "  2026-12-04 07:20:00 UTC: incorrect, reward 0.00; stored, not yet applied to the learner\n",
    );
  });

  it("says which input of a batch a row is, and does not show item 0's classification as its own", () => {
    const batchDecision = {
      request_id: "req_batch",
      policy: "fixed",
      order: ["large-llm"],
      attempts: [{ model: "large-llm", outcome: "ok", latency_ms: 12 }],
      classification: {
        route: "complaint",
        used_default: false,
        steps: [
          { kind: "rules", route: "complaint", detail: 'keyword "refund"', elapsed_ms: 0.01 },
        ],
      },
      batch_size: 3,
    };
    const later = renderLoggedRequest(
      { ...ROW, id: "req_item2" },
      { ...batchDecision, item: { index: 2, request_id: "req_item2" } },
      [],
    );
    expect(later).toContain("Batch: input 2 of 3 (the batch's request req_batch)\n");
    expect(later).not.toContain("Classification:");
    expect(later).not.toContain("Classification calls");
    // A later item classified by a model: what its own call cost.
    const classified = renderLoggedRequest(
      { ...ROW, id: "req_item2" },
      {
        ...batchDecision,
        item: {
          index: 2,
          request_id: "req_item2",
          classification_usage: [
            {
              step: 1,
              model: "router-llm",
              usage: { prompt_tokens: 38, completion_tokens: 1 },
              cost_usd: 0.00004,
            },
          ],
        },
      },
      [],
    );
    expect(classified).not.toContain("Classification:");
    expect(classified).toContain(
      "Classification calls (this input's): router-llm: 38 in, 1 out, $0.000040\n",
    );
    expect(later).toContain(
      "Attempts (the call that answered the batch):\n  large-llm: ok, 12 ms\n",
    );
    const first = renderLoggedRequest(
      { ...ROW, id: "req_batch" },
      {
        ...batchDecision,
        items: [{ request_id: "req_batch" }, { request_id: "req_x" }, { request_id: "req_item2" }],
      },
      [],
    );
    expect(first).toContain("Batch: input 0 of 3\n");
    expect(first).toContain('  rules: complaint (keyword "refund"), 0.01 ms\n');
  });

  it("shows a split batch's item with its own route's decision", () => {
    const delivery = {
      request_id: "req_a",
      route: "delivery",
      policy: "fixed",
      order: ["echo:delivery-desk"],
      attempts: [{ model: "echo:delivery-desk", outcome: "ok", latency_ms: 2 }],
      classification: {
        steps: [{ kind: "rules", route: "delivery", detail: 'keyword "parcel"' }],
      },
    };
    const complaint = {
      request_id: "req_b",
      route: "complaint",
      policy: "bandit",
      explored: true,
      order: ["large-llm", "small-llm"],
      attempts: [{ model: "large-llm", outcome: "ok", latency_ms: 40 }],
      classification: {
        steps: [{ kind: "rules", route: "complaint", detail: 'keyword "refund"' }],
      },
    };
    const split = { request_id: "req_a", batch: "mixed", status: 200 };
    const items = [
      { index: 0, request_id: "req_a", route: "delivery" },
      { index: 1, request_id: "req_b", route: "complaint" },
      { index: 2, request_id: "req_c", route: "complaint" },
    ];
    // Item 0's row holds every item and every route's decision.
    const first = renderLoggedRequest(
      { ...ROW, id: "req_a" },
      { ...split, items, groups: [delivery, complaint] },
      [],
    );
    expect(first).toContain("Batch: input 0 of 3, split over routes\n");
    expect(first).toContain("Policy: fixed: echo:delivery-desk\n");
    expect(first).toContain('  rules: delivery (keyword "parcel")\n');
    expect(first).toContain("Attempts:\n  echo:delivery-desk: ok, 2.0 ms\n");
    // The first item of its route: that route's classification is its own.
    const second = renderLoggedRequest(
      { ...ROW, id: "req_b" },
      { ...split, batch_size: 3, item: items[1], group: complaint },
      [],
    );
    expect(second).toContain(
      "Batch: input 1 of 3 (the batch's request req_a), split over routes\n",
    );
    expect(second).toContain("Policy: bandit, exploring: large-llm > small-llm\n");
    expect(second).toContain('  rules: complaint (keyword "refund")\n');
    expect(second).toContain("Attempts:\n  large-llm: ok, 40 ms\n");
    // A later item of the route: item 1's classification is not shown as its own.
    const third = renderLoggedRequest(
      { ...ROW, id: "req_c" },
      { ...split, batch_size: 3, item: items[2], group: complaint },
      [],
    );
    expect(third).toContain("Batch: input 2 of 3 (the batch's request req_a), split over routes\n");
    expect(third).not.toContain("Classification:");
    expect(third).toContain(
      "Attempts (the call that answered its route's items):\n  large-llm: ok, 40 ms\n",
    );
    // Rows logged before the third addendum held every item and route on every row: the
    // row's own route's decision is found through its item.
    const older = renderLoggedRequest(
      { ...ROW, id: "req_c" },
      { ...split, items, groups: [delivery, complaint] },
      [],
    );
    expect(older).toContain("Batch: input 2 of 3 (the batch's request req_a), split over routes\n");
    expect(older).toContain("Policy: bandit, exploring: large-llm > small-llm\n");
    expect(older).not.toContain("Classification:");
  });

  it("leaves out what an older or a batch item's decision does not hold", () => {
    const text = renderLoggedRequest(
      { ...ROW, domain: null, session: null, promptTokens: null, completionTokens: null },
      { attempts: "not a list", classification: { steps: "nope" } },
      [],
    );
    expect(text).not.toContain("Policy:");
    expect(text).not.toContain("Classification:");
    expect(text).not.toContain("Attempts:");
    expect(text).not.toContain("Tokens:");
    expect(text).toContain("Feedback: none\n");
  });
});
