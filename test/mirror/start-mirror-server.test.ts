/**
 * The mirror against real HTTP requests: file serving with the Hub's headers, ranges, HEAD,
 * Hub-style 404s, refusal of path traversal on raw request targets, and `/api/models`
 * listing, filters, pagination and model info.
 */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelScoutError } from "../../src/errors/modelscout-error.js";
import { type MirrorServer, startMirrorServer } from "../../src/mirror/start-mirror-server.js";
import { modelCard } from "../../src/onnx-build/model-card.js";

let root: string;
let directory: string;
let mirror: MirrorServer;
const weights = Buffer.from(Array.from({ length: 1000 }, (_, index) => index % 251));

async function writeRepo(
  id: string,
  pipelineTag: string,
  language: string,
  extra: Record<string, string | Buffer> = {},
) {
  const folder = join(directory, ...id.split("/"));
  await mkdir(join(folder, "onnx"), { recursive: true });
  await writeFile(
    join(folder, "README.md"),
    modelCard({
      id,
      pipelineTag,
      languages: [language],
      license: "mit",
      datasets: ["demo-data"],
      description: "A test repo.",
      evaluations: [{ dataset: "demo-data", split: "test", metric: "accuracy", value: 0.9 }],
    }),
  );
  await writeFile(
    join(folder, "config.json"),
    JSON.stringify({ model_type: "bert", architectures: ["BertModel"], id2label: {} }),
  );
  await writeFile(join(folder, "onnx", "model.onnx"), weights);
  for (const [path, contents] of Object.entries(extra))
    await writeFile(join(folder, path), contents);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "modelscout-mirror-"));
  directory = join(root, "models");
  await writeFile(join(root, "secret.txt"), "do not serve");
  await writeRepo("acme/sentiment-small", "text-classification", "en");
  await writeRepo("acme/embedder", "feature-extraction", "en");
  await writeRepo("other/zh-reviews", "text-classification", "zh");
  for (let index = 0; index < 7; index += 1) {
    await writeRepo(`bulk/model-${index}`, "text-classification", "fr");
  }
  await writeFile(join(directory, "acme", "sentiment-small", ".env"), "TOKEN=x");
  await symlink(join(root, "secret.txt"), join(directory, "acme", "sentiment-small", "leak.txt"));
  mirror = await startMirrorServer({ directory });
});

afterAll(async () => {
  await mirror?.close();
  await rm(root, { recursive: true, force: true });
});

/** A request with the target sent byte for byte (fetch would normalise `..`). */
function rawRequest(method: string, target: string, headers: Record<string, string> = {}) {
  const url = new URL(mirror.url);
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const outgoing = httpRequest(
        { host: url.hostname, port: url.port, method, path: target, headers },
        (response) => {
          let body = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => {
            body += chunk;
          });
          response.on("end", () =>
            resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
          );
        },
      );
      outgoing.on("error", reject);
      outgoing.end();
    },
  );
}

