/**
 * @module
 * Whether a model can stand where a routes config names it, by the task its backend does: a
 * route candidate serves its target's task, a nearest-neighbour step's model embeds, a
 * classifier step's model labels. `createRouter` asks it of the config it builds, and
 * `resolveRoutesConfig` of the parts that parsed of a config it cannot build, so both name a
 * model of the wrong task in the same words.
 */
import { compatibleTasks, type TaskId } from "../tasks/resolve-task.js";
import type { ModelReference } from "./routes-config.js";

/** Backend tasks that can serve a request of `task`. */
export function servingTasks(task: TaskId): string[] {
  const tasks = compatibleTasks(task);
  if (task === "text-classification") tasks.push("zero-shot-classification");
  return tasks;
}

/** What a classification step's model must do, by the step's kind. */
const STEP_TASKS = {
  "nearest-neighbour": ["feature-extraction", "sentence-similarity"],
  classifier: ["text-classification", "zero-shot-classification"],
} as const satisfies Record<NonNullable<ModelReference["step"]>, readonly string[]>;

/** Why the model `reference` names, doing `backendTask`, cannot stand there; undefined when it can. */
export function modelTaskProblem(
  reference: ModelReference,
  backendTask: string,
): string | undefined {
  if (reference.task !== undefined) {
    return servingTasks(reference.task).includes(backendTask)
      ? undefined
      : `${reference.model} does ${backendTask}, not ${reference.task}`;
  }
  if (reference.step === undefined) return undefined;
  const wanted: readonly string[] = STEP_TASKS[reference.step];
  return wanted.includes(backendTask)
    ? undefined
    : `${reference.model} does ${backendTask}, not ${wanted.join(" or ")}`;
}
