/**
 * `runsHere`: which backend takes a catalog model, or why none does, as `catalog show` says it.
 */
import { describe, expect, it } from "vitest";
import { npmBackendProvider } from "../../src/backends/npm/npm-backend-provider.js";
import { createTransformersBackendProvider } from "../../src/backends/transformers-js/transformers-backend-provider.js";
import { runsHere } from "../../src/backends/why-not-run-here.js";
import { makeModel } from "../support/make-model.js";

const providers = [createTransformersBackendProvider(), npmBackendProvider];

describe("runsHere", () => {
  it("names the backend of an original tagged onnx and of a conversion", () => {
    const tagged = makeModel({
      id: "sentence-transformers/all-MiniLM-L6-v2",
      task: "feature-extraction",
      library: "sentence-transformers",
      tags: ["onnx"],
    });
    expect(runsHere(tagged, providers)).toEqual({ provider: "transformers-js" });
  });

  it("says why not: the task, files known to hold no ONNX weights, no marker", () => {
    const reason = (overrides: Parameters<typeof makeModel>[0]) => {
      const here = runsHere(makeModel(overrides), providers);
      return here.provider === null ? here.reason : `runs with ${here.provider}`;
    };
    expect(reason({ id: "a/tabular", task: "tabular-regression", library: "sklearn" })).toBe(
      "transformers.js does not run its task (tabular-regression)",
    );
    expect(
      reason({
        id: "a/root-onnx",
        task: "text-classification",
        library: "transformers",
        tags: ["onnx"],
        extra: { onnxFiles: [] },
      }),
    ).toBe("its files hold no ONNX weights under onnx/, which transformers.js loads");
    expect(reason({ id: "a/pytorch", task: "text-classification", library: "transformers" })).toBe(
      "it has no ONNX weights for transformers.js (library transformers, no onnx tag); a conversion may (`modelscout catalog search --task text-classification --onnx`)",
    );
  });
});
