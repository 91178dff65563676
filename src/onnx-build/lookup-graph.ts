/**
 * @module
 * The ONNX graphs of the built models: a per-token lookup table (Gather on `input_ids`)
 * masked by `attention_mask`, then either averaged into classifier `logits` or returned per
 * token as `last_hidden_state`. Each graph comes in the weight formats transformers.js
 * selects by `dtype`: `fp32` (`onnx/model.onnx`), `fp16` (`onnx/model_fp16.onnx`, float16
 * table cast to float32 after the lookup) and `q8` (`onnx/model_quantized.onnx`, int8 table
 * with `DequantizeLinear` after the lookup). Inputs and outputs stay float32/int64 in every
 * variant, so the pipelines treat them alike.
 */
import {
  encodeOnnxModel,
  float16Bytes,
  float32Bytes,
  int64Bytes,
  type OnnxInitializer,
  type OnnxNode,
  quantizeInt8,
} from "./onnx-graph.js";

/** transformers.js dtype names and the file each one loads. */
export const WEIGHT_VARIANT_FILES = {
  fp32: "onnx/model.onnx",
  fp16: "onnx/model_fp16.onnx",
  q8: "onnx/model_quantized.onnx",
} as const;
export type WeightVariant = keyof typeof WEIGHT_VARIANT_FILES;
export const WEIGHT_VARIANTS = Object.keys(WEIGHT_VARIANT_FILES) as WeightVariant[];

const ONNX_FLOAT = 1;
const TOKEN_INPUTS = [
  { name: "input_ids", type: "int64", dims: ["batch_size", "sequence_length"] },
  { name: "attention_mask", type: "int64", dims: ["batch_size", "sequence_length"] },
] as const;

function lookup(
  variant: WeightVariant,
  table: Float32Array,
  dims: readonly [number, number],
  output: string,
): { initializers: OnnxInitializer[]; nodes: OnnxNode[] } {
  if (variant === "fp32") {
    return {
      initializers: [{ name: "table", type: "float32", dims, bytes: float32Bytes(table) }],
      nodes: [{ opType: "Gather", inputs: ["table", "input_ids"], outputs: [output] }],
    };
  }
  if (variant === "fp16") {
    return {
      initializers: [{ name: "table_fp16", type: "float16", dims, bytes: float16Bytes(table) }],
      nodes: [
        { opType: "Gather", inputs: ["table_fp16", "input_ids"], outputs: ["rows_fp16"] },
        {
          opType: "Cast",
          inputs: ["rows_fp16"],
          outputs: [output],
          attributes: { to: ONNX_FLOAT },
        },
      ],
    };
  }
  const { bytes, scale } = quantizeInt8(table);
  return {
    initializers: [
      { name: "table_int8", type: "int8", dims, bytes },
      { name: "table_scale", type: "float32", dims: [], bytes: float32Bytes([scale]) },
      { name: "table_zero_point", type: "int8", dims: [], bytes: new Uint8Array([0]) },
    ],
    nodes: [
      { opType: "Gather", inputs: ["table_int8", "input_ids"], outputs: ["rows_int8"] },
      {
        opType: "DequantizeLinear",
        inputs: ["rows_int8", "table_scale", "table_zero_point"],
        outputs: [output],
      },
    ],
  };
}

const MASK_NODES: OnnxNode[] = [
  { opType: "Cast", inputs: ["attention_mask"], outputs: ["mask"], attributes: { to: ONNX_FLOAT } },
  { opType: "Unsqueeze", inputs: ["mask", "last_axis"], outputs: ["mask_column"] },
];
const LAST_AXIS: OnnxInitializer = {
  name: "last_axis",
  type: "int64",
  dims: [1],
  bytes: int64Bytes([2]),
};

export interface ClassifierGraphOptions {
  /** Row-major `[vocabularySize, labelCount]`. */
  weights: Float32Array;
  bias: Float32Array;
  vocabularySize: number;
  labelCount: number;
  variant: WeightVariant;
  metadata?: Record<string, string>;
}

/** `logits = bias + mean over unmasked tokens of table[input_ids]`. */
export function classifierGraph(options: ClassifierGraphOptions): Uint8Array {
  const table = lookup(
    options.variant,
    options.weights,
    [options.vocabularySize, options.labelCount],
    "token_logits",
  );
  return encodeOnnxModel({
    name: "bag_of_words_classifier",
    inputs: TOKEN_INPUTS,
    outputs: [{ name: "logits", type: "float32", dims: ["batch_size", options.labelCount] }],
    initializers: [
      ...table.initializers,
      LAST_AXIS,
      { name: "sequence_axis", type: "int64", dims: [1], bytes: int64Bytes([1]) },
      { name: "one", type: "float32", dims: [1], bytes: float32Bytes([1]) },
      {
        name: "bias",
        type: "float32",
        dims: [options.labelCount],
        bytes: float32Bytes(options.bias),
      },
    ],
    nodes: [
      ...table.nodes,
      ...MASK_NODES,
      { opType: "Mul", inputs: ["token_logits", "mask_column"], outputs: ["masked_logits"] },
      {
        opType: "ReduceSum",
        inputs: ["masked_logits", "sequence_axis"],
        outputs: ["summed_logits"],
        attributes: { keepdims: 0 },
      },
      {
        opType: "ReduceSum",
        inputs: ["mask", "sequence_axis"],
        outputs: ["token_count"],
        attributes: { keepdims: 1 },
      },
      // An empty text averages over one token, not zero: its logits are the bias.
      { opType: "Max", inputs: ["token_count", "one"], outputs: ["denominator"] },
      { opType: "Div", inputs: ["summed_logits", "denominator"], outputs: ["mean_logits"] },
      { opType: "Add", inputs: ["mean_logits", "bias"], outputs: ["logits"] },
    ],
    ...(options.metadata !== undefined && { metadata: options.metadata }),
  });
}

export interface EmbeddingGraphOptions {
  /** Row-major `[vocabularySize, dimensions]`. */
  vectors: Float32Array;
  vocabularySize: number;
  dimensions: number;
  variant: WeightVariant;
  metadata?: Record<string, string>;
}

/** `last_hidden_state[b, s] = vectors[input_ids[b, s]] * attention_mask[b, s]`. */
export function embeddingGraph(options: EmbeddingGraphOptions): Uint8Array {
  const table = lookup(
    options.variant,
    options.vectors,
    [options.vocabularySize, options.dimensions],
    "token_vectors",
  );
  return encodeOnnxModel({
    name: "word_vector_encoder",
    inputs: TOKEN_INPUTS,
    outputs: [
      {
        name: "last_hidden_state",
        type: "float32",
        dims: ["batch_size", "sequence_length", options.dimensions],
      },
    ],
    initializers: [...table.initializers, LAST_AXIS],
    nodes: [
      ...table.nodes,
      ...MASK_NODES,
      { opType: "Mul", inputs: ["token_vectors", "mask_column"], outputs: ["last_hidden_state"] },
    ],
    ...(options.metadata !== undefined && { metadata: options.metadata }),
  });
}
