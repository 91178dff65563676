/**
 * OpenAI's Responses API (`POST /v1/responses`) through the router: a string or item input
 * becomes the chat a model gets (instructions first, tool calls and their outputs kept), the
 * answer comes back as a `response` object or its event stream, from a streaming upstream and
 * from an in-process model alike, with the decision, usage and `incomplete` at the token cap;
 * what needs stored responses is refused with a 400 naming the field.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { type RoutingServer, startRoutingServer } from "../../src/server/start-routing-server.js";
import { type FakeOpenAIServer, startFakeOpenAIServer } from "../support/fake-openai-server.js";
import { type Json, lastChatRequest, loggedRow, postJson } from "./routing-test-support.js";

let upstream: FakeOpenAIServer;
let thinker: FakeOpenAIServer;
let server: RoutingServer;

const TOOLS = [
  {
    type: "function",
    name: "track_parcel",
    description: "Where a parcel is now",
    parameters: { type: "object", properties: { query: { type: "string" } } },
  },
];

beforeAll(async () => {
  upstream = await startFakeOpenAIServer();
  thinker = await startFakeOpenAIServer({ reasoning: "the user wants a parcel" });
  server = await startRoutingServer({
    config: parseRoutesConfig({
      models: [
        { id: "echo:desk", kind: "echo", template: "desk: {{input}}" },
        { id: "llm", kind: "openai", base_url: `${upstream.url}/v1`, api_model: "agent" },
        { id: "thinker", kind: "openai", base_url: `${thinker.url}/v1`, api_model: "r1" },
      ],
      routes: [
        {
          name: "local",
          targets: { "text-generation": { policy: "fixed", candidates: ["echo:desk"] } },
        },
        {
          // The in-process model first: a request with tools passes it over.
          name: "remote",
          targets: { "text-generation": { policy: "fallback", candidates: ["echo:desk", "llm"] } },
        },
        {
          name: "direct",
          targets: { "text-generation": { policy: "fixed", candidates: ["llm"] } },
        },
        {
          name: "thinking",
          targets: { "text-generation": { policy: "fixed", candidates: ["thinker"] } },
        },
      ],
      server: { circuit_breaker: { failure_threshold: 100, cool_down_ms: 1_000 } },
    }),
    port: 0,
    databasePath: join(mkdtempSync(join(tmpdir(), "ms-responses-")), "state.db"),
  });
});

afterAll(async () => {
  await server?.close();
  await upstream?.close();
  await thinker?.close();
});

const create = (body: unknown) => postJson(`${server.url}/v1/responses`, body);

interface ResponsesEvent {
  event: string;
  data: Json;
}

/** A Responses event stream: each block is `event: <type>` then `data: <json>`. */
async function stream(body: Record<string, unknown>): Promise<ResponsesEvent[]> {
  const response = await fetch(`${server.url}/v1/responses`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...body, stream: true }),
  });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
  const text = await response.text();
  return text
    .split("\n\n")
    .filter((block) => block !== "")
    .map((block) => {
      const [eventLine, dataLine] = block.split("\n");
      expect(eventLine).toMatch(/^event: /);
      expect(dataLine).toMatch(/^data: /);
      const data = JSON.parse((dataLine as string).slice("data: ".length));
      const event = (eventLine as string).slice("event: ".length);
      expect(data.type).toBe(event);
      return { event, data };
    });
}

const lastModelRequest = lastChatRequest;

