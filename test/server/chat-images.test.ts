/**
 * Images in chats, for vision models behind OpenAI-compatible servers: `image_url` parts on
 * chat completions and `input_image` parts on the Responses API go, in order with the text,
 * to models declared `vision: true`; the router passes over the others as having refused
 * (a 400 when none can), and checks what it can of an image before any model is called.
 */
import { describe, expect, it } from "vitest";
import {
  type Json,
  lastChatRequest,
  loggedRow,
  postJson,
  routingServerBehindFakeUpstream,
  sseEvents,
} from "./routing-test-support.js";

const PNG =
  "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==";

const served = routingServerBehindFakeUpstream("chat-images", (base) => ({
  models: [
    { id: "echo", kind: "echo" },
    { id: "text-llm", kind: "openai", base_url: base, api_model: "text-llm" },
    {
      id: "vlm",
      kind: "openai",
      base_url: base,
      api_model: "qwen2.5-vl",
      vision: true,
    },
  ],
  routes: [
    {
      name: "photos",
      targets: {
        "text-generation": { policy: "fallback", candidates: ["echo", "text-llm", "vlm"] },
      },
    },
    {
      name: "text-only",
      targets: { "text-generation": { policy: "fallback", candidates: ["echo", "text-llm"] } },
    },
  ],
}));

const lastModelRequest = (): Json => lastChatRequest(served.upstream);

const chat = (body: Record<string, unknown>) =>
  postJson(`${served.server.url}/v1/chat/completions`, body);

const photoTurn = {
  role: "user",
  content: [
    { type: "text", text: "Is this parcel damaged?" },
    { type: "image_url", image_url: { url: PNG, detail: "low" } },
    { type: "text", text: "It arrived today." },
  ],
};

describe("image_url parts on /v1/chat/completions", () => {
  it("go, in order with the text, to the vision model; the others are passed over", async () => {
    const answer = await chat({
      model: "photos",
      messages: [{ role: "system", content: "You inspect parcels." }, photoTurn],
    });
    expect(answer.status).toBe(200);
    expect(answer.json.modelscout.model).toBe("vlm");
    expect(answer.json.modelscout.attempts.map((attempt: Json) => attempt.model)).toEqual([
      "echo",
      "text-llm",
      "vlm",
    ]);
    expect(answer.json.modelscout.attempts[0]).toMatchObject({
      outcome: "error",
      error: expect.stringContaining("echo does not read images"),
    });
    expect(lastModelRequest()).toMatchObject({
      model: "qwen2.5-vl",
      messages: [
        { role: "system", content: "You inspect parcels." },
        {
          role: "user",
          content: [
            { type: "text", text: "Is this parcel damaged?" },
            { type: "image_url", image_url: { url: PNG, detail: "low" } },
            { type: "text", text: "It arrived today." },
          ],
        },
      ],
    });
    // The vision model saw the image between the two texts.
    expect(answer.json.choices[0].message.content).toBe(
      "Echo: Is this parcel damaged? <image data:image/png;base64,…> It arrived today.",
    );
    // The log keeps the text; a breaker is not charged for a model that was passed over.
    const row = await loggedRow(served.server.url, answer.json.modelscout.request_id);
    expect(row.input_text).toBe("Is this parcel damaged?\nIt arrived today.");
    expect(served.server.router.breaker("echo")?.snapshot().state).toBe("closed");
  });

  it("leave a chat without images to the first model, as before", async () => {
    const answer = await chat({
      model: "photos",
      messages: [{ role: "user", content: [{ type: "text", text: "where is my parcel" }] }],
    });
    expect(answer.status).toBe(200);
    expect(answer.json.modelscout.model).toBe("echo");
  });

  it("take a plain URL string as image_url, and stream from the vision model", async () => {
    const response = await fetch(`${served.server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "photos",
        stream: true,
        messages: [
          {
            role: "user",
            content: [
              { type: "image_url", image_url: "https://example.org/parcel.jpg" },
              { type: "text", text: "damaged?" },
            ],
          },
        ],
      }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-modelscout-model")).toBe("vlm");
    const chunks = sseEvents(await response.text()) as Json[];
    const text = chunks.map((chunk) => chunk.choices?.[0]?.delta?.content ?? "").join("");
    expect(text).toBe("Echo: <image https://example.org/pa…> damaged?");
    expect(lastModelRequest().messages[0].content[0]).toEqual({
      type: "image_url",
      image_url: { url: "https://example.org/parcel.jpg" },
    });
  });

  it("are a 400 naming the reason when no candidate of the route reads images", async () => {
    const answer = await chat({ model: "text-only", messages: [photoTurn] });
    expect(answer.status).toBe(400);
    expect(answer.json.error.message).toContain("does not read images");
    expect(answer.json.error.message).toContain('"vision": true');
  });

  it.each([
    [
      { role: "user", content: [{ type: "image_url", image_url: { url: "file:///etc/passwd" } }] },
      "messages.0.content.0.image_url.url",
      /an image is an http\(s\) URL or a data:image/,
    ],
    [
      {
        role: "user",
        content: [{ type: "input_audio", input_audio: { data: "", format: "wav" } }],
      },
      "messages.0.content.0.type",
      /input_audio and file parts are not supported/,
    ],
    [
      { role: "system", content: [{ type: "image_url", image_url: { url: PNG } }] },
      "messages.0.content",
      /content must be a string or an array of text parts/,
    ],
  ])("refuses %j with a 400 naming %s", async (message, param, text) => {
    const answer = await chat({ model: "photos", messages: [message] });
    expect(answer.status).toBe(400);
    expect(answer.json.error.param).toBe(param);
    expect(answer.json.error.message).toMatch(text);
  });
});

describe("input_image parts on /v1/responses", () => {
  it("go to the vision model as image_url parts", async () => {
    const answer = await postJson(`${served.server.url}/v1/responses`, {
      model: "photos",
      input: [
        {
          role: "user",
          content: [
            { type: "input_text", text: "Is this parcel damaged?" },
            { type: "input_image", image_url: PNG, detail: "high" },
          ],
        },
      ],
    });
    expect(answer.status).toBe(200);
    expect(answer.json.modelscout.model).toBe("vlm");
    expect(lastModelRequest().messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "Is this parcel damaged?" },
          { type: "image_url", image_url: { url: PNG, detail: "high" } },
        ],
      },
    ]);
    expect(answer.json.output[0].content[0].text).toBe(
      "Echo: Is this parcel damaged? <image data:image/png;base64,…>",
    );
  });
});
