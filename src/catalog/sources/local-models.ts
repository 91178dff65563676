/**
 * @module
 * Models in a folder on this machine, in the Hugging Face layout transformers.js loads
 * (`config.json`, `tokenizer.json`, `tokenizer_config.json`, `onnx/model*.onnx`, an optional
 * README.md model card): a model a user exported or built themselves, or one of the
 * project's built models committed beside an example. `localModelRecord` reads what the
 * folder says about itself into a `ModelRecord`; nothing is copied or downloaded.
 *
 * Id scheme: `local:<absolute folder path>`, plus `@q8`/`@q4`/`@fp16` for a quantised
 * variant (`local:/srv/models/sentiment@q8`), the suffix transformers-variants.ts uses for
 * hub ids. The absolute path makes the id unambiguous and lets the transformers.js backend
 * load the folder in place (it needs no other lookup, also in a child process); the price
 * is that a stored decision names a path of the machine it was made on. A task spec may
 * write `local:./models/x` (relative to the spec's folder); `resolveLocalModelId` turns that
 * into the absolute form before anything else sees it.
 *
 * What is read, and from where:
 * - labels, architectures, model type, context length: `config.json` (`id2label` in index
 *   order, `max_position_embeddings` / `n_positions`);
 * - task: the card's `pipeline_tag`, else the architecture's head (`...ForSequenceClassification`
 *   is text-classification), else `options.task`;
 * - licence, languages, datasets, tags, evaluation results: the card's front matter (the
 *   same reader the mirror uses, and `model-index` mapped as for hub models);
 * - memory: the size of the weight files per format (`model.onnx` fp32, `model_fp16.onnx`
 *   fp16, `model_quantized.onnx` int8, `model_q4.onnx` int4, with any `.onnx_data` parts and
 *   other graphs of the same format such as `encoder_model_quantized.onnx` added in);
 *   `params` is estimated as fp32 bytes / 4 (an ONNX graph's own structure is small next to
 *   its weights). The quantised formats found are listed in `extra.onnxVariants`, which
 *   `transformersVariants` turns into candidates of their own.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import {
  isTransformersDtype,
  parseTransformersModelId,
  type TransformersDtype,
  transformersVariants,
} from "../../backends/transformers-js/transformers-variants.js";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import { mapModelIndex } from "../../hub/map-hub-model.js";
import { readFrontMatter } from "../../mirror/read-front-matter.js";
import { normaliseLanguage } from "../languages.js";
import { type Dtype, type ModelRecord, toModelRecord } from "../model-record.js";

export const LOCAL_MODEL_ID_PREFIX = "local:";

export interface LocalModelRecordOptions {
  /** Folder a relative `directory` is resolved against; default: the working directory. */
  baseDirectory?: string;
  /** Task when neither the card nor config.json names one (a pipeline tag). */
  task?: string;
}

/** True for `local:...` ids. */
export function isLocalModelId(id: string): boolean {
  return id.startsWith(LOCAL_MODEL_ID_PREFIX);
}

/**
 * Makes a `local:` id absolute: `local:./models/x@q8` in a spec under `/work/examples/a`
 * becomes `local:/work/examples/a/models/x@q8`. Other ids are returned unchanged, so a
 * caller can pass every candidate id through it.
 */
export function resolveLocalModelId(id: string, baseDirectory: string): string {
  if (!isLocalModelId(id)) return id;
  const { directory, dtype } = splitLocalModelId(id);
  return `${LOCAL_MODEL_ID_PREFIX}${resolve(baseDirectory, directory)}${dtype === null ? "" : `@${dtype}`}`;
}

/** The folder and variant a `local:` id names; the folder as written (maybe relative). */
export function splitLocalModelId(id: string): {
  directory: string;
  dtype: TransformersDtype | null;
} {
  if (!isLocalModelId(id)) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `"${id}" is not a local model id; write local:<folder>, e.g. local:./models/my-model`,
      { details: { id } },
    );
  }
  const { repositoryId, dtype } = parseTransformersModelId(id.slice(LOCAL_MODEL_ID_PREFIX.length));
  if (repositoryId.trim() === "") {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `"${id}" names no folder; write local:<folder>, e.g. local:./models/my-model`,
      { details: { id } },
    );
  }
  return { directory: repositoryId, dtype };
}

/**
 * The record for a `local:` id (relative ids resolved against `baseDirectory`), the
 * variant's record when the id ends in `@q8`/`@q4`/`@fp16`.
 */
