/**
 * @module
 * The tasks the transformers.js backend runs, each with how to call its pipeline on a batch
 * and how to turn what the pipeline returns into ModelScout's uniform `BackendOutput`. The
 * pipelines' return shapes are the library's wire format: they are checked with zod here and
 * never leak further.
 */
import { z } from "zod";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import { resampleAudio } from "../../media/resample-audio.js";
import type { BackendInput, BackendOutput, LabelScore, Span } from "../model-backend.js";

/** A built transformers.js pipeline, called the way every pipeline is called. */
export type TransformersPipeline = (input: unknown, options?: unknown) => Promise<unknown>;

/** What a task handler needs from the library besides the pipeline itself. */
export interface TransformersRuntime {
  /** `RawImage.read` for image inputs. */
  readImage: (input: string | Blob) => Promise<unknown>;
  /** The sampling rate the model's feature extractor expects, for audio inputs. */
  samplingRateHz?: number;
}

export interface TransformersTask {
  /** The transformers.js pipeline to build (the same as the catalog task except aliases). */
  pipeline: string;
  kind: BackendOutput["kind"];
  /** Runs one batch; output `i` answers input `i`. */
  run(
    pipe: TransformersPipeline,
    inputs: readonly BackendInput[],
    runtime: TransformersRuntime,
  ): Promise<BackendOutput[]>;
}

const labelScoreSchema = z.object({ label: z.string(), score: z.number() });
const tokenSchema = z.object({
  word: z.string(),
  score: z.number(),
  entity: z.string().optional(),
  entity_group: z.string().optional(),
  start: z.number().nullish(),
  end: z.number().nullish(),
});
const zeroShotSchema = z.object({ labels: z.array(z.string()), scores: z.array(z.number()) });
const generatedSchema = z.array(
  z.object({
    generated_text: z.union([
      z.string(),
      z.array(z.object({ role: z.string(), content: z.string() })),
    ]),
  }),
);
// A custom check, not z.function(): zod would wrap the method and lose its `this`.
const tensorSchema = z.custom<{ tolist(): unknown }>(
  (value) =>
    typeof value === "object" &&
    value !== null &&
    typeof (value as { tolist?: unknown }).tolist === "function",
  "expected a Tensor",
);
const transcriptSchema = z.object({ text: z.string() });
// Built once: zod compiles a schema on its first parse, so a schema made per call would be
// compiled per call (that alone cost ~40 us per item in bench/backend-overhead.ts).
const labelsPerInputSchema = z.array(z.array(labelScoreSchema));
const tokensPerInputSchema = z.array(z.array(tokenSchema));
const rowsSchema = z.array(z.array(z.number()));

/** Maximum tokens a text-generation run adds: enough for a short answer, bounded for latency. */
export const DEFAULT_MAX_NEW_TOKENS = 64;

function wrongInput(task: string, expected: string, input: BackendInput): ModelScoutError {
  const got = typeof input === "string" ? "text" : Object.keys(input).join("+");
  return new ModelScoutError(
    "INVALID_ARGUMENT",
    `A ${task} model takes ${expected}, but an input carried ${got}. Run it on inputs of its task, or pick a model for your task with \`modelscout catalog search --task ...\`.`,
    { details: { task, expected } },
  );
}

function textOf(task: string, input: BackendInput): string {
  if (typeof input === "string") return input;
  if ("text" in input) return input.text;
  throw wrongInput(task, "text", input);
}

function parse<T>(schema: z.ZodType<T>, value: unknown, task: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new ModelScoutError(
    "BACKEND_RESPONSE_INVALID",
    `transformers.js returned an unexpected ${task} output (${parsed.error.issues[0]?.message ?? "invalid"}). The model's config may not match the task; check its pipeline tag.`,
    { cause: parsed.error, details: { task } },
  );
}

function sortedLabels(labels: LabelScore[]): LabelScore[] {
  return labels.sort((a, b) => b.score - a.score);
}

