import { createHash } from "node:crypto";
import { cp, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBackend } from "../../../src/backends/create-backend.js";
import type { BackendOutput } from "../../../src/backends/model-backend.js";
import {
  createTransformersBackend,
  type ModelProgressEvent,
} from "../../../src/backends/transformers-js/transformers-backend.js";
import {
  createTransformersBackendProvider,
  supportsTransformers,
} from "../../../src/backends/transformers-js/transformers-backend-provider.js";
import type { TransformersSettings } from "../../../src/backends/transformers-js/transformers-settings.js";
import {
  parseTransformersModelId,
  transformersVariants,
} from "../../../src/backends/transformers-js/transformers-variants.js";
import { VERIFIED_MARKER_FILE } from "../../../src/backends/transformers-js/verify-model-files.js";
import { ModelScoutError } from "../../../src/errors/modelscout-error.js";
import { readMirrorRepository } from "../../../src/mirror/mirror-repository.js";
import {
  type MirrorRequestLog,
  type MirrorServer,
  startMirrorServer,
} from "../../../src/mirror/start-mirror-server.js";
import { makeModel } from "../../support/make-model.js";
import { type OfflineModels, prepareOfflineModels } from "../../support/offline-models.js";
import { runModelBackendContract } from "../model-backend.contract.js";

let offline: OfflineModels;
let mirror: MirrorServer;
const requests: MirrorRequestLog[] = [];
const temporaryFolders: string[] = [];

async function freshCache(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), "modelscout-transformers-cache-"));
  temporaryFolders.push(folder);
  return folder;
}

async function settings(
  overrides: Partial<TransformersSettings> = {},
): Promise<TransformersSettings> {
  return {
    remoteHost: `${mirror.url}/`,
    cacheDirectory: await freshCache(),
    offline: false,
    revision: "main",
    ...overrides,
  };
}

const SENTIMENT = "modelscout/sentiment-en-bow";
const REVIEWS = "modelscout/reviews-zh-bow";
const EMBEDDINGS = "modelscout/clinc150-word-vectors";

/**
 * A proxy in front of the mirror, as a company gateway or a mirror's own front is: `intercept`
 * answers a request itself (true) or lets it through to the mirror, range requests included.
 */
