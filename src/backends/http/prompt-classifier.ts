/**
 * @module
 * Classification with a chat model: a constrained prompt that lists the candidate labels,
 * and a parser that maps the model's answer back onto exactly one of them. It is a
 * prompt-based classifier, not a trained head: the chosen label scores 1 and the others 0,
 * because a chat completion carries no calibrated probabilities (log-probabilities are not
 * offered uniformly by vLLM, TGI, Ollama and llama.cpp). Evaluation treats the scores as a
 * hard decision.
 */
import { ModelScoutError } from "../../errors/modelscout-error.js";
import type { AnswerUsage, BackendOutput, ChatTurn, LabelScore } from "../model-backend.js";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** The instruction's end: the labels once per line, so a small model can copy one. */
function pickOneOf(labels: readonly string[]): string {
  const list = labels.map((label) => `- ${label}`).join("\n");
  return `answer with exactly one label from this list, copied verbatim, and nothing else:\n${list}`;
}

/** The system instruction names the labels; the text is the user's turn. */
export function promptClassifierMessages(text: string, labels: readonly string[]): ChatMessage[] {
  return [
    {
      role: "system",
      content: `You are a text classifier. Read the user's text and ${pickOneOf(labels)}`,
    },
    { role: "user", content: text },
  ];
}

/** The same for a picture: the labels in the instruction, the image as the user's turn. */
export function promptImageClassifierMessages(
  imageUrl: string,
  labels: readonly string[],
): ChatTurn[] {
  return [
    {
      role: "system",
      content: `You are an image classifier. Look at the user's image and ${pickOneOf(labels)}`,
    },
    { role: "user", content: "", parts: [{ type: "image", url: imageUrl }] },
  ];
}

/**
 * Reading the text in a picture with a vision chat model (`image-to-text`, which selection
 * scores as OCR by default): the text only, line by line, nothing about the picture.
 */
export function promptImageReaderMessages(imageUrl: string): ChatTurn[] {
  return [
    {
      role: "system",
      content:
        "You read text from images. Write out all the text in the user's image exactly as it is written, keeping its line breaks, and nothing else: no description, no comments. If there is no text, answer with nothing.",
    },
    { role: "user", content: "", parts: [{ type: "image", url: imageUrl }] },
  ];
}

