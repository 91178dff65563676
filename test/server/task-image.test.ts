/**
 * Pictures on `/v1/tasks/image-classification`, end to end through the real runtime: a PNG,
 * JPEG or WebP file as the body or as base64 in JSON is checked by the server, routed and run
 * by transformers.js (its `image-classification` pipeline and `ViTImageProcessor`, ONNX
 * Runtime) on a model built here and served over the Hub's protocol. The model calls what is
 * in the centre of a picture red, green or blue (`build-colour-classifier.ts`), so it only
 * answers right when the picture reached it whole and was cropped as its preprocessing says.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTransformersBackend } from "../../src/backends/transformers-js/transformers-backend.js";
import { type MirrorServer, startMirrorServer } from "../../src/mirror/start-mirror-server.js";
import { buildColourClassifier } from "../../src/onnx-build/build-colour-classifier.js";
import { writeBuiltModel } from "../../src/onnx-build/built-model.js";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { type RoutingServer, startRoutingServer } from "../../src/server/start-routing-server.js";
import { drawPicture } from "../support/colour-pictures.js";
import { type FakeOpenAIServer, startFakeOpenAIServer } from "../support/fake-openai-server.js";
import { makeModel } from "../support/make-model.js";
import { type Json, postJson } from "./routing-test-support.js";

const MODEL = "modelscout/colour-centre";

let folder: string;
let mirror: MirrorServer;
let server: RoutingServer;
let vision: FakeOpenAIServer;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "ms-task-image-"));
  await writeBuiltModel(
    join(folder, "repos"),
    buildColourClassifier({ id: MODEL, imageSize: 32, cropSize: 16 }),
  );
  mirror = await startMirrorServer({ directory: join(folder, "repos") });
  // A vision chat model that calls every picture a parcel, unless it is a JPEG.
  vision = await startFakeOpenAIServer({
    chatReply: (messages) =>
      JSON.stringify(messages.at(-1)?.content).includes("data:image/jpeg") ? "other" : "parcel",
  });
  const backend = createTransformersBackend({
    model: makeModel({
      id: MODEL,
      task: "image-classification",
      library: "transformers.js",
      tags: ["onnx"],
    }),
    settings: {
      remoteHost: `${mirror.url}/`,
      cacheDirectory: join(folder, "cache"),
      offline: false,
      revision: "main",
    },
  });
  server = await startRoutingServer({
    config: parseRoutesConfig({
      models: [
        { id: "echo", kind: "echo" },
        {
          id: "vision-llm",
          kind: "openai",
          base_url: `${vision.url}/v1`,
          api_model: "qwen-vl",
          task: "image-classification",
          labels: ["parcel", "receipt", "other"],
        },
      ],
      routes: [
        { name: "chat", targets: { "text-generation": { policy: "fixed", candidates: ["echo"] } } },
        {
          name: "photos",
          targets: { "image-classification": { policy: "fixed", candidates: [MODEL] } },
        },
        {
          name: "parcels",
          targets: { "image-classification": { policy: "fixed", candidates: ["vision-llm"] } },
        },
      ],
    }),
    backends: new Map([[MODEL, backend]]),
    port: 0,
    databasePath: join(folder, "state.db"),
  });
  expect(server.startup.models[MODEL]?.loaded).toBe(true);
}, 120_000);

afterAll(async () => {
  await server?.close();
  await mirror?.close();
  await vision?.close();
  await rm(folder, { recursive: true, force: true });
});

function topLabel(answer: { status: number; json: Json }, index = 0): string {
  expect(answer.status).toBe(200);
  expect(answer.json.task).toBe("image-classification");
  expect(answer.json.data[index].kind).toBe("labels");
  const labels = answer.json.data[index].labels as { label: string; score: number }[];
  expect(labels.map((entry) => entry.label).sort()).toEqual(["blue", "green", "red"]);
  return labels[0]?.label ?? "";
}

describe("a picture routed to an image classifier", () => {
  it("labels a PNG sent as the body, and the log keeps its description and label", async () => {
    const png = await drawPicture({ width: 90, height: 60, background: "green", square: "red" });
    const response = await fetch(`${server.url}/v1/tasks/image-classification`, {
      method: "POST",
      body: png,
      headers: { "content-type": "image/png" },
    });
    const answer = { status: response.status, json: (await response.json()) as Json };
    expect(topLabel(answer)).toBe("red");
    expect(answer.json.modelscout).toMatchObject({ route: "photos", model: MODEL });
    const logged = server.store.findRequest(answer.json.modelscout.request_id);
    expect(logged?.inputText).toBe(`[image/png, ${png.byteLength} bytes]`);
    expect(logged?.outputLabel).toBe("red");
  });

  it("takes JPEG and WebP as base64 in JSON, several at once, each labelled by its centre", async () => {
    const jpeg = await drawPicture({
      width: 64,
      height: 64,
      background: "red",
      square: "blue",
      format: "jpeg",
    });
    const webp = await drawPicture({
      width: 48,
      height: 80,
      background: "blue",
      square: "green",
      format: "webp",
    });
    const answer = await postJson(`${server.url}/v1/tasks/image-classification`, {
      inputs: [`data:image/jpeg;base64,${jpeg.toString("base64")}`, webp.toString("base64")],
    });
    expect(topLabel(answer, 0)).toBe("blue");
    expect(topLabel(answer, 1)).toBe("green");
  });

  it("goes to a vision chat model behind a server, as a data: URL, and comes back as a label", async () => {
    const png = await drawPicture({ width: 40, height: 40, background: "blue" });
    const response = await fetch(`${server.url}/v1/tasks/image-classification?model=parcels`, {
      method: "POST",
      body: png,
      headers: { "content-type": "image/png" },
    });
    const answer = { status: response.status, json: (await response.json()) as Json };
    expect(answer.status).toBe(200);
    expect(answer.json.modelscout).toMatchObject({ route: "parcels", model: "vision-llm" });
    expect(answer.json.data[0].labels[0]).toEqual({ label: "parcel", score: 1 });
    const sent = JSON.stringify(vision.requests.at(-1)?.body);
    expect(sent).toContain(`data:image/png;base64,${png.toString("base64")}`);
  });
});
