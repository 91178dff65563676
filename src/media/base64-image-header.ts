/**
 * @module
 * The media type and declared dimensions of an image held as base64 text (a `data:` URL's
 * payload), decoding only as much of the text as the header needs. An image in a chat can be
 * megabytes of base64; its size is in its first bytes (24 for PNG, 30 for WebP), or for JPEG
 * after whatever segments come before the frame header (EXIF, ICC profile: tens of kB). So a
 * prefix is decoded and read, and only when the header is cut short is a prefix four times
 * as long tried, up to the whole text: the work stays within a small multiple of the header's
 * length, never the image's.
 */
import { type ImageDimensions, imageDimensions } from "./image-dimensions.js";
import { isImageType, type MediaType, sniffMediaType } from "./sniff-media-type.js";

export interface Base64ImageHeader {
  /** What the first bytes are (`sniffMediaType`), null when none of the known formats. */
  type: MediaType | null;
  /** The declared width and height; null when not an image read here, or the header is unreadable. */
  dimensions: ImageDimensions | null;
  /** How many bytes were decoded to find them (for tests and the ADR's claim). */
  decodedBytes: number;
}

/** Base64 characters decoded first: 48 bytes, enough for every header but JPEG's. */
const FIRST_PREFIX_CHARACTERS = 64;
/** How much longer each next prefix is. */
const PREFIX_GROWTH = 4;

/**
 * The header of the image whose base64 is `text` from `start` on. Characters base64 does not
 * use (line breaks) are skipped by the decoder, as when the whole text is decoded.
 */
export function base64ImageHeader(text: string, start = 0): Base64ImageHeader {
  const length = text.length - start;
  let characters = Math.min(FIRST_PREFIX_CHARACTERS, length);
  let bytes = Buffer.from(text.slice(start, start + characters), "base64");
  const type = sniffMediaType(bytes);
  if (type === null || !isImageType(type)) {
    return { type, dimensions: null, decodedBytes: bytes.byteLength };
  }
  let decodedBytes = bytes.byteLength;
  for (;;) {
    const dimensions = imageDimensions(bytes, type);
    if (dimensions !== null || characters >= length) return { type, dimensions, decodedBytes };
    characters = Math.min(characters * PREFIX_GROWTH, length);
    bytes = Buffer.from(text.slice(start, start + characters), "base64");
    decodedBytes += bytes.byteLength;
  }
}
