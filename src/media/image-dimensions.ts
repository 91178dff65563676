/**
 * @module
 * The width and height an encoded image declares in its header, read without decoding it, so
 * that the server can refuse an image too large to decode (a 20000 x 20000 PNG of zeros is
 * 400 kB, and took the OCR models tens of seconds to give up on) before a model sees it.
 * Covers the formats `sniff-media-type.ts` lets through: PNG (IHDR), JPEG (the first SOF
 * marker), GIF (logical screen), WebP (VP8, VP8L, VP8X), BMP (the DIB header) and TIFF (the
 * first IFD's ImageWidth and ImageLength).
 */
import type { ImageType } from "./sniff-media-type.js";

export interface ImageDimensions {
  width: number;
  height: number;
}

function uint16(bytes: Uint8Array, at: number, littleEndian: boolean): number | null {
  if (at + 2 > bytes.length) return null;
  const first = bytes[at] as number;
  const second = bytes[at + 1] as number;
  return littleEndian ? first | (second << 8) : (first << 8) | second;
}

function uint24LittleEndian(bytes: Uint8Array, at: number): number | null {
  if (at + 3 > bytes.length) return null;
  return (
    (bytes[at] as number) | ((bytes[at + 1] as number) << 8) | ((bytes[at + 2] as number) << 16)
  );
}

function uint32(bytes: Uint8Array, at: number, littleEndian: boolean): number | null {
  if (at + 4 > bytes.length) return null;
  return new DataView(bytes.buffer, bytes.byteOffset + at, 4).getUint32(0, littleEndian);
}

function dimensions(width: number | null, height: number | null): ImageDimensions | null {
  return width === null || height === null ? null : { width, height };
}

function pngDimensions(bytes: Uint8Array): ImageDimensions | null {
  // Signature (8), IHDR's length (4) and type (4), then width and height.
  if (uint32(bytes, 12, false) !== 0x49484452) return null;
  return dimensions(uint32(bytes, 16, false), uint32(bytes, 20, false));
}

/** Start-of-frame markers: C0-CF but DHT (C4), JPG (C8) and DAC (CC). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function jpegDimensions(bytes: Uint8Array): ImageDimensions | null {
  let at = 2;
  while (at + 4 <= bytes.length) {
    // Bytes that are not a marker where one should start are skipped, as libjpeg's
    // next_marker, Go's image/jpeg and Pillow skip them (with a warning at most): stopping
    // there would let a header with junk before its frame declare any size unchecked.
    if (bytes[at] !== 0xff) {
      at += 1;
      continue;
    }
    const marker = bytes[at + 1] as number;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0x00) {
      at += 2; // a stuffed zero is no marker: skipped with the junk
      continue;
    }
    // Markers without a length: TEM, RST0-7.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null; // end of image, or scan data before any frame
    const length = uint16(bytes, at + 2, false);
    if (length === null || length < 2) return null;
    if (isStartOfFrame(marker)) {
      // Length (2), precision (1), height (2), width (2).
      return dimensions(uint16(bytes, at + 7, false), uint16(bytes, at + 5, false));
    }
    at += 2 + length;
  }
  return null;
}

function gifDimensions(bytes: Uint8Array): ImageDimensions | null {
  return dimensions(uint16(bytes, 6, true), uint16(bytes, 8, true));
}

function webpDimensions(bytes: Uint8Array): ImageDimensions | null {
  const chunk = String.fromCharCode(...bytes.subarray(12, 16));
  if (chunk === "VP8X") {
    // Canvas width and height minus one, 24 bits each, after 4 bytes of flags.
    const width = uint24LittleEndian(bytes, 24);
    const height = uint24LittleEndian(bytes, 27);
    return width === null || height === null ? null : { width: width + 1, height: height + 1 };
  }
  if (chunk === "VP8L") {
    // Signature 0x2f, then 14 bits of width minus one and 14 of height minus one.
    if (bytes[20] !== 0x2f) return null;
    const bits = uint32(bytes, 21, true);
    if (bits === null) return null;
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === "VP8 ") {
    // A key frame's start code 9d 01 2a, then 14-bit width and height (2 bits of scale).
    if (bytes[23] !== 0x9d || bytes[24] !== 0x01 || bytes[25] !== 0x2a) return null;
    const width = uint16(bytes, 26, true);
    const height = uint16(bytes, 28, true);
    return width === null || height === null
      ? null
      : { width: width & 0x3fff, height: height & 0x3fff };
  }
  return null;
}

function bmpDimensions(bytes: Uint8Array): ImageDimensions | null {
  const headerSize = uint32(bytes, 14, true);
  if (headerSize === 12) {
    // BITMAPCOREHEADER: 16-bit width and height.
    return dimensions(uint16(bytes, 18, true), uint16(bytes, 20, true));
  }
  if (headerSize === null || bytes.length < 26) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset + 18, 8);
  // A negative height is a top-down bitmap.
  return { width: Math.abs(view.getInt32(0, true)), height: Math.abs(view.getInt32(4, true)) };
}

function tiffDimensions(bytes: Uint8Array): ImageDimensions | null {
  const littleEndian = bytes[0] === 0x49;
  const directory = uint32(bytes, 4, littleEndian);
  if (directory === null) return null;
  const entries = uint16(bytes, directory, littleEndian);
  if (entries === null) return null;
  let width: number | null = null;
  let height: number | null = null;
  for (let index = 0; index < entries; index += 1) {
    const entry = directory + 2 + index * 12;
    const tag = uint16(bytes, entry, littleEndian);
    const type = uint16(bytes, entry + 2, littleEndian);
    if (tag === null || type === null) return null;
    if (tag !== 256 && tag !== 257) continue;
    // SHORT (3) or LONG (4), the value in the entry's last four bytes.
    const value =
      type === 3 ? uint16(bytes, entry + 8, littleEndian) : uint32(bytes, entry + 8, littleEndian);
    if (tag === 256) width = value;
    else height = value;
  }
  return dimensions(width, height);
}

/**
 * The dimensions `bytes` (an image of `type`, as `sniffMediaType` named it) declare, or null
 * when its header is cut short or malformed (the decoder then says what is wrong).
 */
export function imageDimensions(bytes: Uint8Array, type: ImageType): ImageDimensions | null {
  switch (type) {
    case "image/png":
      return pngDimensions(bytes);
    case "image/jpeg":
      return jpegDimensions(bytes);
    case "image/gif":
      return gifDimensions(bytes);
    case "image/webp":
      return webpDimensions(bytes);
    case "image/bmp":
      return bmpDimensions(bytes);
    case "image/tiff":
      return tiffDimensions(bytes);
  }
}