export async function localModelRecordForId(
  id: string,
  options: LocalModelRecordOptions = {},
): Promise<ModelRecord> {
  const { directory, dtype } = splitLocalModelId(id);
  const base = await localModelRecord(directory, options);
  if (dtype === null || dtype === "fp32") return base;
  const [variant] = transformersVariants(base, [dtype]);
  if (variant === undefined || !hasVariant(base, dtype)) {
    const present = ["fp32", ...variantList(base)].join(", ");
    throw new ModelScoutError(
      "NOT_FOUND",
      `${id}: the folder has no ${dtype} weights (onnx/${VARIANT_FILE_STEMS[dtype]}.onnx); it has ${present}. Drop the @${dtype} suffix or add the file.`,
      { details: { id, dtype, present } },
    );
  }
  return variant;
}

/** File-name suffixes transformers.js gives each weight format, longest first. */
const FORMAT_SUFFIXES: readonly [string, Dtype | null, TransformersDtype | null][] = [
  ["_quantized", "int8", "q8"],
  ["_q4f16", null, null],
  ["_bnb4", null, null],
  ["_uint8", null, null],
  ["_int8", null, null],
  ["_fp16", "fp16", "fp16"],
  ["_q4", "int4", "q4"],
];

const VARIANT_FILE_STEMS: Record<TransformersDtype, string> = {
  fp32: "model",
  fp16: "model_fp16",
  q8: "model_quantized",
  q4: "model_q4",
};

/** The format of one file under `onnx/`, or undefined when it is no weight file. */
function fileFormat(
  name: string,
): { dtype: Dtype | null; variant: TransformersDtype | null } | undefined {
  const match = /^(.*)\.onnx(?:_data(?:_\d+)?)?$/.exec(name);
  if (match === null) return undefined;
  const stem = match[1] ?? "";
  for (const [suffix, dtype, variant] of FORMAT_SUFFIXES) {
    if (stem.endsWith(suffix)) return { dtype, variant };
  }
  return { dtype: "fp32", variant: "fp32" };
}

function variantList(record: ModelRecord): TransformersDtype[] {
  const listed = record.extra.onnxVariants;
  return Array.isArray(listed)
    ? listed.filter(
        (value): value is TransformersDtype =>
          typeof value === "string" && isTransformersDtype(value),
      )
    : [];
}

function hasVariant(record: ModelRecord, dtype: TransformersDtype): boolean {
  return variantList(record).includes(dtype);
}

/** The pipeline tag an architecture's head implies; only the unambiguous ones. */
const ARCHITECTURE_TASKS: readonly [RegExp, string][] = [
  // Speech encoders' classification heads classify sounds, not text: before the text rule.
  [
    /^(Wav2Vec2|Wav2Vec2Conformer|Wav2Vec2Bert|Hubert|WavLM|UniSpeech|UniSpeechSat|Data2VecAudio)ForSequenceClassification$/,
    "audio-classification",
  ],
  [/ForAudioClassification$/, "audio-classification"],
  [/ForCTC$/, "automatic-speech-recognition"],
  [/^(Whisper|Moonshine)ForConditionalGeneration$/, "automatic-speech-recognition"],
  [/ForSequenceClassification$/, "text-classification"],
  [/ForTokenClassification$/, "token-classification"],
  [/ForQuestionAnswering$/, "question-answering"],
  [/ForMaskedLM$/, "fill-mask"],
  [/ForCausalLM$/, "text-generation"],
  [/ForImageClassification$/, "image-classification"],
];

function asStrings(value: unknown): string[] {
  if (typeof value === "string") return value.trim() === "" ? [] : [value.trim()];
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === "string" && item.trim() !== "")
    : [];
}

async function readJsonObject(path: string, what: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `${what} is missing (${path}): a local model folder needs the Hugging Face layout, config.json, tokenizer.json, tokenizer_config.json and onnx/model.onnx (export one with Optimum: optimum-cli export onnx)`,
      { cause: error, details: { path } },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `${what} is not valid JSON (${path}): ${(error as Error).message}`,
      { cause: error, details: { path } },
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ModelScoutError("INVALID_ARGUMENT", `${what} must be a JSON object (${path})`, {
      details: { path },
    });
  }
  return value as Record<string, unknown>;
}

/** `id2label` values in index order; empty when the config has none. */
function labelsOf(config: Record<string, unknown>): string[] {
  const id2label = config.id2label;
  if (typeof id2label !== "object" || id2label === null || Array.isArray(id2label)) return [];
  return Object.entries(id2label as Record<string, unknown>)
    .filter(([index, label]) => /^\d+$/.test(index) && typeof label === "string")
    .sort(([left], [right]) => Number(left) - Number(right))
    .map(([, label]) => label as string);
}

function contextLengthOf(config: Record<string, unknown>): number | null {
  for (const key of ["max_position_embeddings", "n_positions"]) {
    const value = config[key];
    if (typeof value === "number" && Number.isInteger(value) && value > 0) return value;
  }
  return null;
}

