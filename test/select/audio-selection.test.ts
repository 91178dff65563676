/**
 * Selection on recordings: the sample data's input column holds paths to audio files, which
 * are read, decoded (WAV) and resampled to what each model takes, and the models are probed
 * for real through transformers.js. The two candidates are the pitch classifier built for
 * the tests (`build-pitch-classifier.ts`) with different thresholds, served over the Hub's
 * protocol; the labels are true to a 1 kHz threshold, so the 1 kHz model should win and the
 * 3 kHz one lose every tone between 1 and 3 kHz.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTransformersBackendProvider,
  transformersBackendProvider,
} from "../../src/backends/transformers-js/transformers-backend-provider.js";
import type { CatalogStore } from "../../src/catalog/catalog-store.js";
import { openSqliteStore } from "../../src/catalog/sqlite/sqlite-store.js";
import { type MirrorServer, startMirrorServer } from "../../src/mirror/start-mirror-server.js";
import { buildPitchClassifier } from "../../src/onnx-build/build-pitch-classifier.js";
import { writeBuiltModel } from "../../src/onnx-build/built-model.js";
import { candidateIdResolver } from "../../src/select/resolve-candidate-id.js";
import { type RunSelectionOptions, runSelection } from "../../src/select/run-selection.js";
import { parseTaskSpec, type TaskSpecInput } from "../../src/select/task-spec.js";
import { buildWav, sine } from "../media/wav-fixtures.js";
import { makeModel } from "../support/make-model.js";

const AT_1K = "modelscout/pitch-1k";
const AT_3K = "modelscout/pitch-3k";

let folder: string;
let mirror: MirrorServer;
let catalog: CatalogStore;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), "ms-audio-select-"));
  await writeBuiltModel(
    join(folder, "repos"),
    buildPitchClassifier({ id: AT_1K, thresholdHz: 1000 }),
  );
  await writeBuiltModel(
    join(folder, "repos"),
    buildPitchClassifier({ id: AT_3K, thresholdHz: 3000 }),
  );
  mirror = await startMirrorServer({ directory: join(folder, "repos") });
  catalog = await openSqliteStore({ path: ":memory:" });
  await catalog.upsertModels(
    [AT_1K, AT_3K].map((id) =>
      makeModel({ id, task: "audio-classification", library: "transformers.js", tags: ["onnx"] }),
    ),
  );
  // Tones recorded at 44.1 and 16 kHz, labelled by the truth at 1 kHz.
  mkdirSync(join(folder, "tones"));
  const rows: string[] = [];
  for (const [index, hz] of [250, 400, 600, 800, 1300, 1700, 2100, 2600, 3500, 4200].entries()) {
    const rate = index % 2 === 0 ? 44_100 : 16_000;
    const name = `tones/tone-${hz}.wav`;
    writeFileSync(
      join(folder, name),
      buildWav({ channels: [sine(hz, rate, 0.3)], samplingRateHz: rate, encoding: "pcm16" }),
    );
    rows.push(JSON.stringify({ audio: name, label: hz > 1000 ? "high-pitched" : "low-pitched" }));
  }
  writeFileSync(join(folder, "tones.jsonl"), `${rows.join("\n")}\n`);
}, 60_000);

afterAll(async () => {
  await catalog?.close();
  await mirror?.close();
  await rm(folder, { recursive: true, force: true });
});

/**
 * A selection among `ids` on the tones of `dataFile` (relative to the test folder), with the
 * default weights (quality 0.7, latency 0.3), through transformers.js fetching from the mirror
 * unless `extra` says otherwise.
 */
function selectAmong(ids: string[], dataFile: string, extra: Partial<RunSelectionOptions> = {}) {
  const spec: TaskSpecInput = {
    task_type: "audio-classification",
    hardware: "local",
    candidates: { ids },
    data: { path: dataFile, columns: { input: "audio", label: "label" } },
  };
  return runSelection({
    spec: parseTaskSpec(spec),
    specInput: spec,
    specSource: "test",
    baseDirectory: folder,
    catalog,
    providers: [
      createTransformersBackendProvider({
        settings: {
          remoteHost: `${mirror.url}/`,
          cacheDirectory: join(folder, "cache"),
          offline: false,
          revision: "main",
        },
      }),
    ],
    ...extra,
  });
}

describe("selection on recordings", () => {
  it("probes audio models on the user's WAV files and picks the one that labels them right", async () => {
    // The two models take the same few milliseconds per tone, and noise in that must not
    // decide under the default weights (score-candidates.ts).
    const decision = await selectAmong([AT_1K, AT_3K], "tones.jsonl");
    expect(decision.status).toBe("completed");
    expect(decision.winner?.id).toBe(AT_1K);
    const quality = (id: string) =>
      decision.candidates.find((candidate) => candidate.id === id)?.quality;
    expect(quality(AT_1K)).toBe(1);
    // Wrong on the four tones between 1 and 3 kHz, right on the other six.
    expect(quality(AT_3K)).toBeCloseTo(0.6, 5);
  });

  it("ranks audio models from the user's own folders (local:), as the CLI resolves them", async () => {
    const decision = await selectAmong(
      [`local:repos/${AT_3K}`, `local:repos/${AT_1K}`],
      "tones.jsonl",
      {
        providers: [transformersBackendProvider],
        resolveExtraId: candidateIdResolver(catalog),
      },
    );
    expect(decision.status).toBe("completed");
    expect(decision.winner?.id).toBe(`local:${join(folder, "repos", AT_1K)}`);
  });

  it("says which sample file is not audio", async () => {
    writeFileSync(join(folder, "notes.txt"), "not a recording");
    writeFileSync(
      join(folder, "bad.jsonl"),
      `${JSON.stringify({ audio: "notes.txt", label: "low-pitched" })}\n`,
    );
    await expect(selectAmong([AT_1K], "bad.jsonl")).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      message: expect.stringContaining(
        `Sample recording ${join(folder, "notes.txt")} is not audio`,
      ),
    });
  });
});
