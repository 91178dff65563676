/**
 * @module
 * Task names. A task is a Hugging Face pipeline tag from `@huggingface/tasks`; users may also
 * write it with underscores or capitals (`text_generation`, `Text-Generation`) or use a
 * common alias (`sentiment`, `embeddings`, `asr`). Unknown names fail with a suggestion.
 */
import { PIPELINE_DATA, type PipelineType } from "@huggingface/tasks";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { closestMatch } from "../text/closest-match.js";

export type TaskId = PipelineType;

export const TASK_IDS = Object.keys(PIPELINE_DATA) as TaskId[];

const TASK_ID_SET = new Set<string>(TASK_IDS);

/** Everyday names people use for pipeline tags. Keys are normalised (lower case, hyphens). */
export const TASK_ALIASES = {
  sentiment: "text-classification",
  "sentiment-analysis": "text-classification",
  classification: "text-classification",
  "intent-classification": "text-classification",
  "language-identification": "text-classification",
  langid: "text-classification",
  ner: "token-classification",
  "named-entity-recognition": "token-classification",
  embedding: "feature-extraction",
  embeddings: "feature-extraction",
  "text-embedding": "feature-extraction",
  "text-embeddings": "feature-extraction",
  "sentence-embedding": "feature-extraction",
  "sentence-embeddings": "feature-extraction",
  llm: "text-generation",
  chat: "text-generation",
  generation: "text-generation",
  text2text: "text-generation",
  // The Hub retired this tag; older models still carry it (see COMPATIBLE_TASKS).
  "text2text-generation": "text-generation",
  asr: "automatic-speech-recognition",
  "speech-recognition": "automatic-speech-recognition",
  "speech-to-text": "automatic-speech-recognition",
  stt: "automatic-speech-recognition",
  tts: "text-to-speech",
  ocr: "image-to-text",
  "image-classifier": "image-classification",
  vad: "voice-activity-detection",
  qa: "question-answering",
  // Chinese names, as a user in China types them (simplified; traditional where it differs).
  情感分析: "text-classification",
  情感分类: "text-classification",
  情感识别: "text-classification",
  文本分类: "text-classification",
  文本分類: "text-classification",
  意图识别: "text-classification",
  语种识别: "text-classification",
  语言识别: "text-classification",
  命名实体识别: "token-classification",
  实体识别: "token-classification",
  文本嵌入: "feature-extraction",
  文本向量: "feature-extraction",
  句向量: "feature-extraction",
  向量化: "feature-extraction",
  文本生成: "text-generation",
  对话: "text-generation",
  大模型: "text-generation",
  翻译: "translation",
  摘要: "summarization",
  文本摘要: "summarization",
  问答: "question-answering",
  语音识别: "automatic-speech-recognition",
  语音转文字: "automatic-speech-recognition",
  语音合成: "text-to-speech",
  文字识别: "image-to-text",
  图像分类: "image-classification",
  图片分类: "image-classification",
  目标检测: "object-detection",
} as const satisfies Record<string, TaskId>;

/**
 * Tasks whose models answer each other's queries: a sentence-embedding model is tagged
 * `sentence-similarity` on the Hub but is what a user searching `feature-extraction` wants.
 */
const COMPATIBLE_TASKS: Partial<Record<TaskId, string[]>> = {
  "feature-extraction": ["feature-extraction", "sentence-similarity"],
  "sentence-similarity": ["sentence-similarity", "feature-extraction"],
  "text-generation": ["text-generation", "text2text-generation"],
};

function normaliseTaskName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, "-");
}

export function isTaskId(value: string): value is TaskId {
  return TASK_ID_SET.has(value);
}

/** Resolves a user-typed task name to a pipeline tag, or throws `UNKNOWN_TASK` with a hint. */
export function resolveTask(name: string): TaskId {
  const normalised = normaliseTaskName(name);
  if (isTaskId(normalised)) return normalised;
  const alias = (TASK_ALIASES as Record<string, TaskId | undefined>)[normalised];
  if (alias) return alias;
  const suggestion = closestMatch(normalised, [...TASK_IDS, ...Object.keys(TASK_ALIASES)]);
  throw new ModelScoutError(
    "UNKNOWN_TASK",
    `Unknown task "${name}".${suggestion ? ` Did you mean "${suggestion}"?` : ""} Tasks are Hugging Face pipeline tags, for example text-classification, feature-extraction, text-generation, image-classification.`,
    { details: { task: name, suggestion } },
  );
}

/** The pipeline tags a search for `task` should match, `task` first. */
export function compatibleTasks(task: TaskId): string[] {
  return COMPATIBLE_TASKS[task] ?? [task];
}
