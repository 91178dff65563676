/**
 * @module
 * Images and sounds sent to `/v1/tasks/<task>`, as model inputs. A client sends them the
 * ways clients of the Hugging Face Inference API do: the file itself as the request body
 * (`curl --data-binary @cat.jpg`), or JSON whose `input`/`inputs` holds base64 (plain or a
 * `data:` URL), one item or an array.
 *
 * What reaches a model is always bytes decoded here, never a string: the image backends read
 * a string as a file path or URL, and a request must not make the server read its own disk
 * or fetch an address. So URLs are refused, with a message saying to send the bytes.
 * The bytes are checked before a model sees them (an image must start like an image; audio
 * must start like WAV, MP3, FLAC, Ogg, MP4 or WebM), so a client's wrong file is the
 * client's 400 and never a model failure counted against the model. An image whose header
 * declares more pixels than `server.max_image_pixels` is refused with a 413 before anything
 * decodes it: a small file can declare a huge image (a 20000 x 20000 PNG of zeros is 400 kB);
 * images inline in chats get the same refusals (`chat-image-check.ts`). WAV is decoded here into
 * samples, which every speech model takes; the other formats go on as files, which only
 * models behind a speech server decode (`describe().audioFiles`; the router passes over the
 * others). The request log keeps a description of each item (type, size, duration), not its
 * bytes.
 */
import type { BackendInput } from "../backends/model-backend.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { audioInputFromFile } from "../media/audio-input.js";
import { type ImageDimensions, imageDimensions } from "../media/image-dimensions.js";
import { isImageType, type MediaType, sniffMediaType } from "../media/sniff-media-type.js";

export type MediaKind = "image" | "audio";

export interface MediaInput {
  input: BackendInput;
  /** What the request log keeps instead of the bytes: `image/png, 48213 bytes`. */
  description: string;
}

const IMAGE_FORMATS = "PNG, JPEG, GIF, WebP, BMP or TIFF";

/** Pixels an image may declare unless `server.max_image_pixels` says otherwise: 50 megapixels. */
export const DEFAULT_MAX_IMAGE_PIXELS = 50_000_000;

export interface MediaOptions {
  /** Added to the message when the bytes are not the right kind of file. */
  hint?: string;
  /** The file's name as the client sent it, for audio formats told apart by extension. */
  fileName?: string;
  /** Most pixels (width x height) an image may declare; default `DEFAULT_MAX_IMAGE_PIXELS`. */
  maxImagePixels?: number;
}

function invalid(message: string, param: string): ModelScoutError {
  return new ModelScoutError("INVALID_ARGUMENT", message, { details: { param } });
}

/** The 400 for bytes that are not an image in a format this server reads the header of. */
export function notAnImage(type: MediaType | null, param: string, hint = ""): ModelScoutError {
  return invalid(
    `${param} is not an image this server reads (${IMAGE_FORMATS})${type === null ? "" : `: it looks like ${type}`}.${hint}`,
    param,
  );
}

/**
 * The 413 (ADR 0079) when `size`, an image's declared dimensions, has more pixels than
 * `maxImagePixels`; nothing when it has not, or when the header could not be read (the
 * decoder then says what is wrong).
 */
export function checkImagePixels(
  size: ImageDimensions | null,
  param: string,
  maxImagePixels = DEFAULT_MAX_IMAGE_PIXELS,
): void {
  if (size === null || size.width * size.height <= maxImagePixels) return;
  throw new ModelScoutError(
    "INPUT_TOO_LARGE",
    `${param} is a ${size.width} x ${size.height} image (${size.width * size.height} pixels); this server decodes images of at most ${maxImagePixels} pixels (server.max_image_pixels in the routes config). Scale it down and send it again.`,
    { details: { param, openaiCode: "image_too_large" } },
  );
}

/** Encoded bytes as the input of an image or audio task; `param` names the field in errors. */
export function mediaFromBytes(
  kind: MediaKind,
  bytes: Uint8Array,
  param: string,
  options: MediaOptions = {},
): MediaInput {
  const hint = options.hint ?? "";
  if (bytes.byteLength === 0)
    throw invalid(`${param} is empty: send the ${kind} file's bytes.`, param);
  const type = sniffMediaType(bytes);
  if (kind === "image") {
    if (type === null || !isImageType(type)) throw notAnImage(type, param, hint);
    checkImagePixels(imageDimensions(bytes, type), param, options.maxImagePixels);
    return { input: { image: bytes }, description: `${type}, ${bytes.byteLength} bytes` };
  }
  return audioInputFromFile(bytes, param, options.fileName, hint);
}

const DATA_URL = /^data:([^;,]*)((?:;[^;,]*)*),/i;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** A base64 string or `data:` URL from a JSON body as the input of an image or audio task. */
export function mediaFromText(
  kind: MediaKind,
  text: string,
  param: string,
  options: Pick<MediaOptions, "maxImagePixels"> = {},
): MediaInput {
  const trimmed = text.trim();
  let payload = trimmed;
  const dataUrl = DATA_URL.exec(trimmed);
  if (dataUrl !== null) {
    if (!/;base64$/i.test(dataUrl[2] ?? "")) {
      throw invalid(
        `${param} is a data: URL without ;base64: encode the ${kind} as base64.`,
        param,
      );
    }
    payload = trimmed.slice(dataUrl[0].length);
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    throw invalid(
      `${param} is a URL; this server does not fetch inputs. Send the ${kind} itself: as the request body, or base64 in ${param}.`,
      param,
    );
  }
  const compact = payload.replace(/\s+/g, "");
  if (compact.length === 0 || !BASE64.test(compact)) {
    throw invalid(
      `${param} must be the ${kind} as base64 (or a data: URL), or send the file itself as the request body.`,
      param,
    );
  }
  return mediaFromBytes(kind, Buffer.from(compact, "base64"), param, {
    hint: ` It must hold the file's bytes as base64; a file path is not read (this server reads no file a request names).`,
    maxImagePixels: options.maxImagePixels,
  });
}
