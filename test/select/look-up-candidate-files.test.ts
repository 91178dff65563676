/**
 * Selection with candidates whose listing named no files (`filesUnknown`, as a mirror's sync
 * leaves them): the probing cut's files are looked up on the fake Hub over HTTP before any
 * model loads; a model without ONNX weights is dropped and the next by prior takes its place;
 * a failed look-up stops the look-ups and is explained, not thrown.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  BACKEND_SPECIFICATION_VERSION,
  type BackendOutput,
  type BackendProvider,
  type ModelBackend,
} from "../../src/backends/model-backend.js";
import { TRANSFORMERS_PROVIDER } from "../../src/backends/transformers-js/transformers-backend.js";
import { supportsTransformers } from "../../src/backends/transformers-js/transformers-backend-provider.js";
import type { CatalogStore } from "../../src/catalog/catalog-store.js";
import { openSqliteStore } from "../../src/catalog/sqlite/sqlite-store.js";
import { hubFilesLookup } from "../../src/select/look-up-candidate-files.js";
import { type RunSelectionOptions, runSelection } from "../../src/select/run-selection.js";
import { parseTaskSpec, type TaskSpecInput } from "../../src/select/task-spec.js";
import { closedPort } from "../support/closed-port.js";
import { type FakeHub, startFakeHubServer } from "../support/fake-hub-server.js";
import { makeModel } from "../support/make-model.js";

const FAST_RETRY = { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 5 };
const ROWS: [string, string][] = [
  ["I love this phone, it works great", "positive"],
  ["Terrible service, I want my money back", "negative"],
  ["The food was excellent and the staff friendly", "positive"],
  ["This is the worst purchase I have ever made", "negative"],
];
/** By downloads, so by prior: the first has no ONNX weights under onnx/ (only a root model.onnx). */
const MODELS = [
  { id: "org/no-onnx", downloads: 9000, files: ["config.json", "model.onnx"] },
  {
    id: "org/onnx-first",
    downloads: 8000,
    files: ["onnx/model.onnx", "onnx/model_quantized.onnx"],
  },
  { id: "org/onnx-second", downloads: 7000, files: ["onnx/model.onnx"] },
  { id: "org/onnx-third", downloads: 6000, files: ["onnx/model.onnx"] },
];

let directory: string;
let catalog: CatalogStore;
let hub: FakeHub;
const loaded: string[] = [];

/** Stands in for transformers.js (same `supports` rule), answering by keyword. */
const transformersLike: BackendProvider = {
  provider: TRANSFORMERS_PROVIDER,
  supports: supportsTransformers,
  create(model): ModelBackend {
    const description = {
      specificationVersion: BACKEND_SPECIFICATION_VERSION,
      provider: TRANSFORMERS_PROVIDER,
      modelId: model.id,
      task: "text-classification",
      local: true,
      labels: ["positive", "negative"],
    } as const;
    return {
      specificationVersion: BACKEND_SPECIFICATION_VERSION,
      provider: TRANSFORMERS_PROVIDER,
      modelId: model.id,
      describe: () => description,
      load: async () => {
        loaded.push(model.id);
        return { loadMs: 0 };
      },
      async doRun(inputs): Promise<BackendOutput[]> {
        return inputs.map((input) => ({
          kind: "labels",
          labels: [
            { label: /love|excellent/.test(String(input)) ? "positive" : "negative", score: 1 },
          ],
        }));
      },
      unload: async () => {},
    };
  },
};

function spec(path: string, limit: number): TaskSpecInput {
  return {
    task_type: "text-classification",
    candidates: { query: { limit } },
    data: { path },
  };
}

function options(input: TaskSpecInput, extra: Partial<RunSelectionOptions>): RunSelectionOptions {
  return {
    spec: parseTaskSpec(input),
    specInput: input,
    specSource: "test",
    baseDirectory: directory,
    catalog,
    providers: [transformersLike],
    ...extra,
  };
}

beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), "ms-select-files-"));
  writeFileSync(
    join(directory, "data.jsonl"),
    ROWS.map(([text, label]) => JSON.stringify({ text, label })).join("\n"),
  );
  loaded.length = 0;
  hub = await startFakeHubServer({
    models: MODELS.map(({ id }) => ({ id, pipeline_tag: "text-classification", tags: ["onnx"] })),
  });
  for (const { id, files } of MODELS) hub.setFiles(id, files);
  catalog = await openSqliteStore({ path: ":memory:" });
  // As a sync from a mirror leaves them: tagged onnx, files unknown.
  await catalog.upsertModels(
    MODELS.map(({ id, downloads }) =>
      makeModel({
        id,
        downloads,
        library: "transformers.js",
        tags: ["onnx"],
        extra: { filesUnknown: true },
      }),
    ),
  );
});

