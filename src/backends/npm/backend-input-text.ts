/**
 * @module
 * The text of one input for the text models packaged in npm, with a clear error when a
 * caller sends an image, audio or a chat to a text classifier.
 */
import { ModelScoutError } from "../../errors/modelscout-error.js";
import type { BackendInput } from "../model-backend.js";

function inputKind(input: BackendInput): string {
  if (typeof input === "string") return "text";
  if ("image" in input) return "an image";
  if ("audio" in input) return "audio";
  if ("messages" in input) return "chat messages";
  return "text";
}

export function backendInputText(input: BackendInput, modelId: string): string {
  if (typeof input === "string") return input;
  if ("text" in input && typeof input.text === "string") return input.text;
  throw new ModelScoutError(
    "INVALID_ARGUMENT",
    `${modelId} classifies text: pass a string or { text }, not ${inputKind(input)}.`,
    { details: { modelId } },
  );
}
