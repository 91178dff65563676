/**
 * What the hub tests share: the ModelScoutError a call fails with, and an environment
 * without the user's Hub token (a test that wants one passes it).
 */
import { afterAll, beforeAll } from "vitest";
import { ModelScoutError } from "../../src/errors/modelscout-error.js";

/** The ModelScoutError `promise` rejects with; any other outcome fails the test. */
export async function failure(promise: Promise<unknown>): Promise<ModelScoutError> {
  try {
    await promise;
  } catch (error) {
    if (ModelScoutError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("expected a ModelScoutError");
}

/** Runs the file's tests anonymous: HF_TOKEN and HUGGING_FACE_HUB_TOKEN unset, then restored. */
export function withoutHubTokens(): void {
  const saved = {
    HF_TOKEN: process.env.HF_TOKEN,
    HUGGING_FACE_HUB_TOKEN: process.env.HUGGING_FACE_HUB_TOKEN,
  };
  beforeAll(() => {
    delete process.env.HF_TOKEN;
    delete process.env.HUGGING_FACE_HUB_TOKEN;
  });
  afterAll(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value !== undefined) process.env[name] = value;
    }
  });
}
