/**
 * @module
 * The checks a task's image gets (ADR 0079), for an image inside a chat: a
 * `data:image/...;base64,` URL in a chat completion's `image_url` part or a Responses
 * `input_image`. Vision models behind servers decode what they are sent, so a small body
 * declaring a 20000 x 20000 image would be theirs to choke on; it is refused here with the
 * same 413 `image_too_large`, `param` naming the field that holds it. Only the base64 the
 * header needs is decoded (`base64-image-header.ts`), not the image. Bytes that are none of
 * the formats whose header is read here are a 400, as on `/v1/tasks`: their size cannot be
 * known. An `http(s)` URL is not checked: the router never fetches it, the model's server
 * does (ADR 0079's addendum).
 */
import { base64ImageHeader } from "../media/base64-image-header.js";
import { isImageType } from "../media/sniff-media-type.js";
import { checkImagePixels, notAnImage } from "./media-input.js";

const DATA_URL_START = /^data:/i;

/**
 * Refuses the image at `url` when it is inline and not an image this server reads (400) or
 * declares more than `maxImagePixels` pixels (413); `param` names it in the error.
 */
export function checkChatImage(url: string, param: string, maxImagePixels: number): void {
  if (!DATA_URL_START.test(url)) return;
  // The schema let through only `data:image/<type>;base64,`: the payload follows the comma.
  const header = base64ImageHeader(url, url.indexOf(",") + 1);
  if (header.type === null || !isImageType(header.type)) {
    throw notAnImage(header.type, param, " Convert it to PNG or JPEG and send it again.");
  }
  checkImagePixels(header.dimensions, param, maxImagePixels);
}
