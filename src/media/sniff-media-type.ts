/**
 * @module
 * The media type of encoded bytes, read from their first bytes (their "magic number"), for
 * the image and audio formats clients send. The server checks what a client sent before a
 * model sees it: bytes that are not an image never reach an image model, so a client's
 * mistake is the client's 400, not a model failure that would count against the model.
 */

/** Image formats the image backends decode (sharp, Tesseract's Leptonica). */
export const IMAGE_TYPES = [
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "image/bmp",
  "image/tiff",
] as const;
export type ImageType = (typeof IMAGE_TYPES)[number];

/** Audio containers recognised; only `audio/wav` is decoded (`decode-wav.ts`). */
export const AUDIO_TYPES = [
  "audio/wav",
  "audio/mpeg",
  "audio/flac",
  "audio/ogg",
  "audio/mp4",
  "audio/webm",
] as const;
export type AudioType = (typeof AUDIO_TYPES)[number];

export type MediaType = ImageType | AudioType;

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + signature.length) return false;
  for (let index = 0; index < signature.length; index += 1) {
    if (bytes[offset + index] !== signature[index]) return false;
  }
  return true;
}

function ascii(text: string): number[] {
  return [...text].map((character) => character.charCodeAt(0));
}

const RIFF = ascii("RIFF");

/** The media type of `bytes`, or null when they start like none of the known formats. */
export function sniffMediaType(bytes: Uint8Array): MediaType | null {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "image/jpeg";
  if (startsWith(bytes, ascii("GIF87a")) || startsWith(bytes, ascii("GIF89a"))) {
    return "image/gif";
  }
  if (startsWith(bytes, RIFF) && startsWith(bytes, ascii("WEBP"), 8)) return "image/webp";
  if (startsWith(bytes, RIFF) && startsWith(bytes, ascii("WAVE"), 8)) return "audio/wav";
  if (startsWith(bytes, ascii("BM")) && bytes.length >= 26) return "image/bmp";
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) {
    return "image/tiff";
  }
  if (startsWith(bytes, ascii("fLaC"))) return "audio/flac";
  if (startsWith(bytes, ascii("OggS"))) return "audio/ogg";
  if (startsWith(bytes, ascii("ftyp"), 4)) return "audio/mp4";
  if (startsWith(bytes, [0x1a, 0x45, 0xdf, 0xa3])) return "audio/webm";
  // An ID3 tag, or an MPEG audio frame header (11 sync bits, then a layer that is not 00).
  if (startsWith(bytes, ascii("ID3"))) return "audio/mpeg";
  const second = bytes[1];
  if (bytes[0] === 0xff && second !== undefined && (second & 0xe0) === 0xe0) {
    if ((second & 0x06) !== 0) return "audio/mpeg";
  }
  return null;
}

export function isImageType(type: string): type is ImageType {
  return (IMAGE_TYPES as readonly string[]).includes(type);
}

export function isAudioType(type: string): type is AudioType {
  return (AUDIO_TYPES as readonly string[]).includes(type);
}
