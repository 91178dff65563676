/**
 * A line of text rendered as a PNG, as a scanner or screenshot would give: DejaVu Sans through
 * sharp's text renderer (Pango), which ships with transformers.js, so OCR tests keep no image
 * fixture and know the exact ground truth.
 */
import { sharp } from "./sharp.js";

const PADDING = 24;
const RENDER_DPI = 200;

/** A black-on-white PNG of one line of text, as a scanner or screenshot would give. */
export async function renderLine(text: string): Promise<Buffer> {
  const { data, info } = await sharp({ text: { text, font: "DejaVu Sans", dpi: RENDER_DPI } })
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  // sharp draws white glyphs on black; Tesseract expects dark text on a light page with a margin.
  const width = info.width + 2 * PADDING;
  const height = info.height + 2 * PADDING;
  const page = Buffer.alloc(width * height, 255);
  for (let y = 0; y < info.height; y += 1) {
    for (let x = 0; x < info.width; x += 1) {
      page[(y + PADDING) * width + x + PADDING] =
        255 - (data[(y * info.width + x) * info.channels] ?? 0);
    }
  }
  // The true resolution in the PNG, so Tesseract need not guess (and warn) from a default.
  return sharp(page, { raw: { width, height, channels: 1 } })
    .withMetadata({ density: RENDER_DPI })
    .png()
    .toBuffer();
}