async function startMirrorProxy(
  intercept: (request: IncomingMessage, response: ServerResponse) => boolean,
): Promise<{ proxy: Server; proxyUrl: string }> {
  const proxy = createServer((request, response) => {
    if (intercept(request, response)) return;
    fetch(`${mirror.url}${request.url}`, {
      method: request.method ?? "GET",
      headers: request.headers.range === undefined ? {} : { range: request.headers.range },
    })
      .then(async (upstream) => {
        const headers = Object.fromEntries(upstream.headers);
        delete headers["content-encoding"];
        response.writeHead(upstream.status, headers);
        response.end(Buffer.from(await upstream.arrayBuffer()));
      })
      .catch(() => response.writeHead(500).end());
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  return { proxy, proxyUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/` };
}

function sentimentRecord(id = SENTIMENT) {
  return makeModel({ id, task: "text-classification", library: "transformers.js", tags: ["onnx"] });
}

function topLabel(output: BackendOutput | undefined): string | undefined {
  return output?.kind === "labels" ? output.labels[0]?.label : undefined;
}

beforeAll(async () => {
  offline = await prepareOfflineModels();
  mirror = await startMirrorServer({
    directory: offline.directory,
    onRequest: (entry) => requests.push(entry),
  });
}, 120_000);

afterAll(async () => {
  await mirror?.close();
  for (const folder of temporaryFolders) await rm(folder, { recursive: true, force: true });
});

runModelBackendContract({
  name: "transformers.js English sentiment, downloaded from the mirror",
  create: async () =>
    createTransformersBackend({ model: sentimentRecord(), settings: await settings() }),
  inputs: ["I love this phone, it is great", "Terrible service, I want my money back", "ok"],
  expectedKind: "labels",
  local: true,
  artifact: "hub",
});

runModelBackendContract({
  name: "transformers.js Chinese reviews (q8 variant), downloaded from the mirror",
  create: async () =>
    createTransformersBackend({
      model: { id: `${REVIEWS}@q8`, task: "text-classification" },
      settings: await settings(),
    }),
  inputs: ["很好吃，送餐也快", "太难吃了，再也不点了"],
  expectedKind: "labels",
  local: true,
  artifact: "hub",
});

runModelBackendContract({
  name: "transformers.js word-vector embeddings (feature-extraction), downloaded from the mirror",
  create: async () =>
    createTransformersBackend({
      model: { id: EMBEDDINGS, task: "feature-extraction" },
      settings: await settings(),
    }),
  inputs: ["what is my account balance", "set an alarm for 7 am"],
  expectedKind: "embedding",
  local: true,
  artifact: "hub",
});

runModelBackendContract({
  name: "transformers.js sentiment isolated in a child process",
  create: async () =>
    createTransformersBackendProvider({ settings: await settings(), isolated: true }).create(
      sentimentRecord(),
    ),
  inputs: ["great value, works well", "broke after a day"],
  expectedKind: "labels",
  local: true,
  artifact: "hub",
});

describe("transformers.js backend on the offline models", () => {
  it("downloads through the mirror with progress events, verifies SHA-256, and classifies sensibly", async () => {
    const events: ModelProgressEvent[] = [];
    const cacheSettings = await settings();
    const backend = createTransformersBackend({
      model: sentimentRecord(),
      settings: cacheSettings,
      onProgress: (event) => events.push(event),
    });
    const outputs = await backend.doRun([
      "This is a great product, I love it",
      "Awful. It broke and support was useless",
    ]);
    expect(outputs.map(topLabel)).toEqual(["positive", "negative"]);
    const downloaded = events.filter(
      (event) => event.status === "progress" && event.file === "onnx/model.onnx",
    );
    expect(downloaded.at(-1)?.loadedBytes).toBe(
      (await stat(join(offline.directory, SENTIMENT, "onnx/model.onnx"))).size,
    );
    expect(events.some((event) => event.status === "verified")).toBe(true);
    const marker = JSON.parse(
      await readFile(join(cacheSettings.cacheDirectory, SENTIMENT, VERIFIED_MARKER_FILE), "utf8"),
    ) as { files: Record<string, { checkedAgainst: string }> };
    expect(marker.files["onnx/model.onnx"]?.checkedAgainst).toBe("sha256");
    expect(marker.files["config.json"]?.checkedAgainst).toBe("size");
    expect(backend.describe()).toMatchObject({
      provider: "transformers-js",
      dtype: "fp32",
      local: true,
    });
    await backend.unload();
  });

  it("reports the Hub artifact: repository, revision, the mirror's commit and the read files' hashes", async () => {
    const backend = createTransformersBackend({
      model: { id: `${REVIEWS}@q8`, task: "text-classification" },
      settings: await settings(),
    });
    const { artifact } = await backend.load();
    await backend.unload();
    expect(artifact?.kind).toBe("hub");
    if (artifact?.kind !== "hub") return;
    const published = await readMirrorRepository(offline.directory, REVIEWS);
    expect(artifact).toMatchObject({
      repository: REVIEWS,
      revision: "main",
      commitSha: published?.sha,
      dtype: "q8",
    });
    const paths = artifact.files.map((file) => file.path);
    expect(paths).toContain("onnx/model_quantized.onnx");
    expect(paths).not.toContain("onnx/model.onnx");
    for (const file of artifact.files) {
      const bytes = await readFile(join(offline.directory, REVIEWS, file.path));
      expect(file.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
    }
  });

  it("embeds sentences as unit vectors, closer for paraphrases", async () => {
    const backend = createTransformersBackend({
      model: { id: EMBEDDINGS, task: "sentence-similarity" },
      settings: await settings(),
    });
    const [a, b, c] = await backend.doRun([
      "what is the balance of my bank account",
      "how much money is in my checking account",
      "play some jazz music",
    ]);
    const vector = (output: BackendOutput | undefined) =>
      output?.kind === "embedding" ? output.vector : [];
    const dot = (x: number[], y: number[]) =>
      x.reduce((sum, value, index) => sum + value * (y[index] ?? 0), 0);
    expect(dot(vector(a), vector(a))).toBeCloseTo(1, 4);
    expect(dot(vector(a), vector(b))).toBeGreaterThan(dot(vector(a), vector(c)));
    await backend.unload();
  });

  it("serves from the cache in offline mode with the mirror stopped", async () => {
    const own = await startMirrorServer({ directory: offline.directory });
    const online = await settings({ remoteHost: `${own.url}/` });
    const inputs = ["great", "horrible"];
    const first = createTransformersBackend({ model: sentimentRecord(), settings: online });
    const expected = await first.doRun(inputs);
    await first.unload();
    await own.close();

    const cachedOnly = createTransformersBackend({
      model: sentimentRecord(),
      settings: { ...online, offline: true },
    });
    expect(await cachedOnly.doRun(inputs)).toEqual(expected);
    await cachedOnly.unload();

    const notCached = createTransformersBackend({
      model: { id: REVIEWS, task: "text-classification" },
      settings: { ...online, offline: true },
    });
    const error = await notCached.load().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelScoutError);
    expect((error as ModelScoutError).code).toBe("NOT_FOUND");
    expect((error as ModelScoutError).message).toMatch(/offline mode is on/);
  });

  it("reads offline mode and the endpoint from the environment through the provider", async () => {
    const { transformersSettings } = await import(
      "../../../src/backends/transformers-js/transformers-settings.js"
    );
    const fromEnv = transformersSettings({
      HF_ENDPOINT: "http://127.0.0.1:9/",
      MODELSCOUT_HOME: "/tmp/ms-home",
      HF_HUB_OFFLINE: "1",
    });
    expect(fromEnv).toEqual({
      remoteHost: "http://127.0.0.1:9/",
      cacheDirectory: "/tmp/ms-home/models",
      offline: true,
      revision: "main",
    });
    expect(transformersSettings({ MODELSCOUT_OFFLINE: "true" }).offline).toBe(true);
    expect(transformersSettings({}).remoteHost).toBe("https://huggingface.co/");
  });

  it("says NOT_FOUND with the URL for a model the mirror does not have", async () => {
    const backend = createTransformersBackend({
      model: { id: "modelscout/no-such-model", task: "text-classification" },
      settings: await settings(),
    });
    const error = (await backend.load().catch((caught: unknown) => caught)) as ModelScoutError;
    expect(error.code).toBe("NOT_FOUND");
    expect(error.message).toContain(
      `${mirror.url}/modelscout/no-such-model/resolve/main/config.json`,
    );
  });

  it("says NOT_FOUND with the file URL for a quantised variant the repository does not ship", async () => {
    const backend = createTransformersBackend({
      model: { id: `${SENTIMENT}@q4`, task: "text-classification" },
      settings: await settings(),
    });
    await expect(backend.load()).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: expect.stringContaining("onnx/model_q4.onnx"),
    });
  });

  it("refuses a wrong task clearly: an unmapped task, an architecture that cannot do it, inputs of another kind", async () => {
    expect(() =>
      createTransformersBackend({
        model: { id: SENTIMENT, task: "text-to-image" },
        settings: { offline: true },
      }),
    ).toThrow(/cannot run modelscout\/sentiment-en-bow on the task "text-to-image"/);
    const generator = createTransformersBackend({
      model: { id: SENTIMENT, task: "text-generation" },
      settings: await settings(),
    });
    await expect(generator.load()).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      message: expect.stringContaining("cannot run the task text-generation"),
    });
    const classifier = createTransformersBackend({
      model: sentimentRecord(),
      settings: await settings(),
    });
    await expect(classifier.doRun([{ image: new Uint8Array([1, 2, 3]) }])).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      message: expect.stringContaining("takes text"),
    });
    await classifier.unload();
  });

  it("reports a corrupt ONNX file served by the mirror as MODEL_CORRUPT", async () => {
    const folder = await freshCache();
    await cp(join(offline.directory, SENTIMENT), join(folder, SENTIMENT), { recursive: true });
    await writeFile(join(folder, SENTIMENT, "onnx/model.onnx"), "this is not a protobuf at all");
    const broken = await startMirrorServer({ directory: folder });
    try {
      const backend = createTransformersBackend({
        model: sentimentRecord(),
        settings: await settings({ remoteHost: `${broken.url}/` }),
      });
      const error = (await backend.load().catch((caught: unknown) => caught)) as ModelScoutError;
      expect(error.code).toBe("MODEL_CORRUPT");
      expect(error.message).toMatch(/ONNX Runtime could not load modelscout\/sentiment-en-bow/);
      expect(error.message).toMatch(/delete .* and run again/);
    } finally {
      await broken.close();
    }
  });

  it("downloads through a proxy that answers 502 now and then, and names a proxy that keeps failing", async () => {
    // A mirror behind a gateway that fails the model file's first requests, or all of them.
    let failuresLeft = 2;
    const { proxy, proxyUrl } = await startMirrorProxy((request, response) => {
      if (!request.url?.endsWith("/onnx/model.onnx") || failuresLeft <= 0) return false;
      failuresLeft -= 1;
      response.writeHead(502, { "content-type": "text/html" }).end("<h1>502 Bad Gateway</h1>");
      return true;
    });
    const quickRetry = { maxRetries: 3, baseDelayMs: 10, maxDelayMs: 20 };
    try {
      const backend = createTransformersBackend({
        model: sentimentRecord(),
        settings: await settings({ remoteHost: proxyUrl, downloadRetry: quickRetry }),
      });
      await backend.load();
      expect(failuresLeft).toBe(0);
      expect(topLabel((await backend.doRun(["I love it"]))[0])).toBe("positive");
      await backend.unload();

      failuresLeft = Number.POSITIVE_INFINITY;
      const failing = createTransformersBackend({
        model: sentimentRecord(),
        settings: await settings({ remoteHost: proxyUrl, downloadRetry: quickRetry }),
      });
      const error = (await failing.load().catch((caught: unknown) => caught)) as ModelScoutError;
      expect(error.code).toBe("HUB_REQUEST_FAILED");
      expect(error.isRetryable).toBe(true);
      expect(error.message).toContain(`${proxyUrl} did not send ${SENTIMENT}`);
      expect(error.message).toContain("Bad gateway, after 4 tries");
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it("sends HF_TOKEN to a mirror that wants it, and says a refused model needs one", async () => {
    // A mirror that serves gated models only with a token, as hf-mirror.com and company
    // mirrors do; transformers.js on its own sends HF_TOKEN to huggingface.co alone.
    const { proxy, proxyUrl } = await startMirrorProxy((request, response) => {
      if (request.headers.authorization === "Bearer hf_mirror_token") return false;
      response.writeHead(401, { "content-type": "application/json" }).end('{"error":"gated"}');
      return true;
    });
    const saved = process.env.HF_TOKEN;
    try {
      delete process.env.HF_TOKEN;
      const refused = createTransformersBackend({
        model: sentimentRecord(),
        settings: await settings({ remoteHost: proxyUrl }),
      });
      const error = (await refused.load().catch((caught: unknown) => caught)) as ModelScoutError;
      expect(error.code).toBe("NOT_FOUND");
      expect(error.message).toContain(`${proxyUrl} refused to send ${SENTIMENT}`);
      expect(error.message).toContain("set HF_TOKEN");

      process.env.HF_TOKEN = "hf_mirror_token";
      const backend = createTransformersBackend({
        model: sentimentRecord(),
        settings: await settings({ remoteHost: proxyUrl }),
      });
      await backend.load();
      expect(topLabel((await backend.doRun(["I love it"]))[0])).toBe("positive");
      await backend.unload();
    } finally {
      if (saved === undefined) delete process.env.HF_TOKEN;
      else process.env.HF_TOKEN = saved;
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it("catches a cached file that no longer matches the published SHA-256, deletes it, and downloads it again", async () => {
    const cacheSettings = await settings();
    const first = createTransformersBackend({ model: sentimentRecord(), settings: cacheSettings });
    const expected = await first.doRun(["nice"]);
    await first.unload();
    const cachedModel = join(cacheSettings.cacheDirectory, SENTIMENT, "onnx/model.onnx");
    const bytes = await readFile(cachedModel);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff; // same size, different content
    await writeFile(cachedModel, bytes);

    const second = createTransformersBackend({ model: sentimentRecord(), settings: cacheSettings });
    const error = (await second.load().catch((caught: unknown) => caught)) as ModelScoutError;
    expect(error.code).toBe("MODEL_CORRUPT");
    await expect(stat(cachedModel)).rejects.toThrow();
    // The next load downloads the file again and works.
    expect(await second.doRun(["nice"])).toEqual(expected);
    await second.unload();
  });

  it("refuses a model above the free memory before requesting anything", async () => {
    const before = requests.length;
    const huge = createTransformersBackend({
      model: { ...sentimentRecord("modelscout/huge"), params: 50e9, memoryBytes: {} },
      settings: await settings(),
      memory: { availableBytes: 8e9, totalBytes: 16e9 },
    });
    const error = (await huge.load().catch((caught: unknown) => caught)) as ModelScoutError;
    expect(error.code).toBe("INSUFFICIENT_MEMORY");
    expect(error.message).toMatch(/modelscout\/huge needs about 240\.0 GB at fp32/);
    expect(error.message).toMatch(/8\.0 GB free of 16\.0 GB/);
    expect(requests.length).toBe(before);
    // The same model as a q4 variant needs an eighth: 30 GB still does not fit 8 GB...
    const [q8, q4] = transformersVariants(sentimentRecord("modelscout/huge"), ["q8", "q4"]).map(
      (variant) => ({ ...variant, params: 50e9, memoryBytes: {} }),
    );
    await expect(
      createTransformersBackend({
        model: q4 as never,
        settings: await settings(),
        memory: { availableBytes: 8e9 },
      }).load(),
    ).rejects.toMatchObject({
      code: "INSUFFICIENT_MEMORY",
      message: expect.stringContaining("at int4"),
    });
    expect(q8?.id).toBe("modelscout/huge@q8");
    // ...and the real machine's free memory is used by default.
    const onThisMachine = createTransformersBackend({
      model: { ...sentimentRecord("modelscout/huge"), params: 1e15, memoryBytes: {} },
      settings: await settings(),
    });
    await expect(onThisMachine.load()).rejects.toMatchObject({ code: "INSUFFICIENT_MEMORY" });
  });
});

describe("quantised variants and the provider", () => {
  it("makes one candidate per dtype with its own memory figure", () => {
    const base = makeModel({
      id: SENTIMENT,
      library: "transformers.js",
      tags: ["onnx"],
      params: 1_000_000,
      hardware: [{ hardware: "cpu-laptop", kind: "measured", latencyMs: 1, source: "test" }],
    });
    const variants = transformersVariants(base);
    expect(variants.map((variant) => variant.id)).toEqual([
      `${SENTIMENT}@q8`,
      `${SENTIMENT}@q4`,
      `${SENTIMENT}@fp16`,
    ]);
    expect(variants.map((variant) => variant.memoryBytes.fp32)).toEqual([
      1_000_000, 500_000, 2_000_000,
    ]);
    expect(variants.every((variant) => variant.hardware.length === 0)).toBe(true);
    expect(variants[0]?.extra).toMatchObject({ baseModelId: SENTIMENT, transformersDtype: "q8" });
    expect(parseTransformersModelId(`${SENTIMENT}@q8`)).toEqual({
      repositoryId: SENTIMENT,
      dtype: "q8",
    });
    expect(parseTransformersModelId("owner/name@v2")).toEqual({
      repositoryId: "owner/name@v2",
      dtype: null,
    });
    for (const variant of variants) expect(supportsTransformers(variant)).toBe(true);
  });

  it("supports ONNX repositories on mapped tasks only, and createBackend says who could not run a model", async () => {
    expect(supportsTransformers(sentimentRecord())).toBe(true);
    expect(
      supportsTransformers(makeModel({ id: "a/b", library: "transformers", tags: ["pytorch"] })),
    ).toBe(false);
    expect(
      supportsTransformers(makeModel({ id: "a/c", task: "text-to-image", tags: ["onnx"] })),
    ).toBe(false);
    expect(
      supportsTransformers(makeModel({ id: "npm:sentiment", source: "npm", tags: ["onnx"] })),
    ).toBe(false);

    const provider = createTransformersBackendProvider({ settings: await settings() });
    const backend = createBackend(transformersVariants(sentimentRecord())[0] as never, [provider]);
    expect(backend.describe()).toMatchObject({ modelId: `${SENTIMENT}@q8`, dtype: "q8" });
    expect(topLabel((await backend.doRun(["wonderful, I love it"]))[0])).toBe("positive");
    await backend.unload();

    const pytorch = makeModel({ id: "a/b", library: "transformers", tags: ["pytorch"] });
    expect(() => createBackend(pytorch, [provider])).toThrow(
      expect.objectContaining({
        code: "NOT_FOUND",
        message: expect.stringContaining("tried: transformers-js"),
      }),
    );
  });
});
