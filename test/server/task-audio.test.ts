/**
 * Sound on `/v1/tasks/<task>`, end to end through the real runtime: a WAV file as the body
 * or as base64 is decoded by the server, routed, resampled to the model's rate and run by
 * transformers.js (its `audio-classification` pipeline and feature extractor, ONNX Runtime)
 * on a model built here and served over the Hub's protocol. The model labels a tone high- or
 * low-pitched by its zero-crossing rate at 16 kHz (`build-pitch-classifier.ts`), so it only
 * answers right when the audio reached it at the rate it expects.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTransformersBackend } from "../../src/backends/transformers-js/transformers-backend.js";
import { type MirrorServer, startMirrorServer } from "../../src/mirror/start-mirror-server.js";
import { buildPitchClassifier } from "../../src/onnx-build/build-pitch-classifier.js";
import { writeBuiltModel } from "../../src/onnx-build/built-model.js";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { type RoutingServer, startRoutingServer } from "../../src/server/start-routing-server.js";
import { buildWav, sine } from "../media/wav-fixtures.js";
import { makeModel } from "../support/make-model.js";
import { type Json, postJson } from "./routing-test-support.js";

const MODEL = "modelscout/pitch-zcr";

let folder: string;
let mirror: MirrorServer;
let server: RoutingServer;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "ms-task-audio-"));
  await writeBuiltModel(join(folder, "repos"), buildPitchClassifier({ id: MODEL }));
  mirror = await startMirrorServer({ directory: join(folder, "repos") });
  const backend = createTransformersBackend({
    model: makeModel({
      id: MODEL,
      task: "audio-classification",
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
      models: [{ id: "echo", kind: "echo" }],
      routes: [
        { name: "chat", targets: { "text-generation": { policy: "fixed", candidates: ["echo"] } } },
        {
          name: "sounds",
          targets: { "audio-classification": { policy: "fixed", candidates: [MODEL] } },
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
  await rm(folder, { recursive: true, force: true });
});

function topLabel(answer: { status: number; json: Json }, index = 0): string {
  expect(answer.status).toBe(200);
  expect(answer.json.data[index].kind).toBe("labels");
  const labels = answer.json.data[index].labels as { label: string; score: number }[];
  expect(labels.map((entry) => entry.label).sort()).toEqual(["high-pitched", "low-pitched"]);
  return labels[0]?.label ?? "";
}

async function postWav(wav: Uint8Array, path = "/v1/tasks/audio-classification") {
  const response = await fetch(`${server.url}${path}`, {
    method: "POST",
    body: wav,
    headers: { "content-type": "audio/wav" },
  });
  return { status: response.status, json: (await response.json()) as Json };
}

describe("a WAV file routed to an audio classifier", () => {
  it("labels a low and a high tone recorded at the model's own 16 kHz", async () => {
    const low = buildWav({
      channels: [sine(300, 16_000, 0.5)],
      samplingRateHz: 16_000,
      encoding: "pcm16",
    });
    const high = buildWav({
      channels: [sine(2000, 16_000, 0.5)],
      samplingRateHz: 16_000,
      encoding: "pcm16",
    });
    expect(topLabel(await postWav(low))).toBe("low-pitched");
    const answer = await postWav(high);
    expect(topLabel(answer)).toBe("high-pitched");
    expect(answer.json.modelscout).toMatchObject({ route: "sounds", model: MODEL });
  });

  it("resamples a 44.1 kHz stereo recording first (read as 16 kHz, the 2 kHz tone would be low)", async () => {
    const tone = sine(2000, 44_100, 0.5);
    const wav = buildWav({ channels: [tone, tone], samplingRateHz: 44_100, encoding: "pcm16" });
    const answer = await postWav(wav);
    expect(topLabel(answer)).toBe("high-pitched");
    const logged = server.store.findRequest(answer.json.modelscout.request_id);
    expect(logged?.inputText).toBe("[audio/wav, 0.50 s at 44100 Hz, 2 channels]");
    expect(logged?.outputLabel).toBe("high-pitched");
  });

  it("takes float WAV as base64 in JSON, several at once", async () => {
    const encode = (hz: number) =>
      Buffer.from(
        buildWav({
          channels: [sine(hz, 48_000, 0.3)],
          samplingRateHz: 48_000,
          encoding: "float32",
        }),
      ).toString("base64");
    const answer = await postJson(`${server.url}/v1/tasks/audio-classification`, {
      inputs: [`data:audio/wav;base64,${encode(400)}`, encode(3000)],
    });
    expect(topLabel(answer, 0)).toBe("low-pitched");
    expect(topLabel(answer, 1)).toBe("high-pitched");
  });

  it("passes over a model that cannot decode MP3, with a 400 that says to send WAV", async () => {
    const mp3 = new Uint8Array([
      ...Buffer.from("ID3"),
      4,
      0,
      0,
      0,
      0,
      0,
      0,
      ...new Array(64).fill(1),
    ]);
    const response = await fetch(`${server.url}/v1/tasks/audio-classification`, {
      method: "POST",
      body: mp3,
      headers: { "content-type": "audio/mpeg" },
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as Json;
    expect(body.error.message).toContain(`${MODEL} decodes only WAV audio`);
    expect(body.error.message).toContain("ffmpeg -i in.mp3");
    expect(server.router.breaker(MODEL)?.snapshot().state).toBe("closed");
  });

  it("refuses a WAV file it cannot decode, naming the encoding to send instead", async () => {
    const wav = buildWav({
      channels: [sine(440, 16_000, 0.1)],
      samplingRateHz: 16_000,
      encoding: "pcm16",
    });
    new DataView(wav.buffer).setUint16(20, 0x11, true); // IMA ADPCM
    const answer = await postWav(wav);
    expect(answer.status).toBe(400);
    expect(answer.json.error.param).toBe("body");
    expect(answer.json.error.message).toContain("format 17 (compressed)");
    expect(answer.json.error.message).toContain("pcm_s16le");
  });
});
