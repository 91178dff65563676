/**
 * @module
 * How HTTP backends read `BackendInput` items: the text of a text-task input, the chat
 * messages of a generation input, the candidate labels of a classification input, the
 * image of an image-task input as a URL a vision model's server takes. A wrong
 * kind of input (an image sent to an embedding server) fails here with a message naming the
 * task and the index, before anything is sent over the network.
 */
import { readFile } from "node:fs/promises";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import { isImageType, sniffMediaType } from "../../media/sniff-media-type.js";
import type { BackendInput, ChatTurn } from "../model-backend.js";

function wrongInput(task: string, index: number, expected: string): ModelScoutError {
  return new ModelScoutError(
    "INVALID_ARGUMENT",
    `Input ${index} cannot be run as ${task}: expected ${expected}.`,
    { details: { task, index } },
  );
}

/** The text of a plain text input (`"..."` or `{ text }`). */
export function inputText(input: BackendInput, task: string, index: number): string {
  if (typeof input === "string") return input;
  if ("text" in input && typeof input.text === "string") return input.text;
  throw wrongInput(task, index, "a string or { text }");
}

/** Chat messages: `{ messages }` as given, a string or `{ text }` as one user message. */
export function inputMessages(
  input: BackendInput,
  task: string,
  index: number,
): readonly ChatTurn[] {
  if (typeof input === "object" && "messages" in input) {
    if (input.messages.length === 0) throw wrongInput(task, index, "at least one message");
    return input.messages;
  }
  return [{ role: "user", content: inputText(input, task, index) }];
}

/** Candidate labels: the input's own, else the backend's, else an error saying how to give them. */
export function inputLabels(
  input: BackendInput,
  fallback: readonly string[] | undefined,
  task: string,
  index: number,
): readonly string[] {
  const own =
    typeof input === "object" && "candidateLabels" in input ? input.candidateLabels : undefined;
  const labels = own !== undefined && own.length > 0 ? own : fallback;
  if (labels === undefined || labels.length === 0) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `Input ${index} cannot be classified (${task}): give candidate labels, either per input as { text, candidateLabels } or once as the backend's labels (extra.labels in the endpoint record).`,
      { details: { task, index } },
    );
  }
  return labels;
}

/**
 * An image input as a URL for OpenAI's `image_url` part: bytes and a local file as a `data:`
 * URL of the type their first bytes show, a `data:` or `http(s)://` URL as given (the model's
 * server fetches the latter). Anything that is not PNG, JPEG, GIF, WebP, BMP or TIFF fails
 * here, naming the input, before anything is sent.
 */
export async function inputImageUrl(
  input: BackendInput,
  task: string,
  index: number,
): Promise<string> {
  if (typeof input !== "object" || !("image" in input)) {
    throw wrongInput(task, index, "{ image } (bytes, a file path or a URL)");
  }
  const { image } = input;
  if (typeof image === "string" && /^(?:data:|https?:\/\/)/i.test(image)) return image;
  let bytes: Uint8Array;
  try {
    bytes = typeof image === "string" ? await readFile(image) : image;
  } catch (error) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `Input ${index} cannot be run as ${task}: cannot read the image file "${image as string}".`,
      { cause: error, details: { task, index } },
    );
  }
  const type = sniffMediaType(bytes);
  if (type === null || !isImageType(type)) {
    throw wrongInput(task, index, "a PNG, JPEG, GIF, WebP, BMP or TIFF image");
  }
  return `data:${type};base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64")}`;
}