function normalise(text: string): string {
  return text.toLowerCase().replace(/\s+/g, " ").trim();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Strips what chat models wrap answers in: quotes, a `Label:` prefix, a final full stop. */
function cleanAnswer(answer: string): string {
  let cleaned = normalise(answer);
  cleaned = cleaned.replace(/^(?:the )?(?:label|answer|category|class)\s*(?:is)?\s*[:=-]?\s*/, "");
  cleaned = cleaned.replace(/^[\s"'`*_-]+|[\s"'`*_.!,;:-]+$/g, "");
  return cleaned;
}

/**
 * Which label the answer names. Tries, in order: the whole answer is a label; the answer
 * starts with a label (longest first, so `very positive` beats `positive`); exactly one
 * label occurs in the answer as a whole word. Anything else is ambiguous and fails, because
 * guessing would silently corrupt an evaluation.
 */
export function parseClassifierAnswer(answer: string, labels: readonly string[]): LabelScore[] {
  const cleaned = cleanAnswer(answer);
  const byLength = [...labels].sort((a, b) => b.length - a.length);
  let chosen = labels.find((label) => normalise(label) === cleaned);
  chosen ??= byLength.find((label) => {
    const normalised = normalise(label);
    return (
      cleaned.startsWith(normalised) && !/[\p{L}\p{N}]/u.test(cleaned.charAt(normalised.length))
    );
  });
  if (chosen === undefined) {
    const mentioned = labels.filter((label) =>
      new RegExp(
        `(^|[^\\p{L}\\p{N}])${escapeRegExp(normalise(label))}($|[^\\p{L}\\p{N}])`,
        "u",
      ).test(cleaned),
    );
    if (mentioned.length === 1) chosen = mentioned[0];
  }
  if (chosen === undefined) {
    const shown = answer.replace(/\s+/g, " ").trim().slice(0, 120);
    throw new ModelScoutError(
      "BACKEND_RESPONSE_INVALID",
      `The model's answer "${shown}" does not name exactly one of the labels ${labels.join(", ")}. Prompt-based classification needs an instruction-following chat model; try a larger one or fewer, more distinct labels.`,
      { details: { answer: shown, labels: [...labels] } },
    );
  }
  const winner = chosen;
  return [
    { label: winner, score: 1 },
    ...labels.filter((label) => label !== winner).map((label) => ({ label, score: 0 })),
  ];
}

/**
 * A chat answer read as a classifier's output: its label (`parseClassifierAnswer`) and the
 * tokens its server reported, so that a priced chat classifier has a cost per answer
 * (selection's `objectives.cost`, the request log's cost) as a chat or an embedding has.
 */
export function labelsAnswer(
  answer: { text: string; usage?: AnswerUsage },
  labels: readonly string[],
): Extract<BackendOutput, { kind: "labels" }> {
  let scores: LabelScore[];
  try {
    scores = parseClassifierAnswer(answer.text, labels);
  } catch (error) {
    // An answer that names no label was still made, and billed: its tokens go with the error.
    if (answer.usage === undefined || !ModelScoutError.isInstance(error)) throw error;
    throw new ModelScoutError(error.code, error.message, {
      details: { usage: answer.usage, ...error.details },
    });
  }
  return {
    kind: "labels",
    labels: scores,
    ...(answer.usage !== undefined && { usage: answer.usage }),
  };
}

/** What one input of a batch got when some of the batch's answers named no label. */
export type BatchLabelResult =
  | { output: Extract<BackendOutput, { kind: "labels" }> }
  | { error: string; usage?: AnswerUsage };

/**
 * A batch's chat answers read as labels, answer `i` against `labels[i]`. When any names no
 * label, one error stands for the batch, as a batch's call fails as a whole: the first such
 * answer's (with its tokens, as `labelsAnswer` gives them). It also keeps what each input got
 * in `details.batch` (`batchLabelResults`), so a caller that can use the others' labels (the
 * router's batch classification) loses neither them nor what each call cost.
 */
export function labelsAnswers(
  answers: readonly { text: string; usage?: AnswerUsage }[],
  labels: (index: number) => readonly string[],
): Extract<BackendOutput, { kind: "labels" }>[] {
  const outputs: Extract<BackendOutput, { kind: "labels" }>[] = [];
  let results: BatchLabelResult[] | undefined;
  let first: ModelScoutError | undefined;
  answers.forEach((answer, index) => {
    try {
      const output = labelsAnswer(answer, labels(index));
      outputs.push(output);
      results?.push({ output });
    } catch (error) {
      if (!ModelScoutError.isInstance(error)) throw error;
      first ??= error;
      results ??= outputs.map((output) => ({ output }));
      results.push(
        answer.usage === undefined
          ? { error: error.message }
          : { error: error.message, usage: answer.usage },
      );
    }
  });
  if (first === undefined) return outputs;
  throw new ModelScoutError(first.code, first.message, {
    details: { batch: results, ...first.details },
  });
}

/** What each input of a batch got, from `labelsAnswers`' error; undefined for any other. */
export function batchLabelResults(
  error: unknown,
  inputs: number,
): readonly BatchLabelResult[] | undefined {
  if (!ModelScoutError.isInstance(error) || error.code !== "BACKEND_RESPONSE_INVALID") {
    return undefined;
  }
  const batch = error.details.batch;
  return Array.isArray(batch) && batch.length === inputs
    ? (batch as BatchLabelResult[])
    : undefined;
}

/**
 * The tokens of a call whose answer could not be read as a label (`labelsAnswer`), when its
 * server reported them: the call was made, so a router counts what it cost (ADR 0091).
 */
export function unreadAnswerUsage(error: unknown): AnswerUsage | undefined {
  if (!ModelScoutError.isInstance(error) || error.code !== "BACKEND_RESPONSE_INVALID") {
    return undefined;
  }
  const usage = error.details.usage as Partial<AnswerUsage> | undefined;
  return typeof usage?.promptTokens === "number" && typeof usage.completionTokens === "number"
    ? { promptTokens: usage.promptTokens, completionTokens: usage.completionTokens }
    : undefined;
}
