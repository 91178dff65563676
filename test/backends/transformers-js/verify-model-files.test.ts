import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { verifyModelFiles } from "../../../src/backends/transformers-js/verify-model-files.js";

const folders: string[] = [];
afterEach(async () => {
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

const COMMIT = "0123456789abcdef0123456789abcdef01234567";

async function cachedRepository(): Promise<{ cacheDirectory: string; sha256: string }> {
  const cacheDirectory = await mkdtemp(join(tmpdir(), "modelscout-verify-"));
  folders.push(cacheDirectory);
  const repository = join(cacheDirectory, "owner", "model", "onnx");
  await mkdir(repository, { recursive: true });
  await writeFile(join(repository, "model.onnx"), "weights");
  return { cacheDirectory, sha256: createHash("sha256").update("weights").digest("hex") };
}

/** A server answering the revision's metadata, counting the requests. */
function revisionServer(sha256: string, commit: string | undefined) {
  const requests: string[] = [];
  const fetch = (async (url: string | URL) => {
    requests.push(String(url));
    return Response.json({
      ...(commit !== undefined && { sha: commit }),
      siblings: [{ rfilename: "onnx/model.onnx", lfs: { sha256, size: 7 } }],
    });
  }) as typeof globalThis.fetch;
  return { fetch, requests };
}

describe("verifyModelFiles: the commit the server named", () => {
  it("reports the commit with the files, and remembers it for loads that ask no server", async () => {
    const { cacheDirectory, sha256 } = await cachedRepository();
    const server = revisionServer(sha256, COMMIT);
    const options = {
      cacheDirectory,
      repositoryId: "owner/model",
      revision: "main",
      remoteHost: "http://mirror.test/",
      offline: false,
      fetch: server.fetch,
    };
    const first = await verifyModelFiles(options);
    expect(first.commitSha).toBe(COMMIT);
    expect(first.files).toEqual([
      { path: "onnx/model.onnx", sizeBytes: 7, sha256, checkedAgainst: "sha256" },
    ]);
    expect(server.requests).toHaveLength(1);
    // Verified files cost no request, and the commit comes from the marker.
    const again = await verifyModelFiles({ ...options, offline: true });
    expect(again.commitSha).toBe(COMMIT);
    expect(server.requests).toHaveLength(1);
    // Another revision was never resolved: no commit is claimed for it.
    const other = await verifyModelFiles({ ...options, revision: "v2", offline: true });
    expect(other.commitSha).toBeUndefined();
  });

  it("claims no commit when the server did not name one", async () => {
    const { cacheDirectory, sha256 } = await cachedRepository();
    const result = await verifyModelFiles({
      cacheDirectory,
      repositoryId: "owner/model",
      revision: "main",
      remoteHost: "http://mirror.test/",
      offline: false,
      fetch: revisionServer(sha256, undefined).fetch,
    });
    expect(result.commitSha).toBeUndefined();
    expect(result.files[0]?.checkedAgainst).toBe("sha256");
  });
});
