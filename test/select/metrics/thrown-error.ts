import { ModelScoutError } from "../../../src/errors/modelscout-error.js";

/** `code: message` of the ModelScoutError `run` throws; fails the test on anything else. */
export function thrownError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (ModelScoutError.isInstance(error)) return `${error.code}: ${error.message}`;
    throw error;
  }
  throw new Error("expected a ModelScoutError, nothing was thrown");
}