function taskOf(
  card: Record<string, unknown>,
  architectures: string[],
  fallback: string | undefined,
): string | null {
  if (typeof card.pipeline_tag === "string" && card.pipeline_tag.trim() !== "") {
    return card.pipeline_tag.trim();
  }
  for (const architecture of architectures) {
    for (const [pattern, task] of ARCHITECTURE_TASKS) {
      if (pattern.test(architecture)) return task;
    }
  }
  return fallback ?? null;
}

async function weightFiles(folder: string): Promise<{ name: string; sizeBytes: number }[]> {
  const onnxFolder = join(folder, "onnx");
  let names: string[];
  try {
    names = await readdir(onnxFolder);
  } catch {
    return [];
  }
  const files: { name: string; sizeBytes: number }[] = [];
  for (const name of names.sort()) {
    const info = await stat(join(onnxFolder, name));
    if (info.isFile()) files.push({ name, sizeBytes: info.size });
  }
  return files;
}

/**
 * Reads an HF-layout ONNX model folder into a catalog record (`source: "local"`, id
 * `local:<absolute path>`). Throws `NOT_FOUND` when the folder does not exist and
 * `INVALID_ARGUMENT` when it is not a model folder transformers.js could load.
 */
export async function localModelRecord(
  directory: string,
  options: LocalModelRecordOptions = {},
): Promise<ModelRecord> {
  const folder = isAbsolute(directory)
    ? resolve(directory)
    : resolve(options.baseDirectory ?? process.cwd(), directory);
  try {
    if (!(await stat(folder)).isDirectory()) throw new Error("not a directory");
  } catch (error) {
    const relativeTo = isAbsolute(directory)
      ? ""
      : ` ("${directory}" relative to ${options.baseDirectory ?? process.cwd()})`;
    throw new ModelScoutError(
      "NOT_FOUND",
      `Local model folder not found: ${folder}${relativeTo}. Check the path in the local: id (relative paths are resolved from the task spec's or the routes config's folder), or build/export the model there first.`,
      { cause: error, details: { folder, given: directory } },
    );
  }
  const config = await readJsonObject(join(folder, "config.json"), "config.json");
  const files = await weightFiles(folder);
  const memoryBytes: Partial<Record<Dtype, number>> = {};
  const variants = new Set<TransformersDtype>();
  for (const file of files) {
    const format = fileFormat(file.name);
    if (format === undefined || format.dtype === null) continue;
    memoryBytes[format.dtype] = (memoryBytes[format.dtype] ?? 0) + file.sizeBytes;
    if (format.variant !== null && format.variant !== "fp32") variants.add(format.variant);
  }
  if (files.every((file) => fileFormat(file.name) === undefined)) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `Local model folder ${folder} has no ONNX weights (onnx/model.onnx): ModelScout runs local folders with transformers.js, which needs ONNX. Export the model with Optimum (optimum-cli export onnx --model <model> ${folder}) and put the .onnx files under onnx/.`,
      { details: { folder } },
    );
  }
  let card: Record<string, unknown> = {};
  try {
    card = readFrontMatter(await readFile(join(folder, "README.md"), "utf8"));
  } catch {
    // No model card: the record simply knows less (licence and languages unknown).
  }
  const architectures = asStrings(config.architectures);
  const modelType = typeof config.model_type === "string" ? config.model_type : null;
  const labels = labelsOf(config);
  const [license] = asStrings(card.license);
  const licenseName = typeof card.license_name === "string" ? card.license_name.trim() : "";
  const languages = [
    ...new Set(
      asStrings(card.language)
        .map(normaliseLanguage)
        .filter((code): code is string => code !== null),
    ),
  ];
  const fp32Bytes = memoryBytes.fp32;
  const variantDtypes = (["q8", "q4", "fp16"] as const).filter((dtype) => variants.has(dtype));
  return toModelRecord({
    id: `${LOCAL_MODEL_ID_PREFIX}${folder}`,
    source: "local",
    task: taskOf(card, architectures, options.task),
    library: typeof card.library_name === "string" ? card.library_name : "transformers.js",
    languages,
    license:
      license === undefined
        ? null
        : (license === "other" && licenseName !== "" ? licenseName : license).toLowerCase(),
    datasets: asStrings(card.datasets),
    params: fp32Bytes === undefined ? null : Math.round(fp32Bytes / 4),
    memoryBytes,
    contextLength: contextLengthOf(config),
    tags: [
      ...new Set(["onnx", ...(modelType === null ? [] : [modelType]), ...asStrings(card.tags)]),
    ],
    evalResults: mapModelIndex(card["model-index"]),
    extra: {
      path: folder,
      ...(labels.length > 0 && { labels }),
      ...(architectures.length > 0 && { architectures }),
      ...(modelType !== null && { modelType }),
      ...(variantDtypes.length > 0 && { onnxVariants: variantDtypes }),
      weightFiles: Object.fromEntries(files.map((file) => [`onnx/${file.name}`, file.sizeBytes])),
    },
  });
}
