import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { hashLocalModelFiles } from "../../../src/backends/transformers-js/hash-local-model-files.js";

const folders: string[] = [];
afterEach(async () => {
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

async function scratch(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), "modelscout-hash-local-"));
  folders.push(folder);
  return folder;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

async function modelFolder(): Promise<string> {
  const folder = await scratch();
  await mkdir(join(folder, "onnx"));
  await writeFile(join(folder, "config.json"), '{"a":1}');
  await writeFile(join(folder, "onnx", "model.onnx"), "weights-v1");
  await writeFile(join(folder, "notes.txt"), "not read by the pipeline");
  return folder;
}

describe("hashLocalModelFiles", () => {
  it("hashes the files read, in path order, and writes nothing into the model's folder", async () => {
    const folder = await modelFolder();
    const cachePath = join(await scratch(), "home", "models", "local-model-hashes.json");
    const files = await hashLocalModelFiles({
      folder,
      files: ["onnx/model.onnx", "config.json", "config.json"],
      cachePath,
    });
    expect(files).toEqual([
      { path: "config.json", sizeBytes: 7, sha256: sha256('{"a":1}') },
      { path: "onnx/model.onnx", sizeBytes: 10, sha256: sha256("weights-v1") },
    ]);
    expect((await readdir(folder)).sort()).toEqual(["config.json", "notes.txt", "onnx"]);
    expect(JSON.parse(await readFile(cachePath, "utf8")).folders[folder]).toBeDefined();
  });

  it("hashes a file again only when its size or modification time changed", async () => {
    const folder = await modelFolder();
    const cachePath = join(await scratch(), "hashes.json");
    const weights = join(folder, "onnx", "model.onnx");
    const options = { folder, files: ["onnx/model.onnx"], cachePath };
    await hashLocalModelFiles(options);
    // Same size, same mtime, other bytes: the cached hash is trusted, as the Hub marker's is.
    await writeFile(weights, "weights-v2");
    const pinned = new Date("2026-01-01T00:00:00Z");
    await utimes(weights, pinned, pinned);
    const first = await hashLocalModelFiles(options);
    expect(first[0]?.sha256).toBe(sha256("weights-v2"));
    await writeFile(weights, "weights-v3");
    await utimes(weights, pinned, pinned);
    expect((await hashLocalModelFiles(options))[0]?.sha256).toBe(sha256("weights-v2"));
    // A new modification time: hashed again.
    const later = new Date("2026-01-02T00:00:00Z");
    await utimes(weights, later, later);
    expect((await hashLocalModelFiles(options))[0]?.sha256).toBe(sha256("weights-v3"));
  });

  it("keeps what two variants of one folder read, and survives a damaged cache file", async () => {
    const folder = await modelFolder();
    await writeFile(join(folder, "onnx", "model_quantized.onnx"), "q8");
    const cachePath = join(await scratch(), "hashes.json");
    await hashLocalModelFiles({ folder, files: ["onnx/model.onnx"], cachePath });
    await hashLocalModelFiles({ folder, files: ["onnx/model_quantized.onnx"], cachePath });
    const cached = JSON.parse(await readFile(cachePath, "utf8")).folders[folder];
    expect(Object.keys(cached).sort()).toEqual(["onnx/model.onnx", "onnx/model_quantized.onnx"]);
    await writeFile(cachePath, "{not json");
    const files = await hashLocalModelFiles({ folder, files: ["config.json"], cachePath });
    expect(files[0]?.sha256).toBe(sha256('{"a":1}'));
  });
});