afterEach(async () => {
  await hub.close();
  await catalog.close();
});

describe("selection with candidates whose files are unknown", () => {
  it("looks up the cut's files, drops a model without ONNX weights and probes the next one", async () => {
    const decision = await runSelection(
      options(spec(join(directory, "data.jsonl"), 2), {
        lookUpFiles: hubFilesLookup({ endpoint: hub.url, retry: FAST_RETRY }, false),
      }),
    );
    // Not dropped by the runnable filter on unknown files; dropped once they are known.
    const runnable = decision.filters.find((step) => step.filter === "runnable");
    expect(runnable?.after).toBe(4);
    const step = decision.filters.find((step) => step.filter === "onnx-files");
    expect(step).toMatchObject({
      before: 4,
      after: 3,
      removedExamples: [
        { id: "org/no-onnx", reason: "no ONNX weights for transformers.js: no onnx/ folder" },
      ],
    });
    expect(loaded).toEqual(["org/onnx-first", "org/onnx-second"]);
    const statuses = Object.fromEntries(
      decision.candidates.map((candidate) => [candidate.id, candidate.status]),
    );
    expect(Object.keys(statuses).sort()).toEqual([
      "org/onnx-first",
      "org/onnx-second",
      "org/onnx-third",
    ]);
    expect(statuses["org/onnx-third"]).toBe("not-probed");
    expect(decision.winner?.id).toMatch(/^org\/onnx-(first|second)$/);
    expect(decision.candidates.map((candidate) => candidate.id)).not.toContain("org/no-onnx");
    expect(decision.explanation.join(" ")).toContain(
      "org/no-onnx (no ONNX weights for transformers.js: no onnx/ folder). The next candidate by prior took its place.",
    );
    // Only the cut was looked up: three models (the dropped one and the two probed).
    const looked = new Set(
      hub.requests.map((request) => request.path.split("/").slice(3, 5).join("/")),
    );
    expect(looked).toEqual(new Set(["org/no-onnx", "org/onnx-first", "org/onnx-second"]));
    // What was found is in the catalog now, variants included.
    expect((await catalog.getModel("org/onnx-first"))?.extra).toMatchObject({
      onnxFiles: ["onnx/model.onnx", "onnx/model_quantized.onnx"],
      onnxVariants: ["q8"],
    });
    expect(await catalog.getModel("org/onnx-first@q8")).not.toBeNull();
    expect((await catalog.getModel("org/onnx-third"))?.extra.filesUnknown).toBe(true);
  });

  it("stops looking up after a failure and says so, probing the rest with unknown files", async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const decision = await runSelection(
      options(spec(join(directory, "data.jsonl"), 2), {
        lookUpFiles: hubFilesLookup({ endpoint, retry: FAST_RETRY }, false),
      }),
    );
    expect(decision.status).toBe("completed");
    expect(loaded).toEqual(["org/no-onnx", "org/onnx-first"]);
    const step = decision.filters.find((step) => step.filter === "onnx-files");
    expect(step).toMatchObject({ before: 4, after: 4, removedExamples: [] });
    expect(step?.description).toContain("2 kept with unknown files");
    const explanation = decision.explanation.join(" ");
    expect(explanation).toContain("Looking up the files of org/no-onnx failed");
    expect(explanation).toContain("1 more candidate");
  });

  it("in offline mode asks nothing and explains why the files stay unknown", async () => {
    const decision = await runSelection(
      options(spec(join(directory, "data.jsonl"), 1), {
        lookUpFiles: hubFilesLookup({ endpoint: hub.url, retry: FAST_RETRY }, true),
      }),
    );
    expect(hub.requests).toHaveLength(0);
    expect(decision.explanation.join(" ")).toContain("offline mode is on");
  });

  it("fails with NO_CANDIDATES naming the look-up when every candidate lacks ONNX weights", async () => {
    for (const { id } of MODELS) hub.setFiles(id, ["config.json", "pytorch_model.bin"]);
    const error = await runSelection(
      options(spec(join(directory, "data.jsonl"), 4), {
        lookUpFiles: hubFilesLookup({ endpoint: hub.url, retry: FAST_RETRY }, false),
      }),
    ).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "NO_CANDIDATES" });
    expect((error as Error).message).toContain("onnx-files");
  });
});
