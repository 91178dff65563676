/**
 * `listOnnxFiles` against the fake Hub over real HTTP: model info with `siblings`, the tree of
 * `onnx/` over several `Link` pages when model info has none (as a mirror answers), a missing
 * folder, a missing repository, answers that are not the Hub's, and a closed port.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resolveOnnxVariants } from "../../src/catalog/resolve-onnx-variants.js";
import { listOnnxFiles } from "../../src/hub/list-onnx-files.js";
import { closedPort } from "../support/closed-port.js";
import { type FakeHub, startFakeHubServer } from "../support/fake-hub-server.js";
import { failure, withoutHubTokens } from "../support/hub-test-support.js";

const FAST_RETRY = { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 5 };
const TOKEN = "hf_listonnxtoken0123456789";
const WITH_SIBLINGS = "Xenova/bert-sst2";
const WITHOUT_SIBLINGS = "Xenova/bert-mirror";
const NO_ONNX = "google-bert/bert-base-uncased";
const TREE_FILES = [
  "config.json",
  "onnx/model.onnx",
  "onnx/model_fp16.onnx",
  "onnx/model_q4.onnx",
  "onnx/model_quantized.onnx",
  "onnx/model_uint8.onnx",
  "onnx/extra/notes.txt",
];

withoutHubTokens();

describe("listOnnxFiles on the fake Hub", () => {
  let hub: FakeHub;

  beforeEach(async () => {
    hub = await startFakeHubServer({
      models: [
        {
          id: WITH_SIBLINGS,
          pipeline_tag: "text-classification",
          siblings: [
            { rfilename: "config.json" },
            { rfilename: "onnx/model.onnx" },
            { rfilename: "onnx/model_quantized.onnx" },
          ],
        },
        { id: WITHOUT_SIBLINGS, pipeline_tag: "text-classification", tags: ["onnx"] },
        { id: NO_ONNX, pipeline_tag: "fill-mask", tags: ["onnx"] },
      ],
      treePageSize: 2,
    });
    hub.setFiles(WITHOUT_SIBLINGS, TREE_FILES);
    hub.setFiles(NO_ONNX, ["config.json", "model.onnx", "model.safetensors"]);
  });

  afterEach(async () => {
    await hub.close();
  });

  it("reads the files from model info with expand=siblings when it names them", async () => {
    const listing = await listOnnxFiles(WITH_SIBLINGS, { endpoint: hub.url, retry: FAST_RETRY });
    expect(listing).toMatchObject({
      files: ["onnx/model.onnx", "onnx/model_quantized.onnx"],
      source: "model-info",
    });
    expect(hub.requests.map((request) => request.path)).toEqual([`/api/models/${WITH_SIBLINGS}`]);
    expect(hub.requests[0]?.query.getAll("expand")).toEqual(["siblings"]);
  });

  it("falls back to the onnx folder's tree, following its Link pages with the token", async () => {
    const listing = await listOnnxFiles(WITHOUT_SIBLINGS, {
      endpoint: hub.url,
      token: TOKEN,
      retry: FAST_RETRY,
    });
    expect(listing.source).toBe("tree");
    expect(listing.files).toEqual([
      "onnx/model.onnx",
      "onnx/model_fp16.onnx",
      "onnx/model_q4.onnx",
      "onnx/model_quantized.onnx",
      "onnx/model_uint8.onnx",
    ]);
    // Six entries (five files and the `extra` folder) at two a page: three pages.
    const treeRequests = hub.requests.filter((request) => request.path.includes("/tree/"));
    expect(treeRequests.map((request) => request.path)).toEqual(
      Array(3).fill(`/api/models/${WITHOUT_SIBLINGS}/tree/main/onnx`),
    );
    expect(treeRequests.map((request) => request.query.has("cursor"))).toEqual([false, true, true]);
    expect(new Set(treeRequests.map((request) => request.authorization))).toEqual(
      new Set([`Bearer ${TOKEN}`]),
    );
    expect(listing.urls).toHaveLength(4);
    expect(resolveOnnxVariants(listing.files).variants).toEqual(["q8", "q4", "fp16"]);
  });

  it("keeps the tree's pages on a mirror that passes on the Hub's own links", async () => {
    await hub.close();
    hub = await startFakeHubServer({
      models: [{ id: WITHOUT_SIBLINGS, tags: ["onnx"] }],
      treePageSize: 2,
      linkBase: "https://huggingface.co",
    });
    hub.setFiles(WITHOUT_SIBLINGS, TREE_FILES);
    const listing = await listOnnxFiles(WITHOUT_SIBLINGS, { endpoint: hub.url, retry: FAST_RETRY });
    expect(listing.files).toHaveLength(5);
  });

  it("answers no files when the onnx folder does not exist (404 EntryNotFound)", async () => {
    const listing = await listOnnxFiles(NO_ONNX, { endpoint: hub.url, retry: FAST_RETRY });
    expect(listing).toMatchObject({ files: [], source: "tree" });
    expect(resolveOnnxVariants(listing.files).onnxFiles).toEqual([]);
  });

  it("says NOT_FOUND for a repository the Hub does not have", async () => {
    const error = await failure(
      listOnnxFiles("nobody/nothing", { endpoint: hub.url, retry: FAST_RETRY }),
    );
    expect(error.code).toBe("NOT_FOUND");
    expect(error.message).toContain("nobody/nothing");
  });

  it("takes the model info's 404 with a token, and its bare 404, for NOT_FOUND as fetchHubModel does", async () => {
    // The Hub answers an authenticated request for a missing repository 404 RepoNotFound.
    const authenticated = await failure(
      listOnnxFiles("nobody/nothing", { endpoint: hub.url, token: TOKEN, retry: FAST_RETRY }),
    );
    expect(authenticated.code).toBe("NOT_FOUND");
    expect(hub.requests.map((request) => request.authorization)).toEqual([`Bearer ${TOKEN}`]);
    // A 404 without X-Error-Code on the model info is "no such model" too (not a tree question).
    hub.script({ kind: "status", status: 404, body: "Not Found" });
    const bare = await failure(
      listOnnxFiles(WITH_SIBLINGS, { endpoint: hub.url, retry: FAST_RETRY }),
    );
    expect(bare.code).toBe("NOT_FOUND");
    expect(bare.message).toContain(WITH_SIBLINGS);
  });

  it("says a refused token is the problem (401 without RepoNotFound), not a missing model", async () => {
    await hub.close();
    hub = await startFakeHubServer({
      models: [{ id: WITH_SIBLINGS, siblings: [{ rfilename: "onnx/model.onnx" }] }],
      requiredToken: "hf_the_right_token_000000",
    });
    const error = await failure(
      listOnnxFiles(WITH_SIBLINGS, { endpoint: hub.url, token: TOKEN, retry: FAST_RETRY }),
    );
    expect(error.code).toBe("HUB_REQUEST_FAILED");
    expect(error.isRetryable).toBe(false);
    expect(error.details).toMatchObject({ modelId: WITH_SIBLINGS, status: 401 });
    expect(error.message).toContain(`refused to list the files of ${WITH_SIBLINGS} (HTTP 401)`);
    expect(error.message).toContain(`/api/models/${WITH_SIBLINGS}?expand=siblings`);
    expect(error.message).toContain("HF_TOKEN was sent and refused");
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain(TOKEN);
  });

  it("does not take a 404 that names nothing missing for an empty folder", async () => {
    // The model info answers; the tree request gets a bare 404, as from a mirror without the tree API.
    hub.script({ kind: "ok" }, { kind: "status", status: 404, body: "Not Found" });
    const error = await failure(
      listOnnxFiles(WITHOUT_SIBLINGS, { endpoint: hub.url, retry: FAST_RETRY }),
    );
    expect(error.code).toBe("HUB_REQUEST_FAILED");
    expect(error.message).toContain("tree API");
  });

  it("fails with HUB_RESPONSE_INVALID on model info that is not JSON", async () => {
    hub.script({ kind: "malformed-json" });
    const error = await failure(
      listOnnxFiles(WITH_SIBLINGS, { endpoint: hub.url, retry: FAST_RETRY }),
    );
    expect(error.code).toBe("HUB_RESPONSE_INVALID");
    expect(error.message).toContain(`/api/models/${WITH_SIBLINGS}?expand=siblings`);
    expect(error.details.problem).toMatch(/^the body is not valid JSON/);
  });

  it("fails with HUB_RESPONSE_INVALID on a tree page that is not JSON", async () => {
    hub.script({ kind: "ok" }, { kind: "malformed-json" });
    const error = await failure(
      listOnnxFiles(WITHOUT_SIBLINGS, { endpoint: hub.url, retry: FAST_RETRY }),
    );
    expect(error.code).toBe("HUB_RESPONSE_INVALID");
    expect(error.message).toContain("/tree/main/onnx");
  });

  it("fails with a retryable HUB_REQUEST_FAILED when nothing answers, without the token", async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const error = await failure(
      listOnnxFiles(WITH_SIBLINGS, { endpoint, token: TOKEN, retry: FAST_RETRY }),
    );
    expect(error.code).toBe("HUB_REQUEST_FAILED");
    expect(error.isRetryable).toBe(true);
    expect(error.message).not.toContain(TOKEN);
  });
});
