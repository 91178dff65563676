import { describe, expect, it } from "vitest";
import { imageDimensions } from "../../src/media/image-dimensions.js";
import { sniffMediaType } from "../../src/media/sniff-media-type.js";
import { renderLine } from "../support/render-text-line.js";
import { jpegHeader, PNG_SIGNATURE, pngHeader } from "./image-fixtures.js";

const of = (bytes: Uint8Array) => {
  const type = sniffMediaType(bytes);
  if (type === null || !type.startsWith("image/")) throw new Error("not an image");
  return imageDimensions(bytes, type as Parameters<typeof imageDimensions>[1]);
};

describe("imageDimensions", () => {
  it("reads a real PNG's IHDR", async () => {
    const png = await renderLine("Invoice 2024-117");
    const size = of(png);
    expect(size?.width).toBeGreaterThan(50);
    expect(size?.height).toBeGreaterThan(10);
    expect(of(pngHeader(20_000, 20_000))).toEqual({ width: 20_000, height: 20_000 });
  });

  it("reads JPEG's first frame header past other segments, GIF, BMP and TIFF", () => {
    const jpeg = Buffer.from([
      0xff,
      0xd8,
      0xff,
      0xe0,
      0x00,
      0x04,
      0x4a,
      0x46, // APP0, 2 bytes of data
      0xff,
      0xdb,
      0x00,
      0x03,
      0x00, // DQT, 1 byte
      0xff,
      0xc2,
      0x00,
      0x0b,
      0x08,
      0x0b,
      0xb8,
      0x0f,
      0xa0,
      0x01,
      0x01,
      0x11,
      0x00, // SOF2
    ]);
    expect(of(jpeg)).toEqual({ width: 4000, height: 3000 });
    const gif = Buffer.from([...Buffer.from("GIF89a"), 0x20, 0x4e, 0x10, 0x27, 0, 0, 0]);
    expect(of(gif)).toEqual({ width: 20_000, height: 10_000 });
    const bmp = Buffer.alloc(54);
    bmp.write("BM", 0, "ascii");
    bmp.writeUInt32LE(40, 14);
    bmp.writeInt32LE(640, 18);
    bmp.writeInt32LE(-480, 22); // top-down
    expect(of(bmp)).toEqual({ width: 640, height: 480 });
    const tiff = Buffer.alloc(8 + 2 + 24);
    tiff.write("II", 0, "ascii");
    tiff.writeUInt16LE(42, 2);
    tiff.writeUInt32LE(8, 4);
    tiff.writeUInt16LE(2, 8);
    tiff.writeUInt16LE(256, 10); // ImageWidth, LONG
    tiff.writeUInt16LE(4, 12);
    tiff.writeUInt32LE(30_000, 18);
    tiff.writeUInt16LE(257, 22); // ImageLength, SHORT
    tiff.writeUInt16LE(3, 24);
    tiff.writeUInt16LE(2000, 30);
    expect(of(tiff)).toEqual({ width: 30_000, height: 2000 });
  });

  it("reads WebP's three kinds of header", () => {
    const riff = (chunk: string, body: number[]) =>
      Buffer.from([
        ...Buffer.from("RIFF"),
        0,
        0,
        0,
        0,
        ...Buffer.from(`WEBP${chunk}`),
        0,
        0,
        0,
        0,
        ...body,
      ]);
    // VP8X: flags (4), then width - 1 and height - 1 in 24 bits each.
    expect(of(riff("VP8X", [0, 0, 0, 0, 0x1f, 0x4e, 0x00, 0x0f, 0x27, 0x00]))).toEqual({
      width: 20_000,
      height: 10_000,
    });
    // VP8L: 0x2f, then 14 bits of width - 1 and 14 of height - 1.
    const bits = (99 & 0x3fff) | ((49 & 0x3fff) << 14);
    expect(
      of(riff("VP8L", [0x2f, bits & 0xff, (bits >> 8) & 0xff, (bits >> 16) & 0xff, bits >>> 24])),
    ).toEqual({
      width: 100,
      height: 50,
    });
    // VP8: frame tag (3), start code, 14-bit width and height.
    expect(of(riff("VP8 ", [0, 0, 0, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01]))).toEqual({
      width: 640,
      height: 480,
    });
  });

  it("reads a JPEG's frame header past junk bytes before a marker, as decoders do", () => {
    // libjpeg, Go's image/jpeg and Pillow skip such bytes and decode the frame: a reader that
    // stopped at them would let the frame declare any size unchecked.
    const header = jpegHeader(30_000, 20_000, 100);
    const frame = header.indexOf(Buffer.from([0xff, 0xc0]));
    const junk = Buffer.concat([
      header.subarray(0, frame),
      Buffer.from([0x00, 0x12, 0xff, 0x00, 0x34]),
      header.subarray(frame),
    ]);
    expect(of(junk)).toEqual({ width: 30_000, height: 20_000 });
  });

  it("gives null for a header cut short", () => {
    expect(imageDimensions(Buffer.from([...PNG_SIGNATURE, 0, 0]), "image/png")).toBeNull();
    expect(imageDimensions(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00]), "image/jpeg")).toBeNull();
  });
});