describe("resolve", () => {
  it("serves a file with Content-Length, ETag and the repo commit", async () => {
    const response = await fetch(`${mirror.url}/acme/sentiment-small/resolve/main/onnx/model.onnx`);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(weights)).toBe(true);
    expect(response.headers.get("content-length")).toBe(String(weights.length));
    expect(response.headers.get("etag")).toMatch(/^"[0-9a-f]{40}"$/);
    const info = (await (await fetch(`${mirror.url}/api/models/acme/sentiment-small`)).json()) as {
      sha: string;
    };
    expect(response.headers.get("x-repo-commit")).toBe(info.sha);
    // The commit id is also a valid revision.
    const byCommit = await fetch(
      `${mirror.url}/acme/sentiment-small/resolve/${info.sha}/config.json`,
    );
    expect(((await byCommit.json()) as { model_type: string }).model_type).toBe("bert");
  });

  it("answers HEAD with headers only, and a conditional GET with 304", async () => {
    const head = await rawRequest("HEAD", "/acme/sentiment-small/resolve/main/onnx/model.onnx");
    expect(head.status).toBe(200);
    expect(head.headers["content-length"]).toBe(String(weights.length));
    expect(head.body).toBe("");
    const again = await rawRequest("GET", "/acme/sentiment-small/resolve/main/onnx/model.onnx", {
      "if-none-match": String(head.headers.etag),
    });
    expect(again.status).toBe(304);
  });

  it("serves byte ranges the way transformers.js probes files", async () => {
    const first = await fetch(`${mirror.url}/acme/sentiment-small/resolve/main/onnx/model.onnx`, {
      headers: { range: "bytes=0-0" },
    });
    expect(first.status).toBe(206);
    expect(first.headers.get("content-range")).toBe(`bytes 0-0/${weights.length}`);
    expect((await first.arrayBuffer()).byteLength).toBe(1);
    const tail = await fetch(`${mirror.url}/acme/sentiment-small/resolve/main/onnx/model.onnx`, {
      headers: { range: "bytes=-10" },
    });
    expect(Buffer.from(await tail.arrayBuffer()).equals(weights.subarray(-10))).toBe(true);
    const beyond = await fetch(`${mirror.url}/acme/sentiment-small/resolve/main/onnx/model.onnx`, {
      headers: { range: `bytes=${weights.length}-` },
    });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get("content-range")).toBe(`bytes */${weights.length}`);
  });

  it("refuses a repo linked to a folder beside the mirror whose name starts like it", async () => {
    const sibling = join(root, "models-private", "repo");
    await mkdir(sibling, { recursive: true });
    await writeFile(join(sibling, "secret.txt"), "do not serve");
    const link = join(directory, "acme", "linked");
    await symlink(sibling, link);
    try {
      const answer = await fetch(`${mirror.url}/acme/linked/resolve/main/secret.txt`);
      expect(answer.status).toBe(400);
      expect(await answer.text()).not.toContain("do not serve");
    } finally {
      await rm(link);
    }
  });

  it("answers any range of an empty file with 416, as it has no byte to send", async () => {
    const empty = join(directory, "acme", "embedder", "empty.txt");
    await writeFile(empty, "");
    try {
      for (const range of ["bytes=0-0", "bytes=-5", "bytes=0-"]) {
        const answer = await fetch(`${mirror.url}/acme/embedder/resolve/main/empty.txt`, {
          headers: { range },
        });
        expect(answer.status, range).toBe(416);
        expect(answer.headers.get("content-range")).toBe("bytes */0");
      }
      const whole = await fetch(`${mirror.url}/acme/embedder/resolve/main/empty.txt`);
      expect(whole.status).toBe(200);
      expect(whole.headers.get("content-length")).toBe("0");
    } finally {
      await rm(empty);
    }
  });

  it("answers missing repos, revisions and files with Hub-style 404s", async () => {
    const cases = [
      ["/nobody/nothing/resolve/main/config.json", "RepoNotFound"],
      ["/acme/sentiment-small/resolve/v9/config.json", "RevisionNotFound"],
      ["/acme/sentiment-small/resolve/main/onnx/model_q4.onnx", "EntryNotFound"],
      ["/acme/sentiment-small/resolve/main/onnx", "EntryNotFound"],
    ] as const;
    for (const [path, code] of cases) {
      const response = await fetch(`${mirror.url}${path}`);
      expect(response.status, path).toBe(404);
      expect(response.headers.get("x-error-code"), path).toBe(code);
      expect(((await response.json()) as { error: string }).error).toBeTruthy();
    }
  });

  it("refuses path traversal, encoded separators, hidden files and symlinks out of the repo", async () => {
    const targets = [
      "/acme/sentiment-small/resolve/main/../../../secret.txt",
      "/acme/sentiment-small/resolve/main/%2e%2e/%2e%2e/%2e%2e/secret.txt",
      "/acme/sentiment-small/resolve/main/onnx%2F..%2F..%2F..%2F..%2Fsecret.txt",
      "/acme/sentiment-small/resolve/main/..%5C..%5Csecret.txt",
      "/acme/sentiment-small/resolve/main/.env",
      "/acme/sentiment-small/resolve/main/leak.txt",
      "/../models/acme/sentiment-small/resolve/main/config.json",
    ];
    for (const target of targets) {
      const response = await rawRequest("GET", target);
      expect([400, 404], target).toContain(response.status);
      expect(response.body, target).not.toContain("do not serve");
      expect(response.body, target).not.toContain("TOKEN");
    }
    expect((await rawRequest("GET", targets[0] ?? "")).headers["x-error-code"]).toBe("InvalidPath");
    expect((await rawRequest("GET", "/acme/sentiment-small/resolve/main/leak.txt")).status).toBe(
      400,
    );
  });
});

