/**
 * Tool calling through the router: a chat's `tools` reach a model that can call them, its
 * calls come back in OpenAI's shape (whole and streamed), the tool's result goes back in a
 * `tool` turn, and models that cannot call tools (in-process ones) are passed over without
 * counting against them; a route with none answers 400.
 */
import { describe, expect, it } from "vitest";
import {
  getJson,
  type Json,
  loggedRow,
  postJson,
  routingServerBehindFakeUpstream,
  sseEvents,
} from "./routing-test-support.js";

const TOOLS = [
  {
    type: "function",
    function: {
      name: "track_parcel",
      description: "Where a parcel is now",
      parameters: { type: "object", properties: { query: { type: "string" } } },
    },
  },
];

const served = routingServerBehindFakeUpstream("tools", (base) => ({
  models: [
    { id: "echo:desk", kind: "echo", template: "desk: {{input}}" },
    { id: "llm", kind: "openai", base_url: base, api_model: "agent" },
  ],
  routes: [
    {
      // The in-process model first: a chat with tools must pass it over.
      name: "agent",
      targets: {
        "text-generation": { policy: "fallback", candidates: ["echo:desk", "llm"] },
      },
    },
    {
      name: "local",
      targets: { "text-generation": { policy: "fixed", candidates: ["echo:desk"] } },
    },
  ],
}));

const chat = (body: Record<string, unknown>) =>
  postJson(`${served.server.url}/v1/chat/completions`, body);

describe("tool calls through the router", () => {
  it("returns the model's call, then its answer from the tool's result", async () => {
    const question = { role: "user", content: "where is parcel 42" };
    const called = await chat({ model: "agent", messages: [question], tools: TOOLS });
    expect(called.status).toBe(200);
    const choice = called.json.choices[0];
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toEqual([
      {
        id: expect.any(String),
        type: "function",
        function: { name: "track_parcel", arguments: '{"query":"where is parcel 42"}' },
      },
    ]);
    // The in-process model was passed over, not failed: its breaker is untouched.
    expect(called.json.modelscout.model).toBe("llm");
    const skipped = called.json.modelscout.attempts[0];
    expect(skipped).toMatchObject({ model: "echo:desk", outcome: "error", status: 400 });
    expect(skipped.error).toContain("cannot call tools");
    const ready = await getJson(`${served.server.url}/ready`);
    expect(ready.json.models["echo:desk"].breaker.consecutiveFailures).toBe(0);
    const row = await loggedRow(served.server.url, called.json.modelscout.request_id);
    expect(row.output_text).toBe("[tool calls: track_parcel]");

    const answered = await chat({
      model: "agent",
      tools: TOOLS,
      messages: [
        question,
        choice.message,
        { role: "tool", tool_call_id: choice.message.tool_calls[0].id, content: "in Lyon" },
      ],
    });
    expect(answered.status).toBe(200);
    expect(answered.json.choices[0]).toMatchObject({
      message: { content: "Tool said: in Lyon" },
      finish_reason: "stop",
    });
    const sent = served.upstream.requests
      .filter((request) => request.path === "/v1/chat/completions")
      .at(-1)?.body as Json;
    expect(sent.messages.at(-1)).toEqual({
      role: "tool",
      content: "in Lyon",
      tool_call_id: choice.message.tool_calls[0].id,
    });
    expect(sent.tools).toEqual(TOOLS);
  });

  it("streams a call as OpenAI does: id and name first, then the arguments", async () => {
    const streamed = await chat({
      model: "agent",
      stream: true,
      messages: [{ role: "user", content: "where is parcel 7" }],
      tools: TOOLS,
      tool_choice: { type: "function", function: { name: "track_parcel" } },
    });
    const events = sseEvents(streamed.json) as Json[];
    expect(events.at(-1)).toBe("[DONE]");
    const calls = events.slice(0, -1).flatMap((event) => event.choices[0]?.delta.tool_calls ?? []);
    expect(calls[0]).toMatchObject({
      index: 0,
      id: expect.any(String),
      type: "function",
      function: { name: "track_parcel" },
    });
    expect(calls.map((call: Json) => call.function.arguments ?? "").join("")).toBe(
      '{"query":"where is parcel 7"}',
    );
    expect(events.at(-2).choices[0].finish_reason).toBe("tool_calls");
  });

  it("answers 400 naming the reason when no candidate can call tools", async () => {
    const refused = await chat({
      model: "local",
      messages: [{ role: "user", content: "where is parcel 42" }],
      tools: TOOLS,
    });
    expect(refused.status).toBe(400);
    expect(refused.json.error).toMatchObject({
      type: "invalid_request_error",
      code: "input_refused",
      param: "tools",
    });
    expect(refused.json.error.message).toMatch(
      /^No candidate takes this request as sent: .*cannot call tools/,
    );
    const row = await loggedRow(served.server.url, refused.json.modelscout.request_id);
    expect(row.error_code).toBe("input_refused");
    // Tool turns without tools declared: no one field asked for it.
    const turns = await chat({
      model: "local",
      messages: [
        { role: "user", content: "where is parcel 42" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            {
              id: "call_1",
              type: "function",
              function: { name: "track_parcel", arguments: '{"id":"42"}' },
            },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: "in transit" },
      ],
    });
    expect(turns.status).toBe(400);
    expect(turns.json.error).toMatchObject({ code: "input_refused", param: null });
  });

  it("answers a chat without tools from the first candidate as before", async () => {
    const plain = await chat({
      model: "agent",
      messages: [{ role: "user", content: "hello" }],
    });
    expect(plain.json.modelscout.model).toBe("echo:desk");
    expect(plain.json.choices[0].message.content).toBe("desk: hello");
  });

  it.each([
    [{ tools: [{ type: "retrieval" }] }, "tools"],
    [{ tools: [{ type: "function", function: { name: "has space" } }] }, "tools"],
    [{ tool_choice: "required" }, "tool_choice"],
    [
      {
        messages: [
          { role: "user", content: "x" },
          { role: "tool", content: "result" },
        ],
      },
      "messages",
    ],
  ])("refuses %j with a 400 naming %s", async (fields, param) => {
    const answer = await chat({
      model: "agent",
      messages: [{ role: "user", content: "x" }],
      ...fields,
    });
    expect(answer.status).toBe(400);
    expect(`${answer.json.error.param}.`.startsWith(`${param}.`)).toBe(true);
  });
});
