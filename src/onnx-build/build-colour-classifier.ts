/**
 * @module
 * A tiny image classifier in Hugging Face layout, `vit`-shaped so transformers.js runs it
 * with its own `image-classification` pipeline (its `ViTImageProcessor` resizing, cropping
 * and normalising the picture, its `ViTForImageClassification`, ONNX Runtime). No image
 * classifier that transformers.js can run installs offline, so this stands where one would in
 * the tests of the image path: a real model run the real way, not a trained one.
 *
 * The graph averages each colour channel of the processed picture and calls it `red`,
 * `green` or `blue` by the largest. What it averages depends on its preprocessing, as with
 * a real vision model: resized to `imageSize` square, then, with `cropSize`, only the centre
 * square of that side. So two builds that differ only in their crop label the same photo of
 * a red ball on grass differently, and a selection on the user's pictures can tell them apart.
 */
import { type BuiltModel, jsonFile, labelMaps, untrainedModel } from "./built-model.js";
import { modelCard } from "./model-card.js";
import { encodeOnnxModel, float32Bytes } from "./onnx-graph.js";

export const COLOUR_CLASSIFIER_LABELS = ["red", "green", "blue"] as const;

export interface ColourClassifierOptions {
  id: string;
  /** The side, in pixels, every picture is resized to (stretched, as ViT does). Default 32. */
  imageSize?: number;
  /** The side of the centre square the model looks at after resizing; default all of it. */
  cropSize?: number;
}

/**
 * Logit per unit of mean channel value: the channels are normalised to [-1, 1], so a
 * picture of one pure colour scores 4 against -4 and its label gets 99.9 % of the
 * probability, while a mixed one gets a spread.
 */
const SHARPNESS = 4;

export function buildColourClassifier(options: ColourClassifierOptions): BuiltModel {
  const startedMs = performance.now();
  const imageSize = options.imageSize ?? 32;
  const cropSize = options.cropSize;
  if (cropSize !== undefined && (cropSize < 1 || cropSize > imageSize)) {
    throw new RangeError(`cropSize ${cropSize} must be between 1 and imageSize ${imageSize}`);
  }
  const side = cropSize ?? imageSize;
  const graph = encodeOnnxModel({
    name: "mean_colour",
    inputs: [{ name: "pixel_values", type: "float32", dims: ["batch_size", 3, side, side] }],
    outputs: [{ name: "logits", type: "float32", dims: ["batch_size", 3] }],
    initializers: [
      { name: "sharpness", type: "float32", dims: [], bytes: float32Bytes([SHARPNESS]) },
    ],
    nodes: [
      {
        opType: "ReduceMean",
        inputs: ["pixel_values"],
        outputs: ["channel_means"],
        attributes: { axes: [2, 3], keepdims: 0 },
      },
      { opType: "Mul", inputs: ["channel_means", "sharpness"], outputs: ["logits"] },
    ],
    metadata: { image_size: String(imageSize), crop_size: String(side) },
  });
  const files = new Map<string, Uint8Array | string>();
  files.set(
    "config.json",
    jsonFile({
      architectures: ["ViTForImageClassification"],
      model_type: "vit",
      image_size: side,
      num_channels: 3,
      ...labelMaps(COLOUR_CLASSIFIER_LABELS),
    }),
  );
  files.set(
    "preprocessor_config.json",
    jsonFile({
      image_processor_type: "ViTImageProcessor",
      do_resize: true,
      size: { height: imageSize, width: imageSize },
      resample: 2,
      do_center_crop: cropSize !== undefined,
      ...(cropSize !== undefined && { crop_size: { height: cropSize, width: cropSize } }),
      do_rescale: true,
      rescale_factor: 1 / 255,
      do_normalize: true,
      image_mean: [0.5, 0.5, 0.5],
      image_std: [0.5, 0.5, 0.5],
    }),
  );
  files.set("onnx/model.onnx", graph);
  const looksAt =
    cropSize === undefined
      ? "the whole picture"
      : `the centre ${cropSize} x ${cropSize} pixels of the picture`;
  files.set(
    "README.md",
    modelCard({
      id: options.id,
      pipelineTag: "image-classification",
      languages: [],
      license: "mit",
      datasets: [],
      tags: ["colour", "test-model"],
      description: `Resizes a picture to ${imageSize} x ${imageSize} pixels and calls ${looksAt} red, green or blue by its largest mean colour channel. Not trained; a stand-in for a vision model in offline tests of the image path.`,
    }),
  );
  return untrainedModel(options.id, "image-classification", files, startedMs);
}
