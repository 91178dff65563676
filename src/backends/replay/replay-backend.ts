/**
 * @module
 * A `ModelBackend` that answers from recorded outcomes instead of running a model: one backend
 * per model of a `ReplayDataset`. Its text answer is a marker, not the model's real output
 * (the recording keeps only scores); what selection needs is `scoreFor`, the recorded 0..1
 * outcome of this model on a question. Always local: nothing leaves the machine.
 */
import { ModelScoutError } from "../../errors/modelscout-error.js";
import {
  BACKEND_SPECIFICATION_VERSION,
  type BackendDescription,
  type BackendInput,
  type BackendOutput,
  type LoadResult,
  type ModelBackend,
  type RunOptions,
} from "../model-backend.js";
import type { ReplayDataset } from "./replay-dataset.js";

export interface ReplayBackend extends ModelBackend {
  /** The recorded 0..1 outcome of this model on `question`; throws NOT_FOUND if unrecorded. */
  scoreFor(question: string): number;
  /** The recorded cost, when the data has costs for this model. */
  costFor(question: string): number | undefined;
}

function questionOf(input: BackendInput): string {
  if (typeof input === "string") return input;
  if ("text" in input) return input.text;
  throw new ModelScoutError(
    "INVALID_ARGUMENT",
    "A replay backend answers text questions only; pass the question string or {text}.",
  );
}

export function createReplayBackend(dataset: ReplayDataset, modelId: string): ReplayBackend {
  if (!dataset.models.includes(modelId)) {
    throw new ModelScoutError(
      "NOT_FOUND",
      `Replay data ${dataset.source} has no model ${modelId}; use one of: ${dataset.models.join(", ")}.`,
    );
  }
  // Built once: questions repeat across selection rounds and a linear scan per probe adds up.
  const byQuestion = new Map(dataset.items.map((item) => [item.question, item]));
  let loaded = false;

  const itemFor = (question: string) => {
    const item = byQuestion.get(question);
    if (item === undefined) {
      throw new ModelScoutError(
        "NOT_FOUND",
        `Replay data ${dataset.source} has no recorded outcome for this question; replay only questions from the file.`,
        { details: { question: question.slice(0, 80), modelId } },
      );
    }
    return item;
  };

  const scoreFor = (question: string): number => {
    // Validation guarantees every item scores every model of the dataset.
    return itemFor(question).scores[modelId] as number;
  };

  return {
    specificationVersion: BACKEND_SPECIFICATION_VERSION,
    provider: "replay",
    modelId,
    describe(): BackendDescription {
      return {
        specificationVersion: BACKEND_SPECIFICATION_VERSION,
        provider: "replay",
        modelId,
        task: "text-generation",
        local: true,
      };
    },
    async load(): Promise<LoadResult> {
      loaded = true;
      return { loadMs: 0 };
    },
    async doRun(inputs: readonly BackendInput[], options?: RunOptions): Promise<BackendOutput[]> {
      options?.signal?.throwIfAborted();
      if (!loaded) await this.load();
      return inputs.map((input) => {
        const score = scoreFor(questionOf(input));
        return { kind: "text", text: `[replay ${modelId}: recorded score ${score}]` };
      });
    },
    async unload(): Promise<void> {
      loaded = false;
    },
    scoreFor,
    costFor(question: string): number | undefined {
      return itemFor(question).costs?.[modelId];
    },
  };
}