/** Character offsets for tokens the tokenizer did not give offsets for: found left to right. */
function spansOf(text: string, tokens: z.infer<typeof tokenSchema>[]): Span[] {
  const lower = text.toLowerCase();
  let cursor = 0;
  return tokens.map((token) => {
    const label = token.entity_group ?? token.entity ?? "";
    const word = token.word.replace(/^##/, "").replace(/^▁/, "");
    let start = token.start ?? null;
    let end = token.end ?? null;
    if (start === null || end === null) {
      const found = lower.indexOf(word.toLowerCase(), cursor);
      start = found === -1 ? cursor : found;
      end = found === -1 ? cursor : found + word.length;
    }
    cursor = Math.max(cursor, end);
    return {
      label,
      start,
      end,
      text: text.slice(start, end) || word,
      score: Math.min(1, Math.max(0, token.score)),
    };
  });
}

const classifyText: TransformersTask["run"] = async (pipe, inputs) => {
  const texts = inputs.map((input) => {
    if (typeof input === "object" && "textPair" in input && input.textPair !== undefined) {
      return { text: input.text, text_pair: input.textPair };
    }
    return textOf("text-classification", input);
  });
  const raw = await pipe(texts, { top_k: null });
  const perInput = parse(labelsPerInputSchema, raw, "text-classification");
  return perInput.map((labels) => ({ kind: "labels", labels: sortedLabels(labels) }));
};

const classifyTokens: TransformersTask["run"] = async (pipe, inputs) => {
  const texts = inputs.map((input) => textOf("token-classification", input));
  const raw = await pipe(texts);
  const perInput = parse(tokensPerInputSchema, raw, "token-classification");
  return perInput.map((tokens, index) => ({
    kind: "spans",
    spans: spansOf(texts[index] ?? "", tokens),
  }));
};

const classifyZeroShot: TransformersTask["run"] = async (pipe, inputs) => {
  const outputs: BackendOutput[] = [];
  // Each input may bring its own candidate labels, so items run one by one.
  for (const input of inputs) {
    if (typeof input !== "object" || !("text" in input) || !input.candidateLabels?.length) {
      throw wrongInput(
        "zero-shot-classification",
        "{ text, candidateLabels } with at least one label",
        input,
      );
    }
    const raw = await pipe(input.text, [...input.candidateLabels]);
    const result = parse(zeroShotSchema, raw, "zero-shot-classification");
    const labels = result.labels.map((label, index) => ({
      label,
      score: Math.min(1, Math.max(0, result.scores[index] ?? 0)),
    }));
    outputs.push({ kind: "labels", labels: sortedLabels(labels) });
  }
  return outputs;
};

const embed: TransformersTask["run"] = async (pipe, inputs) => {
  const texts = inputs.map((input) => textOf("feature-extraction", input));
  // Mean pooling over tokens and L2 normalisation: what sentence-transformers models are
  // trained for, and what makes cosine similarity a dot product downstream.
  const raw = await pipe(texts, { pooling: "mean", normalize: true });
  const tensor = parse(tensorSchema, raw, "feature-extraction");
  const rows = parse(rowsSchema, tensor.tolist(), "feature-extraction");
  return rows.map((vector) => ({ kind: "embedding", vector }));
};

/** Whether the pipeline's tokenizer can format chat turns (transformers.js reads `chat_template`). */
function hasChatTemplate(pipe: unknown): boolean {
  const tokenizer = (pipe as { tokenizer?: { chat_template?: unknown } }).tokenizer;
  // A pipeline that says nothing of its tokenizer is taken to have one, as before.
  return tokenizer === undefined || tokenizer.chat_template != null;
}

const generate: TransformersTask["run"] = async (pipe, inputs) => {
  const outputs: BackendOutput[] = [];
  // Prompts of different lengths would be padded together; one at a time keeps greedy
  // decoding identical between batch and single runs.
  for (const input of inputs) {
    let prompt: unknown;
    if (typeof input === "string") prompt = input;
    else if ("messages" in input && input.completion !== undefined && !hasChatTemplate(pipe)) {
      // A legacy completion for a model without a chat template (a base model): its prompt
      // as written, which the model continues; as chat turns it would not run at all.
      prompt = input.completion.prompt;
    } else if ("messages" in input) prompt = input.messages.map((message) => ({ ...message }));
    else if ("text" in input) prompt = input.text;
    else throw wrongInput("text-generation", "text or chat messages", input);
    // A chat's own settings: its token cap, and sampling when it asks for a temperature
    // above 0 (greedy otherwise). Stop sequences, seeds and penalties are not applied.
    const asked = typeof input === "object" && "messages" in input ? input.generation : undefined;
    const sample = asked?.temperature !== undefined && asked.temperature > 0;
    const raw = await pipe(prompt, {
      max_new_tokens: asked?.maxTokens ?? DEFAULT_MAX_NEW_TOKENS,
      do_sample: sample,
      ...(sample && { temperature: asked.temperature }),
      ...(sample && asked.topP !== undefined && { top_p: asked.topP }),
      return_full_text: false,
    });
    const generated = parse(generatedSchema, raw, "text-generation")[0]?.generated_text ?? "";
    const text = typeof generated === "string" ? generated : (generated.at(-1)?.content ?? "");
    outputs.push({ kind: "text", text });
  }
  return outputs;
};

const classifyImage: TransformersTask["run"] = async (pipe, inputs, runtime) => {
  const images = await Promise.all(
    inputs.map((input) => {
      if (typeof input !== "object" || !("image" in input)) {
        throw wrongInput("image-classification", "{ image } (bytes, a path or a URL)", input);
      }
      const image = input.image;
      return runtime.readImage(typeof image === "string" ? image : new Blob([image]));
    }),
  );
  const raw = await pipe(images, { top_k: null });
  const perInput = parse(labelsPerInputSchema, raw, "image-classification");
  return perInput.map((labels) => ({ kind: "labels", labels: sortedLabels(labels) }));
};

/**
 * An audio input's samples at the rate the model's feature extractor takes (16 kHz for most
 * speech models): clients record at 44.1 or 48 kHz.
 */
function audioAtModelRate(
  input: BackendInput,
  task: string,
  runtime: TransformersRuntime,
): Float32Array {
  if (typeof input !== "object" || !("audio" in input)) {
    throw wrongInput(task, "{ audio, samplingRateHz }", input);
  }
  const expected = runtime.samplingRateHz;
  return expected === undefined || input.samplingRateHz === expected
    ? input.audio
    : resampleAudio(input.audio, input.samplingRateHz, expected);
}

const transcribe: TransformersTask["run"] = async (pipe, inputs, runtime) => {
  const outputs: BackendOutput[] = [];
  for (const input of inputs) {
    const audio = audioAtModelRate(input, "automatic-speech-recognition", runtime);
    // A hint Whisper models take; others say they ignore it.
    const language = typeof input === "object" && "language" in input ? input.language : undefined;
    const raw = await pipe(audio, language === undefined ? {} : { language });
    outputs.push({ kind: "text", text: parse(transcriptSchema, raw, "speech recognition").text });
  }
  return outputs;
};

const classifyAudio: TransformersTask["run"] = async (pipe, inputs, runtime) => {
  const outputs: BackendOutput[] = [];
  for (const input of inputs) {
    const raw = await pipe(audioAtModelRate(input, "audio-classification", runtime), {
      top_k: null,
    });
    const labels = parse(z.array(labelScoreSchema), raw, "audio-classification");
    outputs.push({ kind: "labels", labels: sortedLabels(labels) });
  }
  return outputs;
};

/** Catalog task (pipeline tag) to how transformers.js runs it. */
export const TRANSFORMERS_TASKS = {
  "text-classification": { pipeline: "text-classification", kind: "labels", run: classifyText },
  "token-classification": { pipeline: "token-classification", kind: "spans", run: classifyTokens },
  "zero-shot-classification": {
    pipeline: "zero-shot-classification",
    kind: "labels",
    run: classifyZeroShot,
  },
  "feature-extraction": { pipeline: "feature-extraction", kind: "embedding", run: embed },
  "sentence-similarity": { pipeline: "feature-extraction", kind: "embedding", run: embed },
  "text-generation": { pipeline: "text-generation", kind: "text", run: generate },
  "image-classification": { pipeline: "image-classification", kind: "labels", run: classifyImage },
  "automatic-speech-recognition": {
    pipeline: "automatic-speech-recognition",
    kind: "text",
    run: transcribe,
  },
  "audio-classification": { pipeline: "audio-classification", kind: "labels", run: classifyAudio },
} as const satisfies Record<string, TransformersTask>;
export type TransformersTaskId = keyof typeof TRANSFORMERS_TASKS;

export function isTransformersTask(task: string | null): task is TransformersTaskId {
  return task !== null && Object.hasOwn(TRANSFORMERS_TASKS, task);
}
