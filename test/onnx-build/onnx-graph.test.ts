/** Number formats and determinism of the builders. */
import { describe, expect, it } from "vitest";
import { readFrontMatter } from "../../src/mirror/read-front-matter.js";
import { buildTextClassifier } from "../../src/onnx-build/build-text-classifier.js";
import { modelCard } from "../../src/onnx-build/model-card.js";
import { quantizeInt8, toFloat16Bits } from "../../src/onnx-build/onnx-graph.js";
import { trainBagOfWords } from "../../src/onnx-build/train-bag-of-words.js";
import { buildVocabulary, wordTokens } from "../../src/onnx-build/word-tokenizer.js";

describe("float16 and int8", () => {
  it("converts to IEEE half precision bit patterns", () => {
    expect(toFloat16Bits(0)).toBe(0x0000);
    expect(toFloat16Bits(-0)).toBe(0x8000);
    expect(toFloat16Bits(1)).toBe(0x3c00);
    expect(toFloat16Bits(-2)).toBe(0xc000);
    expect(toFloat16Bits(0.5)).toBe(0x3800);
    expect(toFloat16Bits(65504)).toBe(0x7bff);
    expect(toFloat16Bits(1e6)).toBe(0x7c00); // overflow -> infinity
    expect(toFloat16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(toFloat16Bits(Number.NaN) & 0x7c00).toBe(0x7c00);
  });

  it("quantises symmetrically within half a step", () => {
    const values = Float32Array.from([-1.27, 0, 0.5, 1.27]);
    const { bytes, scale } = quantizeInt8(values);
    expect(scale).toBeCloseTo(0.01, 6);
    const restored = Array.from(new Int8Array(bytes.buffer), (value) => value * scale);
    restored.forEach((value, index) => {
      expect(Math.abs(value - (values[index] ?? 0))).toBeLessThanOrEqual(scale / 2);
    });
  });
});

describe("tokenisation and training", () => {
  it("splits English into lowercase words and punctuation, Chinese into characters", () => {
    expect(wordTokens("Don't STOP, café!")).toEqual(["don", "'", "t", "stop", ",", "cafe", "!"]);
    expect(wordTokens("送餐很快ok")).toEqual(["送", "餐", "很", "快", "ok"]);
  });

  it("trains identically twice and learns a separable toy task", () => {
    const vocabulary = buildVocabulary(["good great", "bad awful"], { minimumCount: 1 });
    const options = {
      documents: [[2, 3], [4, 5], [2], [5]],
      labels: [1, 0, 1, 0],
      vocabularySize: vocabulary.size,
      labelCount: 2,
    };
    const first = trainBagOfWords(options);
    const second = trainBagOfWords(options);
    expect(Array.from(first.weights)).toEqual(Array.from(second.weights));
    // "good" pushes towards label 1, "awful" towards label 0.
    expect((first.weights[2 * 2 + 1] ?? 0) > (first.weights[2 * 2] ?? 0)).toBe(true);
    expect((first.weights[5 * 2] ?? 0) > (first.weights[5 * 2 + 1] ?? 0)).toBe(true);
  });

  it("writes the same bytes for the same data", () => {
    const build = () =>
      buildTextClassifier({
        id: "test/toy",
        texts: ["good film", "great film", "bad film", "awful film", "good", "bad"],
        labels: ["pos", "pos", "neg", "neg", "pos", "neg"],
        languages: ["en"],
        license: "mit",
        datasets: ["toy"],
        description: "Toy.",
        vocabulary: { minimumCount: 1 },
      });
    const first = build();
    const second = build();
    for (const [path, contents] of first.files)
      expect(second.files.get(path), path).toEqual(contents);
    expect(JSON.parse(String(first.files.get("config.json")))).toMatchObject({
      model_type: "bert",
      id2label: { "0": "neg", "1": "pos" },
      label2id: { neg: 0, pos: 1 },
    });
  });
});

it("writes model cards the mirror's front-matter reader reads back", () => {
  const card = modelCard({
    id: "modelscout/x",
    pipelineTag: "text-classification",
    languages: ["en", "zh"],
    license: "mit",
    datasets: ["a"],
    description: "X.",
    evaluations: [{ dataset: "a", split: "test", metric: "accuracy", value: 0.81234 }],
  });
  const fields = readFrontMatter(card);
  expect(fields).toMatchObject({
    pipeline_tag: "text-classification",
    library_name: "transformers.js",
    language: ["en", "zh"],
    license: "mit",
    datasets: ["a"],
  });
  expect(JSON.stringify(fields["model-index"])).toContain('"value":0.8123');
});