describe("/api/models", () => {
  it("lists repos in the Hub's shape with metadata from the card and config", async () => {
    const response = await fetch(
      `${mirror.url}/api/models?search=sentiment&expand=cardData&expand=pipeline_tag&expand=tags&expand=config&expand=lastModified`,
    );
    const models = (await response.json()) as Record<string, unknown>[];
    expect(models).toHaveLength(1);
    const [model] = models;
    expect(model).toMatchObject({
      id: "acme/sentiment-small",
      pipeline_tag: "text-classification",
      config: { model_type: "bert", architectures: ["BertModel"] },
      cardData: {
        license: "mit",
        language: ["en"],
        datasets: ["demo-data"],
        library_name: "transformers.js",
      },
    });
    expect(model?.tags).toEqual(
      expect.arrayContaining([
        "transformers.js",
        "onnx",
        "bert",
        "text-classification",
        "en",
        "license:mit",
        "dataset:demo-data",
      ]),
    );
    expect(Date.parse(String(model?.lastModified))).toBeGreaterThan(0);
    // Without expand, the Hub's default fields only.
    const [plain] = (await (
      await fetch(`${mirror.url}/api/models?search=sentiment`)
    ).json()) as Record<string, unknown>[];
    expect(plain).not.toHaveProperty("cardData");
    expect(plain).toHaveProperty("pipeline_tag", "text-classification");
  });

  it("filters by author, pipeline_tag and filter tags", async () => {
    const ids = async (query: string) =>
      ((await (await fetch(`${mirror.url}/api/models?${query}`)).json()) as { id: string }[]).map(
        (model) => model.id,
      );
    expect(await ids("author=acme")).toEqual(["acme/embedder", "acme/sentiment-small"]);
    expect(await ids("pipeline_tag=feature-extraction")).toEqual(["acme/embedder"]);
    expect(await ids("filter=zh&filter=text-classification")).toEqual(["other/zh-reviews"]);
    expect(await ids("filter=license:apache-2.0")).toEqual([]);
  });

  it("paginates with a Link header until every repo was listed once", async () => {
    let next: string | null = `${mirror.url}/api/models?limit=3&sort=lastModified&direction=-1`;
    const seen: string[] = [];
    let pages = 0;
    while (next !== null) {
      const response: Response = await fetch(next);
      seen.push(...((await response.json()) as { id: string }[]).map((model) => model.id));
      next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get("link") ?? "")?.[1] ?? null;
      pages += 1;
    }
    expect(pages).toBe(4);
    expect(seen).toHaveLength(10);
    expect(new Set(seen).size).toBe(10);
    expect((await fetch(`${mirror.url}/api/models?cursor=not-a-cursor`)).status).toBe(400);
  });

  it("describes one model with sibling sizes and LFS hashes", async () => {
    const info = (await (await fetch(`${mirror.url}/api/models/acme/embedder`)).json()) as {
      id: string;
      siblings: { rfilename: string; size: number; lfs?: { sha256: string } }[];
      "model-index": unknown;
    };
    expect(info.id).toBe("acme/embedder");
    const onnx = info.siblings.find((sibling) => sibling.rfilename === "onnx/model.onnx");
    expect(onnx?.size).toBe(weights.length);
    expect(onnx?.lfs?.sha256).toBe(createHash("sha256").update(weights).digest("hex"));
    expect(info.siblings.map((sibling) => sibling.rfilename)).toEqual([
      "README.md",
      "config.json",
      "onnx/model.onnx",
    ]);
    expect(info["model-index"]).toBeInstanceOf(Array);
    const missing = await fetch(`${mirror.url}/api/models/acme/nothing`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("x-error-code")).toBe("RepoNotFound");
  });
});

describe("startMirrorServer", () => {
  it("fails with a clear error for a missing folder or a busy port", async () => {
    await expect(startMirrorServer({ directory: join(root, "absent") })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: expect.stringContaining("build-onnx-models"),
    });
    const port = Number(new URL(mirror.url).port);
    const error = await startMirrorServer({ directory, port }).catch((caught: unknown) => caught);
    expect(ModelScoutError.isInstance(error)).toBe(true);
    expect((error as ModelScoutError).message).toContain("already in use");
  });
});
