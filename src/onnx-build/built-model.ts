/**
 * @module
 * A built model as data (its repo id, files and build report) and the one function that
 * writes it as a Hugging Face-layout folder, `<directory>/<owner>/<name>/...`, the layout
 * `startMirrorServer` serves and transformers.js loads with `env.localModelPath`.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

export interface BuiltModelReport {
  id: string;
  pipelineTag: string;
  vocabularySize: number;
  trainingExamples: number;
  /** Accuracy on the examples the model was not trained on (0..1), when measured. */
  heldOutAccuracy: number | null;
  heldOutExamples: number;
  /** Accuracy on the training examples, to show over- or under-fitting. */
  trainingAccuracy: number | null;
  buildMs: number;
  /** Size of each written file. */
  fileBytes: Record<string, number>;
}

export interface BuiltModel {
  /** `owner/name`, e.g. `modelscout/sentiment-en-bow`. */
  id: string;
  /** Repo-relative path -> contents. */
  files: Map<string, Uint8Array | string>;
  report: BuiltModelReport;
}

/** Writes the model's files under `<directory>/<id>/`; returns the folder. */
export async function writeBuiltModel(directory: string, model: BuiltModel): Promise<string> {
  const folder = join(directory, ...model.id.split("/"));
  for (const [path, contents] of model.files) {
    const target = join(folder, ...path.split("/"));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, contents);
  }
  return folder;
}

export function jsonFile(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function fileSizes(files: ReadonlyMap<string, Uint8Array | string>): Record<string, number> {
  return Object.fromEntries(
    [...files].map(([path, contents]) => [
      path,
      typeof contents === "string" ? Buffer.byteLength(contents) : contents.byteLength,
    ]),
  );
}

/** `config.json`'s `id2label` and `label2id` for labels in index order. */
export function labelMaps(labels: readonly string[]): {
  id2label: Record<string, string>;
  label2id: Record<string, number>;
} {
  return {
    id2label: Object.fromEntries(labels.map((name, index) => [String(index), name])),
    label2id: Object.fromEntries(labels.map((name, index) => [name, index])),
  };
}

/** A model built by hand, not trained: its id, files and a report with no accuracy. */
export function untrainedModel(
  id: string,
  pipelineTag: string,
  files: Map<string, Uint8Array | string>,
  startedMs: number,
): BuiltModel {
  return {
    id,
    files,
    report: {
      id,
      pipelineTag,
      vocabularySize: 0,
      trainingExamples: 0,
      heldOutAccuracy: null,
      heldOutExamples: 0,
      trainingAccuracy: null,
      buildMs: performance.now() - startedMs,
      fileBytes: fileSizes(files),
    },
  };
}
