/**
 * A body sent compressed (`Content-Encoding: gzip`, `deflate`, `br`) is refused with a 415
 * naming the encoding on every `/v1` endpoint that reads a body, rather than failing as JSON
 * with its compressed bytes quoted; a JSON body that starts with a UTF-8 byte order mark is
 * read without it.
 */
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { type Json, postJson, routingServerBehindFakeUpstream } from "./routing-test-support.js";

const served = routingServerBehindFakeUpstream("encoding", () => ({
  models: [
    { id: "echo:desk", kind: "echo" },
    { id: "builtin:ngrams", kind: "hashed-ngrams", dimensions: 16 },
  ],
  default_route: "desk",
  routes: [
    {
      name: "desk",
      targets: {
        "text-generation": { candidates: ["echo:desk"] },
        "feature-extraction": { candidates: ["builtin:ngrams"] },
      },
    },
  ],
}));

const BODIES: readonly [string, Record<string, unknown>][] = [
  ["/v1/chat/completions", { messages: [{ role: "user", content: "hi" }] }],
  ["/v1/completions", { prompt: "hi" }],
  ["/v1/responses", { input: "hi" }],
  ["/v1/embeddings", { input: "hi" }],
  ["/v1/tasks/text-generation", { input: "hi" }],
  ["/v1/tasks/image-classification", { input: "aGk=" }],
  ["/v1/audio/transcriptions", { file: "x" }],
  ["/v1/feedback", { request_id: "req_0", rating: 1 }],
];

async function post(
  path: string,
  body: Uint8Array,
  headers: Record<string, string>,
): Promise<{ status: number; json: Json }> {
  const response = await fetch(`${served.server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  return { status: response.status, json: await response.json() };
}

describe("request bodies with a Content-Encoding", () => {
  it.each(BODIES)("%s refuses a gzip body with a 415 naming the encoding", async (path, body) => {
    const answer = await post(path, gzipSync(JSON.stringify(body)), {
      "content-encoding": "gzip",
      // An upload is checked for its form type before its body is read.
      ...(path === "/v1/audio/transcriptions" && {
        "content-type": "multipart/form-data; boundary=x",
      }),
    });
    expect(answer.status).toBe(415);
    expect(answer.json.error).toMatchObject({
      type: "invalid_request_error",
      param: "content-encoding",
      code: "unsupported_content_encoding",
    });
    expect(answer.json.error.message).toContain('Content-Encoding: "gzip"');
    expect(answer.json.error.message).toContain("send the body uncompressed");
  });

  it("refuses deflate and br alike, sent in chunks too, and takes identity as no encoding", async () => {
    for (const encoding of ["deflate", "br", "GZIP, identity"]) {
      const answer = await post("/v1/chat/completions", new Uint8Array([1, 2, 3]), {
        "content-encoding": encoding,
      });
      expect(answer.status).toBe(415);
    }
    const chunked = await fetch(`${served.server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
      body: new Blob([gzipSync("{}")]).stream(),
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(415);
    const plain = JSON.stringify(BODIES[0]?.[1]);
    const identity = await post("/v1/chat/completions", Buffer.from(plain), {
      "content-encoding": "identity",
    });
    expect(identity.status).toBe(200);
    // The connection the refused bodies came on still serves.
    expect((await postJson(`${served.server.url}/v1/chat/completions`, plain)).status).toBe(200);
  });
});

describe("a JSON body that starts with a UTF-8 byte order mark", () => {
  const bom = (json: unknown) =>
    Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(json))]);

  it("is read without it on the routed endpoints and feedback", async () => {
    for (const [path, body] of BODIES.filter(([path]) =>
      ["/v1/chat/completions", "/v1/embeddings", "/v1/tasks/text-generation"].includes(path),
    )) {
      const answer = await post(path, bom(body), {});
      expect(answer.status, `${path}: ${JSON.stringify(answer.json)}`).toBe(200);
    }
    const routed = await post("/v1/chat/completions", bom(BODIES[0]?.[1]), {});
    const feedback = await post(
      "/v1/feedback",
      bom({ request_id: routed.json.modelscout.request_id, rating: 5 }),
      {},
    );
    expect(feedback.status).toBe(200);
    expect(feedback.json.reward).toBe(1);
  });

  it("is read as JSON on an image task without a Content-Type", async () => {
    const response = await fetch(`${served.server.url}/v1/tasks/image-classification`, {
      method: "POST",
      body: bom({ input: "not base64 of an image" }),
    });
    const json = (await response.json()) as Json;
    // Read as JSON: the complaint is about the base64 input, not an undecodable image file.
    expect(json.error.param).toBe("input");
  });
});
