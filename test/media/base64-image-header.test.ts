import { describe, expect, it } from "vitest";
import { base64ImageHeader } from "../../src/media/base64-image-header.js";
import { jpegHeader, pngHeader } from "./image-fixtures.js";

/** `bytes` as base64 followed by `tailBytes` more bytes of zeros: a large image's shape. */
const withTail = (bytes: Buffer, tailBytes: number) =>
  Buffer.concat([bytes, Buffer.alloc(tailBytes)]).toString("base64");

describe("base64ImageHeader", () => {
  it("reads a PNG's size from the first 48 bytes of megabytes of base64", () => {
    const text = `data:image/png;base64,${withTail(pngHeader(20_000, 20_000), 3_000_000)}`;
    const header = base64ImageHeader(text, text.indexOf(",") + 1);
    expect(header).toEqual({
      type: "image/png",
      dimensions: { width: 20_000, height: 20_000 },
      decodedBytes: 48,
    });
  });

  it("reads a JPEG's frame header past 60 kB of EXIF, decoding a few times that, not the image", () => {
    const jpeg = jpegHeader(30_000, 20_000, 60_000);
    const text = withTail(jpeg, 4_000_000);
    const header = base64ImageHeader(text);
    expect(header.type).toBe("image/jpeg");
    expect(header.dimensions).toEqual({ width: 30_000, height: 20_000 });
    // Prefixes of 48 bytes, four times that, ...: all of them together stay within a small
    // multiple of where the frame header is.
    expect(header.decodedBytes).toBeGreaterThan(jpeg.byteLength - 64);
    expect(header.decodedBytes).toBeLessThan(6 * jpeg.byteLength);
  });

  it("skips line breaks in the base64, as decoding the whole text does", () => {
    const lines =
      withTail(pngHeader(640, 480), 200)
        .match(/.{1,76}/g)
        ?.join("\r\n") ?? "";
    expect(base64ImageHeader(lines).dimensions).toEqual({ width: 640, height: 480 });
  });

  it("gives no size for a header cut short, or for bytes that are not an image read here", () => {
    const cut = pngHeader(640, 480).subarray(0, 20).toString("base64");
    expect(base64ImageHeader(cut)).toMatchObject({ type: "image/png", dimensions: null });
    const text = Buffer.from("just some text, not a picture").toString("base64");
    expect(base64ImageHeader(text)).toMatchObject({ type: null, dimensions: null });
    expect(base64ImageHeader("")).toMatchObject({ type: null, dimensions: null });
  });
});
