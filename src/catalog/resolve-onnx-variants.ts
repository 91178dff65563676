/**
 * @module
 * What a Hub repository's file list says about running it with transformers.js, and how a
 * catalog record keeps it. One rule for every place a file list arrives: the listing's
 * `siblings` (`hub/map-hub-model.ts`), a model info or tree look-up (`hub/list-onnx-files.ts`),
 * and a re-sync meeting a stored record (`catalog/sync-catalog.ts`).
 *
 * A record is in one of three states, kept in `extra`:
 * - files unknown (`extra.filesUnknown: true`): the listing named no files at all, as
 *   mirrors and the Hub's default listing do; nothing may be concluded from the absence;
 * - files known (`extra.onnxFiles`: the `.onnx` files under `onnx/`, possibly none, and
 *   `extra.onnxVariants`: the quantised dtypes among them, when any);
 * - not recorded (neither field): a record synced before files were tracked, or from a
 *   source other than the Hub; treated as before, by its tags.
 */
import type { ModelRecord } from "./model-record.js";

/** The folder transformers.js reads ONNX weights from (its `subfolder` default). */
export const ONNX_FOLDER = "onnx/";

/** transformers.js's file names for quantised ONNX weights, by the dtype it loads them as. */
export const ONNX_VARIANT_FILES = {
  q8: "onnx/model_quantized.onnx",
  q4: "onnx/model_q4.onnx",
  fp16: "onnx/model_fp16.onnx",
} as const;
export type OnnxVariantDtype = keyof typeof ONNX_VARIANT_FILES;
const VARIANT_DTYPES = Object.keys(ONNX_VARIANT_FILES) as OnnxVariantDtype[];

export interface OnnxFileFacts {
  /** The `.onnx` files directly under `onnx/`, repository-relative and sorted. */
  onnxFiles: string[];
  /** The quantised variants among them, in `ONNX_VARIANT_FILES` order. */
  variants: OnnxVariantDtype[];
}

export type OnnxFilesState =
  /** The listing named no files: look them up before concluding anything. */
  | "unknown"
  /** Files known, and no `.onnx` file under `onnx/`: transformers.js cannot load it. */
  | "none"
  /** Files known, with ONNX weights under `onnx/`. */
  | "present"
  /** The record predates file tracking, or is not a Hub record. */
  | "not-recorded";

/** Reads a repository's file paths (all of them, or just the `onnx/` folder's). */
export function resolveOnnxVariants(paths: Iterable<string>): OnnxFileFacts {
  const files = new Set(paths);
  const onnxFiles = [...files]
    .filter((path) => path.startsWith(ONNX_FOLDER) && path.endsWith(".onnx"))
    // transformers.js reads the folder itself, not folders inside it.
    .filter((path) => !path.slice(ONNX_FOLDER.length).includes("/"))
    .sort();
  const variants = VARIANT_DTYPES.filter((dtype) => files.has(ONNX_VARIANT_FILES[dtype]));
  return { onnxFiles, variants };
}

/** The `extra` fields a file list gives a record; `null` paths mean the files are unknown. */
export function onnxFilesExtra(paths: Iterable<string> | null): Record<string, unknown> {
  if (paths === null) return { filesUnknown: true };
  const { onnxFiles, variants } = resolveOnnxVariants(paths);
  return { onnxFiles, ...(variants.length > 0 && { onnxVariants: variants }) };
}

export function onnxFilesState(model: Pick<ModelRecord, "extra">): OnnxFilesState {
  if (model.extra.filesUnknown === true) return "unknown";
  const files = model.extra.onnxFiles;
  if (!Array.isArray(files)) return "not-recorded";
  return files.length === 0 ? "none" : "present";
}

const FILE_FIELDS = ["filesUnknown", "onnxFiles", "onnxVariants"] as const;

/** Just the file fields of `extra`. */
function fileFields(extra: ModelRecord["extra"]): Record<string, unknown> {
  return Object.fromEntries(
    FILE_FIELDS.filter((key) => key in extra).map((key) => [key, extra[key]]),
  );
}

/** `model` with its file fields replaced whole by `fields` (stale variants do not linger). */
export function withOnnxFileFields(
  model: ModelRecord,
  fields: Record<string, unknown>,
): ModelRecord {
  const rest = Object.fromEntries(
    Object.entries(model.extra).filter(
      ([key]) => !(FILE_FIELDS as readonly string[]).includes(key),
    ),
  );
  return { ...model, extra: { ...rest, ...fields } };
}

/** `model` with the files a look-up found (a list from `hub/list-onnx-files.ts`). */
export function withOnnxFiles(model: ModelRecord, paths: Iterable<string>): ModelRecord {
  return withOnnxFileFields(model, onnxFilesExtra(paths));
}

/**
 * The file fields a re-synced record keeps: those of a listing that named the files; when it
 * did not (`filesUnknown`), those an earlier listing or look-up found, since a mirror's
 * listing without `siblings` says nothing about them.
 */
export function syncedOnnxFileFields(
  fetched: ModelRecord,
  stored: ModelRecord | null,
): Record<string, unknown> {
  const storedState = stored === null ? "not-recorded" : onnxFilesState(stored);
  const storedKnows = storedState === "none" || storedState === "present";
  if (stored !== null && onnxFilesState(fetched) === "unknown" && storedKnows) {
    return fileFields(stored.extra);
  }
  return fileFields(fetched.extra);
}
