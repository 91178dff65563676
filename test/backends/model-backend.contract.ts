/**
 * The contract every `ModelBackend` passes. Call `runModelBackendContract` from a
 * `*.test.ts` with a factory for a fresh backend and a few inputs of its task.
 */
import { afterAll, describe, expect, it } from "vitest";
import { type ModelArtifact, modelArtifactSchema } from "../../src/backends/model-artifact.js";
import {
  BACKEND_SPECIFICATION_VERSION,
  type BackendInput,
  type BackendOutput,
  type ModelBackend,
} from "../../src/backends/model-backend.js";

export interface BackendContractCase {
  name: string;
  create: () => ModelBackend | Promise<ModelBackend>;
  /** At least two inputs of the backend's task. */
  inputs: readonly BackendInput[];
  expectedKind: BackendOutput["kind"];
  /** Same inputs give the same outputs (false for sampled generation). Default true. */
  deterministic?: boolean;
  /** Whether the backend keeps inputs on this machine. */
  local: boolean;
  /** The backend streams its task's answers (`doStream`). Default false. */
  streams?: boolean;
  /**
   * The kind of artifact its loads report (`LoadResult.artifact`), when it declares one.
   * Backends that declare none must not report a malformed one either.
   */
  artifact?: ModelArtifact["kind"];
}

function checkOutput(output: BackendOutput | undefined, kind: BackendOutput["kind"]): void {
  expect(output?.kind).toBe(kind);
  if (output === undefined) return;
  switch (output.kind) {
    case "labels": {
      expect(output.labels.length).toBeGreaterThan(0);
      for (const label of output.labels) {
        expect(typeof label.label).toBe("string");
        expect(label.score).toBeGreaterThanOrEqual(0);
        expect(label.score).toBeLessThanOrEqual(1);
      }
      const scores = output.labels.map((label) => label.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      break;
    }
    case "embedding":
      expect(output.vector.length).toBeGreaterThan(0);
      for (const value of output.vector) expect(Number.isFinite(value)).toBe(true);
      break;
    case "text":
      expect(typeof output.text).toBe("string");
      break;
    case "spans":
      for (const span of output.spans) {
        expect(span.end).toBeGreaterThanOrEqual(span.start);
        expect(span.score).toBeGreaterThanOrEqual(0);
        expect(span.score).toBeLessThanOrEqual(1);
      }
      break;
  }
}

function comparable(output: BackendOutput | undefined): unknown {
  if (output?.kind === "embedding") return output.vector.map((value) => Number(value.toFixed(4)));
  if (output?.kind === "labels")
    return output.labels.map((label) => ({
      label: label.label,
      score: Number(label.score.toFixed(4)),
    }));
  return output;
}

export function runModelBackendContract(contract: BackendContractCase): void {
  describe(`ModelBackend contract: ${contract.name}`, () => {
    let backend: ModelBackend | undefined;
    const get = async () => {
      backend ??= await contract.create();
      return backend;
    };
    afterAll(async () => {
      await backend?.unload();
    });

    it("describes itself with the current specification version", async () => {
      const instance = await get();
      const description = instance.describe();
      expect(instance.specificationVersion).toBe(BACKEND_SPECIFICATION_VERSION);
      expect(description.specificationVersion).toBe(BACKEND_SPECIFICATION_VERSION);
      expect(description.provider).toBe(instance.provider);
      expect(description.modelId).toBe(instance.modelId);
      expect(description.task.length).toBeGreaterThan(0);
      expect(description.local).toBe(contract.local);
    });

    it("loads once; a second load is idempotent", async () => {
      const instance = await get();
      const first = await instance.load();
      expect(first.loadMs).toBeGreaterThanOrEqual(0);
      const second = await instance.load();
      expect(second.loadMs).toBeGreaterThanOrEqual(0);
    });

    it(
      contract.artifact === undefined
        ? "reports no artifact, or a well-formed one"
        : `reports a well-formed ${contract.artifact} artifact on every load`,
      async () => {
        const instance = await get();
        const first = await instance.load();
        const second = await instance.load();
        if (contract.artifact === undefined && first.artifact === undefined) {
          expect(second.artifact).toBeUndefined();
          return;
        }
        const parsed = modelArtifactSchema.safeParse(first.artifact);
        expect(parsed.error?.issues ?? []).toEqual([]);
        if (contract.artifact !== undefined) expect(first.artifact?.kind).toBe(contract.artifact);
        // A repeated load names the same thing: it loaded nothing else.
        expect(second.artifact).toEqual(first.artifact);
      },
    );

    it("answers a batch with one output of the task's kind per input, in order", async () => {
      const instance = await get();
      const outputs = await instance.doRun(contract.inputs);
      expect(outputs).toHaveLength(contract.inputs.length);
      for (const output of outputs) checkOutput(output, contract.expectedKind);
      if (contract.deterministic ?? true) {
        const singles = [];
        for (const input of contract.inputs) singles.push((await instance.doRun([input]))[0]);
        expect(singles.map(comparable)).toEqual(outputs.map(comparable));
      }
    });

    it("answers an empty batch with an empty array", async () => {
      expect(await (await get()).doRun([])).toEqual([]);
    });

    it("rejects a run whose signal is already aborted", async () => {
      const controller = new AbortController();
      controller.abort();
      await expect(
        (await get()).doRun(contract.inputs, { signal: controller.signal }),
      ).rejects.toThrow();
    });

    // Only for backends that stream: the others would show one skipped test each.
    if (contract.streams === true) {
      it("streams each input's answer in pieces that join to what doRun answers", async () => {
        const instance = await get();
        expect(instance.doStream).toBeTypeOf("function");
        const outputs = await instance.doRun(contract.inputs);
        for (const [index, input] of contract.inputs.entries()) {
          const pieces: string[] = [];
          for await (const piece of await (instance.doStream?.(input) ?? [])) {
            if (typeof piece === "string") pieces.push(piece);
            else if (!("reasoning" in piece)) {
              expect(pieces.length, "a StreamEnd comes after the text").toBeGreaterThan(0);
            }
          }
          expect(pieces.length).toBeGreaterThan(0);
          const output = outputs[index];
          expect(pieces.join("")).toBe(output?.kind === "text" ? output.text : undefined);
        }
        const controller = new AbortController();
        controller.abort();
        await expect(
          instance.doStream?.(contract.inputs[0] as BackendInput, { signal: controller.signal }),
        ).rejects.toThrow();
      });
    }

    it("runs again after unload", async () => {
      const instance = await get();
      await instance.unload();
      const outputs = await instance.doRun(contract.inputs.slice(0, 1));
      checkOutput(outputs[0], contract.expectedKind);
    });
  });
}
