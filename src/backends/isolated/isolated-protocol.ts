/**
 * @module
 * The messages between an isolated backend (parent) and the child process that runs the
 * model. Messages travel over Node's IPC channel with `serialization: "advanced"` (the
 * structured clone algorithm), so typed arrays in inputs (audio, image bytes) cross intact.
 */
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import type { BackendInput, BackendOutput, LoadResult } from "../model-backend.js";

/** How the child builds the backend: `(await import(moduleUrl))[exportName](options)`. */
export interface BackendFactorySpec {
  /** `file:` URL of the module exporting the factory. */
  moduleUrl: string;
  exportName: string;
  /** Plain data; the child adds `onProgress` when it is an object, to forward progress. */
  options: unknown;
}

export interface ProcessMemory {
  rssBytes: number;
  /** The process's resident set high-water mark (`process.resourceUsage().maxRSS`). */
  peakRssBytes: number;
}

export type ParentMessage =
  | { id: number; type: "create"; factory: BackendFactorySpec }
  | { id: number; type: "load" }
  | { id: number; type: "run"; inputs: readonly BackendInput[] }
  | { id: number; type: "unload" }
  | { id: number; type: "memory" };

export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  isRetryable?: boolean;
  details?: Record<string, unknown>;
  stack?: string;
}

export type ChildMessage =
  | { type: "ready" }
  | { type: "progress"; event: unknown }
  | {
      id: number;
      type: "result";
      /** A load's answer carries the backend's `artifact` across, as plain data. */
      value: LoadResult | BackendOutput[] | ProcessMemory | null;
    }
  | { id: number; type: "error"; error: SerializedError };

/**
 * The URL of module `name` beside `baseUrl`, with the same extension: `.ts` when running
 * from source (tsx, vitest), `.js` once compiled.
 */
export function moduleBeside(name: string, baseUrl: string): string {
  const extension = extname(fileURLToPath(baseUrl)) || ".js";
  return new URL(`./${name}${extension}`, baseUrl).href;
}
