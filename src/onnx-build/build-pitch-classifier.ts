/**
 * @module
 * A tiny audio classifier in Hugging Face layout, `wav2vec2`-shaped so transformers.js runs
 * it with its own `audio-classification` pipeline (its `Wav2Vec2FeatureExtractor`, its
 * `Wav2Vec2ForSequenceClassification`, ONNX Runtime). No speech model installs offline, so
 * this stands where one would in the tests of the audio path: it is a real model run the real
 * way, not a trained one. The graph measures the zero-crossing rate of the 16 kHz samples,
 * which for a tone is twice its frequency over the sampling rate, and calls a sound
 * `high-pitched` above `thresholdHz` and `low-pitched` below; silence is low-pitched. Because
 * the rate is per sample, audio passed at the wrong sampling rate gets the wrong answer: a
 * 2 kHz tone recorded at 44.1 kHz and read as 16 kHz samples crosses zero as often as a
 * 726 Hz one, so the tests can tell that audio was resampled.
 */
import { type BuiltModel, jsonFile, labelMaps, untrainedModel } from "./built-model.js";
import { modelCard } from "./model-card.js";
import { encodeOnnxModel, type OnnxInitializer } from "./onnx-graph.js";

export const PITCH_CLASSIFIER_LABELS = ["low-pitched", "high-pitched"] as const;
const SAMPLING_RATE_HZ = 16_000;
const ONNX_FLOAT = 1;

export interface PitchClassifierOptions {
  id: string;
  /** The pitch between the two labels. Default 1 kHz. */
  thresholdHz?: number;
}

function floats(name: string, dims: readonly number[], values: readonly number[]): OnnxInitializer {
  return {
    name,
    type: "float32",
    dims,
    bytes: new Uint8Array(Float32Array.from(values).buffer),
  };
}

function int64s(name: string, values: readonly bigint[]): OnnxInitializer {
  return {
    name,
    type: "int64",
    dims: [values.length],
    bytes: new Uint8Array(BigInt64Array.from(values).buffer),
  };
}

export function buildPitchClassifier(options: PitchClassifierOptions): BuiltModel {
  const startedMs = performance.now();
  const thresholdHz = options.thresholdHz ?? 1000;
  // Zero crossings per sample of a tone of `thresholdHz`.
  const threshold = (2 * thresholdHz) / SAMPLING_RATE_HZ;
  const graph = encodeOnnxModel({
    name: "zero_crossing_pitch",
    inputs: [{ name: "input_values", type: "float32", dims: ["batch_size", "sequence_length"] }],
    outputs: [{ name: "logits", type: "float32", dims: ["batch_size", 2] }],
    initializers: [
      int64s("zero_index", [0n]),
      int64s("one_index", [1n]),
      int64s("last_index", [-1n]),
      int64s("end_index", [BigInt(Number.MAX_SAFE_INTEGER)]),
      floats("zero", [], [0]),
      floats("threshold", [], [threshold]),
      // Logits per label: a steep step either side of the threshold.
      floats("label_weights", [1, 2], [-200, 200]),
    ],
    nodes: [
      {
        opType: "Slice",
        inputs: ["input_values", "one_index", "end_index", "one_index"],
        outputs: ["later"],
      },
      {
        opType: "Slice",
        inputs: ["input_values", "zero_index", "last_index", "one_index"],
        outputs: ["earlier"],
      },
      // A crossing is a change of sign; exact zeros (a tone sampled at its own zero) count as
      // positive, so a crossing through a zero sample is counted once, not missed.
      { opType: "GreaterOrEqual", inputs: ["later", "zero"], outputs: ["later_sign"] },
      { opType: "GreaterOrEqual", inputs: ["earlier", "zero"], outputs: ["earlier_sign"] },
      { opType: "Xor", inputs: ["later_sign", "earlier_sign"], outputs: ["crossed"] },
      {
        opType: "Cast",
        inputs: ["crossed"],
        outputs: ["crossings"],
        attributes: { to: ONNX_FLOAT },
      },
      {
        opType: "ReduceMean",
        inputs: ["crossings"],
        outputs: ["rate"],
        attributes: { axes: [1], keepdims: 1 },
      },
      { opType: "Sub", inputs: ["rate", "threshold"], outputs: ["above"] },
      { opType: "Mul", inputs: ["above", "label_weights"], outputs: ["logits"] },
    ],
    metadata: { threshold_hz: String(thresholdHz), sampling_rate_hz: String(SAMPLING_RATE_HZ) },
  });
  const files = new Map<string, Uint8Array | string>();
  files.set(
    "config.json",
    jsonFile({
      architectures: ["Wav2Vec2ForSequenceClassification"],
      model_type: "wav2vec2",
      ...labelMaps(PITCH_CLASSIFIER_LABELS),
    }),
  );
  files.set(
    "preprocessor_config.json",
    jsonFile({
      feature_extractor_type: "Wav2Vec2FeatureExtractor",
      feature_size: 1,
      sampling_rate: SAMPLING_RATE_HZ,
      padding_value: 0,
      // Normalising would not change where the signal crosses zero, but keeps the samples as sent.
      do_normalize: false,
      return_attention_mask: false,
    }),
  );
  files.set("onnx/model.onnx", graph);
  files.set(
    "README.md",
    modelCard({
      id: options.id,
      pipelineTag: "audio-classification",
      languages: [],
      license: "mit",
      datasets: [],
      tags: ["zero-crossing-rate", "test-model"],
      description: `Calls a sound high-pitched when its zero-crossing rate at ${SAMPLING_RATE_HZ} Hz is above that of a ${thresholdHz} Hz tone. Not trained; a stand-in for a speech model in offline tests of the audio path.`,
    }),
  );
  return untrainedModel(options.id, "audio-classification", files, startedMs);
}
