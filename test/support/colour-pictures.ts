/**
 * Pictures for the image-classification tests, drawn here so no image fixture is kept and
 * the true label is known: a plain colour, or a square of one colour (half the width and
 * half the height, centred) on a background of another, as a photo of a red ball on grass
 * is mostly green. Encoded by sharp as PNG, JPEG or WebP.
 */
import { sharp } from "./sharp.js";

export type Rgb = readonly [number, number, number];

export const COLOURS = {
  red: [220, 30, 40],
  green: [40, 170, 60],
  blue: [30, 60, 210],
} as const satisfies Record<string, Rgb>;
export type ColourName = keyof typeof COLOURS;

export interface PictureOptions {
  width: number;
  height: number;
  background: ColourName;
  /** The colour of the centred square; none draws a plain picture. */
  square?: ColourName;
  format?: "png" | "jpeg" | "webp";
}

export async function drawPicture(options: PictureOptions): Promise<Buffer> {
  const { width, height } = options;
  const pixels = Buffer.alloc(width * height * 3);
  const left = Math.round(width / 4);
  const top = Math.round(height / 4);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const inSquare =
        options.square !== undefined &&
        x >= left &&
        x < left + Math.round(width / 2) &&
        y >= top &&
        y < top + Math.round(height / 2);
      const colour = COLOURS[inSquare && options.square ? options.square : options.background];
      pixels.set(colour, (y * width + x) * 3);
    }
  }
  const image = sharp(pixels, { raw: { width, height, channels: 3 } });
  if (options.format === "jpeg") return image.jpeg({ quality: 90 }).toBuffer();
  if (options.format === "webp") return image.webp({ lossless: true }).toBuffer();
  return image.png().toBuffer();
}
