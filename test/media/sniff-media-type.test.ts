import { describe, expect, it } from "vitest";
import { sniffMediaType } from "../../src/media/sniff-media-type.js";
import { gradientPng } from "../../src/profile/sample-inputs.js";
import { buildWav, sine } from "./wav-fixtures.js";

const bytes = (...values: number[]) => new Uint8Array([...values, ...new Array(32).fill(0)]);
const text = (value: string) => new Uint8Array([...Buffer.from(value), ...new Array(32).fill(0)]);

describe("sniffMediaType", () => {
  it("tells images and audio apart by their first bytes", () => {
    expect(sniffMediaType(gradientPng(8))).toBe("image/png");
    expect(sniffMediaType(bytes(0xff, 0xd8, 0xff, 0xe0))).toBe("image/jpeg");
    expect(sniffMediaType(text("GIF89a"))).toBe("image/gif");
    expect(sniffMediaType(text("RIFF\0\0\0\0WEBPVP8 "))).toBe("image/webp");
    expect(sniffMediaType(text("BM"))).toBe("image/bmp");
    expect(sniffMediaType(bytes(0x49, 0x49, 0x2a, 0x00))).toBe("image/tiff");
    expect(sniffMediaType(bytes(0x4d, 0x4d, 0x00, 0x2a))).toBe("image/tiff");
    expect(
      sniffMediaType(
        buildWav({ channels: [sine(440, 8000, 0.01)], samplingRateHz: 8000, encoding: "pcm16" }),
      ),
    ).toBe("audio/wav");
    expect(sniffMediaType(text("ID3\u0004"))).toBe("audio/mpeg");
    expect(sniffMediaType(bytes(0xff, 0xfb, 0x90, 0x64))).toBe("audio/mpeg");
    expect(sniffMediaType(text("fLaC"))).toBe("audio/flac");
    expect(sniffMediaType(text("OggS"))).toBe("audio/ogg");
    expect(sniffMediaType(text("\0\0\0\u0020ftypM4A "))).toBe("audio/mp4");
    expect(sniffMediaType(bytes(0x1a, 0x45, 0xdf, 0xa3))).toBe("audio/webm");
  });

  it("knows nothing of text, JSON or too few bytes", () => {
    expect(sniffMediaType(text('{"input": "x"}'))).toBeNull();
    expect(sniffMediaType(text("where is my parcel"))).toBeNull();
    expect(sniffMediaType(new Uint8Array([0x89, 0x50]))).toBeNull();
    expect(sniffMediaType(new Uint8Array(0))).toBeNull();
  });
});
