/** Builds valid `ModelRecord`s for tests with only the fields a test cares about. */
import {
  type ModelRecord,
  type ModelRecordInput,
  toModelRecord,
} from "../../src/catalog/model-record.js";

export function makeModel(overrides: Partial<ModelRecordInput> & { id: string }): ModelRecord {
  return toModelRecord({
    source: "hub",
    task: "text-classification",
    ...overrides,
  });
}
