/**
 * @module
 * The output kind each task's answers must have, for the router's check of a model's outputs
 * and for the routes config, which allows `min_confidence` only where answers are labels.
 */
import type { BackendOutput } from "../backends/model-backend.js";

/** The output kind each task must produce. */
export const EXPECTED_OUTPUT_KIND: Partial<Record<string, BackendOutput["kind"]>> = {
  "text-generation": "text",
  "feature-extraction": "embedding",
  "sentence-similarity": "embedding",
  "text-classification": "labels",
  "zero-shot-classification": "labels",
  "token-classification": "spans",
  "image-classification": "labels",
  "audio-classification": "labels",
  "image-to-text": "text",
  "automatic-speech-recognition": "text",
};
