/**
 * @module
 * Writes small ONNX graphs as protobuf bytes with the `onnx-proto` devDependency. Only the
 * builders in this folder use it, and only scripts and tests import them, so the published
 * package never needs `onnx-proto` (or its `protobufjs`) at run time. See
 * docs/decisions/0005-mirror-and-built-models.md for why this was preferred over a
 * hand-written protobuf encoder.
 */
import onnxProto from "onnx-proto";

const { onnx } = onnxProto;

/** The element types these builders store. */
export type OnnxElementType = "float32" | "float16" | "int8" | "int64";

const ELEMENT_TYPE_CODES: Record<OnnxElementType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float16: onnx.TensorProto.DataType.FLOAT16,
  int8: onnx.TensorProto.DataType.INT8,
  int64: onnx.TensorProto.DataType.INT64,
};

/** A named constant tensor stored in the graph (`initializer`). */
export interface OnnxInitializer {
  name: string;
  type: OnnxElementType;
  dims: readonly number[];
  /** Little-endian element bytes, as `raw_data` stores them. */
  bytes: Uint8Array;
}

/** A graph input or output; string dimensions are symbolic (`batch_size`). */
export interface OnnxValue {
  name: string;
  type: OnnxElementType;
  dims: readonly (number | string)[];
}

export interface OnnxNode {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  /** Integer or integer-list attributes, the only kinds these graphs use. */
  attributes?: Record<string, number | readonly number[]>;
}

export interface OnnxGraph {
  name: string;
  inputs: readonly OnnxValue[];
  outputs: readonly OnnxValue[];
  initializers: readonly OnnxInitializer[];
  nodes: readonly OnnxNode[];
  /** Free-form `metadata_props` (training data, accuracy), readable with onnxruntime. */
  metadata?: Record<string, string>;
}

/**
 * Opset 13 is the first with `axes` as an input to `ReduceSum` and `Unsqueeze`; every
 * onnxruntime transformers.js has shipped supports it.
 */
export const ONNX_OPSET_VERSION = 13;
const ONNX_IR_VERSION = 7;

function valueInfo(value: OnnxValue) {
  return onnx.ValueInfoProto.create({
    name: value.name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType: ELEMENT_TYPE_CODES[value.type],
        shape: onnx.TensorShapeProto.create({
          dim: value.dims.map((dim) =>
            typeof dim === "number"
              ? onnx.TensorShapeProto.Dimension.create({ dimValue: dim })
              : onnx.TensorShapeProto.Dimension.create({ dimParam: dim }),
          ),
        }),
      }),
    }),
  });
}

function attribute(name: string, value: number | readonly number[]) {
  return typeof value === "number"
    ? onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: value })
    : onnx.AttributeProto.create({
        name,
        type: onnx.AttributeProto.AttributeType.INTS,
        ints: [...value],
      });
}

/** Serialises a graph as a complete `ModelProto` (the bytes of a `.onnx` file). */
export function encodeOnnxModel(graph: OnnxGraph): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    producerName: "modelscout",
    opsetImport: [onnx.OperatorSetIdProto.create({ domain: "", version: ONNX_OPSET_VERSION })],
    metadataProps: Object.entries(graph.metadata ?? {}).map(([key, value]) =>
      onnx.StringStringEntryProto.create({ key, value }),
    ),
    graph: onnx.GraphProto.create({
      name: graph.name,
      input: graph.inputs.map(valueInfo),
      output: graph.outputs.map(valueInfo),
      initializer: graph.initializers.map((initializer) =>
        onnx.TensorProto.create({
          name: initializer.name,
          dataType: ELEMENT_TYPE_CODES[initializer.type],
          dims: [...initializer.dims],
          rawData: initializer.bytes,
        }),
      ),
      node: graph.nodes.map((node, index) =>
        onnx.NodeProto.create({
          name: `${node.opType.toLowerCase()}_${index}`,
          opType: node.opType,
          input: [...node.inputs],
          output: [...node.outputs],
          attribute: Object.entries(node.attributes ?? {}).map(([name, value]) =>
            attribute(name, value),
          ),
        }),
      ),
    }),
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Element bytes of a float32 tensor. */
export function float32Bytes(values: Float32Array | readonly number[]): Uint8Array {
  const array = values instanceof Float32Array ? values : Float32Array.from(values);
  return new Uint8Array(array.buffer.slice(array.byteOffset, array.byteOffset + array.byteLength));
}

/** Element bytes of an int64 tensor (little-endian). */
export function int64Bytes(values: readonly number[]): Uint8Array {
  const array = BigInt64Array.from(values.map((value) => BigInt(value)));
  return new Uint8Array(array.buffer);
}

/** IEEE 754 half precision, round to nearest even; used for `model_fp16.onnx`. */
export function toFloat16Bits(value: number): number {
  const float = new Float32Array([value]);
  const bits = new Uint32Array(float.buffer)[0] ?? 0;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0);
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    if (halfExponent < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - halfExponent;
    const rounded = mantissa >>> shift;
    const remainder = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    const roundUp = remainder > halfway || (remainder === halfway && (rounded & 1) === 1);
    return sign | (rounded + (roundUp ? 1 : 0));
  }
  const rounded = mantissa >>> 13;
  const remainder = mantissa & 0x1fff;
  const roundUp = remainder > 0x1000 || (remainder === 0x1000 && (rounded & 1) === 1);
  // A carry out of the mantissa correctly bumps the exponent.
  return sign | ((halfExponent << 10) + rounded + (roundUp ? 1 : 0));
}

/** Element bytes of a float16 tensor (little-endian). */
export function float16Bytes(values: Float32Array): Uint8Array {
  const half = new Uint16Array(values.length);
  for (let index = 0; index < values.length; index += 1) {
    half[index] = toFloat16Bits(values[index] ?? 0);
  }
  return new Uint8Array(half.buffer);
}

/** Symmetric per-tensor int8 quantisation: `value ≈ quantised * scale`. */
export function quantizeInt8(values: Float32Array): { bytes: Uint8Array; scale: number } {
  let largest = 0;
  for (const value of values) largest = Math.max(largest, Math.abs(value));
  const scale = largest === 0 ? 1 : largest / 127;
  const quantised = new Int8Array(values.length);
  for (let index = 0; index < values.length; index += 1) {
    quantised[index] = Math.max(-127, Math.min(127, Math.round((values[index] ?? 0) / scale)));
  }
  return { bytes: new Uint8Array(quantised.buffer), scale };
}
