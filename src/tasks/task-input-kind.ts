/**
 * @module
 * What one input of a task is: text, an image or a sound. `@huggingface/tasks` gives each
 * pipeline tag a modality, but a modality is not an input (`text-to-speech` is an audio task
 * that takes text), so the image and audio tasks are listed here by what they read. Tasks
 * that read an image or a sound *and* text (visual question answering, zero-shot image
 * classification) are not listed: no single input of theirs is a picture alone.
 */
import type { TaskId } from "./resolve-task.js";

export type TaskInputKind = "text" | "image" | "audio";

const IMAGE_INPUT_TASKS: ReadonlySet<TaskId> = new Set<TaskId>([
  "image-classification",
  "image-to-text",
  "object-detection",
  "image-segmentation",
  "depth-estimation",
  "image-feature-extraction",
  "keypoint-detection",
  "mask-generation",
  "image-to-image",
  "image-to-3d",
  "image-to-video",
]);

const AUDIO_INPUT_TASKS: ReadonlySet<TaskId> = new Set<TaskId>([
  "automatic-speech-recognition",
  "audio-classification",
  "audio-to-audio",
  "voice-activity-detection",
]);

export function taskInputKind(task: TaskId): TaskInputKind {
  if (IMAGE_INPUT_TASKS.has(task)) return "image";
  if (AUDIO_INPUT_TASKS.has(task)) return "audio";
  return "text";
}
