/**
 * A model unloaded when idle and loaded again on its next call (ADR 0099), around real
 * backends: npm:vader-sentiment in a child process (its unload ends the process), and an
 * OpenAI-compatible server's model for streams. Idle time is given to `unloadIfIdle` as a
 * clock reading, so no test waits for it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { endpointModelRecord } from "../../src/backends/http/endpoint-model-record.js";
import { createHttpBackendProvider } from "../../src/backends/http/http-backend-provider.js";
import type { IsolatedBackend } from "../../src/backends/isolated/isolated-backend.js";
import { isolatedProvider } from "../../src/backends/isolated/isolated-provider.js";
import type { ModelBackend } from "../../src/backends/model-backend.js";
import { npmBackendProvider } from "../../src/backends/npm/npm-backend-provider.js";
import { toModelRecord } from "../../src/catalog/model-record.js";
import { NPM_MODELS } from "../../src/catalog/sources/npm-models.js";
import {
  IdleUnloadingBackend,
  type IdleUnloadingEvent,
} from "../../src/route/idle-unloading-backend.js";
import { type FakeOpenAIServer, startFakeOpenAIServer } from "../support/fake-openai-server.js";

const IDLE_MS = 60_000;
const LATER = () => performance.now() + IDLE_MS;

function isolatedVader(): { inner: IsolatedBackend; backend: IdleUnloadingBackend } {
  const model = NPM_MODELS.find((entry) => entry.id === "npm:vader-sentiment");
  if (model === undefined) throw new Error("npm:vader-sentiment is not among NPM_MODELS");
  const inner = isolatedProvider(npmBackendProvider).create(
    toModelRecord(model),
  ) as IsolatedBackend;
  return { inner, backend: new IdleUnloadingBackend(inner, IDLE_MS) };
}

function topLabel(outputs: unknown): string | undefined {
  const [first] = outputs as { kind: string; labels: { label: string }[] }[];
  return first?.labels[0]?.label;
}

/** A chat model behind the fake OpenAI-compatible server. */
function chatModel(): ModelBackend {
  return createHttpBackendProvider().create(
    endpointModelRecord({
      protocol: "openai",
      baseUrl: `${server.url}/v1`,
      apiModel: "chat",
      task: "text-generation",
    }),
  );
}

let server: FakeOpenAIServer;
beforeAll(async () => {
  server = await startFakeOpenAIServer();
});
afterAll(async () => {
  await server.close();
});

describe("IdleUnloadingBackend", () => {
  it("unloads only once idle, ending the model's process, and loads again on the next call", async () => {
    const { inner, backend } = isolatedVader();
    const events: IdleUnloadingEvent["kind"][] = [];
    backend.onEvent = (event) => events.push(event.kind);
    try {
      await backend.load();
      expect(backend.loaded).toBe(true);
      const firstProcess = inner.processId;
      expect(firstProcess).toBeTypeOf("number");

      // Loaded just now: not idle yet, however long the idle time.
      expect(backend.unloadIfIdle()).toBeUndefined();
      // A call in flight holds the model, even past its idle time.
      const running = backend.doRun(["What a wonderful day"]);
      expect(backend.unloadIfIdle(LATER())).toBeUndefined();
      expect(topLabel(await running)).toBe("positive");

      await backend.unloadIfIdle(LATER());
      expect(backend.loaded).toBe(false);
      expect(inner.processId).toBeUndefined();

      expect(topLabel(await backend.doRun(["This is awful and I hate it"]))).toBe("negative");
      expect(backend.loaded).toBe(true);
      expect(inner.processId).toBeTypeOf("number");
      expect(inner.processId).not.toBe(firstProcess);
      expect(events).toEqual(["loaded", "unloaded", "loaded"]);
    } finally {
      await backend.unload();
    }
    expect(inner.processId).toBeUndefined();
  }, 60_000);

  it("goes on loading when the call that started the load stops waiting for it", async () => {
    const { inner, backend } = isolatedVader();
    const events: IdleUnloadingEvent["kind"][] = [];
    backend.onEvent = (event) => events.push(event.kind);
    try {
      // The call's deadline has passed: the call fails at once, the load it started does not.
      const deadline = AbortSignal.abort(new Error("deadline passed"));
      await expect(backend.doRun(["fine"], { signal: deadline })).rejects.toThrow(
        "deadline passed",
      );
      expect(backend.loaded).toBe(false);
      await expect.poll(() => backend.loaded, { timeout: 30_000, interval: 20 }).toBe(true);
      expect(events).toEqual(["loaded"]);
      const loadedProcess = inner.processId;
      // The next call finds it loaded: no second load, the same process.
      expect(topLabel(await backend.doRun(["What a wonderful day"]))).toBe("positive");
      expect(inner.processId).toBe(loadedProcess);
      expect(events).toEqual(["loaded"]);
    } finally {
      await backend.unload();
    }
  }, 60_000);

  it("holds the model while a stream is read, until its end or its reader stops", async () => {
    const inner = chatModel();
    const backend = new IdleUnloadingBackend(inner, IDLE_MS);
    const doStream = backend.doStream;
    if (doStream === undefined) throw new Error("an OpenAI-compatible model streams");
    await backend.load();

    const read = await doStream("one two three");
    const iterator = read[Symbol.asyncIterator]();
    await iterator.next();
    expect(backend.unloadIfIdle(LATER())).toBeUndefined();
    for (let step = await iterator.next(); step.done !== true; step = await iterator.next()) {
      expect(backend.unloadIfIdle(LATER())).toBeUndefined();
    }
    await backend.unloadIfIdle(LATER());
    expect(backend.loaded).toBe(false);

    // A reader that stops early lets go of the model too; the stream loaded it again.
    const stopped = (await doStream("four five six"))[Symbol.asyncIterator]();
    expect(backend.loaded).toBe(true);
    await stopped.next();
    expect(backend.unloadIfIdle(LATER())).toBeUndefined();
    await stopped.return?.();
    await backend.unloadIfIdle(LATER());
    expect(backend.loaded).toBe(false);
  });

  it("tells a failed load and loads again on the call after", async () => {
    const inner = chatModel();
    let failLoad = true;
    // The model behind the server, with a load that fails as one whose weights are missing.
    const failing: ModelBackend = {
      specificationVersion: inner.specificationVersion,
      provider: inner.provider,
      modelId: inner.modelId,
      describe: () => inner.describe(),
      load: (options) =>
        failLoad ? Promise.reject(new Error("weights missing")) : inner.load(options),
      doRun: (inputs, options) => inner.doRun(inputs, options),
      unload: () => inner.unload(),
    };
    const backend = new IdleUnloadingBackend(failing, IDLE_MS);
    const events: IdleUnloadingEvent[] = [];
    backend.onEvent = (event) => events.push(event);
    await expect(backend.doRun(["hello"])).rejects.toThrow("weights missing");
    expect(events).toMatchObject([{ kind: "load-failed", error: { message: "weights missing" } }]);
    failLoad = false;
    expect(await backend.doRun(["hello"])).toHaveLength(1);
    expect(events.map((event) => event.kind)).toEqual(["load-failed", "loaded"]);
  });
});
