/**
 * sharp, which ships with transformers.js (it decodes images there), typed with the few
 * calls the tests make to draw pictures: the project does not depend on it directly.
 */
export type Sharp = (
  input?: unknown,
  options?: unknown,
) => {
  greyscale(): ReturnType<Sharp>;
  raw(): ReturnType<Sharp>;
  png(): ReturnType<Sharp>;
  jpeg(options?: { quality?: number }): ReturnType<Sharp>;
  webp(options?: { lossless?: boolean }): ReturnType<Sharp>;
  withMetadata(options: { density: number }): ReturnType<Sharp>;
  toBuffer(options: {
    resolveWithObject: true;
  }): Promise<{ data: Buffer; info: { width: number; height: number; channels: number } }>;
  toBuffer(): Promise<Buffer>;
};

export const sharp = ((await import("sharp" as string)) as { default: Sharp }).default;
