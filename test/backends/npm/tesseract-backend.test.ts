/**
 * Tesseract OCR through tesseract.js with the English traineddata from
 * `@tesseract.js-data/eng`, fully offline. Test images are text lines rendered here with
 * DejaVu Sans through sharp's text renderer (Pango), which ships with transformers.js, so
 * there is no image fixture to keep and the ground truth is exact.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { BackendOutput } from "../../../src/backends/model-backend.js";
import { createTesseractBackend } from "../../../src/backends/npm/tesseract-backend.js";
import { ModelScoutError } from "../../../src/errors/modelscout-error.js";
import { renderLine } from "../../support/render-text-line.js";
import { runModelBackendContract } from "../model-backend.contract.js";

function levenshtein(left: string, right: string): number {
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let i = 1; i <= left.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= right.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (left[i - 1] === right[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[right.length] ?? 0;
}

function textOf(output: BackendOutput | undefined): string {
  if (output?.kind !== "text") throw new Error(`expected text, got ${output?.kind}`);
  return output.text;
}

const LINES = [
  "The quick brown fox jumps over the lazy dog.",
  "Invoice 2024-117: total due 1,250.00 EUR by 31 March.",
  "All human beings are born free and equal in dignity and rights.",
  "Call 555-0137 or write to help@example.org before noon.",
];

const images = await Promise.all(LINES.map(renderLine));
const directory = mkdtempSync(path.join(tmpdir(), "modelscout-ocr-"));
const imagePath = path.join(directory, "line.png");
writeFileSync(imagePath, images[0] ?? Buffer.alloc(0));

const backend = createTesseractBackend("4.0.0_best_int");

runModelBackendContract({
  name: "npm:@tesseract.js-data/eng/4.0.0_best_int",
  // One worker for the whole file: starting Tesseract is the slow part.
  create: () => backend,
  inputs: [{ image: new Uint8Array(images[1] ?? []) }, { image: imagePath }],
  expectedKind: "text",
  local: true,
  artifact: "npm",
});

describe("Tesseract OCR on rendered text lines", () => {
  afterAll(async () => {
    await backend.unload();
    rmSync(directory, { recursive: true, force: true });
  });

  it("describes a local image-to-text model", () => {
    expect(backend.describe()).toMatchObject({
      provider: "npm",
      task: "image-to-text",
      local: true,
    });
  });

  it("reads the lines with a character error rate under 5%", async () => {
    const startedMs = performance.now();
    const outputs = await backend.doRun(images.map((image) => ({ image })));
    const perItemMs = (performance.now() - startedMs) / images.length;
    let errors = 0;
    let characters = 0;
    outputs.forEach((output, index) => {
      const expected = LINES[index] ?? "";
      errors += levenshtein(textOf(output), expected);
      characters += expected.length;
    });
    const characterErrorRate = errors / characters;
    console.info(
      `tesseract 4.0.0_best_int: CER ${(characterErrorRate * 100).toFixed(2)}% over ${characters} characters, ${perItemMs.toFixed(0)} ms per line; read ${JSON.stringify(outputs.map(textOf))}`,
    );
    expect(characterErrorRate).toBeLessThan(0.05);
  });

  it("reads a file path as well as bytes", async () => {
    const [fromPath] = await backend.doRun([{ image: imagePath }]);
    expect(textOf(fromPath)).toBe(LINES[0]);
  });

  it("refuses URLs, missing files and text inputs with errors that say what to do", async () => {
    await expect(backend.doRun([{ image: "https://example.org/scan.png" }])).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      message: expect.stringContaining("download"),
    });
    await expect(
      backend.doRun([{ image: path.join(directory, "missing.png") }]),
    ).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(backend.doRun(["just text"])).rejects.toBeInstanceOf(ModelScoutError);
  });

  it("refuses an image that does not decode as the client's error, and reads the next one", async () => {
    const truncated = (images[0] ?? Buffer.alloc(0)).subarray(0, 100);
    const bmpHeaderOnly = Buffer.concat([Buffer.from("BM"), Buffer.alloc(40)]);
    for (const image of [truncated, bmpHeaderOnly]) {
      await expect(backend.doRun([{ image }])).rejects.toMatchObject({
        code: "INVALID_ARGUMENT",
        message: expect.stringContaining("could not decode the image"),
        details: { status: 400 },
      });
    }
    const [after] = await backend.doRun([{ image: images[0] ?? Buffer.alloc(0) }]);
    expect(textOf(after)).toBe(LINES[0]);
  });

  it("stops a recognition when the signal aborts, and recognises again afterwards", async () => {
    const controller = new AbortController();
    const running = backend.doRun([{ image: images[2] ?? Buffer.alloc(0) }], {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error("stop")), 20);
    await expect(running).rejects.toThrow("stop");
    const [again] = await backend.doRun([{ image: images[2] ?? Buffer.alloc(0) }]);
    expect(textOf(again)).toBe(LINES[2]);
  });
});

describe("Tesseract with the legacy+LSTM traineddata (npm:@tesseract.js-data/eng/4.0.0)", () => {
  it("reads a line too", async () => {
    const legacy = createTesseractBackend("4.0.0");
    try {
      const [output] = await legacy.doRun([{ image: images[0] ?? Buffer.alloc(0) }]);
      expect(levenshtein(textOf(output), LINES[0] ?? "")).toBeLessThanOrEqual(2);
    } finally {
      await legacy.unload();
    }
  });
});
