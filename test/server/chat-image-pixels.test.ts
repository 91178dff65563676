/**
 * Images inside chats get a task image's checks (ADR 0079 and its addendum), in process
 * (`app.request`): a `data:` URL whose header declares more than `server.max_image_pixels`
 * is a 413 `image_too_large` naming the part, before any model is called; bytes that are
 * not an image read here are a 400; an http(s) URL goes on unchecked (the model's server
 * fetches it). Also: a 400 because no candidate takes `suffix` or `logit_bias` names it.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRouter, type Router } from "../../src/route/router.js";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { RoutingStore } from "../../src/route/routing-store.js";
import { createRoutingApp } from "../../src/server/create-routing-app.js";
import { openStateDatabase, type StateDatabase } from "../../src/state/state-database.js";
import { jpegHeader, pngHeader } from "../media/image-fixtures.js";
import { type FakeOpenAIServer, startFakeOpenAIServer } from "../support/fake-openai-server.js";
import { renderLine } from "../support/render-text-line.js";
import type { Json } from "./routing-test-support.js";

/** The fake vision server's port, in the range this test was given. */
const UPSTREAM_PORT = 19_200;

let database: StateDatabase;
let store: RoutingStore;
let router: Router;
let app: ReturnType<typeof createRoutingApp>;
/** The same router with `max_image_pixels` of 1000. */
let strictApp: ReturnType<typeof createRoutingApp>;
let upstream: FakeOpenAIServer;
/** A real PNG (a rendered text line), well under the limit. */
let smallPng: string;

const dataUrl = (type: string, bytes: Uint8Array) =>
  `data:${type};base64,${Buffer.from(bytes).toString("base64")}`;

/** What a 20000 x 20000 PNG of zeros starts with (the whole file is 400 kB). */
const HUGE_PNG = dataUrl("image/png", pngHeader(20_000, 20_000));

beforeAll(async () => {
  upstream = await startFakeOpenAIServer({ port: UPSTREAM_PORT });
  smallPng = dataUrl("image/png", await renderLine("parcel 1234"));
  database = openStateDatabase({
    path: join(mkdtempSync(join(tmpdir(), "ms-chat-image-pixels-")), "state.db"),
  });
  store = new RoutingStore(database);
  router = await createRouter({
    config: parseRoutesConfig({
      default_route: "desk",
      models: [
        { id: "echo", kind: "echo" },
        {
          id: "vlm",
          kind: "openai",
          base_url: `${upstream.url}/v1`,
          api_model: "qwen2.5-vl",
          vision: true,
        },
      ],
      routes: [
        { name: "desk", targets: { "text-generation": { candidates: ["echo"] } } },
        { name: "photos", targets: { "text-generation": { candidates: ["vlm"] } } },
      ],
    }),
  });
  app = createRoutingApp({ router, store });
  strictApp = createRoutingApp({ router, store, maxImagePixels: 1000 });
});

afterAll(async () => {
  store?.close();
  await router?.registry.close();
  database?.close();
  await upstream?.close();
});

async function post(
  path: string,
  body: unknown,
  on = app,
): Promise<{ status: number; json: Json; headers: Headers }> {
  const response = await on.request(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: await response.json(), headers: response.headers };
}

const photoChat = (imageUrl: unknown, extra: Record<string, unknown> = {}) => ({
  model: "photos",
  messages: [
    { role: "system", content: "You inspect parcels." },
    {
      role: "user",
      content: [
        { type: "text", text: "Is this parcel damaged?" },
        { type: "text", text: "It arrived today." },
        { type: "image_url", image_url: imageUrl },
      ],
    },
  ],
  ...extra,
});