describe("POST /v1/responses", () => {
  it("answers a string input with a response object carrying the decision", async () => {
    const answer = await create({ model: "local", input: "where is my parcel" });
    expect(answer.status).toBe(200);
    const requestId = answer.headers.get("x-modelscout-request-id");
    expect(answer.json).toMatchObject({
      id: `resp_${requestId}`,
      object: "response",
      status: "completed",
      error: null,
      incomplete_details: null,
      model: "echo:desk",
      store: false,
      output: [
        {
          type: "message",
          id: `msg_${requestId}`,
          status: "completed",
          role: "assistant",
          content: [{ type: "output_text", text: "desk: where is my parcel", annotations: [] }],
        },
      ],
      modelscout: { request_id: requestId, route: "local", model: "echo:desk" },
    });
    // An in-process model counts no tokens, and none are made up.
    expect(answer.json).not.toHaveProperty("usage");
    const row = await loggedRow(server.url, requestId as string);
    expect(row).toMatchObject({
      endpoint: "responses",
      status: 200,
      input_text: "where is my parcel",
      output_text: "desk: where is my parcel",
    });
  });

  it("gives the model the instructions and the conversation, and its settings", async () => {
    const answer = await create({
      model: "direct",
      instructions: "Answer briefly.",
      input: [
        { role: "developer", content: "Be kind." },
        { role: "user", content: [{ type: "input_text", text: "first question" }] },
        { type: "message", role: "assistant", content: [{ type: "output_text", text: "ok" }] },
        { role: "user", content: "where is my parcel now" },
      ],
      max_output_tokens: 3,
      temperature: 0.2,
      text: { format: { type: "json_schema", name: "answer", schema: { type: "object" } } },
      reasoning: { effort: "high", summary: "auto" },
    });
    expect(answer.status).toBe(200);
    expect(lastModelRequest(upstream)).toMatchObject({
      model: "agent",
      messages: [
        { role: "system", content: "Answer briefly." },
        { role: "system", content: "Be kind." },
        { role: "user", content: "first question" },
        { role: "assistant", content: "ok" },
        { role: "user", content: "where is my parcel now" },
      ],
      max_tokens: 3,
      temperature: 0.2,
      reasoning_effort: "high",
      response_format: {
        type: "json_schema",
        json_schema: { name: "answer", schema: { type: "object" } },
      },
    });
    // The fake model writes one token per word and stopped at the cap.
    expect(answer.json).toMatchObject({
      status: "incomplete",
      incomplete_details: { reason: "max_output_tokens" },
      max_output_tokens: 3,
      usage: { input_tokens: 12, output_tokens: 3, total_tokens: 15 },
      output: [{ type: "message", content: [{ text: "Echo: where is " }] }],
    });
  });

  it("streams a live model's answer as Responses events, in order", async () => {
    const events = await stream({ model: "direct", input: "hello there friend" });
    expect(events.map((event) => event.data.sequence_number)).toEqual(events.map((_, i) => i));
    const types = events.map((event) => event.event);
    expect(types.slice(0, 4)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
    ]);
    expect(types.slice(-4)).toEqual([
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    const deltas = events.filter((event) => event.event === "response.output_text.delta");
    expect(deltas.length).toBeGreaterThan(1);
    const text = deltas.map((event) => event.data.delta).join("");
    expect(text).toBe("Echo: hello there friend");
    const created = events[0]?.data.response;
    expect(created).toMatchObject({ status: "in_progress", output: [], model: "llm" });
    const completed = events.at(-1)?.data.response;
    expect(completed).toMatchObject({
      id: created.id,
      status: "completed",
      output: [{ type: "message", status: "completed", content: [{ type: "output_text", text }] }],
      usage: { input_tokens: 3, output_tokens: 4, total_tokens: 7 },
      modelscout: { route: "direct", model: "llm" },
    });
    // The Responses API reports usage, so the router asked the model's server for it.
    expect(lastModelRequest(upstream)).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
    const row = await loggedRow(server.url, completed.modelscout.request_id);
    expect(row).toMatchObject({ endpoint: "responses", status: 200, output_text: text });
  });

  it("streams an in-process model's finished answer as the same events", async () => {
    const events = await stream({ model: "local", input: "hello there friend" });
    const text = events
      .filter((event) => event.event === "response.output_text.delta")
      .map((event) => event.data.delta)
      .join("");
    expect(text).toBe("desk: hello there friend");
    expect(events.at(-1)).toMatchObject({
      event: "response.completed",
      data: { response: { status: "completed", output: [{ content: [{ text }] }] } },
    });
  });

  it("returns function calls and takes their outputs back, whole and streamed", async () => {
    const called = await create({ model: "remote", input: "where is parcel 42", tools: TOOLS });
    expect(called.status).toBe(200);
    expect(called.json.modelscout.model).toBe("llm");
    expect(called.json.output).toEqual([
      {
        type: "function_call",
        id: expect.stringMatching(/^fc_/),
        call_id: expect.any(String),
        name: "track_parcel",
        arguments: '{"query":"where is parcel 42"}',
        status: "completed",
      },
    ]);
    expect(lastModelRequest(upstream).tools).toEqual([
      {
        type: "function",
        function: {
          name: "track_parcel",
          description: "Where a parcel is now",
          parameters: TOOLS[0]?.parameters,
        },
      },
    ]);
    const call = called.json.output[0];
    const answered = await create({
      model: "remote",
      tools: TOOLS,
      input: [
        { role: "user", content: "where is parcel 42" },
        call,
        { type: "function_call_output", call_id: call.call_id, output: "in Leeds" },
      ],
    });
    expect(answered.status).toBe(200);
    expect(answered.json.output[0].content[0].text).toBe("Tool said: in Leeds");
    expect(lastModelRequest(upstream).messages.slice(1)).toEqual([
      {
        role: "assistant",
        content: null,
        tool_calls: [
          {
            id: call.call_id,
            type: "function",
            function: { name: "track_parcel", arguments: call.arguments },
          },
        ],
      },
      { role: "tool", content: "in Leeds", tool_call_id: call.call_id },
    ]);

    const events = await stream({ model: "remote", input: "where is parcel 7", tools: TOOLS });
    const added = events.find((event) => event.event === "response.output_item.added");
    expect(added?.data.item).toMatchObject({ type: "function_call", name: "track_parcel" });
    const streamedArguments = events
      .filter((event) => event.event === "response.function_call_arguments.delta")
      .map((event) => event.data.delta)
      .join("");
    expect(streamedArguments).toBe('{"query":"where is parcel 7"}');
    expect(
      events.find((event) => event.event === "response.function_call_arguments.done")?.data
        .arguments,
    ).toBe(streamedArguments);
    expect(events.at(-1)?.data.response.output).toEqual([
      expect.objectContaining({ type: "function_call", arguments: streamedArguments }),
    ]);
    const row = await loggedRow(server.url, events[0]?.data.response.modelscout.request_id);
    expect(row.output_text).toBe("[tool calls: track_parcel]");
  });

  it("keeps a reasoning model's thinking apart from its answer", async () => {
    const whole = await create({ model: "thinking", input: "where is my parcel" });
    expect(whole.json.output).toEqual([
      {
        type: "reasoning",
        id: expect.stringMatching(/^rs_/),
        summary: [],
        content: [{ type: "reasoning_text", text: "the user wants a parcel" }],
      },
      expect.objectContaining({ type: "message" }),
    ]);
    const events = await stream({ model: "thinking", input: "where is my parcel" });
    const thought = events
      .filter((event) => event.event === "response.reasoning_text.delta")
      .map((event) => event.data.delta)
      .join("");
    expect(thought).toBe("the user wants a parcel");
    const firstText = events.findIndex((event) => event.event === "response.output_text.delta");
    const lastThought = events.findLastIndex(
      (event) => event.event === "response.reasoning_text.delta",
    );
    expect(lastThought).toBeLessThan(firstText);
    const completed = events.at(-1)?.data.response;
    expect(completed.output.map((item: Json) => item.type)).toEqual(["reasoning", "message"]);
    // The AI SDK sends a reference to the reasoning item back in the next turn: it is dropped.
    const next = await create({
      model: "direct",
      input: [
        { role: "user", content: "where is my parcel" },
        { type: "item_reference", id: completed.output[0].id },
        { type: "reasoning", id: completed.output[0].id, summary: [] },
        { role: "user", content: "and now" },
      ],
    });
    expect(next.status).toBe(200);
    expect(lastModelRequest(upstream).messages).toEqual([
      { role: "user", content: "where is my parcel" },
      { role: "user", content: "and now" },
    ]);
    const row = await loggedRow(server.url, completed.modelscout.request_id);
    expect(row.output_text).toBe("Echo: where is my parcel");
  });

  it("ends a stream that breaks midway with response.failed, and logs it", async () => {
    upstream.script({ kind: "stream-break", pieces: 2 });
    const events = await stream({ model: "direct", input: "one two three four five" });
    const last = events.at(-1);
    expect(last?.event).toBe("response.failed");
    expect(last?.data.response).toMatchObject({
      status: "failed",
      error: { code: "stream_interrupted" },
    });
    const row = await loggedRow(server.url, events[0]?.data.response.modelscout.request_id);
    expect(row).toMatchObject({ status: 502, error_code: "stream_interrupted" });
  });

  it.each([
    [{ input: "hi", previous_response_id: "resp_1" }, "previous_response_id", /stored/],
    [{ input: "hi", conversation: "conv_1" }, "conversation", /stored/],
    [{ input: "hi", background: true }, "background", /background/],
    [{ input: "hi", tools: [{ type: "web_search" }] }, "tools.0.type", /hosted tools/],
    [{ input: "hi", tools: [{ type: "function" }] }, "tools.0.name", /name/],
    [{ input: "" }, "input", /non-empty/],
    [{ input: [] }, "input", /at least one item/],
    [
      { input: [{ role: "user", content: [{ type: "input_image", image_url: "x" }] }] },
      "input.0.content.0.image_url",
      /an image is an http\(s\) URL or a data:image/,
    ],
    [
      { input: [{ role: "user", content: [{ type: "input_image", file_id: "file_1" }] }] },
      "input.0.content.0",
      /file_id needs files stored on the server/,
    ],
    [
      { input: [{ role: "user", content: [{ type: "input_audio", input_audio: {} }] }] },
      "input.0.content.0.type",
      /input_file and input_audio parts are not supported/,
    ],
    [
      {
        input: [
          { role: "system", content: [{ type: "input_image", image_url: "https://x.org/a.png" }] },
        ],
      },
      "input.0.content.0",
      /only user messages may hold images/,
    ],
    [{ input: [{ type: "item_reference", id: "msg_1" }] }, "input.0.id", /stored/],
    [{ input: [{ type: "computer_call_output" }] }, "input.0.type", /an input item is/],
    [{ input: "hi", tool_choice: "required" }, "tool_choice", /needs tools/],
    [{ input: "hi", max_output_tokens: 0 }, "max_output_tokens", /at least 1/],
  ])("refuses %j with a 400 naming %s", async (body, param, message) => {
    const refused = await create({ model: "local", ...body });
    expect(refused.status).toBe(400);
    expect(refused.json.error).toMatchObject({ type: "invalid_request_error", param });
    expect(refused.json.error.message).toMatch(message);
  });

  it.each([
    ["GET", "/v1/responses/resp_1"],
    ["DELETE", "/v1/responses/resp_1"],
    ["POST", "/v1/responses/resp_1/cancel"],
    ["GET", "/v1/responses/resp_1/input_items"],
  ])("answers %s %s with a 404 that says nothing is stored", async (method, path) => {
    const response = await fetch(`${server.url}${path}`, { method });
    expect(response.status).toBe(404);
    const body = (await response.json()) as Json;
    expect(body.error).toMatchObject({ code: "response_not_stored", param: "response_id" });
    expect(body.error.message).toContain("does not store responses");
  });

  it("answers feedback for a response's request id", async () => {
    const answer = await create({ model: "local", input: "where is my parcel" });
    await loggedRow(server.url, answer.json.modelscout.request_id);
    const feedback = await postJson(`${server.url}/v1/feedback`, {
      request_id: answer.json.modelscout.request_id,
      rating: 5,
    });
    expect(feedback.status).toBe(200);
  });
});
