/**
 * `fetchHubModel` against real HTTP servers: the fake Hub (fixtures in the Hub's shape, its
 * 401/404 answers for missing repos, scripted faults), the mirror (`modelscout mirror serve`)
 * over a folder with quantised ONNX weights, and a closed port.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { withOnnxFiles } from "../../src/catalog/resolve-onnx-variants.js";
import { apiModelInfoSchema } from "../../src/hub/api-model-info.js";
import { fetchHubModel } from "../../src/hub/fetch-hub-model.js";
import { HUB_MODEL_EXPAND_FIELDS } from "../../src/hub/list-models.js";
import { mapHubModel } from "../../src/hub/map-hub-model.js";
import { buildModelInfoUrl } from "../../src/hub/read-model-info.js";
import { type MirrorServer, startMirrorServer } from "../../src/mirror/start-mirror-server.js";
import { modelCard } from "../../src/onnx-build/model-card.js";
import { type FakeHub, loadHubFixtures, startFakeHubServer } from "../support/fake-hub-server.js";
import { failure, withoutHubTokens } from "../support/hub-test-support.js";

const FAST_RETRY = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 };
const TOKEN = "hf_fetchmodeltoken0123456789";
const DISTILBERT = "distilbert/distilbert-base-uncased-finetuned-sst-2-english";

// Anonymous unless a test passes a token: the environment's token must not leak in.
withoutHubTokens();

describe("fetchHubModel on the fake Hub", () => {
  let hub: FakeHub;

  beforeEach(async () => {
    hub = await startFakeHubServer();
  });

  afterEach(async () => {
    await hub.close();
  });

  it("maps one model as a synced listing entry is mapped, its files read from the onnx tree", async () => {
    // The fixture, like a mirror's model info, names no files: the onnx/ folder's tree does.
    hub.setFiles(DISTILBERT, ["config.json", "model.safetensors", "onnx/model.onnx"]);
    const fetched = await fetchHubModel(DISTILBERT, {
      endpoint: hub.url,
      retry: FAST_RETRY,
    });
    const fixture = loadHubFixtures().find((model) => model.id === DISTILBERT);
    expect(fixture).toBeDefined();
    // The listing maps the expand fields only; the single fetch must see the same ones.
    const expanded = Object.fromEntries(
      Object.entries(fixture ?? {}).filter(
        ([key]) => key === "id" || key === "_id" || HUB_MODEL_EXPAND_FIELDS.includes(key as never),
      ),
    );
    const listed = mapHubModel(apiModelInfoSchema.parse(expanded));
    expect(listed.extra.filesUnknown).toBe(true);
    expect(fetched?.record).toEqual(withOnnxFiles(listed, ["onnx/model.onnx"]));
    expect(fetched?.record.extra).toMatchObject({ onnxFiles: ["onnx/model.onnx"] });
    expect(fetched?.record.extra.filesUnknown).toBeUndefined();
    expect(fetched?.filesNotListed).toBeUndefined();
    expect(fetched?.record).toMatchObject({
      id: DISTILBERT,
      source: "hub",
      task: "text-classification",
      license: "apache-2.0",
      languages: ["en"],
    });
    expect(fetched?.record.evalResults.length).toBeGreaterThan(0);
    expect(fetched?.repository).toBe(fetched?.record);
    expect(fetched?.variants).toEqual([]);

    const [request, treeRequest] = hub.requests;
    expect(hub.requests).toHaveLength(2);
    expect(request?.path).toBe(`/api/models/${DISTILBERT}`);
    expect(request?.query.getAll("expand")).toEqual([...HUB_MODEL_EXPAND_FIELDS]);
    expect(request?.authorization).toBeUndefined();
    expect(treeRequest?.path).toBe(`/api/models/${DISTILBERT}/tree/main/onnx`);
  });

  it("keeps the files unknown, and says why, when the onnx tree cannot be read", async () => {
    // Model info answers without siblings; the tree gets a bare 404 (a mirror without it).
    hub.script({ kind: "ok" }, { kind: "status", status: 404, body: "Not Found" });
    const fetched = await fetchHubModel(DISTILBERT, { endpoint: hub.url, retry: FAST_RETRY });
    expect(fetched?.record.extra.filesUnknown).toBe(true);
    expect(fetched?.record.extra.onnxFiles).toBeUndefined();
    expect(fetched?.filesNotListed).toContain("tree API");
  });

  it("returns the quantised ONNX variants the repository lists, and a variant asked by id", async () => {
    hub.setModels([
      {
        id: "Xenova/tiny-sentiment",
        pipeline_tag: "text-classification",
        library_name: "transformers.js",
        tags: ["transformers.js", "onnx", "text-classification"],
        lastModified: "2025-01-01T00:00:00.000Z",
        safetensors: { parameters: { F32: 4_000_000 }, total: 4_000_000 },
        siblings: [
          { rfilename: "config.json" },
          { rfilename: "onnx/model.onnx" },
          { rfilename: "onnx/model_quantized.onnx" },
          { rfilename: "onnx/model_fp16.onnx" },
        ],
      },
    ]);
    const options = { endpoint: hub.url, retry: FAST_RETRY };
    const fetched = await fetchHubModel("Xenova/tiny-sentiment", options);
    expect(fetched?.record.extra.onnxVariants).toEqual(["q8", "fp16"]);
    expect(fetched?.variants.map((variant) => variant.id)).toEqual([
      "Xenova/tiny-sentiment@q8",
      "Xenova/tiny-sentiment@fp16",
    ]);
    // int8 weights: one byte per parameter, whatever dtype a search assumes.
    expect(fetched?.variants[0]?.memoryBytes.fp32).toBe(4_000_000);

    const variant = await fetchHubModel("Xenova/tiny-sentiment@q8", options);
    expect(variant?.record.id).toBe("Xenova/tiny-sentiment@q8");
    expect(variant?.repository.id).toBe("Xenova/tiny-sentiment");
    // The repository ships no q4 weights: that id does not exist.
    expect(await fetchHubModel("Xenova/tiny-sentiment@q4", options)).toBeNull();
  });

  it("returns null for a missing model, anonymous (Hub 401 RepoNotFound) or authenticated (404)", async () => {
    const anonymous = await fetchHubModel("nobody/no-such-model", {
      endpoint: hub.url,
      retry: FAST_RETRY,
    });
    expect(anonymous).toBeNull();
    const authenticated = await fetchHubModel("nobody/no-such-model", {
      endpoint: hub.url,
      token: TOKEN,
      retry: FAST_RETRY,
    });
    expect(authenticated).toBeNull();
    expect(hub.requests.map((request) => request.authorization)).toEqual([
      undefined,
      `Bearer ${TOKEN}`,
    ]);
  });

  it("returns null for a bare 404 from the model info, as listOnnxFiles says NOT_FOUND", async () => {
    hub.script({ kind: "status", status: 404, body: "Not Found" });
    expect(await fetchHubModel(DISTILBERT, { endpoint: hub.url, retry: FAST_RETRY })).toBeNull();
    expect(hub.requests).toHaveLength(1);
  });

  it("retries a busy Hub and then answers", async () => {
    hub.script({ kind: "status", status: 503 }, { kind: "reset" });
    const fetched = await fetchHubModel(DISTILBERT, {
      endpoint: hub.url,
      retry: FAST_RETRY,
    });
    expect(fetched?.record.id).toBe(DISTILBERT);
    const infoRequests = hub.requests.filter((request) => !request.path.includes("/tree/"));
    expect(infoRequests).toHaveLength(3);
  });

  it("fails with the endpoint and a hint when the Hub stays down", async () => {
    hub.script(...Array.from({ length: 3 }, () => ({ kind: "status" as const, status: 503 })));
    const error = await failure(
      fetchHubModel(DISTILBERT, { endpoint: hub.url, retry: FAST_RETRY }),
    );
    expect(error.code).toBe("HUB_REQUEST_FAILED");
    expect(error.isRetryable).toBe(true);
    expect(error.details).toMatchObject({ endpoint: hub.url, status: 503, attempts: 3 });
    expect(error.message).toContain(hub.url);
    expect(error.message).toContain("HF_ENDPOINT");
    expect(error.message).toContain("modelscout mirror serve");
  });

  it("gives up on a Hub that does not answer within the timeout", async () => {
    hub.script({ kind: "slow", delayMs: 2_000 });
    const error = await failure(
      fetchHubModel(DISTILBERT, {
        endpoint: hub.url,
        retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 },
        requestTimeoutMs: 100,
      }),
    );
    expect(error.code).toBe("HUB_REQUEST_FAILED");
    expect(error.message).toContain("no answer within 100 ms after 1 try");
    expect(error.message).toContain(hub.url);
  });

  it("says a refused token is the problem, without leaking it", async () => {
    await hub.close();
    hub = await startFakeHubServer({ requiredToken: "hf_the_right_token_000000" });
    const error = await failure(
      fetchHubModel(DISTILBERT, { endpoint: hub.url, token: TOKEN, retry: FAST_RETRY }),
    );
    expect(error.code).toBe("HUB_REQUEST_FAILED");
    expect(error.details.status).toBe(401);
    expect(error.message).toContain("HF_TOKEN was sent and refused");
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain(TOKEN);
    // A token accepted by the Hub gets the model.
    const fetched = await fetchHubModel(DISTILBERT, {
      endpoint: hub.url,
      token: "hf_the_right_token_000000",
      retry: FAST_RETRY,
    });
    expect(fetched?.record.id).toBe(DISTILBERT);
  });

  it("rejects a malformed answer as HUB_RESPONSE_INVALID", async () => {
    hub.script({ kind: "malformed-json" });
    const error = await failure(
      fetchHubModel(DISTILBERT, { endpoint: hub.url, retry: FAST_RETRY }),
    );
    expect(error.code).toBe("HUB_RESPONSE_INVALID");
    expect(error.message).toContain(`/api/models/${DISTILBERT}`);
  });

  it("reads HF_ENDPOINT when no endpoint is given", async () => {
    const saved = process.env.HF_ENDPOINT;
    process.env.HF_ENDPOINT = `${hub.url}/`;
    try {
      const fetched = await fetchHubModel(DISTILBERT, { retry: FAST_RETRY });
      expect(fetched?.url.startsWith(`${hub.url}/api/models/`)).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.HF_ENDPOINT;
      else process.env.HF_ENDPOINT = saved;
    }
  });
});

describe("fetchHubModel arguments", () => {
  it("refuses ids that are not owner/name before any request", async () => {
    for (const id of ["", "a/b/c", "../etc/passwd", "owner/na me", "owner/"]) {
      const error = await failure(fetchHubModel(id, { endpoint: "http://127.0.0.1:9" }));
      expect(error.code).toBe("INVALID_ARGUMENT");
    }
  });

  it("asks for the listing's expand fields on the model's path", () => {
    const url = new URL(buildModelInfoUrl("https://huggingface.co/", "Xenova/bert"));
    expect(url.pathname).toBe("/api/models/Xenova/bert");
    expect(url.searchParams.getAll("expand")).toEqual([...HUB_MODEL_EXPAND_FIELDS]);
  });
});

describe("fetchHubModel on an unreachable endpoint", () => {
  it("fails fast with HUB_REQUEST_FAILED naming the endpoint and what to check", async () => {
    // A port that was free a moment ago and has nothing listening: connections are refused.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const address = probe.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const endpoint = `http://127.0.0.1:${port}`;

    const startedMs = performance.now();
    const error = await failure(
      fetchHubModel(DISTILBERT, {
        endpoint,
        token: TOKEN,
        retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 2 },
        requestTimeoutMs: 2_000,
      }),
    );
    expect(performance.now() - startedMs).toBeLessThan(5_000);
    expect(error.code).toBe("HUB_REQUEST_FAILED");
    expect(error.isRetryable).toBe(true);
    expect(error.details).toMatchObject({ endpoint, attempts: 2 });
    expect(error.message).toContain(endpoint);
    expect(error.message).toContain("ECONNREFUSED");
    expect(error.message).toContain("HF_ENDPOINT");
    expect(error.message).toContain("modelscout mirror serve");
    expect(error.message).not.toContain(TOKEN);
  });
});

describe("fetchHubModel on the mirror", () => {
  let root: string;
  let mirror: MirrorServer;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "modelscout-fetch-model-"));
    const folder = join(root, "acme", "tiny-sentiment");
    await mkdir(join(folder, "onnx"), { recursive: true });
    await writeFile(
      join(folder, "README.md"),
      modelCard({
        id: "acme/tiny-sentiment",
        pipelineTag: "text-classification",
        languages: ["en", "de"],
        license: "mit",
        datasets: ["demo-data"],
        description: "A test repo.",
        evaluations: [{ dataset: "demo-data", split: "test", metric: "accuracy", value: 0.875 }],
      }),
    );
    await writeFile(
      join(folder, "config.json"),
      JSON.stringify({ model_type: "bert", architectures: ["BertModel"], id2label: {} }),
    );
    await writeFile(join(folder, "onnx", "model.onnx"), Buffer.alloc(64));
    await writeFile(join(folder, "onnx", "model_quantized.onnx"), Buffer.alloc(16));
    mirror = await startMirrorServer({ directory: root });
  });

  afterAll(async () => {
    await mirror?.close();
    await rm(root, { recursive: true, force: true });
  });

  it("reads a mirrored model's card, evaluations and variants", async () => {
    const fetched = await fetchHubModel("acme/tiny-sentiment", {
      endpoint: mirror.url,
      retry: FAST_RETRY,
    });
    expect(fetched?.record).toMatchObject({
      id: "acme/tiny-sentiment",
      source: "hub",
      task: "text-classification",
      languages: ["en", "de"],
      license: "mit",
      datasets: ["demo-data"],
    });
    expect(fetched?.record.evalResults[0]).toMatchObject({ metric: "accuracy", value: 0.875 });
    expect(fetched?.variants.map((variant) => variant.id)).toEqual(["acme/tiny-sentiment@q8"]);
  });

  it("returns null for a repo the mirror does not hold", async () => {
    const fetched = await fetchHubModel("acme/missing", {
      endpoint: mirror.url,
      retry: FAST_RETRY,
    });
    expect(fetched).toBeNull();
  });
});