describe("images in chats and the pixel limit", () => {
  it("refuses a data: URL whose PNG header declares 20000 x 20000 with a 413 naming the part, calling no model", async () => {
    const before = upstream.requests.length;
    for (const stream of [false, true]) {
      const answer = await post(
        "/v1/chat/completions",
        photoChat({ url: HUGE_PNG, detail: "high" }, { stream }),
      );
      expect(answer.status).toBe(413);
      expect(answer.json.error).toMatchObject({
        type: "invalid_request_error",
        code: "image_too_large",
        param: "messages.1.content.2.image_url.url",
      });
      expect(answer.json.error.message).toContain("20000 x 20000 image (400000000 pixels)");
      expect(answer.json.error.message).toContain("server.max_image_pixels");
    }
    // An image_url given as a bare string is named as such.
    const bare = await post("/v1/chat/completions", photoChat(HUGE_PNG));
    expect(bare.status).toBe(413);
    expect(bare.json.error.param).toBe("messages.1.content.2.image_url");
    expect(upstream.requests.length).toBe(before);
  });

  it("reads a JPEG's size past 60 kB of EXIF", async () => {
    const jpeg = dataUrl("image/jpeg", jpegHeader(30_000, 20_000, 60_000));
    const answer = await post("/v1/chat/completions", photoChat({ url: jpeg }));
    expect(answer.status).toBe(413);
    expect(answer.json.error.code).toBe("image_too_large");
    expect(answer.json.error.message).toContain("30000 x 20000 image");
  });

  it("refuses the same in a Responses API input_image", async () => {
    const before = upstream.requests.length;
    const answer = await post("/v1/responses", {
      model: "photos",
      input: [
        { role: "system", content: "You inspect parcels." },
        {
          role: "user",
          content: [
            { type: "input_text", text: "Is this parcel damaged?" },
            { type: "input_image", image_url: HUGE_PNG },
          ],
        },
      ],
    });
    expect(answer.status).toBe(413);
    expect(answer.json.error).toMatchObject({
      code: "image_too_large",
      param: "input.1.content.1.image_url",
    });
    expect(upstream.requests.length).toBe(before);
  });

  it("follows server.max_image_pixels", async () => {
    const tiny = dataUrl("image/png", pngHeader(30, 30));
    const within = await post("/v1/chat/completions", photoChat({ url: tiny }), strictApp);
    expect(within.status).toBe(200);
    const over = await post(
      "/v1/chat/completions",
      photoChat({ url: dataUrl("image/png", pngHeader(40, 30)) }),
      strictApp,
    );
    expect(over.status).toBe(413);
    expect(over.json.error.message).toContain("at most 1000 pixels");
  });

  it("refuses bytes that are not an image read here with a 400 naming the part", async () => {
    for (const url of [
      dataUrl("image/png", Buffer.from("not a picture at all")),
      dataUrl("image/svg+xml", Buffer.from('<svg width="99999" height="99999"/>')),
    ]) {
      const answer = await post("/v1/chat/completions", photoChat({ url }));
      expect(answer.status).toBe(400);
      expect(answer.json.error.param).toBe("messages.1.content.2.image_url.url");
      expect(answer.json.error.message).toContain("is not an image this server reads");
    }
  });

  it("sends a small image, and an http(s) URL unchecked, on to the vision model", async () => {
    for (const url of [smallPng, "https://example.org/parcel-20000x20000.png"]) {
      const answer = await post("/v1/chat/completions", photoChat({ url }));
      expect(answer.status).toBe(200);
      const sent = upstream.requests.at(-1)?.body as Json;
      expect(sent.messages[1].content[2]).toEqual({ type: "image_url", image_url: { url } });
    }
  });
});

describe("a 400 because no candidate takes a field names the field", () => {
  it("suffix on /v1/completions", async () => {
    const answer = await post("/v1/completions", { model: "desk", prompt: "x", suffix: "y" });
    expect(answer.status).toBe(400);
    expect(answer.json.error).toMatchObject({ param: "suffix", code: "input_refused" });
    expect(answer.json.error.message).toContain("raw_completions");
  });

  it("logit_bias on /v1/chat/completions", async () => {
    const answer = await post("/v1/chat/completions", {
      model: "desk",
      messages: [{ role: "user", content: "hi" }],
      logit_bias: { "42": 5 },
    });
    expect(answer.status).toBe(400);
    expect(answer.json.error).toMatchObject({ param: "logit_bias", code: "input_refused" });
  });

  it("images, by the field each endpoint takes them in", async () => {
    const chat = await post("/v1/chat/completions", {
      ...photoChat({ url: smallPng }),
      model: "desk",
    });
    expect(chat.status).toBe(400);
    expect(chat.json.error).toMatchObject({ param: "messages", code: "input_refused" });
    expect(chat.json.error.message).toContain("echo does not read images");
    const responses = await post("/v1/responses", {
      model: "desk",
      input: [
        {
          role: "user",
          content: [
            { type: "input_text", text: "Is this parcel damaged?" },
            { type: "input_image", image_url: smallPng },
          ],
        },
      ],
    });
    expect(responses.status).toBe(400);
    expect(responses.json.error).toMatchObject({ param: "input", code: "input_refused" });
  });

  it.each([
    [
      "/v1/chat/completions",
      { messages: [{ role: "user", content: "hi" }], logprobs: true },
      "logprobs",
    ],
    ["/v1/completions", { prompt: "hi", logprobs: 2 }, "logprobs"],
    ["/v1/responses", { input: "hi", top_logprobs: 2 }, "top_logprobs"],
    ["/v1/responses", { input: "hi", include: ["message.output_text.logprobs"] }, "include"],
  ])("log probabilities on %s (%j) name %s", async (path, body, param) => {
    const answer = await post(path, { model: "desk", ...body });
    expect(answer.status).toBe(400);
    expect(answer.json.error).toMatchObject({ param, code: "input_refused" });
    expect(answer.json.error.message).toContain("echo cannot return token log probabilities");
  });
});
