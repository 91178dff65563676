/** Images made by hand for the media tests. */
import { deflateSync } from "node:zlib";

export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** A PNG's signature and IHDR declaring `width` x `height` (what the header check reads). */
export function pngHeader(width: number, height: number): Buffer {
  const header = Buffer.alloc(33);
  Buffer.from(PNG_SIGNATURE).copy(header, 0);
  header.writeUInt32BE(13, 8);
  header.write("IHDR", 12, "ascii");
  header.writeUInt32BE(width, 16);
  header.writeUInt32BE(height, 20);
  header[24] = 8; // bit depth; colour type 0 (grey)
  return Buffer.concat([header, deflateSync(Buffer.alloc(64))]);
}

/**
 * A JPEG's start, an EXIF-like APP1 segment of `app1Bytes` (a camera's metadata and
 * thumbnail come before the frame header), then a baseline frame header declaring `width` x
 * `height`: what the header check reads, past the APP1.
 */
export function jpegHeader(width: number, height: number, app1Bytes = 0): Buffer {
  const app1 =
    app1Bytes === 0
      ? Buffer.alloc(0)
      : Buffer.concat([Buffer.from([0xff, 0xe1]), uint16(app1Bytes + 2), Buffer.alloc(app1Bytes)]);
  const frame = Buffer.concat([
    Buffer.from([0xff, 0xc0, 0x00, 0x11, 0x08]),
    uint16(height),
    uint16(width),
    // three components, each id, sampling 1x1, quantization table 0
    Buffer.from([0x03, 0x01, 0x11, 0x00, 0x02, 0x11, 0x00, 0x03, 0x11, 0x00]),
  ]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app1, frame, Buffer.alloc(64)]);
}

function uint16(value: number): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16BE(value);
  return bytes;
}
