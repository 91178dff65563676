/**
 * OpenAI's speech-to-text, `POST /v1/audio/transcriptions`, routed to a model behind a
 * speech server (the fake OpenAI-compatible server says what it received). A WAV file is
 * checked and decoded, then sent on as the client's own file; an MP3 file, which this
 * server does not decode, is sent on as it is; what the router cannot honour is a 400.
 */
import { describe, expect, it } from "vitest";
import { buildWav, sine } from "../media/wav-fixtures.js";
import type { RecordedFile } from "../support/fake-openai-server.js";
import { type Json, postJson, routingServerBehindFakeUpstream } from "./routing-test-support.js";

const WAV = buildWav({
  channels: [sine(300, 16_000, 0.5)],
  samplingRateHz: 16_000,
  encoding: "pcm16",
});
/** An ID3 tag and then bytes this server cannot decode: MP3 as far as the sniffer can tell. */
const MP3 = new Uint8Array([...Buffer.from("ID3"), 4, 0, 0, 0, 0, 0, 0, ...new Array(200).fill(7)]);

const served = routingServerBehindFakeUpstream("transcriptions", (base) => ({
  models: [
    { id: "echo", kind: "echo" },
    {
      id: "whisper",
      kind: "openai",
      base_url: base,
      api_model: "whisper-large-v3",
      task: "automatic-speech-recognition",
    },
  ],
  routes: [
    { name: "chat", targets: { "text-generation": { policy: "fixed", candidates: ["echo"] } } },
    {
      name: "calls",
      targets: { "automatic-speech-recognition": { policy: "fixed", candidates: ["whisper"] } },
    },
  ],
}));

function upload(fields: Record<string, string | Blob>, fileName = "speech.wav") {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value === "string") form.append(name, value);
    else form.append(name, value, fileName);
  }
  return fetch(`${served.server.url}/v1/audio/transcriptions`, { method: "POST", body: form });
}

function lastUpload(): Record<string, string | RecordedFile> {
  const request = served.upstream.requests
    .filter((entry) => entry.path === "/v1/audio/transcriptions")
    .at(-1);
  const form = (request?.body as { form?: Record<string, string | RecordedFile> } | undefined)
    ?.form;
  if (form === undefined) throw new Error("no upload reached the speech server");
  return form;
}

describe("POST /v1/audio/transcriptions", () => {
  it("sends the client's WAV file on, byte for byte, and answers {text} with the decision", async () => {
    const response = await upload({ file: new Blob([WAV], { type: "audio/wav" }), model: "calls" });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Json;
    expect(body.text).toBe(`heard speech.wav (audio/wav, ${WAV.byteLength} bytes)`);
    expect(body.modelscout).toMatchObject({ route: "calls", model: "whisper" });
    expect(response.headers.get("x-modelscout-model")).toBe("whisper");
    const sent = lastUpload();
    expect(sent.model).toBe("whisper-large-v3");
    expect(sent.response_format).toBe("json");
    expect(Buffer.from((sent.file as RecordedFile).bytes).equals(Buffer.from(WAV))).toBe(true);
    const logged = served.server.store.findRequest(body.modelscout.request_id);
    expect(logged).toMatchObject({
      endpoint: "transcriptions",
      task: "automatic-speech-recognition",
      inputText: "[audio/wav, 0.50 s at 16000 Hz, 1 channel]",
      outputText: body.text,
    });
  });

  it("sends an MP3 file on undecoded, with the language hint, under auto", async () => {
    const response = await upload(
      { file: new Blob([MP3], { type: "audio/mpeg" }), language: "zh" },
      "call.mp3",
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as Json;
    expect(body.text).toBe(`heard call.mp3 (audio/mpeg, ${MP3.byteLength} bytes, language zh)`);
    expect(body.modelscout.reason).toContain("the only route serving automatic-speech-recognition");
    expect(Buffer.from((lastUpload().file as RecordedFile).bytes).equals(Buffer.from(MP3))).toBe(
      true,
    );
    const logged = served.server.store.findRequest(body.modelscout.request_id);
    expect(logged?.inputText).toBe(`[audio/mpeg, ${MP3.byteLength} bytes, not decoded]`);
  });

  it("answers plain text for response_format text", async () => {
    const response = await upload({
      file: new Blob([WAV], { type: "audio/wav" }),
      response_format: "text",
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await response.text()).toBe(`heard speech.wav (audio/wav, ${WAV.byteLength} bytes)`);
  });

  it.each([
    [{ response_format: "srt" }, "response_format", /json or text/],
    [{ prompt: "Ahoy" }, "prompt", /not supported/],
    [{ temperature: "0.2" }, "temperature", /not supported/],
    [{ language: "english" }, "language", /ISO 639-1/],
  ])("refuses %j with a 400 naming %s", async (fields, param, message) => {
    const response = await upload({ file: new Blob([WAV], { type: "audio/wav" }), ...fields });
    expect(response.status).toBe(400);
    const body = (await response.json()) as Json;
    expect(body.error.param).toBe(param);
    expect(body.error.message).toMatch(message);
  });

  it("refuses a route and a model id of another task alike: 400 on model", async () => {
    for (const model of ["chat", "echo"]) {
      const response = await upload({ file: new Blob([WAV], { type: "audio/wav" }), model });
      expect(response.status, model).toBe(400);
      const body = (await response.json()) as Json;
      expect(body.error, model).toMatchObject({ param: "model", code: "invalid_value" });
      expect(body.error.message, model).toContain("automatic-speech-recognition");
    }
  });

  it("refuses an upload without a file, one that is not audio, and a body that is not a form", async () => {
    const noFile = await upload({ model: "calls" });
    expect(noFile.status).toBe(400);
    expect(((await noFile.json()) as Json).error.param).toBe("file");
    const text = await upload({ file: new Blob(["hello"], { type: "text/plain" }) }, "notes.txt");
    expect(text.status).toBe(400);
    expect(((await text.json()) as Json).error.message).toContain(
      "file is not audio that ModelScout reads",
    );
    const json = await postJson(`${served.server.url}/v1/audio/transcriptions`, { file: "x" });
    expect(json.status).toBe(400);
    expect(json.json.error.message).toContain("multipart/form-data");
  });
});

describe("recordings on /v1/tasks/<task>", () => {
  it("go to the speech server as files too, MP3 included", async () => {
    const answer = await postJson(`${served.server.url}/v1/tasks/asr`, {
      inputs: Buffer.from(MP3).toString("base64"),
    });
    expect(answer.status).toBe(200);
    expect(answer.json.data[0].text).toBe(`heard audio.mp3 (audio/mpeg, ${MP3.byteLength} bytes)`);
  });
});
