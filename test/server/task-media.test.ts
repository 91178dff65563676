/**
 * Images and sounds on `/v1/tasks/<task>`: sent as the request body or as base64 in JSON,
 * checked at the edge, routed without text classification, run by a real model (Tesseract
 * OCR from npm on text lines rendered here), and logged as a description, not as bytes.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { distance } from "fastest-levenshtein";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { type RoutingServer, startRoutingServer } from "../../src/server/start-routing-server.js";
import { pngHeader } from "../media/image-fixtures.js";
import { buildWav, sine } from "../media/wav-fixtures.js";
import { renderLine } from "../support/render-text-line.js";
import { type Json, postJson } from "./routing-test-support.js";

const OCR = "npm:@tesseract.js-data/eng/4.0.0_best_int";
const LINE = "Invoice 2024-117: total due 1,250.00 EUR";

let server: RoutingServer;
let png: Buffer;

beforeAll(async () => {
  png = await renderLine(LINE);
  server = await startRoutingServer({
    config: parseRoutesConfig({
      classification: [{ kind: "rules", rules: [{ route: "receipts", keywords: ["invoice"] }] }],
      default_route: "scans",
      models: [{ id: "echo", kind: "echo" }],
      routes: [
        {
          name: "support",
          targets: { "text-generation": { policy: "fixed", candidates: ["echo"] } },
        },
        { name: "receipts", targets: { "image-to-text": { policy: "fixed", candidates: [OCR] } } },
        { name: "scans", targets: { "image-to-text": { policy: "fixed", candidates: [OCR] } } },
      ],
    }),
    port: 0,
    databasePath: join(mkdtempSync(join(tmpdir(), "ms-task-media-")), "state.db"),
  });
  expect(server.startup.ready).toBe(true);
  expect(server.startup.models[OCR]?.loaded).toBe(true);
}, 120_000);

afterAll(async () => {
  await server?.close();
});

async function postBytes(
  path: string,
  body: Uint8Array | string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: Json }> {
  const response = await fetch(`${server.url}${path}`, { method: "POST", body, headers });
  return { status: response.status, headers: response.headers, json: await response.json() };
}

function expectRead(answer: { status: number; json: Json }): void {
  expect(answer.status).toBe(200);
  expect(answer.json.object).toBe("task.result");
  expect(answer.json.task).toBe("image-to-text");
  expect(answer.json.data).toHaveLength(1);
  expect(answer.json.data[0].kind).toBe("text");
  // Tesseract's character error rate on these renders is well under 5 %.
  expect(distance(answer.json.data[0].text.trim(), LINE)).toBeLessThanOrEqual(2);
}

describe("an image as the request body", () => {
  it("is read by the route's model, and the log keeps its description, not its bytes", async () => {
    const answer = await postBytes("/v1/tasks/ocr?model=receipts", png, {
      "content-type": "image/png",
    });
    expectRead(answer);
    expect(answer.json.modelscout).toMatchObject({ route: "receipts", model: OCR });
    const logged = server.store.findRequest(answer.json.modelscout.request_id);
    expect(logged?.inputText).toBe(`[image/png, ${png.byteLength} bytes]`);
    expect(logged?.task).toBe("image-to-text");
    expect(logged?.outputText?.trim()).toBe(answer.json.data[0].text.trim());
  });

  it("needs no content type: the bytes say what they are (curl --data-binary sends a form type)", async () => {
    expectRead(
      await postBytes("/v1/tasks/image-to-text?model=receipts", png, {
        "content-type": "application/x-www-form-urlencoded",
      }),
    );
  });

  it("goes to the default route under auto, with no text classifier run", async () => {
    const answer = await postBytes("/v1/tasks/image-to-text", png, { "content-type": "image/png" });
    expectRead(answer);
    expect(answer.json.modelscout.route).toBe("scans");
    expect(answer.json.modelscout.reason).toContain(
      "default route (the input has no text to classify)",
    );
    expect(answer.headers.get("x-modelscout-route")).toBe("scans");
  });
});

describe("through the Hono app (the front other runtimes use)", () => {
  it("reads the body's bytes and ?model= the same way", async () => {
    const response = await server.app.request("/v1/tasks/image-to-text?model=receipts", {
      method: "POST",
      body: png,
      headers: { "content-type": "image/png" },
    });
    expectRead({ status: response.status, json: await response.json() });
  });
});

describe("images as base64 in JSON", () => {
  it("takes plain base64, a data: URL, and the Inference API's inputs", async () => {
    const base64 = png.toString("base64");
    expectRead(
      await postJson(`${server.url}/v1/tasks/image-to-text`, { model: "receipts", input: base64 }),
    );
    expectRead(
      await postJson(`${server.url}/v1/tasks/image-to-text`, {
        model: "receipts",
        inputs: `data:image/png;base64,${base64}`,
      }),
    );
  });

  it("reads several images in one request, in order", async () => {
    const second = await renderLine("Parcel 88 delivered");
    const answer = await postJson(`${server.url}/v1/tasks/image-to-text`, {
      model: "receipts",
      input: [png.toString("base64"), second.toString("base64")],
    });
    expect(answer.status).toBe(200);
    expect(answer.json.data.map((item: Json) => item.index)).toEqual([0, 1]);
    expect(distance(answer.json.data[1].text.trim(), "Parcel 88 delivered")).toBeLessThanOrEqual(2);
    // A row per image (ADR 0081), each with its own description and answer.
    server.store.flush();
    const items = answer.json.modelscout.items as Json[];
    expect(items[0]?.request_id).toBe(answer.json.modelscout.request_id);
    const logged = items.map((item) => server.store.findRequest(item.request_id));
    expect(logged.map((row) => [row?.inputText, row?.outputText])).toEqual([
      [`[image/png, ${png.byteLength} bytes]`, answer.json.data[0].text],
      [`[image/png, ${second.byteLength} bytes]`, answer.json.data[1].text],
    ]);
  });
});

describe("what is refused, before any model sees it", () => {
  const refusals = [
    {
      name: "text sent to an image task",
      send: () =>
        postBytes("/v1/tasks/image-to-text?model=receipts", "where is my parcel", {
          "content-type": "text/plain",
        }),
      param: "body",
      message: "body is not an image this server reads (PNG, JPEG, GIF, WebP, BMP or TIFF)",
    },
    {
      name: "a sound sent to an image task",
      send: () =>
        postBytes(
          "/v1/tasks/image-to-text?model=receipts",
          buildWav({
            channels: [sine(440, 16_000, 0.1)],
            samplingRateHz: 16_000,
            encoding: "pcm16",
          }),
        ),
      param: "body",
      message: "it looks like audio/wav",
    },
    {
      name: "a URL (the server fetches nothing a request names)",
      send: () =>
        postJson(`${server.url}/v1/tasks/image-to-text`, {
          model: "receipts",
          input: "https://example.org/scan.png",
        }),
      param: "input",
      message: "input is a URL; this server does not fetch inputs",
    },
    {
      name: "a URL given as the Inference API's inputs, by that name",
      send: () =>
        postJson(`${server.url}/v1/tasks/image-to-text`, {
          inputs: ["https://example.org/a.png", "https://example.org/b.png"],
        }),
      param: "inputs.0",
      message: "inputs.0 is a URL",
    },
    {
      name: "a local file path",
      send: () =>
        postJson(`${server.url}/v1/tasks/image-to-text`, {
          model: "receipts",
          input: ["/etc/passwd"],
        }),
      param: "input.0",
      message: "a file path is not read (this server reads no file a request names)",
    },
    {
      name: "labels on an image task",
      send: () =>
        postJson(`${server.url}/v1/tasks/image-to-text`, {
          model: "receipts",
          input: png.toString("base64"),
          candidate_labels: ["invoice", "letter"],
        }),
      param: "candidate_labels",
      message: "candidate_labels apply to text tasks",
    },
  ];
  for (const refusal of refusals) {
    it(`refuses ${refusal.name} with a 400 naming the field`, async () => {
      const answer = await refusal.send();
      expect(answer.status).toBe(400);
      expect(answer.json.error.param).toBe(refusal.param);
      expect(answer.json.error.message).toContain(refusal.message);
    });
  }

  it("decodes a WAV file, then says no route serves the task", async () => {
    const wav = buildWav({
      channels: [sine(440, 44_100, 0.2), sine(660, 44_100, 0.2)],
      samplingRateHz: 44_100,
      encoding: "pcm16",
    });
    const answer = await postBytes("/v1/tasks/automatic-speech-recognition", wav, {
      "content-type": "audio/wav",
    });
    expect(answer.status).toBe(404);
    expect(answer.json.error.message).toContain("No route serves automatic-speech-recognition");
    const logged = server.store.findRequest(answer.headers.get("x-modelscout-request-id") ?? "");
    expect(logged?.inputText).toBe("[audio/wav, 0.20 s at 44100 Hz, 2 channels]");
  });

  it("refuses an image that declares more pixels than server.max_image_pixels, before decoding it", async () => {
    // What a 20000 x 20000 PNG of zeros starts with (the whole file is 400 kB): the OCR
    // models took 17-60 s to give up on one, and the answer named a timeout.
    const huge = pngHeader(20_000, 20_000);
    const started = performance.now();
    const answer = await postBytes("/v1/tasks/image-to-text", huge, {
      "content-type": "image/png",
    });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(answer.status).toBe(413);
    expect(answer.json.error).toMatchObject({
      type: "invalid_request_error",
      code: "image_too_large",
      param: "body",
    });
    expect(answer.json.error.message).toContain("20000 x 20000 image (400000000 pixels)");
    expect(answer.json.error.message).toContain("at most 50000000 pixels (server.max_image_pixels");
    const asJson = await postJson(`${server.url}/v1/tasks/image-to-text`, {
      inputs: [png.toString("base64"), huge.toString("base64")],
    });
    expect(asJson.status).toBe(413);
    expect(asJson.json.error.param).toBe("inputs.1");
  });

  it("refuses an image over server.max_body_bytes with a 413", async () => {
    const answer = await postBytes("/v1/tasks/image-to-text", new Uint8Array(1_048_577), {
      "content-type": "image/png",
    });
    expect(answer.status).toBe(413);
    expect(answer.json.error.message).toContain("server.max_body_bytes");
  });
});
